#pragma once
// A monitor compiled once per config load or reload: the statistics to compute, the window reads
// of every section with their columns, the fingerprint of its reference, the section specs and
// the alert rules. Evaluations, the commands and the daemon work from plans; only compile() reads
// the monitor's configuration.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driftd/alerts/rules.hpp"
#include "driftd/config/config.hpp"
#include "driftd/drift/business.hpp"
#include "driftd/drift/challenger.hpp"
#include "driftd/drift/evaluation.hpp"
#include "driftd/drift/monitoring.hpp"
#include "driftd/drift/sources.hpp"

namespace driftd::daemon {

// Where one value is among the columns a window read returns; empty when it is not read.
class ColumnHandle {
 public:
  ColumnHandle() = default;
  explicit ColumnHandle(std::size_t index) : index_(index) {}
  explicit operator bool() const { return index_.has_value(); }
  std::size_t index() const { return index_.value(); }
  // The column in `data`, or nullptr when this value is not read.
  const drift::Column* in(const drift::WindowData& data) const;
  bool operator==(const ColumnHandle&) const = default;

 private:
  std::optional<std::size_t> index_;
};

// The columns of one window read. The evaluation spec's columns come first (`main` of them: the
// features, the prediction, the confidence), the sections' after.
struct WindowColumns {
  std::size_t main = 0;
  ColumnHandle prediction;  // one of the main columns
  ColumnHandle confidence;  // one of the main columns
  // [monitors.labels]
  ColumnHandle label;
  ColumnHandle score;      // may be the confidence or the prediction
  ColumnHandle predicted;  // the model's own class (or value) the label is compared with
  ColumnHandle label_time;
  ColumnHandle prediction_time;
  // [monitors.system], current window only
  ColumnHandle latency;
  ColumnHandle error;
  ColumnHandle time;     // the reference's timestamps (Unix seconds), to learn `auto` thresholds
  ColumnHandle segment;  // the monitor's segment column (categorical), both windows
  ColumnHandle key;      // [monitors.challenger] key: pairs the rows of two model versions

