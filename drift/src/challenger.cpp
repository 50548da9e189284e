// Champion / challenger: prediction divergence, agreement, confidence and the significance of the
// performance difference between two model versions.

#include "driftd/drift/challenger.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "driftd/drift/performance.hpp"
#include "driftd/drift/significance.hpp"
#include "driftd/drift/statistics.hpp"

#include "tasks.hpp"

namespace driftd::drift {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::size_t rows_of(const Column& c) {
  return std::visit(
      [](const auto& col) -> std::size_t {
        if constexpr (std::is_same_v<std::decay_t<decltype(col)>, NumericalColumn>) {
          return col.values.size();
        } else {
          return col.ids.size();
        }
      },
      c);
}

// Summed in ascending order, so that the same values in another row order give the same mean
// (two versions with equal confidences differ by exactly 0).
std::optional<double> finite_mean(const Column& c) {
  const SortedSample s = sort_values(column_numbers(c));
  if (s.values.empty()) return std::nullopt;
  double sum = 0;
  for (double x : s.values) sum += x;
  return sum / static_cast<double>(s.values.size());
}

// The rows of the two versions that scored the same request: the first row of each key on each
// side, in the challenger's row order.
std::vector<std::pair<std::size_t, std::size_t>> pair_by_key(const Column& champion_key,
                                                             const Column& challenger_key) {
  const auto a = column_texts(champion_key);
  const auto b = column_texts(challenger_key);
  std::unordered_map<std::string, std::size_t> first;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i]) first.emplace(*a[i], i);
  }
  std::unordered_set<std::string> seen;
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (std::size_t j = 0; j < b.size(); ++j) {
    if (!b[j] || !seen.insert(*b[j]).second) continue;
    if (auto it = first.find(*b[j]); it != first.end()) out.emplace_back(it->second, j);
  }
  return out;
}

// What the verdict needs from a test of the headline metric.
struct Tested {
  double champion = 0;  // the metric of each version
  double challenger = 0;
  std::uint64_t champion_rows = 0;  // the rows each version's metric is computed on
  std::uint64_t challenger_rows = 0;
  std::optional<double> statistic;
  std::optional<double> p_value;
  // ROC AUC: the fewest positives or negatives of either side (a verdict needs kMinClassRows).
  std::optional<std::uint64_t> smallest_class;
};

// As the groundwork's VerdictOptions::min_class_rows: an AUC from a handful of positives says
// little, whatever its p-value.
constexpr std::uint64_t kMinClassRows = 10;

std::vector<double> binary_of(const Column& c, const std::string& positive) {
  return binary_labels(column_texts(c), positive);
}

std::optional<Tested> test_auc(const ChallengerSpec& spec, const ChallengerColumns& a,
                               const ChallengerColumns& b,
                               const std::vector<std::pair<std::size_t, std::size_t>>* pairs) {
  const auto& ps = *spec.performance;
  const std::vector<double> la = binary_of(*a.performance.label, ps.positive);
  const std::vector<double> lb = binary_of(*b.performance.label, ps.positive);
  const std::vector<double> sa = column_numbers(*a.performance.score);
  const std::vector<double> sb = column_numbers(*b.performance.score);
  std::optional<AucComparison> c;
  if (pairs != nullptr) {
    std::vector<double> labels, champion, challenger;
    for (const auto& [i, j] : *pairs) {
      // A request's label is the same fact on both sides; where they disagree it is not used.
      labels.push_back(la[i] == lb[j] ? la[i] : kNaN);
      champion.push_back(sa[i]);
      challenger.push_back(sb[j]);
    }
    c = delong_paired_test(labels, champion, challenger);
  } else {
    c = delong_unpaired_test(la, sa, lb, sb);
  }
  if (!c) return std::nullopt;
  Tested t;
  t.champion = c->champion.auc;
  t.challenger = c->challenger.auc;
  t.champion_rows = c->champion.positives + c->champion.negatives;
  t.challenger_rows = c->challenger.positives + c->challenger.negatives;
  t.statistic = c->statistic;
  t.p_value = c->p_value;
  t.smallest_class = std::min({c->champion.positives, c->champion.negatives,
                               c->challenger.positives, c->challenger.negatives});
  return t;
}

