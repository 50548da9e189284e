#include "ui_pages.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "driftd/alerts/types.hpp"
#include "driftd/common/log.hpp"
#include "driftd/config/config.hpp"
#include "driftd/ui/pages.hpp"

namespace driftd::daemon {

namespace {

// The overview's sparklines: the newest evaluations of each monitor's worst statistic.
constexpr std::size_t kSparklinePoints = 48;

ui::PageContext context(const UiOptions& o) {
  ui::PageContext ctx;
  ctx.now = std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  ctx.version = DRIFTD_VERSION;
  ctx.token_required = o.token_required;
  return ctx;
}

HtmlPage page(int status, std::string body) {
  return HtmlPage{status, std::move(body), ui::page_headers()};
}

std::string param(const QueryParams& params, const std::string& key) {
  for (const auto& [k, v] : params) {
    if (k == key) return v;
  }
  return "";
}

std::size_t count_breaches(const drift::Evaluation& e) {
  std::size_t n = 0;
  for (const auto& f : e.features) n += f.breaches.size();
  if (e.prediction) n += e.prediction->breaches.size();
  if (e.confidence) n += e.confidence->breaches.size();
  if (e.dataset) n += e.dataset->breaches.size();
  if (e.performance) n += e.performance->breaches.size();
  if (e.system) n += e.system->breaches.size();
  if (e.challenger) n += e.challenger->breaches.size();
  return n;
}

// The alerts document, or why not: a page shows what it can when the state database is down.
std::vector<ui::AlertView> alerts_of(ApiBackend& backend, std::optional<std::string>& error) {
  try {
    return ui::parse_alerts(backend.alerts_json());
  } catch (const std::exception& e) {
    error = e.what();
    return {};
  }
}

ui::RetrainView retrain_view(const RetrainDecision& d) {
  ui::RetrainView r;
  r.should_retrain = d.should_retrain;
  r.evaluated_at = d.evaluated_at;
  r.status = d.status;
  for (const auto& reason : d.reasons) {
    r.reasons.push_back(
        {reason.feature, reason.statistic, reason.value, reason.threshold, reason.evaluated_at});
  }
  return r;
}

}  // namespace

std::vector<drift::Threshold> ApiBackend::thresholds(const std::string&) { return {}; }

std::vector<drift::StatisticSeries> ApiBackend::series(const std::vector<drift::StatisticKey>& keys,
                                                       const drift::SeriesQuery& q) {
  std::map<std::string, std::vector<drift::Evaluation>> by_monitor;
  for (const auto& k : keys) {
    if (by_monitor.count(k.monitor) > 0) continue;
    drift::HistoryQuery hq;
    hq.from = q.from;
    hq.to = q.to;
    hq.limit = 1000;
    by_monitor[k.monitor] = history(k.monitor, hq);
  }
  std::vector<drift::StatisticSeries> out;
  for (const auto& k : keys) {
    auto one = ui::series_from_evaluations(by_monitor[k.monitor], {k}, q);
    out.push_back(std::move(one.front()));
  }
  return out;
}

HtmlPage ui_overview(ApiBackend& backend, const QueryParams& params, const UiOptions& options) {
  const ui::PageContext ctx = context(options);
  ui::OverviewPage p;
  p.status_filter = param(params, "status");
  if (p.status_filter != "" && p.status_filter != "ok" && p.status_filter != "drift" &&
      p.status_filter != "insufficient_data" && p.status_filter != "error" &&
      p.status_filter != "pending") {
    p.status_filter.clear();  // an unknown filter shows everything rather than nothing
  }
  std::vector<drift::StatisticKey> keys;
  std::vector<std::size_t> key_row;
  for (auto& m : backend.monitors()) {
    ui::MonitorRow row;
    row.name = m.name;
    row.status = m.status;
    row.next_run_at = m.next_run_at;
    if (m.last_evaluation) {
      const auto& e = *m.last_evaluation;
      row.evaluated_at = e.evaluated_at;
      row.error = e.error;
      row.features = e.features.size();
      row.breaches = count_breaches(e);
      // The worst statistic of the latest usable evaluation (an error has none).
      const std::optional<drift::Evaluation> good =
          e.status == drift::Status::error ? backend.latest(m.name) : m.last_evaluation;
      if (good) {
        row.worst = ui::worst_statistic(*good, backend.thresholds(m.name));
        if (row.worst) {
          keys.push_back({m.name, row.worst->feature, row.worst->statistic, row.worst->below});
          key_row.push_back(p.monitors.size());
        }
      }
    }
    p.monitors.push_back(std::move(row));
  }
  if (!keys.empty()) {
    drift::SeriesQuery q;
    q.limit = kSparklinePoints;
    try {
      auto series = backend.series(keys, q);
      for (std::size_t i = 0; i < series.size() && i < key_row.size(); ++i) {
        p.monitors[key_row[i]].worst_history = std::move(series[i].points);
      }
    } catch (const std::exception& e) {
      p.history_error = e.what();
    }
  }
  p.alerts = alerts_of(backend, p.alerts_error);
  return page(200, ui::render_overview(p, ctx));
}

HtmlPage ui_monitor(ApiBackend& backend, const std::string& name, const QueryParams& params,
                    const UiOptions& options) {
  const ui::PageContext ctx = context(options);
  if (!backend.has_monitor(name)) {
    return page(404, ui::render_error(404, "No monitor named \"" + name + "\".", ctx));
  }
  ui::MonitorPage p;
  p.name = name;
  p.status = "pending";
  for (const auto& m : backend.monitors()) {
    if (m.name != name) continue;
    p.status = m.status;
    p.next_run_at = m.next_run_at;
  }
  p.latest = backend.latest(name);
  p.thresholds = backend.thresholds(name);
  try {
    p.retrain = retrain_view(backend.retrain(name));
  } catch (const std::exception& e) {
    p.retrain_error = e.what();
  }
  for (auto& a : alerts_of(backend, p.alerts_error)) {
    if (a.monitor == name) p.alerts.push_back(std::move(a));
  }
  p.history = ui::parse_history_choice(params, p.latest);
  if (p.latest) {
    const auto keys = ui::history_keys(*p.latest, p.history, p.thresholds);
    try {
      p.series = backend.series(keys, ui::history_query(p.history, ctx.now));
    } catch (const std::exception& e) {
      p.history_error = e.what();
    }
  }
  return page(200, ui::render_monitor(p, ctx));
}

HtmlPage ui_alerts(ApiBackend& backend, const QueryParams& params, const UiOptions& options) {
  const ui::PageContext ctx = context(options);
  ui::AlertsPage p;
  p.alerts = alerts_of(backend, p.alerts_error);
  try {
    p.silences = ui::parse_silences(backend.silences_json());
  } catch (const std::exception& e) {
    p.silences_error = e.what();
  }
  for (const auto& m : backend.monitors()) p.monitors.push_back(m.name);
  p.statistics = config::known_statistics();
  p.statistics.emplace_back(alerts::kMonitorFailing);
  p.prefill.monitor = param(params, "monitor");
  p.prefill.feature = param(params, "feature");
  p.prefill.statistic = param(params, "statistic");
  return page(200, ui::render_alerts(p, ctx));
}

bool cross_site(const std::string& sec_fetch_site, const std::string& origin,
                const std::string& host) {
  if (!sec_fetch_site.empty()) return sec_fetch_site != "same-origin" && sec_fetch_site != "none";
  if (origin.empty()) return false;
  // "null" (sandboxed frames, file:) and anything unparsable are foreign.
  const auto scheme = origin.find("://");
  if (scheme == std::string::npos) return true;
  std::string authority = origin.substr(scheme + 3);
  if (const auto slash = authority.find('/'); slash != std::string::npos) authority.resize(slash);
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  };
  return lower(authority) != lower(host);
}

}  // namespace driftd::daemon