  drift::PerformanceColumns performance(const drift::WindowData& data) const;
  drift::SystemColumns system(const drift::WindowData& data) const;
  drift::ChallengerColumns challenger(const drift::WindowData& data) const;
};

// Where a part of a window read was configured, for messages that point into the file (`check`,
// a reload's database checks): {"feature", "amount", 17}, {"timestamp_column", "", 10}.
struct ConfigOrigin {
  std::string what;  // "feature", "prediction", "labels.column", "where", "reference.table"...
  std::string name;  // the feature's name, the filter's column; empty for the others
  int line = 0;      // of the key (or the entry) in the file
};

// The origins of every part of a WindowPlan's request.
struct RequestOrigins {
  ConfigOrigin table;
  ConfigOrigin timestamp_column;
  std::vector<ConfigOrigin> where;    // one per request.where
  std::vector<ConfigOrigin> columns;  // one per request.columns
  ConfigOrigin join;                  // [monitors.labels]: its table and keys
};

// One window read, compiled: the request whose bounds (and sampling seed) follow the instant.
struct WindowPlan {
  enum class Bounds {
    trailing,  // (at - length, at]: the current window, the model versions
    offset,    // (at - offset - length, at - offset]
    fixed,     // request.from / request.to as they are (either may be unset: a table)
  };
  drift::WindowRequest request;  // from / to / sample_seed are set by at()
  WindowColumns columns;
  Bounds bounds = Bounds::trailing;
  Duration length{0};
  Duration offset{0};
  RequestOrigins origins;
  drift::WindowRequest at(Timestamp instant) const;
};

// Freshness, volume and business metrics: one aggregate read per evaluation, computed by the
// database over the current window, the baseline windows, and the newest row.
struct BusinessPlan {
  drift::AggregateRequest request;  // table, filters, aggregates; windows and newest set by at()
  // The windows: the current one, then the reference window (when a metric's baseline is the
  // reference), then the same window 1..weeks weeks back (hour_of_week baselines).
  bool reference_window = false;
  // The reference window does not move (fixed from/to): its aggregates are computed once and kept
  // under reference_key (a digest of the table, filters, bounds and aggregates).
  bool reference_fixed = false;
  std::string reference_key;
  int weeks = 0;
  Duration window{0};
  std::optional<drift::FreshnessSpec> freshness;  // freshness or volume configured
  int freshness_weeks = 0;  // hour_of_week freshness: the newest row at the instant 1..N weeks ago
  std::optional<std::size_t> volume_rows;  // hour_of_week volume: its rows aggregate
  std::vector<drift::MetricSpec> metrics;
  std::vector<std::size_t> metric_aggregates;  // each metric's first aggregate
  // The request at `instant`; `reference` is the reference window's read at that instant.
  drift::AggregateRequest at(Timestamp instant, const drift::WindowRequest& reference) const;
  bool reads() const { return !request.aggregates.empty() || freshness_checked(); }
  bool freshness_checked() const { return freshness && freshness->freshness; }
  std::size_t window_count() const {
    return request.aggregates.empty()
               ? 0
               : 1 + (reference_window ? 1 : 0) + static_cast<std::size_t>(weeks);
  }
};

struct MonitorPlan {
  const config::MonitorConfig* config = nullptr;  // owned by the CompiledConfig
  std::string name;
  drift::EvaluationSpec spec;
  WindowPlan current;    // every column the monitor's sections need, read in one scan
  WindowPlan reference;  // likewise for the reference window
  // Only what measures the reference's performance (every main column at its place, so that a
  // window over max_rows keeps the sample of the full read): for a frozen reference, whose rows
  // are not kept, while its labels are still arriving. nullopt without labels.
  std::optional<WindowPlan> reference_performance;
  // With labels.delay: the window whose performance is judged at an instant, (at - delay -
  // window, at - delay], read for its labels (the current window then reads none). nullopt
  // without a delay: the current window's own labels.
  std::optional<WindowPlan> delayed_performance;
  // The model versions of [monitors.challenger] over the current window; nullopt without one.
  std::optional<WindowPlan> champion;
  std::optional<WindowPlan> challenger;
  std::optional<drift::PerformanceSpec> performance;
  std::optional<drift::SystemSpec> system;
  std::optional<drift::ChallengerSpec> comparison;
  std::optional<BusinessPlan> business;      // freshness, volume, [[monitors.metrics]]
  std::vector<std::string> retrain_metrics;  // business metrics with `retrain = true`
  struct Segment {
    std::string column;
    std::size_t max = 10;  // segments kept by current volume, the rest as kOtherSegment
  };
  std::optional<Segment> segment;
  // A reference that does not move with the instant (fixed or table) and needs no rows (no
  // segment) is frozen once and reused.
  bool frozen = false;
  // A digest of everything the frozen reference depends on: a change to any of it gives another.
  std::string fingerprint;
  std::string frozen_key;  // name/fingerprint: the key of the frozen reference cache
  alerts::MonitorRules rules;
};

MonitorPlan compile_monitor(const config::MonitorConfig& m);

// A whole configuration compiled; replaced whole on reload, never changed.
class CompiledConfig {
 public:
  explicit CompiledConfig(config::Config config);
  CompiledConfig(const CompiledConfig&) = delete;
  CompiledConfig& operator=(const CompiledConfig&) = delete;
  const config::Config& config() const { return config_; }
  const std::vector<MonitorPlan>& monitors() const { return plans_; }
  const MonitorPlan* find(std::string_view name) const;

 private:
  config::Config config_;
  std::vector<MonitorPlan> plans_;
};
std::shared_ptr<const CompiledConfig> compile(config::Config config);

// The sampling seed of a window: derived from its bounds, so one window always gets one sample.
std::uint64_t window_seed(const std::optional<Timestamp>& from, const std::optional<Timestamp>& to);

}  // namespace driftd::daemon
