// The evaluation pipeline: prepare both windows, freeze the reference, compare, apply thresholds.

#include "driftd/drift/evaluation.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>

#include "tasks.hpp"

namespace driftd::drift {
namespace {

using detail::run_tasks;

std::size_t feature_count(const EvaluationSpec& spec) {
  const std::size_t extra = (spec.has_prediction ? 1 : 0) + (spec.confidence_low ? 1 : 0);
  if (spec.columns.size() < extra) {
    throw std::invalid_argument("monitor " + spec.monitor +
                                ": fewer columns than the prediction and confidence need");
  }
  if (spec.confidence_low && spec.columns.back().kind != FeatureKind::numerical) {
    throw std::invalid_argument("monitor " + spec.monitor + ": the confidence must be numerical");
  }
  return spec.columns.size() - extra;
}

DatasetResult dataset_result(const DatasetDriftSpec& spec,
                             const std::vector<FeatureResult>& features, std::size_t count) {
  std::vector<std::optional<double>> p(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto& f = features[i];
    const char* wanted = f.kind == FeatureKind::numerical ? "ks_pvalue" : "chi2_pvalue";
    if (!spec.statistic.empty() && spec.statistic != wanted) continue;
    p[i] = f.statistics.get(wanted);
  }
  const DatasetDrift d = dataset_drift(p, spec.correction, spec.alpha);
  DatasetResult r;
  r.correction = spec.correction;
  r.alpha = spec.alpha;
  r.tested = d.tested;
  r.drifted = d.drifted;
  for (std::size_t i = 0; i < count; ++i) {
    if (d.feature_drifted[i]) r.drifted_features.push_back(features[i].name);
  }
  if (d.share) r.statistics.emplace_back("drifted_feature_share", *d.share);
  r.statistics.emplace_back("drifted_features", static_cast<double>(d.drifted));
  r.statistics.emplace_back("tested_features", static_cast<double>(d.tested));
  return r;
}

}  // namespace

std::optional<double> FeatureResult::learned_level(std::string_view statistic) const {
  for (const auto& t : thresholds) {
    if (t.statistic == statistic) return t.value;
  }
  return std::nullopt;
}

void for_each_statistic(const Evaluation& e,
                        const std::function<void(const StatisticRow&)>& visit) {
  auto each = [&](Section section, std::string_view subject, std::string_view segment,
                  const NamedValues& values, bool reference = false) {
    for (const auto& [name, value] : values) {
      visit(StatisticRow{section, subject, segment, name, value, reference, ""});
    }
  };
  auto drift_of = [&](std::string_view segment, const std::vector<FeatureResult>& features,
                      const std::optional<FeatureResult>& prediction,
                      const std::optional<ConfidenceResult>& confidence) {
    for (const auto& f : features) each(Section::feature, f.name, segment, f.statistics.values);
    if (prediction) {
      each(Section::feature, kPredictionName, segment, prediction->statistics.values);
    }
    if (confidence) {
      each(Section::confidence, kConfidenceName, segment, confidence->statistics.values);
    }
  };
  drift_of("", e.features, e.prediction, e.confidence);
  if (e.dataset) each(Section::dataset, kDatasetName, "", e.dataset->statistics);
  if (e.performance) {
    each(Section::performance, kPerformanceName, "", e.performance->statistics);
    each(Section::performance, kPerformanceName, "", e.performance->changes);
    each(Section::performance, kPerformanceName, "", e.performance->reference, true);
  }
  if (e.system) each(Section::system, kSystemName, "", e.system->statistics);
  if (e.challenger) each(Section::challenger, kChallengerName, "", e.challenger->statistics);
  if (e.freshness) each(Section::freshness, kFreshnessName, "", e.freshness->statistics);
  for (const auto& m : e.metrics) {
    for (const auto& [name, value] : m.statistics) {
      visit(StatisticRow{Section::metrics, kMetricsName, "", name, value, false, m.name});
    }
  }
  for (const auto& sg : e.segments) drift_of(sg.segment, sg.features, sg.prediction, sg.confidence);
}

std::string_view to_string(Status s) {
  switch (s) {
    case Status::ok:
      return "ok";
    case Status::drift:
      return "drift";
    case Status::insufficient_data:
      return "insufficient_data";
    case Status::error:
      return "error";
  }
  return "error";
}

std::optional<Status> parse_status(std::string_view s) {
  for (Status st : {Status::ok, Status::drift, Status::insufficient_data, Status::error}) {
    if (to_string(st) == s) return st;
  }
  return std::nullopt;
}

std::string_view to_string(FeatureKind k) {
  return k == FeatureKind::numerical ? "numerical" : "categorical";
}

void serial_for(std::size_t n, const std::function<void(std::size_t)>& task) {
  for (std::size_t i = 0; i < n; ++i) task(i);
}

PreparedWindow prepare_window(const EvaluationSpec& spec, WindowData&& data,
                              const ParallelFor& pf) {
  feature_count(spec);
  if (data.columns.size() != spec.columns.size()) {
    throw std::invalid_argument("monitor " + spec.monitor + ": the window has " +
                                std::to_string(data.columns.size()) + " columns, the spec " +
                                std::to_string(spec.columns.size()));
  }
  for (std::size_t i = 0; i < spec.columns.size(); ++i) {
    const bool numerical = std::holds_alternative<NumericalColumn>(data.columns[i]);
    if (numerical != (spec.columns[i].kind == FeatureKind::numerical)) {
      throw std::invalid_argument("monitor " + spec.monitor + ": column " + spec.columns[i].name +
                                  " does not have the kind of its spec");
    }
  }
  PreparedWindow out;
  out.info = WindowInfo{data.from, data.to, data.rows, data.sampled, data.rows_in_window};
  out.columns.resize(data.columns.size());
  run_tasks(pf, data.columns.size(), [&](std::size_t i) {
    if (auto* num = std::get_if<NumericalColumn>(&data.columns[i])) {
      out.columns[i] = sort_column(std::move(*num));
    } else {
      out.columns[i] = count_categories(std::move(std::get<CategoricalColumn>(data.columns[i])));
    }
  });
  data.columns.clear();
  return out;
}

FrozenReference freeze(const EvaluationSpec& spec, PreparedWindow&& reference) {
  feature_count(spec);
  if (reference.columns.size() != spec.columns.size()) {
    throw std::invalid_argument("monitor " + spec.monitor +
                                ": the prepared reference does not match the spec's columns");
  }
  FrozenReference out;
  out.info = reference.info;
  out.bins = spec.bins;
  out.columns = spec.columns;
  out.frozen.reserve(spec.columns.size());
  for (std::size_t i = 0; i < spec.columns.size(); ++i) {
    auto& col = reference.columns[i];
    if (spec.columns[i].kind == FeatureKind::numerical) {
      auto* s = std::get_if<SortedSample>(&col);
      if (!s) throw std::invalid_argument("column " + spec.columns[i].name + " is not numerical");
      out.frozen.emplace_back(freeze_numerical(std::move(*s), spec.bins));
    } else {
      auto* c = std::get_if<CategoryCounts>(&col);
      if (!c) throw std::invalid_argument("column " + spec.columns[i].name + " is not categorical");
      out.frozen.emplace_back(freeze_categorical(std::move(*c)));
    }
  }
  reference.columns.clear();
  return out;
}

bool compatible(const FrozenReference& ref, const EvaluationSpec& spec) {
  if (ref.bins != spec.bins || ref.columns.size() != spec.columns.size() ||
      ref.frozen.size() != spec.columns.size()) {
    return false;
  }
  for (std::size_t i = 0; i < spec.columns.size(); ++i) {
    if (ref.columns[i].name != spec.columns[i].name ||
        ref.columns[i].kind != spec.columns[i].kind) {
      return false;
    }
    const bool numerical = std::holds_alternative<FrozenNumerical>(ref.frozen[i]);
    if (numerical != (spec.columns[i].kind == FeatureKind::numerical)) return false;
    if (numerical && std::get<FrozenNumerical>(ref.frozen[i]).bins != spec.bins) return false;
  }
  return true;
}

Evaluation compare(const EvaluationSpec& spec, const FrozenReference& reference,
                   const PreparedWindow& current, Timestamp evaluated_at, const ParallelFor& pf) {
  const std::size_t features = feature_count(spec);
  if (!compatible(reference, spec)) {
    throw std::invalid_argument("monitor " + spec.monitor +
                                ": the frozen reference does not match the spec");
  }
  if (current.columns.size() != spec.columns.size()) {
    throw std::invalid_argument("monitor " + spec.monitor +
                                ": the prepared window does not match the spec's columns");
  }
  const std::size_t distributions = features + (spec.has_prediction ? 1 : 0);
  std::vector<FeatureResult> results(distributions);
  std::optional<ConfidenceResult> confidence;
  if (spec.confidence_low) confidence.emplace();

  run_tasks(pf, spec.columns.size(), [&](std::size_t i) {
    const auto& col = spec.columns[i];
    const auto& cur = current.columns[i];
    if (i >= distributions) {
      const auto* s = std::get_if<SortedSample>(&cur);
      if (!s) throw std::invalid_argument("the confidence column is not numerical");
      confidence->statistics = confidence_statistics(*s, *spec.confidence_low);
      return;
    }
    FeatureResult& r = results[i];
    r.name = i < features ? col.name : std::string(kPredictionName);
    r.kind = col.kind;
    for (const auto& l : reference.learned) {
      if (l.column == i) r.thresholds.push_back(l.threshold);
    }
    if (col.kind == FeatureKind::numerical) {
      const auto* s = std::get_if<SortedSample>(&cur);
      if (!s) throw std::invalid_argument("column " + col.name + " is not numerical");
      r.statistics = compare_numerical(std::get<FrozenNumerical>(reference.frozen[i]), *s);
    } else {
      const auto* c = std::get_if<CategoryCounts>(&cur);
      if (!c) throw std::invalid_argument("column " + col.name + " is not categorical");
      r.statistics = compare_categorical(std::get<FrozenCategorical>(reference.frozen[i]), *c);
    }
  });

  Evaluation e;
  e.monitor = spec.monitor;
  e.evaluated_at = evaluated_at;
  e.current_window = current.info;
  e.reference_window = reference.info;
  // Too few rows on either side: report what could be computed, but never call it drift.
  const bool sufficient =
      current.info.rows >= spec.min_rows && reference.info.rows >= spec.min_rows;
  bool any_breach = false;
  for (auto& r : results) {
    if (sufficient) r.breaches = breaches_in(r.statistics.values, spec.thresholds, &r.thresholds);
    any_breach = any_breach || !r.breaches.empty();
    if (!sufficient) {
      r.status = Status::insufficient_data;
    } else if (!r.breaches.empty()) {
      r.status = Status::drift;
    } else {
      r.status = r.statistics.distribution_defined ? Status::ok : Status::insufficient_data;
    }
  }
  if (confidence && sufficient) {
    confidence->breaches = breaches_in(confidence->statistics.values, spec.thresholds);
    any_breach = any_breach || !confidence->breaches.empty();
  }
  if (spec.dataset_drift) {
    e.dataset = dataset_result(*spec.dataset_drift, results, features);
    if (sufficient) {
      e.dataset->breaches = breaches_in(e.dataset->statistics, spec.thresholds);
      any_breach = any_breach || !e.dataset->breaches.empty();
    }
  }
  if (spec.has_prediction) {
    e.prediction = std::move(results.back());
    results.pop_back();
  }
  e.features = std::move(results);
  e.confidence = std::move(confidence);
  e.status = !sufficient ? Status::insufficient_data : any_breach ? Status::drift : Status::ok;
  return e;
}

}  // namespace driftd::drift
