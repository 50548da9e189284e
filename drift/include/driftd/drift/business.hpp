#pragma once
// Business metrics, freshness and volume (issue 14): the monitoring rows that watch the product and
// the pipeline rather than the model. The database sums each window (AggregateRequest, exact
// whatever max_rows); this file turns those sums into values, baselines, significance tests and
// the judgement alerts act on. Pure and thread-compatible.
//
// Baselines: `reference` is the monitor's reference window (offset or fixed); `hour_of_week` the
// same window shifted back by 1..N whole weeks, combined robustly (median, and 1.4826 · MAD as the
// spread) so that one holiday or outage among the weeks moves neither; weeks without rows are left
// out, and fewer than `min_weeks` usable weeks is no baseline.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "driftd/common/time.hpp"
#include "driftd/drift/business_kinds.hpp"
#include "driftd/drift/evaluation.hpp"
#include "driftd/drift/sources.hpp"
#include "driftd/drift/thresholds.hpp"

namespace driftd::drift {

// The robust combination of a seasonal baseline's windows.
struct SeasonalBaseline {
  double median = 0;
  double spread = 0;       // 1.4826 · median absolute deviation (σ for normal data)
  std::uint64_t used = 0;  // windows with a value
};
// nullopt when fewer than `min_used` (at least 1) of `values` are set.
std::optional<SeasonalBaseline> seasonal_baseline(std::span<const std::optional<double>> values,
                                                  std::size_t min_used);

// ---- freshness and volume ---------------------------------------------------------------

struct FreshnessSpec {
  bool freshness = false;  // the newest row is looked up
  bool volume = false;     // the current window's rows are compared with the baseline's
  BaselineKind baseline = BaselineKind::reference;  // volume's
  std::size_t min_weeks = 2;                        // hour_of_week: usable weeks needed
  // freshness against the same instant of earlier weeks (a feed that is quiet every night):
  // none or hour_of_week
  BaselineKind freshness_baseline = BaselineKind::none;
  std::size_t freshness_min_weeks = 2;
};

struct FreshnessInputs {
  std::optional<Timestamp> newest;  // the newest row at or before the instant (freshness)
  // hour_of_week freshness: the newest row at or before the instant 1, 2, ... weeks earlier
  std::vector<std::optional<Timestamp>> weekly_newest;
  // reference: the reference window's rows and length in seconds
  std::optional<std::uint64_t> reference_rows;
  double reference_seconds = 0;
  std::vector<std::optional<double>> weekly_rows;  // hour_of_week: each week's rows
};

// The `freshness` section of `e` (its current_window gives the rows and the length):
// freshness_seconds = evaluated_at − newest row (absent without any row); with an hour_of_week
// freshness baseline usual_age_seconds (the median of the same age at the same instant of earlier
// weeks, weeks without any row by then left out) and freshness_excess_seconds = max(0, age −
// usual age); window_rows,
// baseline_rows (reference: its rows scaled to the current window's length; hour_of_week: the
// median week, weeks without rows left out) and volume_ratio = window_rows / baseline_rows.
// `thresholds` apply whenever `e` is not an error, an empty window included (a stalled feed is
// exactly that). A breach makes an `ok` evaluation `drift`.
void add_freshness(Evaluation& e, const FreshnessSpec& spec, const FreshnessInputs& in,
                   const std::vector<Threshold>& thresholds);

// ---- business metrics -------------------------------------------------------------------

// What the database reads for a metric.
struct MetricQuery {
  // rate, mean, sum: the value; ratio: the numerator; count: optional (rows with a value)
  std::optional<ColumnRequest> value;
  std::optional<ColumnRequest> denominator;  // ratio
  std::vector<std::string> equals;           // rate over text: the values that count
  std::optional<double> greater_than;        // rate over numbers: a value counts above this
  std::vector<std::pair<std::string, std::string>> where;  // the metric's own filters
  std::string sql;                                         // kind sql: the expression
};

// The aggregates of a metric, in the order metric_window() reads them.
//   rate:  rows with a value, rows that count         mean: rows, mean, sample variance
//   sum:   rows, sum                                   ratio: rows, sum(numerator),
//   sum(denominator) count: rows                                        sql:   rows, the expression
std::vector<Aggregate> metric_aggregates(MetricKind kind, const MetricQuery& q);

// One metric over one window.
struct MetricWindow {
  std::uint64_t rows = 0;          // rows it is computed on
  std::optional<double> value;     // undefined: no rows, a zero denominator, SQL NULL
  std::uint64_t successes = 0;     // rate: rows that count
  std::optional<double> variance;  // mean: sample variance
  double seconds = 0;              // the window's length
};
// From the aggregates of metric_aggregates(kind), in that order (fewer: throws
// std::invalid_argument). A sum over no rows is 0, a count is its rows.
MetricWindow metric_window(MetricKind kind, std::span<const std::optional<double>> aggregates,
                           double seconds);

struct MetricSpec {
  std::string name;
  MetricKind kind = MetricKind::rate;
  // Relative to the baseline (fractions: drop = 0.1 fires below baseline − 10 %), absolute.
  std::optional<double> drop, rise, below, above;
  // Hysteresis: where a firing alert resolves (defaults: the levels themselves).
  std::optional<double> resolve_drop, resolve_rise, resolve_below, resolve_above;
  double alpha = 0.05;           // significance level of the gate on drop / rise
  std::uint64_t min_rows = 100;  // rows each window needs (hour_of_week: each usable week)
  BaselineKind baseline = BaselineKind::reference;
  std::size_t min_weeks = 2;  // hour_of_week: usable weeks needed
  bool relative() const { return drop.has_value() || rise.has_value(); }
};

// The metric's result: value, baseline (reference: sum and count scaled to the current window's
// length; hour_of_week: the median of the usable weeks), change = (value − baseline) / |baseline|,
// and the significance gate on drop / rise:
//   rate + reference: two-proportion z-test of the two windows (pooled, two-sided);
//   mean + reference: Welch's t-test from each window's mean, sample variance and rows;
//   hour_of_week: robust z = (value − median) / spread, the spread floored at the current value's
//     own sampling error (rate √(p(1−p)/n), mean √(s²/n), count √value), p two-sided normal;
//   sum, ratio, count, sql against the reference: not tested (min_rows only).
// A drop / rise crossed with p ≥ alpha is `not_significant`, not a breach. Too few current rows
// (or an undefined value) is insufficient_data; so is a metric whose only thresholds are relative
// when the baseline has too few rows (or weeks).
MetricResult evaluate_metric(const MetricSpec& spec, const MetricWindow& current,
                             std::span<const MetricWindow> baseline);

// Adds the results to `e` (e.metrics); a breach makes an `ok` evaluation `drift`. Judged on every
// evaluation that is not an error, as each metric has its own min_rows.
void add_metrics(Evaluation& e, std::vector<MetricResult> metrics);

}  // namespace driftd::drift
