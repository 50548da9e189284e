#pragma once
// The monitoring sections of an evaluation that are computed from the rows of a window rather
// than from the prepared (sorted) columns: realised performance over delayed labels. The daemon
// reads the extra columns in the same scan as the features and hands them over here before the
// feature columns are prepared. Pure and thread-compatible.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driftd/drift/auto_threshold.hpp"
#include "driftd/drift/evaluation.hpp"
#include "driftd/drift/performance.hpp"
#include "driftd/drift/system_health.hpp"
#include "driftd/drift/window.hpp"

namespace driftd::drift {

enum class LabelTask { binary, multiclass, regression };
std::string_view to_string(LabelTask t);

struct PerformanceSpec {
  LabelTask task = LabelTask::binary;
  std::string positive = "1";  // binary: the positive class, as text
  double threshold = kDefaultClassificationThreshold;
  std::uint64_t min_rows = 100;  // labelled rows each window needs before thresholds apply
};

// The columns of one window that performance needs, each with one entry per row of the window;
// nullptr where the monitor has none.
struct PerformanceColumns {
  // binary and multiclass: categorical (text); regression: numerical.
  const Column* label = nullptr;
  // binary: the score of the positive class (numerical).
  const Column* score = nullptr;
  // The model's own output: the predicted class (categorical; binary: compared with `positive`,
  // multiclass: with the label) or the predicted value (numerical, regression).
  const Column* predicted = nullptr;
  // Unix seconds (numerical): when the label arrived and when the prediction was made.
  const Column* label_time = nullptr;
  const Column* prediction_time = nullptr;
};

struct WindowPerformance {
  PerformanceStatistics statistics;
  std::optional<LabelDelayStatistics> delay;  // with both times only
};

// The metrics of one window (performance.hpp); throws std::invalid_argument when the columns
// do not fit the task (a numerical label for a classification...), which is a caller's mistake.
WindowPerformance window_performance(const PerformanceSpec& spec, const PerformanceColumns& c);

// The `performance` section of `e`: current and reference metrics, their change, label coverage
// and delay; `thresholds` apply to the statistics and the changes when both windows have at least
// spec.min_rows labelled rows, whatever the windows' row counts (`e` may be insufficient_data for
// drift), unless `e` is an error. The section's own status says whether they applied; with too
// few labelled rows (insufficient_data) the label-arrival statistics (label_coverage,
// labelled_rows, label_delay_*) are judged all the same (PerformanceResult::judged). A breach
// makes an `ok` evaluation `drift`; an `insufficient_data` one keeps its status.
void add_performance(Evaluation& e, const PerformanceSpec& spec, const WindowPerformance& current,
                     const WindowPerformance& reference, const std::vector<Threshold>& thresholds);

struct SystemSpec {
  double latency_to_ms = 1;               // the latency column's unit in milliseconds
  std::vector<std::string> error_values;  // statuses (as text) that are errors
};

// The current window's columns that system health reads (nullptr where the monitor has none).
struct SystemColumns {
  const Column* latency = nullptr;  // numerical
  const Column* error = nullptr;    // categorical (a boolean column reads "true"/"false")
};

// Latency statistics and error counts of a window's rows.
struct WindowSystem {
  std::optional<LatencyStatistics> latency;  // in milliseconds
  std::optional<std::uint64_t> errors;       // with an error column
  std::uint64_t requests = 0;                // rows whose status is not missing
};
WindowSystem window_system(const SystemSpec& spec, const SystemColumns& c);

// The `system` section of `e`, from the window's rows and both windows' sizes and lengths
// (e.current_window, e.reference_window; `reference_bounded` says whether the reference window
// has both bounds, without which its rate is unknown). Throughput and volume use the windows'
// rows before sampling. Thresholds apply whenever `e` is not an error, even with too few rows for
// the drift statistics: a traffic collapse is system news. A breach makes an `ok` evaluation
// `drift`; an `insufficient_data` one keeps its status.
void add_system(Evaluation& e, const WindowSystem& w, bool reference_bounded,
                const std::vector<Threshold>& thresholds);

// The `learned` thresholds of `spec`, learned from the reference's rows (auto_threshold.hpp): the
// rows in time order (`time`: Unix seconds, one per row; missing times last) are split into each
// threshold's `chunks` contiguous chunks, each chunk compared with the reference without it
// (leave-one-out), giving mean + k·σ of the statistic. One entry per feature or prediction column
// where the statistic is learnable for the column's kind and at least two chunks give a value.
// `reference` holds the spec's columns first (others may follow). Deterministic.
std::vector<LearnedColumnThreshold> learn_reference_thresholds(const EvaluationSpec& spec,
                                                               const WindowData& reference,
                                                               const Column& time);

// Text values of a categorical column, one per row (nullopt for a missing value).
std::vector<std::optional<std::string>> column_texts(const Column& c);
// Numbers of a numerical column, one per row (NaN for a missing value).
std::vector<double> column_numbers(const Column& c);

}  // namespace driftd::drift
