#include "driftd/daemon/retrain.hpp"

#include <algorithm>

#include "driftd/drift/catalog.hpp"

namespace driftd::daemon {

RetrainDecision decide_retrain(const std::string& monitor,
                               const std::optional<drift::Evaluation>& e,
                               const std::vector<drift::Threshold>& thresholds,
                               const std::vector<std::string>& statistics,
                               const std::optional<drift::Evaluation>& performance,
                               const std::vector<std::string>& metrics) {
  RetrainDecision d;
  d.monitor = monitor;
  d.status = "pending";
  if (!e) return d;
  d.evaluated_at = e->evaluated_at;
  d.status = std::string(drift::to_string(e->status));
  // Drift reasons need an evaluation that saw enough rows; performance has its own sufficiency
  // (labelled rows) and may come from an earlier evaluation whose labels have arrived since.
  const bool drift_usable = e->status == drift::Status::ok || e->status == drift::Status::drift;
  auto consider = [&](const drift::FeatureResult& f) {
    for (const auto& stat : statistics) {
      auto v = f.statistics.get(stat);
      if (!v) continue;
      for (const auto& configured : thresholds) {
        if (configured.statistic != stat) continue;
        // A learned threshold has the level the evaluation learned for this feature.
        const auto t = configured.applied(&f.thresholds);
        if (t && t->crossed(*v)) d.reasons.push_back({f.name, stat, *v, t->level, std::nullopt});
      }
    }
  };
  if (drift_usable) {
    for (const auto& f : e->features) consider(f);
    if (e->prediction) consider(*e->prediction);
  }
  if (performance && performance->performance &&
      performance->performance->status != drift::Status::insufficient_data) {
    const drift::NamedValues values = performance->performance->alertable();
    for (const auto& configured : thresholds) {
      // Learned thresholds are for feature drift only (no levels here: applied() says so).
      const auto t = configured.applied(nullptr);
      // Only the model's quality says retrain: late or few labels, or a shift in the labels'
      // class mix, are news about the pipeline or the data, which alerts carry.
      const drift::StatisticInfo* info = t ? drift::find_statistic(t->statistic) : nullptr;
      if (info == nullptr || !info->quality) continue;
      auto v = drift::value_of(values, t->statistic);
      if (v && t->crossed(*v)) {
        d.reasons.push_back({std::string(drift::kPerformanceName), t->statistic, *v, t->level,
                             performance->evaluated_at});
      }
    }
  }
  if (e->status != drift::Status::error) {
    for (const auto& m : e->metrics) {
      if (m.breaches.empty() || !m.level) continue;
      if (std::find(metrics.begin(), metrics.end(), m.name) == metrics.end()) continue;
      const auto v = drift::value_of(m.statistics, "value");
      if (v) d.reasons.push_back({std::string(drift::kMetricsName), m.name, *v, *m.level, {}});
    }
  }
  d.should_retrain = !d.reasons.empty();
  return d;
}

}  // namespace driftd::daemon
