#include "driftd/alerts/rules.hpp"

namespace driftd::alerts {

MonitorRules compile_rules(const config::MonitorConfig& m) {
  using drift::Section;
  MonitorRules r;
  r.monitor = m.name;
  for (const auto& f : m.features) r.subjects.push_back({f.name, Section::feature});
  if (m.prediction) r.subjects.push_back({std::string(drift::kPredictionName), Section::feature});
  auto section = [&r](Section s) {
    r.subjects.push_back({std::string(drift::subject_name(s)), s});
  };
  if (m.confidence) section(Section::confidence);
  if (m.dataset_drift) section(Section::dataset);
  if (m.labels) section(Section::performance);
  if (m.challenger) section(Section::challenger);
  if (m.system) section(Section::system);
  if (m.freshness || m.volume) section(Section::freshness);
  for (const auto& metric : m.metrics) {
    r.metrics.push_back({metric.name, metric.for_count, metric.severity});
  }
  r.thresholds.assign(m.thresholds.begin(), m.thresholds.end());
  r.segmented = m.segment.has_value();
  r.schedule = m.schedule;
  r.repeat_interval = m.repeat_interval;
  r.failing_after = m.failing_after;
  return r;
}

}  // namespace driftd::alerts