std::optional<Tested> test_accuracy(const WindowPerformance& a, const WindowPerformance& b) {
  auto c = two_proportion_test(a.statistics.correct, a.statistics.labelled, b.statistics.correct,
                               b.statistics.labelled);
  if (!c) return std::nullopt;
  Tested t;
  t.champion = c->champion_rate;
  t.challenger = c->challenger_rate;
  t.champion_rows = c->champion_rows;
  t.challenger_rows = c->challenger_rows;
  t.statistic = c->statistic;
  t.p_value = c->p_value;
  return t;
}

std::vector<double> absolute_errors(const ChallengerColumns& c) {
  const std::vector<double> labels = column_numbers(*c.performance.label);
  const std::vector<double> predicted = column_numbers(*c.performance.predicted);
  std::vector<double> out;
  for (std::size_t i = 0; i < labels.size() && i < predicted.size(); ++i) {
    if (std::isfinite(labels[i]) && std::isfinite(predicted[i])) {
      out.push_back(std::fabs(predicted[i] - labels[i]));
    }
  }
  return out;
}

std::optional<Tested> test_mae(const ChallengerColumns& a, const ChallengerColumns& b) {
  const std::vector<double> ea = absolute_errors(a), eb = absolute_errors(b);
  auto c = welch_t_test(ea, eb);
  if (!c) return std::nullopt;
  Tested t;
  t.champion = c->champion_mean;
  t.challenger = c->challenger_mean;
  t.champion_rows = c->champion_rows;
  t.challenger_rows = c->challenger_rows;
  t.statistic = c->statistic;
  t.p_value = c->p_value;
  return t;
}

}  // namespace

