// Realised model performance: classification and regression metrics, their change, label
// coverage and label delay.

#include "driftd/drift/performance.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "driftd/drift/catalog.hpp"
#include "driftd/drift/statistics.hpp"
#include "named_values.hpp"
#include "numeric.hpp"
#include "ranking.hpp"

namespace driftd::drift {
namespace {

using detail::BinaryLabel;
using detail::put_value;

void check_length(std::size_t expected, std::size_t got, const char* what) {
  if (got != expected) {
    throw std::invalid_argument(std::string(what) + " has " + std::to_string(got) +
                                " entries, the labels " + std::to_string(expected));
  }
}

double ratio(std::uint64_t num, std::uint64_t den) {
  return den == 0 ? std::numeric_limits<double>::quiet_NaN()
                  : static_cast<double>(num) / static_cast<double>(den);
}

// numpy's pairwise mean of term(i) for i < n; NaN when n is 0.
template <typename Term>
double mean_of(std::size_t n, const Term& term) {
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  return detail::pairwise_sum(0, n, term) / static_cast<double>(n);
}

double log_loss_term(bool positive, double score) {
  const double p = std::clamp(score, kLogLossClip, 1 - kLogLossClip);
  return positive ? -std::log(p) : -std::log1p(-p);
}

}  // namespace

std::optional<double> PerformanceStatistics::get(std::string_view name) const {
  return detail::find_value(values, name);
}

std::optional<double> PerformanceChange::get(std::string_view name) const {
  return detail::find_value(values, name);
}

std::optional<double> LabelDelayStatistics::get(std::string_view name) const {
  return detail::find_value(values, name);
}

std::vector<double> binary_labels(const std::vector<std::optional<std::string>>& labels,
                                  std::string_view positive_class) {
  std::vector<double> out;
  out.reserve(labels.size());
  for (const auto& l : labels) {
    out.push_back(!l ? std::numeric_limits<double>::quiet_NaN() : *l == positive_class ? 1.0 : 0.0);
  }
  return out;
}

PerformanceStatistics binary_classification_performance(std::span<const double> labels,
                                                        std::span<const double> scores,
                                                        std::span<const double> predicted_classes,
                                                        double threshold) {
  const bool has_scores = !scores.empty();
  const bool has_classes = !predicted_classes.empty();
  if (has_scores) check_length(labels.size(), scores.size(), "scores");
  if (has_classes) check_length(labels.size(), predicted_classes.size(), "predicted classes");
  if (!has_scores && !has_classes && !labels.empty()) {
    throw std::invalid_argument("binary classification needs scores or predicted classes");
  }
  if (std::isnan(threshold)) throw std::invalid_argument("the threshold is NaN");

  PerformanceStatistics st;
  st.rows = labels.size();
  ConfusionMatrix cm;
  std::vector<double> pos_scores, neg_scores;  // of the labelled rows, in row order
  std::vector<std::uint8_t> truth;             // 1 positive, 0 negative (for log loss)
  std::vector<double> used_scores;
  bool probabilities = true;  // every labelled score within [0, 1]
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const BinaryLabel label = detail::classify_label(labels[i]);
    if (label == BinaryLabel::missing) {
      ++st.unlabelled;
      continue;
    }
    if (label == BinaryLabel::invalid) {
      ++st.skipped;
      continue;
    }
    const bool positive = label == BinaryLabel::positive;
    bool predicted_positive = false;
    if (has_classes) {
      const BinaryLabel c = detail::classify_label(predicted_classes[i]);
      if (c != BinaryLabel::positive && c != BinaryLabel::negative) {
        ++st.skipped;
        continue;
      }
      predicted_positive = c == BinaryLabel::positive;
    }
    if (has_scores) {
      const double s = scores[i];
      if (!std::isfinite(s)) {
        ++st.skipped;
        continue;
      }
      if (!has_classes) predicted_positive = s >= threshold;
      probabilities = probabilities && s >= 0 && s <= 1;
      (positive ? pos_scores : neg_scores).push_back(s);
      truth.push_back(positive ? 1 : 0);
      used_scores.push_back(s);
    }
    ++st.labelled;
    if (positive) {
      ++(predicted_positive ? cm.true_positives : cm.false_negatives);
    } else {
      ++(predicted_positive ? cm.false_positives : cm.true_negatives);
    }
  }
  st.correct = cm.true_positives + cm.true_negatives;
  st.confusion = cm;
  if (st.labelled == 0) return st;

  const std::uint64_t tp = cm.true_positives, fp = cm.false_positives, fn = cm.false_negatives;
  const std::uint64_t positives = tp + fn, negatives = st.labelled - positives;
  put_value(st.values, "accuracy", ratio(st.correct, st.labelled));
  put_value(st.values, "precision", ratio(tp, tp + fp));
  put_value(st.values, "recall", ratio(tp, positives));
  put_value(st.values, "f1", ratio(2 * tp, 2 * tp + fp + fn));
  if (has_scores) {
    std::vector<double> pos_sorted = sort_values(std::move(pos_scores)).values;
    std::vector<double> neg_sorted = sort_values(std::move(neg_scores)).values;
    put_value(st.values, "roc_auc", detail::auc_from_sorted(pos_sorted, neg_sorted));
    if (probabilities) {
      put_value(st.values, "log_loss", mean_of(used_scores.size(), [&](std::size_t i) {
                  return log_loss_term(truth[i] == 1, used_scores[i]);
                }));
    }
  }
  put_value(st.values, "positive_rate", ratio(positives, st.labelled));
  put_value(st.values, "predicted_positive_rate", ratio(tp + fp, st.labelled));
  put_value(st.values, "support_positive", static_cast<double>(positives));
  put_value(st.values, "support_negative", static_cast<double>(negatives));
  return st;
}

