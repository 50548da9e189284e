#pragma once
// The alert rules of one monitor, compiled once per config load (daemon/plan.hpp): the subjects
// thresholds apply to, the thresholds, and what to do with a firing alert. The engine reads only
// these, never the monitor's configuration.

#include <optional>
#include <string>
#include <vector>

#include "driftd/common/time.hpp"
#include "driftd/config/config.hpp"
#include "driftd/drift/catalog.hpp"
#include "driftd/drift/thresholds.hpp"

namespace driftd::alerts {

// Something thresholds apply to: a feature or the prediction (Section::feature), the confidence,
// or a monitor-level section (named by drift::subject_name).
struct SubjectRule {
  std::string name;
  drift::Section section = drift::Section::feature;
};

// A business metric ([[monitors.metrics]]): drift judges it (thresholds, baseline, significance
// gate: MetricResult), alerting keeps its state under (__metrics__, name).
struct MetricRule {
  std::string name;
  int for_count = 1;
  std::optional<drift::Severity> severity;  // default medium
};

struct MonitorRules {
  std::string monitor;
  // In the order notifications list their alerts: the features, the prediction, the confidence,
  // then the monitor's sections (dataset, performance, challenger, system, freshness).
  std::vector<SubjectRule> subjects;
  std::vector<drift::Threshold> thresholds;  // every threshold applies to every subject
  std::vector<MetricRule> metrics;           // after the subjects, in config order
  bool segmented = false;  // the features, prediction and confidence are judged per segment too
  Duration schedule{0};
  Duration repeat_interval{0};  // re-notify a still-firing alert
  int failing_after = 3;        // consecutive failed evaluations before "monitor failing" fires
};

MonitorRules compile_rules(const config::MonitorConfig& m);

}  // namespace driftd::alerts