ChallengerResult compare_versions(const ChallengerSpec& spec, const ChallengerColumns& champion,
                                  const ChallengerColumns& challenger,
                                  const std::vector<Threshold>& thresholds) {
  if (champion.prediction == nullptr || challenger.prediction == nullptr) {
    throw std::invalid_argument("champion / challenger needs the prediction of both versions");
  }
  if (!(spec.alpha > 0 && spec.alpha < 1)) {
    throw std::invalid_argument("alpha must be in (0, 1)");
  }
  ChallengerResult r;
  r.alpha = spec.alpha;
  r.min_rows = spec.min_rows;
  r.champion.rows = rows_of(*champion.prediction);
  r.challenger.rows = rows_of(*challenger.prediction);
  NamedValues& st = r.statistics;

  // The prediction distributions, the champion's as the reference.
  const bool numerical = spec.prediction_kind == FeatureKind::numerical;
  FeatureStatistics divergence;
  bool compared = false;
  if (numerical) {
    SortedSample a = sort_values(column_numbers(*champion.prediction));
    SortedSample b = sort_values(column_numbers(*challenger.prediction));
    r.champion.predictions = a.values.size();
    r.challenger.predictions = b.values.size();
    if (!a.values.empty() && !b.values.empty()) {
      divergence = compare_numerical(freeze_numerical(std::move(a), spec.bins), b);
      compared = true;
    }
  } else {
    CategoryCounts a = count_values(column_texts(*champion.prediction));
    CategoryCounts b = count_values(column_texts(*challenger.prediction));
    r.champion.predictions = a.rows - a.missing;
    r.challenger.predictions = b.rows - b.missing;
    if (r.champion.predictions > 0 && r.challenger.predictions > 0) {
      divergence = compare_categorical(freeze_categorical(std::move(a)), b);
      compared = true;
    }
  }
  if (compared) {
    for (const auto& [name, value] : divergence.values)
      st.emplace_back("prediction_" + name, value);
  }

  // Agreement on the requests both versions scored.
  std::optional<std::vector<std::pair<std::size_t, std::size_t>>> pairs;
  if (champion.key != nullptr && challenger.key != nullptr) {
    pairs = pair_by_key(*champion.key, *challenger.key);
    std::uint64_t paired = 0, agreeing = 0;
    const bool binary_score =
        numerical && spec.performance && spec.performance->task == LabelTask::binary;
    if (numerical) {
      const auto a = column_numbers(*champion.prediction);
      const auto b = column_numbers(*challenger.prediction);
      for (const auto& [i, j] : *pairs) {
        if (!std::isfinite(a[i]) || !std::isfinite(b[j])) continue;
        ++paired;
        const bool agree = binary_score ? (a[i] >= spec.performance->threshold) ==
                                              (b[j] >= spec.performance->threshold)
                                        : std::fabs(b[j] - a[i]) <= spec.tolerance;
        if (agree) ++agreeing;
      }
    } else {
      const auto a = column_texts(*champion.prediction);
      const auto b = column_texts(*challenger.prediction);
      for (const auto& [i, j] : *pairs) {
        if (!a[i] || !b[j]) continue;
        ++paired;
        if (*a[i] == *b[j]) ++agreeing;
      }
    }
    st.emplace_back("paired_rows", static_cast<double>(paired));
    if (paired > 0) {
      st.emplace_back("agreement_rate",
                      static_cast<double>(agreeing) / static_cast<double>(paired));
    }
  }

  if (champion.confidence != nullptr && challenger.confidence != nullptr) {
    const auto a = finite_mean(*champion.confidence);
    const auto b = finite_mean(*challenger.confidence);
    if (a) st.emplace_back("champion_confidence_mean", *a);
    if (b) st.emplace_back("challenger_confidence_mean", *b);
    if (a && b) st.emplace_back("confidence_difference", *b - *a);
  }

  // The headline metric and whether the difference is significant.
  if (spec.performance && champion.performance.label != nullptr &&
      challenger.performance.label != nullptr) {
    const PerformanceSpec& ps = *spec.performance;
    const WindowPerformance wa = window_performance(ps, champion.performance);
    const WindowPerformance wb = window_performance(ps, challenger.performance);
    r.champion.performance = wa.statistics.values;
    r.champion.labelled = wa.statistics.labelled;
    r.challenger.performance = wb.statistics.values;
    r.challenger.labelled = wb.statistics.labelled;
    std::optional<Tested> t;
    bool higher_is_better = true;
    if (ps.task == LabelTask::binary && champion.performance.score != nullptr &&
        challenger.performance.score != nullptr) {
      r.metric = "roc_auc";
      r.paired = pairs.has_value();
      r.test = r.paired ? "delong_paired" : "delong_unpaired";
      t = test_auc(spec, champion, challenger, pairs ? &*pairs : nullptr);
    } else if (ps.task == LabelTask::regression) {
      if (champion.performance.predicted == nullptr ||
          challenger.performance.predicted == nullptr) {
        throw std::invalid_argument("regression needs the predicted values of both versions");
      }
      r.metric = "mae";
      r.test = "welch_t";
      higher_is_better = false;
      t = test_mae(champion, challenger);
    } else {
      r.metric = "accuracy";
      r.test = "two_proportion_z";
      t = test_accuracy(wa, wb);
    }
    if (t) {
      r.champion.labelled = t->champion_rows;
      r.challenger.labelled = t->challenger_rows;
      st.emplace_back("champion_performance", t->champion);
      st.emplace_back("challenger_performance", t->challenger);
      st.emplace_back("performance_difference", t->challenger - t->champion);
      if (t->statistic) st.emplace_back("performance_statistic", *t->statistic);
      if (t->p_value) st.emplace_back("performance_pvalue", *t->p_value);
    }
    st.emplace_back("champion_labelled_rows", static_cast<double>(r.champion.labelled));
    st.emplace_back("challenger_labelled_rows", static_cast<double>(r.challenger.labelled));
    const bool enough = t && t->p_value &&
                        std::min(t->champion_rows, t->challenger_rows) >= spec.min_rows &&
                        t->smallest_class.value_or(kMinClassRows) >= kMinClassRows;
    if (enough) {
      const double difference = t->challenger - t->champion;
      if (*t->p_value < spec.alpha && difference != 0) {
        r.verdict = (difference > 0) == higher_is_better ? "better" : "worse";
      } else {
        r.verdict = "no_difference";
      }
      st.emplace_back("challenger_better", r.verdict == "better" ? 1.0 : 0.0);
      st.emplace_back("challenger_worse", r.verdict == "worse" ? 1.0 : 0.0);
    }
  }

  if (std::min(r.champion.rows, r.challenger.rows) < spec.min_rows) {
    r.status = Status::insufficient_data;
  } else {
    r.breaches = breaches_in(st, thresholds);
    r.status = r.breaches.empty() ? Status::ok : Status::drift;
  }
  return r;
}

void add_challenger(Evaluation& e, ChallengerResult r) {
  if (!r.breaches.empty() && e.status == Status::ok) e.status = Status::drift;
  e.challenger = std::move(r);
}

}  // namespace driftd::drift