PerformanceStatistics multiclass_performance(
    const std::vector<std::optional<std::string>>& labels,
    const std::vector<std::optional<std::string>>& predicted) {
  check_length(labels.size(), predicted.size(), "predicted classes");
  PerformanceStatistics st;
  st.rows = labels.size();
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!labels[i]) {
      ++st.unlabelled;
    } else if (!predicted[i]) {
      ++st.skipped;
    } else {
      ++st.labelled;
      if (*labels[i] == *predicted[i]) ++st.correct;
    }
  }
  put_value(st.values, "accuracy", ratio(st.correct, st.labelled));
  return st;
}

PerformanceStatistics regression_performance(std::span<const double> labels,
                                             std::span<const double> predictions) {
  check_length(labels.size(), predictions.size(), "predictions");
  PerformanceStatistics st;
  st.rows = labels.size();
  std::vector<double> errors, label_of;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!std::isfinite(labels[i])) {
      ++st.unlabelled;
    } else if (!std::isfinite(predictions[i])) {
      ++st.skipped;
    } else {
      errors.push_back(predictions[i] - labels[i]);
      label_of.push_back(labels[i]);
    }
  }
  st.labelled = errors.size();
  if (errors.empty()) return st;
  const std::size_t n = errors.size();
  put_value(st.values, "mae", mean_of(n, [&](std::size_t i) { return std::fabs(errors[i]); }));

  // Squares of errors beyond 2^511 overflow: scale by a power of two (exact) when needed.
  double largest = 0;
  for (double e : errors) largest = std::max(largest, std::fabs(e));
  const double scale = detail::power_of_two_scale(largest, 500, 0);
  const double mean_square = mean_of(n, [&](std::size_t i) {
    const double e = errors[i] * scale;
    return e * e;
  });
  put_value(st.values, "rmse", std::sqrt(mean_square) / scale);

  std::vector<std::size_t> nonzero;
  for (std::size_t i = 0; i < n; ++i) {
    if (label_of[i] != 0) nonzero.push_back(i);
  }
  put_value(st.values, "mape", mean_of(nonzero.size(), [&](std::size_t k) {
              return std::fabs(errors[nonzero[k]]) / std::fabs(label_of[nonzero[k]]);
            }));
  put_value(st.values, "mean_error", mean_of(n, [&](std::size_t i) { return errors[i]; }));
  return st;
}

PerformanceChange performance_change(const PerformanceStatistics& reference,
                                     const PerformanceStatistics& current) {
  struct Direction {
    std::string_view metric;
    bool higher_is_better;
  };
  static constexpr std::array<Direction, 9> kMetrics{{{"accuracy", true},
                                                      {"precision", true},
                                                      {"recall", true},
                                                      {"f1", true},
                                                      {"roc_auc", true},
                                                      {"log_loss", false},
                                                      {"mae", false},
                                                      {"rmse", false},
                                                      {"mape", false}}};
  PerformanceChange out;
  for (const auto& [metric, higher_is_better] : kMetrics) {
    const auto r = reference.get(metric), c = current.get(metric);
    if (!r || !c) continue;
    const std::string name = std::string(metric) + (higher_is_better ? "_drop" : "_increase");
    put_value(out.values, name, higher_is_better ? *r - *c : *c - *r);
  }
  return out;
}

std::optional<double> label_coverage(std::uint64_t labelled, std::uint64_t predictions) {
  if (predictions == 0 || labelled > predictions) return std::nullopt;
  return ratio(labelled, predictions);
}

LabelDelayStatistics label_delay(std::span<const double> prediction_times,
                                 std::span<const double> label_times) {
  if (label_times.size() != prediction_times.size()) {
    throw std::invalid_argument("label times has " + std::to_string(label_times.size()) +
                                " entries, the prediction times " +
                                std::to_string(prediction_times.size()));
  }
  LabelDelayStatistics st;
  std::vector<double> delays;
  for (std::size_t i = 0; i < prediction_times.size(); ++i) {
    const double d = label_times[i] - prediction_times[i];
    if (!std::isfinite(prediction_times[i]) || !std::isfinite(label_times[i]) ||
        !std::isfinite(d)) {
      ++st.missing;
      continue;
    }
    if (d < 0) ++st.negative;
    delays.push_back(d);
  }
  const SortedSample sample = sort_values(std::move(delays));
  st.count = sample.values.size();
  if (st.count == 0) return st;
  put_value(st.values, "mean", sample.mean);
  put_value(st.values, "p50", quantile_sorted(sample.values, 0.5));
  put_value(st.values, "p90", quantile_sorted(sample.values, 0.9));
  put_value(st.values, "max", sample.values.back());
  return st;
}

bool quality_statistic(std::string_view name) {
  const StatisticInfo* s = find_statistic(name);
  return s != nullptr && s->quality;
}

bool label_arrival_statistic(std::string_view name) {
  return name == "label_coverage" || name == "labelled_rows" || name.starts_with("label_delay_");
}

}  // namespace driftd::drift
