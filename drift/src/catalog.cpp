// The catalog of statistics (catalog.hpp): one table. Its order is CONTRACT section 5's, then the
// extensions'; the statistics functions produce their values in it.

#include "driftd/drift/catalog.hpp"

#include <string>
#include <unordered_map>
#include <vector>

namespace driftd::drift {
namespace {

struct Entry {
  std::string_view name;
  Section section;
  bool numerical;
  bool categorical;
  bool learnable;
  bool rate;
  bool quality;
};

constexpr bool N = true;   // numerical / categorical / learnable / rate / quality: yes
constexpr bool _ = false;  // no

// clang-format off
constexpr Entry kEntries[] = {
    // name                   section               num cat learn rate quality
    // CONTRACT section 5, in its order
    {"psi",                   Section::feature,     N,  N,  N,    _,   _},
    {"kl_divergence",         Section::feature,     N,  N,  N,    _,   _},
    {"js_distance",           Section::feature,     N,  N,  N,    _,   _},
    {"hellinger",             Section::feature,     N,  N,  N,    _,   _},
    {"ks_statistic",          Section::feature,     N,  _,  N,    _,   _},
    {"ks_pvalue",             Section::feature,     N,  _,  _,    _,   _},
    {"wasserstein_normed",    Section::feature,     N,  _,  N,    _,   _},
    {"mean_shift_sigmas",     Section::feature,     N,  _,  N,    _,   _},
    {"missing_rate",          Section::feature,     N,  N,  N,    N,   _},
    {"out_of_range_rate",     Section::feature,     N,  _,  N,    N,   _},
    {"invalid_rate",          Section::feature,     N,  _,  N,    N,   _},
    {"chi2_statistic",        Section::feature,     _,  N,  N,    _,   _},
    {"chi2_pvalue",           Section::feature,     _,  N,  _,    _,   _},
    {"new_category_rate",     Section::feature,     _,  N,  N,    N,   _},
    {"mean",                  Section::confidence,  _,  _,  _,    _,   _},
    {"p10",                   Section::confidence,  _,  _,  _,    _,   _},
    {"p50",                   Section::confidence,  _,  _,  _,    _,   _},
    {"p90",                   Section::confidence,  _,  _,  _,    _,   _},
    {"low_confidence_rate",   Section::confidence,  _,  _,  _,    N,   _},
    // extensions
    {"median_shift_sigmas",   Section::feature,     N,  _,  N,    _,   _},
    {"drifted_feature_share", Section::dataset,     _,  _,  _,    _,   _},
    {"drifted_features",      Section::dataset,     _,  _,  _,    _,   _},
    {"tested_features",       Section::dataset,     _,  _,  _,    _,   _},
    {"accuracy",              Section::performance, _,  _,  _,    _,   N},
    {"precision",             Section::performance, _,  _,  _,    _,   N},
    {"recall",                Section::performance, _,  _,  _,    _,   N},
    {"f1",                    Section::performance, _,  _,  _,    _,   N},
    {"roc_auc",               Section::performance, _,  _,  _,    _,   N},
    {"log_loss",              Section::performance, _,  _,  _,    _,   N},
    {"positive_rate",         Section::performance, _,  _,  _,    _,   _},
    {"predicted_positive_rate", Section::performance, _, _, _,    _,   _},
    {"support_positive",      Section::performance, _,  _,  _,    _,   _},
    {"support_negative",      Section::performance, _,  _,  _,    _,   _},
    {"mae",                   Section::performance, _,  _,  _,    _,   N},
    {"rmse",                  Section::performance, _,  _,  _,    _,   N},
    {"mape",                  Section::performance, _,  _,  _,    _,   N},
    {"mean_error",            Section::performance, _,  _,  _,    _,   N},
    {"label_coverage",        Section::performance, _,  _,  _,    _,   _},
    {"labelled_rows",         Section::performance, _,  _,  _,    _,   _},
    {"label_delay_mean",      Section::performance, _,  _,  _,    _,   _},
    {"label_delay_p50",       Section::performance, _,  _,  _,    _,   _},
    {"label_delay_p90",       Section::performance, _,  _,  _,    _,   _},
    {"label_delay_max",       Section::performance, _,  _,  _,    _,   _},
    {"accuracy_drop",         Section::performance, _,  _,  _,    _,   N},
    {"precision_drop",        Section::performance, _,  _,  _,    _,   N},
    {"recall_drop",           Section::performance, _,  _,  _,    _,   N},
    {"f1_drop",               Section::performance, _,  _,  _,    _,   N},
    {"roc_auc_drop",          Section::performance, _,  _,  _,    _,   N},
    {"log_loss_increase",     Section::performance, _,  _,  _,    _,   N},
    {"mae_increase",          Section::performance, _,  _,  _,    _,   N},
    {"rmse_increase",         Section::performance, _,  _,  _,    _,   N},
    {"mape_increase",         Section::performance, _,  _,  _,    _,   N},
    {"latency_mean",          Section::system,      _,  _,  _,    _,   _},
    {"latency_p50",           Section::system,      _,  _,  _,    _,   _},
    {"latency_p95",           Section::system,      _,  _,  _,    _,   _},
    {"latency_p99",           Section::system,      _,  _,  _,    _,   _},
    {"latency_max",           Section::system,      _,  _,  _,    _,   _},
    {"error_rate",            Section::system,      _,  _,  _,    N,   _},
    {"throughput_per_minute", Section::system,      _,  _,  _,    _,   _},
    {"volume_change",         Section::system,      _,  _,  _,    _,   _},
    // [monitors.challenger]: the prediction_<feature statistic> divergences come first (added
    // below from the feature statistics), then these.
    {"paired_rows",           Section::challenger,  _,  _,  _,    _,   _},
    {"agreement_rate",        Section::challenger,  _,  _,  _,    N,   _},
    {"champion_confidence_mean", Section::challenger, _, _, _,    _,   _},
    {"challenger_confidence_mean", Section::challenger, _, _, _,  _,   _},
    {"confidence_difference", Section::challenger,  _,  _,  _,    _,   _},
    {"champion_performance",  Section::challenger,  _,  _,  _,    _,   _},
    {"challenger_performance", Section::challenger, _,  _,  _,    _,   _},
    {"performance_difference", Section::challenger, _,  _,  _,    _,   _},
    {"performance_statistic", Section::challenger,  _,  _,  _,    _,   _},
    {"performance_pvalue",    Section::challenger,  _,  _,  _,    _,   _},
    {"champion_labelled_rows", Section::challenger, _,  _,  _,    _,   _},
    {"challenger_labelled_rows", Section::challenger, _, _, _,    _,   _},
    {"challenger_better",     Section::challenger,  _,  _,  _,    _,   _},
    {"challenger_worse",      Section::challenger,  _,  _,  _,    _,   _},
    // freshness and volume of the monitor's table (freshness = ..., volume = ...)
    {"freshness_seconds",     Section::freshness,   _,  _,  _,    _,   _},
    {"usual_age_seconds",     Section::freshness,   _,  _,  _,    _,   _},
    {"freshness_excess_seconds", Section::freshness, _, _,  _,    _,   _},
    {"window_rows",           Section::freshness,   _,  _,  _,    _,   _},
    {"baseline_rows",         Section::freshness,   _,  _,  _,    _,   _},
    {"volume_ratio",          Section::freshness,   _,  _,  _,    _,   _},
    // [[monitors.metrics]]: each business metric's value against its baseline
    {"value",                 Section::metrics,     _,  _,  _,    _,   _},
    {"baseline",              Section::metrics,     _,  _,  _,    _,   _},
    {"change",                Section::metrics,     _,  _,  _,    _,   _},
    {"p_value",               Section::metrics,     _,  _,  _,    _,   _},
};
// clang-format on

constexpr std::string_view kVersionPrefix = "prediction_";

struct Catalog {
  std::vector<std::string> derived_names;  // prediction_<statistic>; stable storage for views
  std::vector<StatisticInfo> infos;
  std::unordered_map<std::string_view, std::size_t> rank;

