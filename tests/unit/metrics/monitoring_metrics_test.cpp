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

namespace {

drift::SegmentResult segment(const std::string& name, double psi) {
  drift::SegmentResult s;
  s.segment = name;
  s.current_rows = 120;
  s.reference_rows = 300;
  drift::FeatureResult f;
  f.name = "amount";
  f.statistics.values = {{"psi", psi}, {"missing_rate", 0}};
  s.features.push_back(f);
  drift::FeatureResult p;
  p.name = std::string(drift::kPredictionName);
  p.statistics.values = {{"psi", 0.01}};
  s.prediction = p;
  drift::ConfidenceResult c;
  c.statistics.values = {{"mean", 0.8}};
  s.confidence = c;
  return s;
}

}  // namespace

TEST_CASE("segment statistics: a new family, series of segments that left the top N removed") {
  metrics::Metrics m("x");
  auto e = base("fraud");
  e.segment_column = "country";
  e.segments = {segment("DE", 0.4), segment("FR", 0.02), segment("__other__", 0.03)};
  m.record_evaluation(e, 0.1);
  std::string t = m.exposition();
  CHECK(has(t, "# TYPE driftd_segment_statistic gauge\n"));
  CHECK(has(t,
            "driftd_segment_statistic{feature=\"amount\",monitor=\"fraud\",segment=\"DE\","
            "statistic=\"psi\"} 0.4\n"));
  CHECK(has(t,
            "driftd_segment_statistic{feature=\"__prediction__\",monitor=\"fraud\","
            "segment=\"FR\",statistic=\"psi\"} 0.01\n"));
  CHECK(has(t,
            "driftd_segment_statistic{feature=\"__confidence__\",monitor=\"fraud\","
            "segment=\"__other__\",statistic=\"mean\"} 0.8\n"));
  CHECK(has(t, "driftd_segment_rows{monitor=\"fraud\",segment=\"DE\",window=\"current\"} 120\n"));
  CHECK(has(t, "driftd_segment_rows{monitor=\"fraud\",segment=\"DE\",window=\"reference\"} 300\n"));
  // The existing families keep their label sets.
  CHECK(has(t,
            "driftd_feature_statistic{feature=\"amount\",monitor=\"fraud\",statistic=\"psi\"} "
            "0.1\n"));

  // FR left the top N (IT took its place): its series go, the family stays bounded.
  e.segments = {segment("DE", 0.5), segment("IT", 0.02), segment("__other__", 0.03)};
  m.record_evaluation(e, 0.1);
  t = m.exposition();
  CHECK_FALSE(has(t, "segment=\"FR\""));
  CHECK(has(t, "segment=\"IT\""));
  CHECK(has(t,
            "driftd_segment_statistic{feature=\"amount\",monitor=\"fraud\",segment=\"DE\","
            "statistic=\"psi\"} 0.5\n"));
  std::size_t series = 0;
  for (std::size_t p = t.find("\ndriftd_segment_statistic{"); p != std::string::npos;
       p = t.find("\ndriftd_segment_statistic{", p + 1)) {
    ++series;
  }
  CHECK(series == 3 * 4);  // 3 segments x (amount psi, missing_rate, prediction psi, mean)

  // An error keeps them; an evaluation without segments removes them; so does retain_monitors.
  drift::Evaluation failed = base("fraud");
  failed.status = drift::Status::error;
  m.record_evaluation(failed, 0.1);
  CHECK(has(m.exposition(), "driftd_segment_statistic{"));
  m.record_evaluation(base("fraud"), 0.1);
  CHECK_FALSE(has(m.exposition(), "driftd_segment_statistic{"));
  CHECK_FALSE(has(m.exposition(), "driftd_segment_rows{"));
  m.record_evaluation(e, 0.1);
  m.retain_monitors({"other"});
  CHECK_FALSE(has(m.exposition(), "driftd_segment_statistic{"));
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
