#pragma once
// The result of evaluating a monitor once (CONTRACT section 3's `evaluation` object) and the
// pure pipeline that produces it from two windows of rows.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "driftd/common/time.hpp"
#include "driftd/drift/catalog.hpp"
#include "driftd/drift/multiple_testing.hpp"
#include "driftd/drift/statistics.hpp"
#include "driftd/drift/thresholds.hpp"
#include "driftd/drift/window.hpp"

namespace driftd::drift {

enum class Status { ok, drift, insufficient_data, error };
std::string_view to_string(Status s);
std::optional<Status> parse_status(std::string_view s);
std::string_view to_string(FeatureKind k);

struct WindowInfo {
  Timestamp from{};
  Timestamp to{};
  std::uint64_t rows = 0;
  bool sampled = false;
  std::uint64_t rows_in_window = 0;  // before sampling (== rows when not sampled)
};

struct FeatureResult {
  std::string name;
  FeatureKind kind = FeatureKind::numerical;
  Status status = Status::ok;  // ok | drift | insufficient_data
  FeatureStatistics statistics;
  std::vector<std::string> breaches;         // statistics whose threshold is crossed
  std::vector<AppliedThreshold> thresholds;  // the learned thresholds that applied (if any)
  std::optional<double> learned_level(std::string_view statistic) const;
};

struct ConfidenceResult {
  ConfidenceStatistics statistics;
  std::vector<std::string> breaches;
};

// Dataset-level drift: how many features drift once their p-values are corrected for testing
// many features at once (multiple_testing.hpp).
struct DatasetResult {
  PValueCorrection correction = PValueCorrection::benjamini_hochberg;
  double alpha = 0.05;
  std::uint64_t tested = 0;   // features with a p-value
  std::uint64_t drifted = 0;  // features whose adjusted p-value is below alpha
  std::vector<std::string> drifted_features;
  // drifted_feature_share (absent when nothing was tested), drifted_features, tested_features
  NamedValues statistics;
  std::vector<std::string> breaches;
};

// Realised performance of the predictions whose labels have arrived, against the reference's
// (monitoring.hpp computes it from the rows of both windows).
struct PerformanceResult {
  std::string task;  // "binary", "multiclass" or "regression"
  // ok | drift | insufficient_data (too few labelled rows: only the label-arrival statistics
  // are judged, and may be in `breaches`)
  Status status = Status::ok;
  // The window whose labels were judged when labels.delay shifts it back from the current
  // window; nullopt: the current window.
  std::optional<WindowInfo> window;
  // The look-back found no new label for this instant since it was last evaluated: its labels
  // are taken as final and it is not evaluated again.
  bool labels_settled = false;
  // Since when the look-back has seen the same number of labelled rows for this instant (kept
  // from one re-evaluation to the next; unset before the first re-evaluation).
  std::optional<Timestamp> labels_unchanged_since;
  std::uint64_t rows = 0;        // predictions in the current window (after sampling)
  std::uint64_t labelled = 0;    // the rows every metric is computed on
  std::uint64_t unlabelled = 0;  // label not there (yet)
  std::uint64_t skipped = 0;     // label there but unusable (e.g. the prediction is missing)
  // The current window's metrics, then label_coverage, labelled_rows and label_delay_*.
  NamedValues statistics;
  std::uint64_t reference_rows = 0;
  std::uint64_t reference_labelled = 0;
  NamedValues reference;  // the reference window's metrics, label_coverage, labelled_rows
  NamedValues changes;    // <metric>_drop / <metric>_increase: larger is worse
  std::vector<std::string> breaches;
  NamedValues alertable() const;  // statistics, then changes
  // What thresholds apply to: alertable() with enough labelled rows (ok, drift); with too few
  // (insufficient_data), only the label-arrival statistics (label_coverage, labelled_rows,
  // label_delay_*), which say most when labels stop arriving.
  NamedValues judged() const;
};

// System health of the model service over the current window (monitoring.hpp).
struct SystemResult {
  std::uint64_t latencies = 0;  // rows with a usable latency
  std::uint64_t requests = 0;   // rows with a status (error column not NULL)
  std::uint64_t errors = 0;
  // latency_mean, latency_p50, latency_p95, latency_p99, latency_max (milliseconds), error_rate,
  // throughput_per_minute, volume_change
  NamedValues statistics;
  std::vector<std::string> breaches;
};

// The statistics of one segment (the rows with one value of the monitor's segment column, or
// "__other__"), against the reference rows of the same segment.
struct SegmentResult {
  std::string segment;
  Status status = Status::ok;  // ok | drift | insufficient_data
  std::uint64_t current_rows = 0;
  std::uint64_t reference_rows = 0;
  std::vector<FeatureResult> features;
  std::optional<FeatureResult> prediction;
  std::optional<ConfidenceResult> confidence;
};

// One model version's side of a champion / challenger comparison (challenger.hpp).
struct ChallengerArm {
  std::uint64_t rows = 0;         // rows read for this version over the current window
  std::uint64_t predictions = 0;  // rows with a prediction
  std::uint64_t labelled = 0;     // rows the headline metric is computed on (with labels)
  NamedValues performance;        // the version's realised performance (with labels)
};

// Champion / challenger: two model versions compared over the same current window.
struct ChallengerResult {
  // ok | drift (a threshold on a statistic below is crossed) | insufficient_data (either version
  // has fewer than min_rows rows: no thresholds apply)
  Status status = Status::ok;
  // "better", "worse" (significantly, at `alpha`), "no_difference" (enough labelled rows, not
  // significant) or "unknown" (no labels, too few labelled rows, or the test is undefined)
  std::string verdict = "unknown";
  std::string metric;  // the headline metric compared: roc_auc, accuracy or mae ("" without labels)
  std::string test;    // delong_paired, delong_unpaired, two_proportion_z, welch_t ("" without)
  bool paired = false;  // the AUC test paired the two versions' rows by key
  double alpha = 0.05;
  std::uint64_t min_rows = 100;
  ChallengerArm champion;
  ChallengerArm challenger;
  // prediction_<drift statistic> (challenger against the champion as reference), agreement_rate,
  // paired_rows, champion_/challenger_confidence_mean, confidence_difference, and with labels
  // champion_/challenger_performance, performance_difference, performance_statistic,
  // performance_pvalue, champion_/challenger_labelled_rows, challenger_better, challenger_worse
  NamedValues statistics;
  std::vector<std::string> breaches;
  // Status error: the versions could not be read (the monitor's own sections are unaffected).
  std::optional<std::string> error;
};

// Freshness and volume of the monitor's table (business.hpp): how old its newest row is at the
// evaluation's instant, and how many rows the current window has against its baseline.
struct FreshnessResult {
  bool checked = false;                 // the newest row was looked up (freshness configured)
  std::optional<Timestamp> newest_row;  // at or before evaluated_at; unset: no row at all
  std::uint64_t rows = 0;               // rows of the current window (all, before sampling)
  std::string baseline;                 // volume's: "reference", "hour_of_week", "" (no volume)
  std::uint64_t baseline_windows = 0;   // windows the baseline is made of (hour_of_week: weeks)
  // hour_of_week freshness: the earlier weeks that had a row by the same instant (else absent)
  std::optional<std::uint64_t> freshness_baseline_windows;
  // freshness_seconds, usual_age_seconds and freshness_excess_seconds (hour_of_week freshness),
  // window_rows, baseline_rows (the rows expected over a window as long as the current one),
  // volume_ratio (window_rows / baseline_rows); each when defined
  NamedValues statistics;
  std::vector<std::string> breaches;
};

// One business metric ([[monitors.metrics]], business.hpp) over the current window, against its
// baseline.
struct MetricResult {
  std::string name;
  std::string kind;  // rate, mean, sum, ratio, count, sql
  // ok | breach (a threshold crossed, significant where tested) | not_significant (crossed, but
  // the test does not tell it from noise) | insufficient_data (too few rows, or no baseline for
  // the thresholds that need one) | error (its read failed; `message` says why)
  std::string status = "ok";
  std::uint64_t rows = 0;                // current window: the rows the metric is computed on
  std::uint64_t baseline_rows = 0;       // baseline: the same (hour_of_week: the median week's)
  std::string baseline_kind;             // "reference", "hour_of_week" or "none"
  std::uint64_t baseline_windows = 0;    // windows that gave a value (hour_of_week: weeks)
  std::string test;                      // two_proportion_z, welch_t, robust_z, or "" (not tested)
  std::optional<double> test_statistic;  // z or t
  NamedValues statistics;                // value, baseline, change, p_value: each when defined
  std::vector<std::string> breaches;     // drop, rise, below, above
  std::vector<std::string> not_significant;  // crossed, but not significant at alpha
  // What alerts judge (set when any threshold applied): the level the value was held to (the
  // first breach's, else the first threshold's), its direction, and whether every threshold is
  // back past its resolve level (hysteresis).
  std::optional<double> level;
  bool below = false;
  bool cleared = true;
  std::string message;  // e.g. "conversion 3.1% is 18% below its baseline 3.8% (p = 0.002)"
};

struct Evaluation {
  std::string monitor;
  Timestamp evaluated_at{};
  Status status = Status::ok;
  WindowInfo current_window;
  WindowInfo reference_window;
  std::vector<FeatureResult> features;
  std::optional<FeatureResult> prediction;
  std::optional<ConfidenceResult> confidence;
  std::optional<DatasetResult> dataset;          // with a dataset-drift spec only
  std::optional<PerformanceResult> performance;  // monitors with labels only
  std::optional<SystemResult> system;            // monitors with [monitors.system] only
  std::string segment_column;                    // monitors with a segment only
  std::vector<SegmentResult> segments;           // largest first, then "__other__"
  std::optional<ChallengerResult> challenger;    // monitors with [monitors.challenger] only
  std::optional<FreshnessResult> freshness;      // monitors with freshness or volume only
  std::vector<MetricResult> metrics;             // [[monitors.metrics]], in config order
  std::optional<std::string> error;
};

// One statistic of an evaluation, as metrics, the statistics table and reports list them.
struct StatisticRow {
  Section section = Section::feature;
  std::string_view subject;    // a feature, kPredictionName, or the section's subject_name
  std::string_view segment;    // "" for the whole window
  std::string_view statistic;  // a catalog name
  double value = 0;
  bool reference = false;   // performance: the reference window's value, not the current one's
  std::string_view metric;  // Section::metrics: the business metric's name ("" otherwise)
};
// Every statistic of `e`: the features, the prediction, the confidence, dataset, performance
// (statistics, changes, then the reference's), system, challenger, freshness, the business
// metrics (value, baseline, change, p_value of each, `metric` naming it), then each segment's
// features, prediction and confidence. Values may be non-finite; consumers decide.
void for_each_statistic(const Evaluation& e, const std::function<void(const StatisticRow&)>& visit);

// JSON in the schema of CONTRACT section 3 (plus `top_contributors`, per-feature row counts and
// `reference_window.rows_in_window`). Deterministic: the same Evaluation gives the same bytes.
std::string to_json(const Evaluation& e);
// Parses what to_json wrote (history read back from the state schema). Throws std::runtime_error.
Evaluation evaluation_from_json(std::string_view json);

// ---- the pipeline ------------------------------------------------------------------------

struct ColumnSpec {
  std::string name;  // feature name, kPredictionName, or kConfidenceName
  FeatureKind kind = FeatureKind::numerical;
};

struct DatasetDriftSpec {
  PValueCorrection correction = PValueCorrection::benjamini_hochberg;
  double alpha = 0.05;
  // "" (ks_pvalue of numerical features, chi2_pvalue of categorical ones), "ks_pvalue" or
  // "chi2_pvalue" (only the features that have that one are tested).
  std::string statistic;
};

// What to compute for a monitor. `columns` matches WindowData::columns: the features, then the
// prediction (if `has_prediction`), then the confidence (if `confidence_low` is set).
struct EvaluationSpec {
  std::string monitor;
  std::vector<ColumnSpec> columns;
  bool has_prediction = false;
  std::optional<double> confidence_low;
  int bins = 10;
  std::uint64_t min_rows = 100;
  std::vector<Threshold> thresholds;  // applied to every section (learned: features, prediction)
  std::optional<DatasetDriftSpec> dataset_drift;
};

// Runs `n` independent tasks, possibly in parallel, and returns when all are done. drift owns no
// threads: the caller supplies them. A serial implementation is `for (i...) task(i)`.
using ParallelFor =
    std::function<void(std::size_t n, const std::function<void(std::size_t)>& task)>;
void serial_for(std::size_t n, const std::function<void(std::size_t)>& task);

// One prepared column: sorted numbers or category counts.
using PreparedColumn = std::variant<SortedSample, CategoryCounts>;

struct PreparedWindow {
  WindowInfo info;
  std::vector<PreparedColumn> columns;
};
// Sorts / counts every column, releasing the raw rows as it goes.
PreparedWindow prepare_window(const EvaluationSpec& spec, WindowData&& data, const ParallelFor& pf);

using FrozenColumn = std::variant<FrozenNumerical, FrozenCategorical>;

// A threshold learned from the reference for one of its columns.
struct LearnedColumnThreshold {
  std::size_t column = 0;  // index into FrozenReference::columns
  std::string statistic;
  double k = 3;
  std::uint64_t chunks = 0;  // chunks the reference was split into
  AppliedThreshold threshold;
};

// Everything needed from a reference window; computed once, serialisable, reusable.
struct FrozenReference {
  WindowInfo info;
  int bins = 10;
  std::vector<ColumnSpec> columns;
  std::vector<FrozenColumn> frozen;
  std::vector<LearnedColumnThreshold> learned;  // `auto` thresholds, stored with the reference
};
FrozenReference freeze(const EvaluationSpec& spec, PreparedWindow&& reference);

// Compact binary form (versioned, little-endian, checksummed). deserialize throws
// std::runtime_error on anything malformed, never reads out of bounds.
std::string serialize(const FrozenReference& ref);
FrozenReference deserialize_frozen_reference(std::string_view bytes);
// Whether a frozen reference can serve `spec` (same columns, kinds and bins).
bool compatible(const FrozenReference& ref, const EvaluationSpec& spec);

// Compares the current window to the reference and applies thresholds and min_rows.
Evaluation compare(const EvaluationSpec& spec, const FrozenReference& reference,
                   const PreparedWindow& current, Timestamp evaluated_at, const ParallelFor& pf);

}  // namespace driftd::drift