  Catalog() {
    auto info = [](const Entry& e, std::string_view name, Section section) {
      StatisticInfo i;
      i.name = name;
      i.section = section;
      i.numerical = e.numerical;
      i.categorical = e.categorical;
      i.learnable = e.learnable;
      i.rate = e.rate;
      i.quality = e.quality;
      return i;
    };
    std::size_t features = 0;
    for (const auto& e : kEntries) features += e.section == Section::feature ? 1 : 0;
    derived_names.reserve(features);  // no reallocation: the views below stay valid
    for (const auto& e : kEntries) {
      if (e.section == Section::challenger && derived_names.empty()) {
        for (const auto& f : kEntries) {
          if (f.section != Section::feature) continue;
          derived_names.push_back(std::string(kVersionPrefix) + std::string(f.name));
          StatisticInfo i = info(f, derived_names.back(), Section::challenger);
          i.numerical = i.categorical = i.learnable = false;  // not a feature's statistic
          infos.push_back(i);
        }
      }
      infos.push_back(info(e, e.name, e.section));
    }
    for (std::size_t i = 0; i < infos.size(); ++i) rank.emplace(infos[i].name, i);
  }
};

const Catalog& catalog() {
  static const Catalog c;
  return c;
}

}  // namespace

std::string_view to_string(Section s) {
  switch (s) {
    case Section::feature:
      return "feature";
    case Section::confidence:
      return "confidence";
    case Section::dataset:
      return "dataset";
    case Section::performance:
      return "performance";
    case Section::system:
      return "system";
    case Section::challenger:
      return "challenger";
    case Section::freshness:
      return "freshness";
    case Section::metrics:
      return "metrics";
  }
  return "feature";
}

std::string_view subject_name(Section s) {
  switch (s) {
    case Section::feature:
      return "";
    case Section::confidence:
      return kConfidenceName;
    case Section::dataset:
      return kDatasetName;
    case Section::performance:
      return kPerformanceName;
    case Section::system:
      return kSystemName;
    case Section::challenger:
      return kChallengerName;
    case Section::freshness:
      return kFreshnessName;
    case Section::metrics:
      return kMetricsName;
  }
  return "";
}

std::span<const StatisticInfo> statistics() { return catalog().infos; }

const StatisticInfo* find_statistic(std::string_view name) {
  const auto& c = catalog();
  auto it = c.rank.find(name);
  return it == c.rank.end() ? nullptr : &c.infos[it->second];
}

std::size_t statistic_rank(std::string_view name) {
  const auto& c = catalog();
  auto it = c.rank.find(name);
  return it == c.rank.end() ? c.infos.size() : it->second;
}

bool learnable_statistic(std::string_view statistic, FeatureKind kind) {
  const StatisticInfo* s = find_statistic(statistic);
  if (s == nullptr || !s->learnable) return false;
  return kind == FeatureKind::numerical ? s->numerical : s->categorical;
}

}  // namespace driftd::drift
