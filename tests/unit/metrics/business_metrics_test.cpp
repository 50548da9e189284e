// driftd_business_metric{monitor,metric,statistic} and driftd_freshness_statistic (issue 14).

#include <catch2/catch.hpp>

#include "driftd/metrics/metrics.hpp"

using namespace driftd;

namespace {

drift::Evaluation base() {
  drift::Evaluation e;
  e.monitor = "shop";
  e.evaluated_at = *parse_rfc3339("2026-11-27T12:00:00Z");
  e.status = drift::Status::ok;
  return e;
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

}  // namespace

TEST_CASE("business metrics and freshness follow the latest evaluation") {
  metrics::Metrics m("x");
  auto e = base();
  drift::MetricResult c;
  c.name = "conversion";
  c.statistics = {{"value", 0.031}, {"baseline", 0.038}, {"change", -0.25}, {"p_value", 0.002}};
  e.metrics.push_back(c);
  drift::FreshnessResult f;
  f.statistics = {{"freshness_seconds", 120}, {"volume_ratio", 0.5}};
  e.freshness = f;
  m.record_evaluation(e, 0.1);
  std::string t = m.exposition();
  CHECK(has(t, "# TYPE driftd_business_metric gauge\n"));
  CHECK(has(t,
            "driftd_business_metric{metric=\"conversion\",monitor=\"shop\",statistic=\"value\"} "
            "0.031\n"));
  CHECK(has(t,
            "driftd_business_metric{metric=\"conversion\",monitor=\"shop\",statistic=\"p_value\"} "
            "0.002\n"));
  CHECK(
      has(t, "driftd_freshness_statistic{monitor=\"shop\",statistic=\"freshness_seconds\"} 120\n"));
  // A metric gone from the evaluation loses its series.
  m.record_evaluation(base(), 0.1);
  t = m.exposition();
  CHECK_FALSE(has(t, "driftd_business_metric{"));
  CHECK_FALSE(has(t, "driftd_freshness_statistic{"));
}
