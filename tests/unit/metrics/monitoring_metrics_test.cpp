// The metric families of the monitoring sections (issue 8): dataset, performance, system,
// challenger and per-segment feature statistics, each following the latest evaluation.

#include <catch2/catch.hpp>

#include "driftd/metrics/metrics.hpp"

using namespace driftd;

namespace {

drift::Evaluation base(const std::string& monitor) {
  drift::Evaluation e;
  e.monitor = monitor;
  e.evaluated_at = *parse_rfc3339("2026-11-27T12:00:00Z");
  e.status = drift::Status::ok;
  drift::FeatureResult f;
  f.name = "amount";
  f.statistics.values = {{"psi", 0.1}};
  e.features.push_back(f);
  return e;
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

}  // namespace

TEST_CASE("dataset statistics are exported per monitor and statistic") {
  metrics::Metrics m("x");
  auto e = base("fraud");
  drift::DatasetResult d;
  d.statistics = {{"drifted_feature_share", 0.25}, {"drifted_features", 2}, {"tested_features", 8}};
  e.dataset = d;
  m.record_evaluation(e, 0.1);
  std::string t = m.exposition();
  CHECK(has(t, "# TYPE driftd_dataset_statistic gauge\n"));
  CHECK(has(
      t, "driftd_dataset_statistic{monitor=\"fraud\",statistic=\"drifted_feature_share\"} 0.25\n"));
  CHECK(has(t, "driftd_dataset_statistic{monitor=\"fraud\",statistic=\"drifted_features\"} 2\n"));
  // an evaluation without the section removes its series; an error keeps them
  drift::Evaluation failed = base("fraud");
  failed.status = drift::Status::error;
  m.record_evaluation(failed, 0.1);
  CHECK(has(m.exposition(), "driftd_dataset_statistic{monitor=\"fraud\""));
  m.record_evaluation(base("fraud"), 0.1);
  CHECK_FALSE(has(m.exposition(), "driftd_dataset_statistic{monitor=\"fraud\""));
  m.record_evaluation(e, 0.1);
  m.retain_monitors({"other"});
  CHECK_FALSE(has(m.exposition(), "driftd_dataset_statistic{monitor=\"fraud\""));
}

TEST_CASE("performance statistics, changes and the reference's are exported") {
  metrics::Metrics m("x");
  m.retain_monitors({"fraud"});
  auto e = base("fraud");
  drift::PerformanceResult p;
  p.statistics = {{"roc_auc", 0.75}, {"label_coverage", 0.5}};
  p.reference = {{"roc_auc", 0.86}};
  p.changes = {{"roc_auc_drop", 0.05}};
  e.performance = p;
  m.record_evaluation(e, 0.1);
  m.count_reevaluation("fraud");
  m.count_reevaluation("fraud");
  std::string t = m.exposition();
  CHECK(has(t, "driftd_performance_statistic{monitor=\"fraud\",statistic=\"roc_auc\"} 0.75\n"));
  CHECK(
      has(t, "driftd_performance_statistic{monitor=\"fraud\",statistic=\"label_coverage\"} 0.5\n"));
  CHECK(
      has(t, "driftd_performance_statistic{monitor=\"fraud\",statistic=\"roc_auc_drop\"} 0.05\n"));
  CHECK(has(
      t, "driftd_performance_statistic{monitor=\"fraud\",statistic=\"reference_roc_auc\"} 0.86\n"));
  CHECK(has(t, "driftd_reevaluations_total{monitor=\"fraud\"} 2\n"));
  m.record_evaluation(base("fraud"), 0.1);
  CHECK_FALSE(has(m.exposition(), "driftd_performance_statistic{"));
  m.retain_monitors({});
  CHECK_FALSE(has(m.exposition(), "driftd_reevaluations_total{monitor=\"fraud\"}"));
}

TEST_CASE("system statistics are exported") {
  metrics::Metrics m("x");
  auto e = base("svc");
  drift::SystemResult s;
  s.statistics = {{"latency_p99", 480}, {"error_rate", 0.25}, {"volume_change", -0.5}};
  e.system = s;
  m.record_evaluation(e, 0.1);
  std::string t = m.exposition();
  CHECK(has(t, "driftd_system_statistic{monitor=\"svc\",statistic=\"latency_p99\"} 480\n"));
  CHECK(has(t, "driftd_system_statistic{monitor=\"svc\",statistic=\"error_rate\"} 0.25\n"));
  CHECK(has(t, "driftd_system_statistic{monitor=\"svc\",statistic=\"volume_change\"} -0.5\n"));
  m.retain_monitors({});
  CHECK_FALSE(has(m.exposition(), "driftd_system_statistic{"));
}

TEST_CASE("champion / challenger statistics are exported and follow the latest evaluation") {
  metrics::Metrics m("x");
  auto e = base("fraud");
  drift::ChallengerResult c;
  c.statistics = {{"prediction_psi", 0.12}, {"agreement_rate", 0.875}, {"challenger_better", 1}};
  e.challenger = c;
  m.record_evaluation(e, 0.1);
  std::string t = m.exposition();
  CHECK(has(t, "# TYPE driftd_challenger_statistic gauge\n"));
  CHECK(
      has(t, "driftd_challenger_statistic{monitor=\"fraud\",statistic=\"prediction_psi\"} 0.12\n"));
  CHECK(has(t,
            "driftd_challenger_statistic{monitor=\"fraud\",statistic=\"agreement_rate\"} 0.875\n"));
  CHECK(
      has(t, "driftd_challenger_statistic{monitor=\"fraud\",statistic=\"challenger_better\"} 1\n"));
  // The next evaluation without a verdict drops the verdict's series.
  c.statistics = {{"prediction_psi", 0.2}};
  e.challenger = c;
  m.record_evaluation(e, 0.1);
  t = m.exposition();
  CHECK(
      has(t, "driftd_challenger_statistic{monitor=\"fraud\",statistic=\"prediction_psi\"} 0.2\n"));
  CHECK_FALSE(has(t, "statistic=\"challenger_better\""));
  m.retain_monitors({});
  CHECK_FALSE(has(m.exposition(), "driftd_challenger_statistic{"));
}
