#pragma once
// The status pages driftd serves itself (docs/ui.md): the monitors, one monitor's report (the two
// distributions of every feature, each statistic against its threshold, history charts) and the
// alerts with their silences. Server-rendered HTML with inline SVG charts and one small inline
// script; nothing is fetched from anywhere else.
//
// Everything here is a pure function of plain data: no I/O, no clock (`now` comes in the
// context), thread-compatible. Every value taken from the data is HTML-escaped: feature names,
// categories, segment values, messages and comments are user data.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "driftd/common/time.hpp"
#include "driftd/drift/evaluation.hpp"
#include "driftd/drift/sources.hpp"

namespace driftd::ui {

// What every page needs to know about the server.
struct PageContext {
  Timestamp now{};
  std::string version;
  bool token_required = false;  // POST/DELETE on the API need "Authorization: Bearer <token>"
};

// An alert as GET /api/v1/alerts shows it.
struct AlertView {
  std::string id;
  std::string monitor;
  std::string feature;
  std::string statistic;
  std::string segment;
  std::string state;  // "firing", "resolved", "pending", "inactive"
  std::string severity;
  std::optional<double> value;
  std::optional<double> threshold;
  bool below = false;
  std::optional<Timestamp> started_at;
  std::optional<Timestamp> resolved_at;
  std::string message;
  std::vector<drift::Contributor> top_contributors;
};

// A silence as GET /api/v1/silences shows it.
struct SilenceView {
  std::string id;
  std::string monitor;
  std::optional<std::string> feature;    // absent: any
  std::optional<std::string> statistic;  // absent: any
  std::optional<Timestamp> starts_at;
  std::optional<Timestamp> ends_at;
  std::string comment;
  std::string created_by;
  bool active = false;
  bool matches(const AlertView& a) const;
};

// The documents of GET /api/v1/alerts and GET /api/v1/silences. Throw std::runtime_error.
std::vector<AlertView> parse_alerts(std::string_view json);
std::vector<SilenceView> parse_silences(std::string_view json);

// The retrain decision (GET /api/v1/monitors/{name}/retrain).
struct RetrainView {
  struct Reason {
    std::string feature;
    std::string statistic;
    double value = 0;
    double threshold = 0;
    std::optional<Timestamp> evaluated_at;
  };
  bool should_retrain = false;
  std::vector<Reason> reasons;
  std::optional<Timestamp> evaluated_at;
  std::string status;
};

// The statistic furthest beyond (or nearest to) its threshold in an evaluation: what the overview
// shows for a monitor. `feature` is a feature, __prediction__, __confidence__, __dataset__,
// __performance__, __system__ or __challenger__, as in the statistics table.
struct WorstStatistic {
  std::string feature;
  std::string statistic;
  double value = 0;
  std::optional<double> threshold;
  bool below = false;
  bool breached = false;
  double ratio = 0;  // how far towards the threshold: > 1 beyond it
};
// Breaches first, then by ratio; without any threshold, the largest PSI. nullopt when the
// evaluation has no statistic at all (an error).
std::optional<WorstStatistic> worst_statistic(const drift::Evaluation& e,
                                              const std::vector<drift::Threshold>& thresholds);

// One row of the overview.
struct MonitorRow {
  std::string name;
  std::string status;  // the latest evaluation's, or "pending"
  std::optional<Timestamp> evaluated_at;
  std::optional<Timestamp> next_run_at;
  std::optional<std::string> error;
  std::size_t features = 0;
  std::size_t breaches = 0;  // breached statistics over every section
  std::optional<WorstStatistic> worst;
  std::vector<drift::StatisticPoint> worst_history;  // oldest first: the sparkline
};

struct OverviewPage {
  std::vector<MonitorRow> monitors;
  std::vector<AlertView> alerts;  // every alert (the firing ones are counted per monitor)
  std::optional<std::string> alerts_error;
  std::optional<std::string> history_error;
  std::string status_filter;  // "" = all; else one status
  bool auto_refresh = true;
};
// GET / and GET /ui/.
std::string render_overview(const OverviewPage& page, const PageContext& ctx);

// The history shown on a monitor's page: one statistic of every feature over a range.
struct HistoryChoice {
  std::string statistic = "psi";
  Duration range = std::chrono::hours(24);
};
// The ranges offered: 1h, 6h, 24h, 7d, 30d.
std::vector<Duration> history_ranges();
// From the query parameters `stat` and `range`; anything unknown falls back to the default (the
// statistic must be one that a feature of `e` has).
HistoryChoice parse_history_choice(const std::vector<std::pair<std::string, std::string>>& params,
                                   const std::optional<drift::Evaluation>& e);
// The series the page charts: `choice.statistic` of every feature and the prediction, and the
// main statistics of the confidence and of each configured section.
std::vector<drift::StatisticKey> history_keys(const drift::Evaluation& e,
                                              const HistoryChoice& choice,
                                              const std::vector<drift::Threshold>& thresholds);
// One point per bucket over the range: the query the page makes.
drift::SeriesQuery history_query(const HistoryChoice& choice, Timestamp now);

struct MonitorPage {
  std::string name;
  std::string status;  // the monitor list's status (the latest evaluation's, or "pending")
  std::optional<drift::Evaluation> latest;  // the latest (good) evaluation
  std::optional<Timestamp> next_run_at;
  std::vector<drift::Threshold> thresholds;
  std::optional<RetrainView> retrain;
  std::optional<std::string> retrain_error;
  std::vector<AlertView> alerts;  // this monitor's
  std::optional<std::string> alerts_error;
  HistoryChoice history;
  std::vector<drift::StatisticSeries> series;
  std::optional<std::string> history_error;
};
// GET /ui/monitors/{name}.
std::string render_monitor(const MonitorPage& page, const PageContext& ctx);

// What the new-silence form starts with (GET /ui/alerts?monitor=&feature=&statistic=).
struct SilencePrefill {
  std::string monitor;
  std::string feature;
  std::string statistic;
};

struct AlertsPage {
  std::vector<AlertView> alerts;
  std::optional<std::string> alerts_error;
  std::vector<SilenceView> silences;
  std::optional<std::string> silences_error;
  std::vector<std::string> monitors;    // for the form
  std::vector<std::string> statistics;  // known statistic names, for the form
  SilencePrefill prefill;
  std::size_t resolved_limit = 50;  // the most recently resolved shown
};
// GET /ui/alerts.
std::string render_alerts(const AlertsPage& page, const PageContext& ctx);

// A page saying what went wrong (unknown monitor, state database down), with `status` in its
// title.
std::string render_error(int status, std::string_view message, const PageContext& ctx);

// Headers every page is sent with: the content type, a Content-Security-Policy that allows only
// the pages' own inline style and script (by hash) and same-origin requests, no framing, no
// sniffing, no caching, no referrer.
std::vector<std::pair<std::string, std::string>> page_headers();

// The series of `keys` over stored evaluations (newest first, as history returns them), for
// backends without a statistics table.
std::vector<drift::StatisticSeries> series_from_evaluations(
    const std::vector<drift::Evaluation>& evaluations, const std::vector<drift::StatisticKey>& keys,
    const drift::SeriesQuery& q);

// The value of `feature`/`statistic` in an evaluation (names as in StatisticKey).
std::optional<double> statistic_value(const drift::Evaluation& e, std::string_view feature,
                                      std::string_view statistic);

// Exposed for tests: HTML-escapes & < > " ' (safe in text and in quoted attributes).
std::string escape(std::string_view text);

}  // namespace driftd::ui
