#pragma once
// Realised model performance over labelled predictions (issue 8): classification and regression
// metrics, their change against a reference period, label coverage and label delay.
//
// Every function here is pure and thread-compatible. A metric that is undefined on the data given
// (precision without a predicted positive, ROC AUC with one class only, anything on no rows) is
// absent from the results, never NaN or infinite. Missing inputs (NaN, ±Infinity, an absent text)
// are skipped and counted, never an error. Only a caller's mistake throws std::invalid_argument:
// columns of different lengths, a NaN threshold.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace driftd::drift {

// Rows predicted right and wrong by a binary classifier (the positive class is 1).
struct ConfusionMatrix {
  std::uint64_t true_positives = 0;
  std::uint64_t false_positives = 0;
  std::uint64_t true_negatives = 0;
  std::uint64_t false_negatives = 0;
};

// The realised performance of one window of predictions. `values` holds only defined metrics, in
// the order given by each function below. Every row is counted in exactly one of `unlabelled`,
// `skipped` and `labelled`.
struct PerformanceStatistics {
  std::vector<std::pair<std::string, double>> values;
  std::uint64_t rows = 0;        // rows given
  std::uint64_t unlabelled = 0;  // label missing (not known yet, or NULL)
  std::uint64_t skipped = 0;     // label present but unusable: not a class of the problem, or the
                                 // prediction is missing or not a class of the problem
  std::uint64_t labelled = 0;    // the rows every metric is computed on
  std::uint64_t correct = 0;     // classification: rows whose predicted class equals the label
  std::optional<ConfusionMatrix> confusion;  // binary classification only
  std::optional<double> get(std::string_view name) const;
};

inline constexpr double kDefaultClassificationThreshold = 0.5;
// scikit-learn's historical log_loss clipping (eps=1e-15): a confident wrong answer costs
// -ln(1e-15) ≈ 34.5 instead of infinity.
inline constexpr double kLogLossClip = 1e-15;

// Text labels (or predicted classes) of a binary problem as numbers: 1 where the text equals
// `positive_class` (byte comparison), 0 for any other text, NaN where the value is missing.
std::vector<double> binary_labels(const std::vector<std::optional<std::string>>& labels,
                                  std::string_view positive_class);

// Binary classification metrics.
//
// Inputs, one entry per prediction row, all of the same length (or empty where optional):
//  - `labels`: 1 positive, 0 negative (-0.0 is 0); NaN or ±Infinity is unlabelled; any other
//    number is skipped.
//  - `scores`: optional (empty span = none); the model's score for the positive class. Any finite
//    real ranks the rows for ROC AUC; log loss reads it as a probability. NaN/±Infinity: skipped.
//  - `predicted_classes`: optional; the predicted class, 0 or 1 (NaN: skipped; other numbers:
//    skipped). When absent, the predicted class is `score >= threshold` (positive).
//  At least one of `scores` and `predicted_classes` must be given.
// A row enters the metrics (`labelled`) when its label is 0 or 1 and every given prediction is
// usable; every metric is computed on the same rows.
//
// `values`, in this order (P = positives, N = negatives among the labelled rows):
//   accuracy                 (TP + TN) / (P + N)
//   precision                TP / (TP + FP)          absent when nothing is predicted positive
//   recall                   TP / (TP + FN)          absent when P = 0
//   f1                       2·TP / (2·TP + FP + FN) absent when TP + FP + FN = 0; equals the
//                            harmonic mean of precision and recall when both are defined and
//                            positive, and 0 when TP = 0 (scikit-learn's value)
//   roc_auc                  P(score of a positive > score of a negative), ties counting 1/2
//                            (the Mann–Whitney U / (P·N)); needs scores, P > 0 and N > 0. Exact
//                            (integer counts), O(n log n)
//   log_loss                 mean of -ln(p) over positives and -ln(1 - p) over negatives, p the
//                            score clipped to [1e-15, 1 - 1e-15] (natural log); needs scores, and
//                            is absent when any labelled row's score lies outside [0, 1]
//   positive_rate            P / (P + N), the prevalence of the positive class
//   predicted_positive_rate  (TP + FP) / (P + N)
//   support_positive         P
//   support_negative         N
// With no labelled row, `values` is empty.
PerformanceStatistics binary_classification_performance(
    std::span<const double> labels, std::span<const double> scores,
    std::span<const double> predicted_classes = {},
    double threshold = kDefaultClassificationThreshold);

