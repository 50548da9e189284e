#pragma once
// The retrain decision (GET /api/v1/monitors/{name}/retrain): whether a monitor's latest
// evaluations say its model should be retrained, and why. Thresholds are judged with the one
// threshold rule (drift/thresholds.hpp), as the alerts judge them.

#include <optional>
#include <string>
#include <vector>

#include "driftd/drift/evaluation.hpp"

namespace driftd::daemon {

struct RetrainReason {
  std::string feature;  // a feature, "__prediction__", "__performance__" or "__metrics__"
  std::string statistic;
  double value = 0;
  double threshold = 0;
  // Reasons taken from another evaluation than the decision's (realised performance, whose labels
  // arrive later) say which.
  std::optional<Timestamp> evaluated_at;
};

struct RetrainDecision {
  std::string monitor;
  bool should_retrain = false;
  std::vector<RetrainReason> reasons;
  std::optional<Timestamp> evaluated_at;  // of the evaluation the decision is based on
  std::string status;                     // that evaluation's status, or "pending"
};

// The retrain decision from a monitor's latest usable evaluation (`ok` or `drift`): retrain when
// any feature's or the prediction's statistic in `statistics` breaches its threshold, or when
// `performance` (the newest evaluation whose labels sufficed, see Service::retrain) has a
// quality metric or its change beyond its threshold (e.g. roc_auc_drop > 0.02). Business metrics,
// freshness and volume are news about the product or the pipeline, not the model: they count only
// for the metrics named in `metrics` (`retrain = true`), when one of their thresholds breaches.
RetrainDecision decide_retrain(const std::string& monitor,
                               const std::optional<drift::Evaluation>& e,
                               const std::vector<drift::Threshold>& thresholds,
                               const std::vector<std::string>& statistics = {"psi"},
                               const std::optional<drift::Evaluation>& performance = std::nullopt,
                               const std::vector<std::string>& metrics = {});

}  // namespace driftd::daemon
