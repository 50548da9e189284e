// Row-level monitoring sections: realised performance over delayed labels.

#include "driftd/drift/monitoring.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "driftd/drift/system_health.hpp"

#include "tasks.hpp"

namespace driftd::drift {
namespace {

const CategoricalColumn& categorical(const Column* c, const char* what) {
  const auto* col = std::get_if<CategoricalColumn>(c);
  if (col == nullptr) throw std::invalid_argument(std::string(what) + " must be categorical");
  return *col;
}

const NumericalColumn& numerical(const Column* c, const char* what) {
  const auto* col = std::get_if<NumericalColumn>(c);
  if (col == nullptr) throw std::invalid_argument(std::string(what) + " must be numerical");
  return *col;
}

// 1 where the category is `positive`, 0 for another category, NaN where missing.
std::vector<double> binary_of(const CategoricalColumn& c, std::string_view positive) {
  std::vector<double> is_positive(c.dictionary.size());
  for (std::size_t i = 0; i < c.dictionary.size(); ++i) {
    is_positive[i] = c.dictionary[i] == positive ? 1.0 : 0.0;
  }
  std::vector<double> out;
  out.reserve(c.ids.size());
  for (std::size_t i = 0; i < c.ids.size(); ++i) {
    const auto id = c.ids[i];
    out.push_back(id == CategoricalColumn::kMissingCategory
                      ? std::numeric_limits<double>::quiet_NaN()
                      : is_positive[id]);
  }
  return out;
}

}  // namespace

std::string_view to_string(LabelTask t) {
  switch (t) {
    case LabelTask::binary:
      return "binary";
    case LabelTask::multiclass:
      return "multiclass";
    case LabelTask::regression:
      return "regression";
  }
  return "binary";
}

NamedValues PerformanceResult::alertable() const {
  NamedValues out = statistics;
  out.insert(out.end(), changes.begin(), changes.end());
  return out;
}

NamedValues PerformanceResult::judged() const {
  if (status == Status::ok || status == Status::drift) return alertable();
  NamedValues out;
  for (const auto& [name, value] : statistics) {
    if (label_arrival_statistic(name)) out.emplace_back(name, value);
  }
  return out;
}

std::vector<std::optional<std::string>> column_texts(const Column& c) {
  const auto& col = categorical(&c, "the column");
  std::vector<std::optional<std::string>> out;
  out.reserve(col.ids.size());
  for (std::size_t i = 0; i < col.ids.size(); ++i) {
    const auto id = col.ids[i];
    if (id == CategoricalColumn::kMissingCategory) {
      out.emplace_back(std::nullopt);
    } else {
      out.emplace_back(col.dictionary[id]);
    }
  }
  return out;
}

std::vector<double> column_numbers(const Column& c) {
  const auto& col = numerical(&c, "the column");
  std::vector<double> out;
  out.reserve(col.values.size());
  for (std::size_t i = 0; i < col.values.size(); ++i) out.push_back(col.values[i]);
  return out;
}

WindowPerformance window_performance(const PerformanceSpec& spec, const PerformanceColumns& c) {
  if (c.label == nullptr) throw std::invalid_argument("performance needs a label column");
  WindowPerformance out;
  switch (spec.task) {
    case LabelTask::binary: {
      const auto labels = binary_of(categorical(c.label, "a binary label"), spec.positive);
      std::vector<double> scores;
      std::vector<double> classes;
      if (c.score != nullptr) scores = column_numbers(*c.score);
      if (c.predicted != nullptr) {
        classes = binary_of(categorical(c.predicted, "a predicted class"), spec.positive);
      }
      if (c.score == nullptr && c.predicted == nullptr) {
        throw std::invalid_argument("binary performance needs a score or a predicted class");
      }
      out.statistics = binary_classification_performance(labels, scores, classes, spec.threshold);
      break;
    }
    case LabelTask::multiclass: {
      if (c.predicted == nullptr) throw std::invalid_argument("multiclass needs the prediction");
      out.statistics = multiclass_performance(column_texts(*c.label), column_texts(*c.predicted));
      break;
    }
    case LabelTask::regression: {
      if (c.predicted == nullptr) throw std::invalid_argument("regression needs the prediction");
      numerical(c.label, "a regression label");
      numerical(c.predicted, "a predicted value");
      out.statistics =
          regression_performance(column_numbers(*c.label), column_numbers(*c.predicted));
      break;
    }
  }
  if (c.label_time != nullptr && c.prediction_time != nullptr) {
    out.delay = label_delay(column_numbers(*c.prediction_time), column_numbers(*c.label_time));
  }
  return out;
}

void add_performance(Evaluation& e, const PerformanceSpec& spec, const WindowPerformance& current,
                     const WindowPerformance& reference, const std::vector<Threshold>& thresholds) {
  PerformanceResult r;
  r.task = std::string(to_string(spec.task));
  const auto& cur = current.statistics;
  const auto& ref = reference.statistics;
  r.rows = cur.rows;
  r.labelled = cur.labelled;
  r.unlabelled = cur.unlabelled;
  r.skipped = cur.skipped;
  r.reference_rows = ref.rows;
  r.reference_labelled = ref.labelled;
  // Coverage counts every prediction whose label arrived, usable or not.
  auto coverage = [](const PerformanceStatistics& s) {
    return label_coverage(s.rows - s.unlabelled, s.rows);
  };
  r.statistics = cur.values;
  if (auto v = coverage(cur)) r.statistics.emplace_back("label_coverage", *v);
  r.statistics.emplace_back("labelled_rows", static_cast<double>(cur.labelled));
  if (current.delay) {
    for (const auto& [name, value] : current.delay->values) {
      r.statistics.emplace_back("label_delay_" + name, value);
    }
  }
  r.reference = ref.values;
  if (auto v = coverage(ref)) r.reference.emplace_back("label_coverage", *v);
  r.reference.emplace_back("labelled_rows", static_cast<double>(ref.labelled));
  r.changes = performance_change(ref, cur).values;
  // Labelled rows alone decide: the window's row count (min_rows) gates the drift statistics,
  // not metrics measured on labels (labels.min_rows may be well below min_rows). Too few labels
  // still leave the label-arrival statistics to judge: a broken label pipeline shows there.
  const bool labels_ok = cur.labelled >= spec.min_rows && ref.labelled >= spec.min_rows;
  if (e.status == Status::error) {
    r.status = Status::insufficient_data;
  } else {
    r.status = labels_ok ? Status::ok : Status::insufficient_data;
    r.breaches = breaches_in(r.judged(), thresholds);
    if (labels_ok && !r.breaches.empty()) r.status = Status::drift;
    if (!r.breaches.empty() && e.status == Status::ok) e.status = Status::drift;
  }
  e.performance = std::move(r);
}

WindowSystem window_system(const SystemSpec& spec, const SystemColumns& c) {
  WindowSystem out;
  if (c.latency != nullptr) {
    const auto& col = numerical(c.latency, "the latency");
    std::vector<double> ms;
    ms.reserve(col.values.size());
    for (std::size_t i = 0; i < col.values.size(); ++i)
      ms.push_back(col.values[i] * spec.latency_to_ms);
    out.latency = latency_statistics(ms);
  }
  if (c.error != nullptr) {
    const auto& col = categorical(c.error, "the error column");
    std::vector<char> is_error(col.dictionary.size());
    for (std::size_t i = 0; i < col.dictionary.size(); ++i) {
      is_error[i] = std::find(spec.error_values.begin(), spec.error_values.end(),
                              col.dictionary[i]) != spec.error_values.end();
    }
    std::uint64_t errors = 0;
    for (std::size_t i = 0; i < col.ids.size(); ++i) {
      const auto id = col.ids[i];
      if (id == CategoricalColumn::kMissingCategory) continue;
      ++out.requests;
      if (is_error[id]) ++errors;
    }
    out.errors = errors;
  }
  return out;
}

void add_system(Evaluation& e, const WindowSystem& w, bool reference_bounded,
                const std::vector<Threshold>& thresholds) {
  SystemResult r;
  if (w.latency) {
    r.latencies = w.latency->count;
    for (const auto& [name, value] : w.latency->values)
      r.statistics.emplace_back("latency_" + name, value);
  }
  if (w.errors) {
    r.requests = w.requests;
    r.errors = *w.errors;
    if (auto v = error_rate(*w.errors, w.requests)) r.statistics.emplace_back("error_rate", *v);
  }
  auto seconds = [](const WindowInfo& info) {
    return std::chrono::duration<double>(info.to - info.from).count();
  };
  const double current_seconds = seconds(e.current_window);
  if (auto v = throughput_per_minute(e.current_window.rows_in_window, current_seconds)) {
    r.statistics.emplace_back("throughput_per_minute", *v);
  }
  if (reference_bounded) {
    if (auto v = volume_change(e.current_window.rows_in_window, current_seconds,
                               e.reference_window.rows_in_window, seconds(e.reference_window))) {
      r.statistics.emplace_back("volume_change", *v);
    }
  }
  if (e.status != Status::error) {
    r.breaches = breaches_in(r.statistics, thresholds);
    if (!r.breaches.empty() && e.status == Status::ok) e.status = Status::drift;
  }
  e.system = std::move(r);
}

std::vector<LearnedColumnThreshold> learn_reference_thresholds(const EvaluationSpec& spec,
                                                               const WindowData& reference,
                                                               const Column& time) {
  std::vector<LearnedColumnThreshold> out;
  std::vector<const Threshold*> learned;
  for (const auto& t : spec.thresholds) {
    if (t.learned) learned.push_back(&t);
  }
  if (learned.empty()) return out;
  const std::vector<double> times = column_numbers(time);
  std::vector<std::size_t> order(times.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const bool na = std::isnan(times[a]);
    const bool nb = std::isnan(times[b]);
    if (na || nb) return !na && nb;
    return times[a] < times[b];
  });
  const std::size_t distributions =
      spec.columns.size() - (spec.confidence_low ? 1 : 0);  // features and the prediction
  if (reference.columns.size() < distributions) {
    throw std::invalid_argument("the reference has fewer columns than the spec");
  }
  // Chunk boundaries for K chunks: the first n % K chunks get one row more.
  auto bounds = [&](std::size_t k) {
    std::vector<std::size_t> b{0};
    const std::size_t n = order.size();
    for (std::size_t c = 0; c < k; ++c) b.push_back(b.back() + n / k + (c < n % k ? 1 : 0));
    return b;
  };
  for (std::size_t col = 0; col < distributions; ++col) {
    const FeatureKind kind = spec.columns[col].kind;
    const Column& data = reference.columns[col];
    for (const Threshold* t : learned) {
      if (!learnable_statistic(t->statistic, kind) || t->chunks < 2) continue;
      const auto k = static_cast<std::size_t>(t->chunks);
      const auto b = bounds(k);
      ThresholdLearningOptions options;
      options.k = t->k;
      options.bins = spec.bins;
      std::optional<LearnedThreshold> r;
      if (kind == FeatureKind::numerical) {
        const auto& values = numerical(&data, "a numerical column").values;
        std::vector<SortedSample> chunks;
        for (std::size_t c = 0; c < k; ++c) {
          std::vector<double> v;
          v.reserve(b[c + 1] - b[c]);
          for (std::size_t i = b[c]; i < b[c + 1]; ++i) v.push_back(values[order[i]]);
          chunks.push_back(sort_values(std::move(v)));
        }
        r = learn_threshold(chunks, t->statistic, options);
      } else {
        const auto& cat = categorical(&data, "a categorical column");
        std::vector<CategoryCounts> chunks;
        for (std::size_t c = 0; c < k; ++c) {
          std::vector<std::optional<std::string>> v;
          v.reserve(b[c + 1] - b[c]);
          for (std::size_t i = b[c]; i < b[c + 1]; ++i) {
            const auto id = cat.ids[order[i]];
            if (id == CategoricalColumn::kMissingCategory) {
              v.emplace_back(std::nullopt);
            } else {
              v.emplace_back(cat.dictionary[id]);
            }
          }
          chunks.push_back(count_values(v));
        }
        r = learn_threshold(chunks, t->statistic, options);
      }
      if (!r) continue;
      LearnedColumnThreshold l;
      l.column = col;
      l.statistic = t->statistic;
      l.k = t->k;
      l.chunks = k;
      l.threshold.statistic = t->statistic;
      l.threshold.value = r->threshold;
      l.threshold.mean = r->mean;
      l.threshold.stddev = r->stddev;
      l.threshold.chunks = r->chunks_used;
      out.push_back(std::move(l));
    }
  }
  return out;
}

}  // namespace driftd::drift