// Accuracy of categorical predictions against categorical labels, compared as text (bytes).
// A missing label is unlabelled, a missing prediction skipped. `values`: `accuracy` (correct /
// labelled), absent with no labelled row.
PerformanceStatistics multiclass_performance(
    const std::vector<std::optional<std::string>>& labels,
    const std::vector<std::optional<std::string>>& predicted);

// Regression metrics, in the units of the labels. A missing (NaN/±Infinity) label is unlabelled,
// a missing prediction skipped. With e = prediction − label over the labelled rows, `values`:
//   mae         mean |e|
//   rmse        sqrt(mean e²) (computed scaled, so huge errors do not overflow on squaring)
//   mape        mean |e| / |label| over the labelled rows whose label is not 0, as a fraction
//               (0.1 = 10%). Rows with a zero label are left out of MAPE only (scikit-learn
//               divides by max(|label|, 2.2e-16) instead, which turns them into ~1e15 terms);
//               absent when every label is 0
//   mean_error  mean e: the bias; positive when the model over-predicts
// A metric whose value is beyond the range of a double is absent.
PerformanceStatistics regression_performance(std::span<const double> labels,
                                             std::span<const double> predictions);

// The change of performance between a reference period and the current one, one value per metric
// defined in both, so that a larger value is always worse:
//   higher-is-better metrics: <metric>_drop = reference − current
//     accuracy_drop, precision_drop, recall_drop, f1_drop, roc_auc_drop
//   lower-is-better metrics:  <metric>_increase = current − reference
//     log_loss_increase, mae_increase, rmse_increase, mape_increase
// in that order. Other metrics (rates, supports, mean_error) have no change value.
struct PerformanceChange {
  std::vector<std::pair<std::string, double>> values;
  std::optional<double> get(std::string_view name) const;
};
PerformanceChange performance_change(const PerformanceStatistics& reference,
                                     const PerformanceStatistics& current);

// Label coverage: the share of predictions that have received their label, labelled /
// predictions. Absent when there is no prediction, or when labelled > predictions (inconsistent
// counts: a label joined to several predictions must be counted once).
std::optional<double> label_coverage(std::uint64_t labelled, std::uint64_t predictions);

// How long labels take to arrive, in seconds.
struct LabelDelayStatistics {
  std::vector<std::pair<std::string, double>> values;  // mean, p50, p90, max (seconds)
  std::uint64_t count = 0;                             // rows with both timestamps
  std::uint64_t missing = 0;   // rows where either timestamp is NaN/±Infinity (not labelled yet)
  std::uint64_t negative = 0;  // delays below 0 (label before its prediction: clock skew or a
                               // join error); kept in the statistics as they are
  std::optional<double> get(std::string_view name) const;
};
// Delays label_time − prediction_time per row; both in seconds on the same clock (e.g. Unix
// time). Quantiles are numpy's 'linear' (quantile_sorted). Empty `values` when count is 0.
LabelDelayStatistics label_delay(std::span<const double> prediction_times,
                                 std::span<const double> label_times);

// The kinds of statistic in a monitor's performance section (monitoring.hpp), by name:
//  - quality: the model's own metrics and their changes, what says the model got worse and may
//    call for retraining: accuracy, precision, recall, f1, roc_auc, log_loss, mae, rmse, mape,
//    mean_error and every <metric>_drop / <metric>_increase;
//  - label arrival: label_coverage, labelled_rows, label_delay_* (mean, p50, p90, max), which
//    describe the label pipeline and mean something however few labels arrived.
// The rest (positive_rate, predicted_positive_rate, support_*) describe the labelled data.
bool quality_statistic(std::string_view name);
bool label_arrival_statistic(std::string_view name);

}  // namespace driftd::drift
