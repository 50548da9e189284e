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

#include "driftd/drift/evaluation.hpp"
#include "driftd/drift/performance.hpp"
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
// spec.min_rows labelled rows and `e` itself has enough rows (status ok or drift). A breach makes
// the evaluation's status `drift`.
void add_performance(Evaluation& e, const PerformanceSpec& spec, const WindowPerformance& current,
                     const WindowPerformance& reference,
                     const std::vector<ThresholdSpec>& thresholds);

// Text values of a categorical column, one per row (nullopt for a missing value).
std::vector<std::optional<std::string>> column_texts(const Column& c);
// Numbers of a numerical column, one per row (NaN for a missing value).
std::vector<double> column_numbers(const Column& c);

}  // namespace driftd::drift
