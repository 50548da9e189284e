// The monitoring tables beyond feature drift (issue 8): [monitors.dataset_drift],
// [monitors.labels], [monitors.system], learned thresholds, segments and the challenger.

#include <catch2/catch.hpp>

#include <algorithm>

#include "support.hpp"

using namespace driftd::config;
using namespace driftd::config::test;

namespace {

// Lines: 4 [[monitors]] ... 14 the last feature key; the tables under test are appended from
// line 15 on.
constexpr const char* kBase = R"([database]
url = "postgresql://driftd@localhost/app"

[[monitors]]
name = "fraud-v2"
table = "public.predictions"
timestamp_column = "ts"
schedule = "5m"
window = "1h"
reference = { from = "2026-01-01T00:00:00Z", to = "2026-01-08T00:00:00Z" }
prediction = { column = "prediction", kind = "categorical" }
confidence = { column = "confidence" }
features = [{ name = "amount", column = "amount", kind = "numerical" },
            { name = "country", column = "country", kind = "categorical" }]
)";

MonitorConfig monitor_with(const std::string& tail) {
  ScopedEnv env({});
  return load(std::string(kBase) + tail).monitors.at(0);
}

// The problem whose message contains `needle`: checks its line and that it is the only one.
void expect_problem(const std::string& tail, int line, const std::string& needle,
                    std::size_t count = 1) {
  ScopedEnv env({});
  const std::string text = std::string(kBase) + tail;
  auto problems = problems_of(text);
  INFO("document:\n" << text << "\nproblems:\n" << dump(problems));
  auto it = std::find_if(problems.begin(), problems.end(), [&](const Problem& p) {
    return p.message.find(needle) != std::string::npos;
  });
  REQUIRE(it != problems.end());
  CHECK(it->line == line);
  CHECK(problems.size() == count);
}

}  // namespace

TEST_CASE("the base document of the monitoring cases is valid") {
  auto m = monitor_with("");
  CHECK_FALSE(m.dataset_drift);
}

TEST_CASE("[monitors.dataset_drift] with defaults and with every key") {
  auto m = monitor_with("[monitors.dataset_drift]\n");
  REQUIRE(m.dataset_drift);
  CHECK(m.dataset_drift->correction == DatasetDriftConfig::Correction::benjamini_hochberg);
  CHECK(m.dataset_drift->alpha == 0.05);
  CHECK(m.dataset_drift->statistic == DatasetDriftConfig::PValue::automatic);
  CHECK(m.dataset_drift->line == 15);

  m = monitor_with(
      "dataset_drift = { correction = \"holm\", alpha = 0.01, statistic = \"ks_pvalue\" }\n"
      "thresholds = { drifted_feature_share = 0.3, drifted_features = { above = 4, for = 2 } }\n");
  CHECK(m.dataset_drift->correction == DatasetDriftConfig::Correction::holm);
  CHECK(m.dataset_drift->alpha == 0.01);
  CHECK(m.dataset_drift->statistic == DatasetDriftConfig::PValue::ks_pvalue);
  auto share = std::find_if(m.thresholds.begin(), m.thresholds.end(), [](const Threshold& t) {
    return t.statistic == "drifted_feature_share";
  });
  REQUIRE(share != m.thresholds.end());
  CHECK(share->level == 0.3);
  CHECK(to_string(DatasetDriftConfig::Correction::bonferroni) == "bonferroni");
  CHECK(to_string(DatasetDriftConfig::Correction::none) == "none");
}

TEST_CASE("[monitors.dataset_drift] problems") {
  expect_problem("[monitors.dataset_drift]\ncorrection = \"benjamini-hochberg\"\n", 16,
                 "monitors[0] (fraud-v2).dataset_drift.correction: \"benjamini-hochberg\" is not "
                 "one of \"benjamini_hochberg\", \"bonferroni\", \"holm\", \"none\" (did you mean "
                 "\"benjamini_hochberg\"?)");
  expect_problem("[monitors.dataset_drift]\nalpha = 1.5\n", 16,
                 "dataset_drift.alpha: 1.5 is out of range (expected strictly between 0 and 1)");
  expect_problem("[monitors.dataset_drift]\nalpa = 0.1\n", 16,
                 "dataset_drift: unknown key 'alpa' (did you mean 'alpha'?)");
  expect_problem("[monitors.dataset_drift]\nstatistic = \"ks_pval\"\n", 16,
                 "(did you mean \"ks_pvalue\"?)");
  expect_problem("dataset_drift = true\n", 15,
                 "dataset_drift: expected a table such as { correction = \"benjamini_hochberg\"");
  expect_problem("thresholds = { drifted_feature_shares = 0.3 }\n", 15,
                 "unknown statistic 'drifted_feature_shares' (did you mean "
                 "'drifted_feature_share'?)");
  expect_problem("datset_drift = {}\n", 15,
                 "unknown key 'datset_drift' (did you mean 'dataset_drift'?)");
}
