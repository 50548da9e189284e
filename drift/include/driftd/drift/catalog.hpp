#pragma once
// The catalog of statistics: every statistic driftd computes, the section of an evaluation that
// carries it, the feature kinds it is defined for, whether a threshold on it can be learned, and
// the subject names under which sections appear in alerts, metrics and the statistics table.
// config validates threshold names against it, drift orders and learns by it, alerts, metrics and
// storage walk the sections it names (for_each_statistic). Adding a statistic is an entry here,
// its computation, and its test.

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "driftd/drift/window.hpp"

namespace driftd::drift {

// Subject names: the prediction and the confidence beside the features, and the monitor-level
// sections, as they appear in alerts (feature), metrics (feature label) and the statistics table.
inline constexpr std::string_view kPredictionName = "__prediction__";
inline constexpr std::string_view kConfidenceName = "__confidence__";
inline constexpr std::string_view kDatasetName = "__dataset__";
inline constexpr std::string_view kPerformanceName = "__performance__";
inline constexpr std::string_view kSystemName = "__system__";
inline constexpr std::string_view kChallengerName = "__challenger__";
inline constexpr std::string_view kFreshnessName = "__freshness__";
// Business metrics: alerts carry the metric's name as their statistic.
inline constexpr std::string_view kMetricsName = "__metrics__";
// The segment that gathers every value beyond a monitor's `segment.max`.
inline constexpr std::string_view kOtherSegment = "__other__";

// The part of an evaluation a statistic belongs to.
enum class Section {
  feature,      // per feature and the prediction (drift and data quality)
  confidence,   // the prediction's confidence
  dataset,      // [monitors.dataset_drift]
  performance,  // [monitors.labels]: realised performance and its change
  system,       // [monitors.system]
  challenger,   // [monitors.challenger]
  freshness,    // freshness and volume of the monitor's table
  metrics,      // [[monitors.metrics]]: value, baseline, change, p_value of each business metric
};
inline constexpr Section kSections[] = {
    Section::feature, Section::confidence, Section::dataset,   Section::performance,
    Section::system,  Section::challenger, Section::freshness, Section::metrics};
std::string_view to_string(Section s);
// The subject name of a section's statistics: kConfidenceName, kDatasetName, kPerformanceName,
// kSystemName, kChallengerName, kFreshnessName, kMetricsName; "" for Section::feature (each feature
// is its own subject).
std::string_view subject_name(Section s);

struct StatisticInfo {
  std::string_view name;
  Section section = Section::feature;
  bool numerical = false;    // feature section: defined for numerical features
  bool categorical = false;  // feature section: defined for categorical features
  // A threshold can be learned from the reference (`auto`): higher means more drift, and the
  // statistic's spread over chunks of the reference says what is normal. P-values are not: their
  // distribution without drift is known (uniform), so a significance level is the threshold.
  bool learnable = false;
  bool rate = false;     // a share of a window's rows (binomial noise floors a learned σ)
  bool quality = false;  // performance: a quality metric or its change (a reason to retrain)
};

// Every statistic, in the canonical order: CONTRACT section 5's, then the extensions'. The
// statistics functions produce values in it, json round trips restore it, config lists it. The
// champion / challenger comparison's prediction_<statistic> divergences are derived from the
// feature statistics.
std::span<const StatisticInfo> statistics();
const StatisticInfo* find_statistic(std::string_view name);
// Position in the canonical order; an unknown name ranks after every known one.
std::size_t statistic_rank(std::string_view name);

// Whether a threshold on `statistic` can be learned for a column of `kind`.
bool learnable_statistic(std::string_view statistic, FeatureKind kind);

}  // namespace driftd::drift
