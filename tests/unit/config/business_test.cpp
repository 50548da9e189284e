// Freshness, volume and business metrics (issue 14): `freshness`, `volume`, [[monitors.metrics]].

#include <catch2/catch.hpp>

#include <algorithm>

#include "support.hpp"

using namespace driftd;
using namespace driftd::config;
using namespace driftd::config::test;

namespace {

// Lines: 4 [[monitors]] ... 12 features; what a case tests is appended from line 13 on.
constexpr const char* kBase = R"([database]
url = "postgresql://driftd@localhost/app"

[[monitors]]
name = "shop"
table = "public.events"
timestamp_column = "ts"
schedule = "5m"
window = "1h"
reference = { offset = "1d" }
min_rows = 50
features = [{ name = "amount", column = "amount", kind = "numerical" }]
)";

MonitorConfig monitor_with(const std::string& tail, const std::string& base = kBase) {
  ScopedEnv env({});
  return load(base + tail).monitors.at(0);
}

void expect_problem(const std::string& tail, int line, const std::string& needle,
                    const std::string& base = kBase) {
  ScopedEnv env({});
  const std::string text = base + tail;
  auto problems = problems_of(text);
  INFO("document:\n" << text << "\nproblems:\n" << dump(problems));
  auto it = std::find_if(problems.begin(), problems.end(), [&](const Problem& p) {
    return p.message.find(needle) != std::string::npos;
  });
  REQUIRE(it != problems.end());
  CHECK(it->line == line);
  CHECK(problems.size() == 1);
}

const ThresholdConfig* threshold_on(const MonitorConfig& m, std::string_view statistic) {
  for (const auto& t : m.thresholds) {
    if (t.statistic == statistic) return &t;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("freshness = \"15m\" is a threshold on freshness_seconds") {
  auto m = monitor_with("freshness = \"15m\"\n");
  REQUIRE(m.freshness);
  CHECK(*m.freshness == std::chrono::minutes(15));
  const auto* t = threshold_on(m, "freshness_seconds");
  REQUIRE(t != nullptr);
  CHECK(t->level == 900);
  CHECK_FALSE(t->below());
  CHECK(t->line == 13);
  CHECK_FALSE(m.volume);
  CHECK(threshold_on(monitor_with(""), "freshness_seconds") == nullptr);
}

TEST_CASE("freshness as a table takes for and severity") {
  auto m = monitor_with("freshness = { max_age = \"2h\", for = 3, severity = \"high\" }\n");
  const auto* t = threshold_on(m, "freshness_seconds");
  REQUIRE(t != nullptr);
  CHECK(t->level == 7200);
  CHECK(t->for_count == 3);
  CHECK(t->severity == Severity::high);
}

TEST_CASE("volume = { drop = 0.5 } fires below half the baseline's rows") {
  auto m = monitor_with("volume = { drop = 0.5, resolve_drop = 0.3, for = 2 }\n");
  REQUIRE(m.volume);
  CHECK(m.volume->baseline.kind == drift::BaselineKind::reference);
  const auto* t = threshold_on(m, "volume_ratio");
  REQUIRE(t != nullptr);
  CHECK(t->below());
  CHECK(t->level == Approx(0.5));
  CHECK(t->resolve_level == Approx(0.7));
  CHECK(t->for_count == 2);

  auto rise = monitor_with("volume = { rise = 1.0 }\n");
  const auto* r = threshold_on(rise, "volume_ratio");
  REQUIRE(r != nullptr);
  CHECK_FALSE(r->below());
  CHECK(r->level == Approx(2.0));
}

TEST_CASE("volume with an hour-of-week baseline") {
  auto m = monitor_with(
      "volume = { drop = 0.4, baseline = { seasonality = \"hour_of_week\", weeks = 6 } }\n");
  REQUIRE(m.volume);
  CHECK(m.volume->baseline.kind == drift::BaselineKind::hour_of_week);
  CHECK(m.volume->baseline.weeks == 6);
  CHECK(m.volume->baseline.min_weeks == 3);  // half of the weeks by default
}

TEST_CASE("bad freshness and volume settings say where") {
  expect_problem("freshness = \"soon\"\n", 13, "is not a positive duration");
  expect_problem("freshness = 15\n", 13, "expected a duration");
  expect_problem("freshness = { for = 2 }\n", 13, "missing required key 'max_age'");
  expect_problem("volume = { drop = 1.5 }\n", 13, "strictly between 0 and 1");
  expect_problem("volume = { drop = 0.5, rise = 1 }\n", 13, "either 'drop' or 'rise'");
  expect_problem("volume = { }\n", 13, "missing 'drop'");
  expect_problem("volume = { drop = 0.5, resolve_drop = 0.6 }\n", 13, "must not exceed 'drop'");
  expect_problem("volume = { drop = 0.5, baseline = { seasonality = \"hour_of_weak\" } }\n", 13,
                 "is not one of");
  expect_problem(
      "volume = { drop = 0.5, baseline = { seasonality = \"hour_of_week\", weeks = 2, "
      "min_weeks = 3 } }\n",
      13, "exceeds weeks");
  expect_problem("volume = { drop = 0.5, baseline = \"none\" }\n", 13, "volume needs a baseline");
  expect_problem("[monitors.thresholds]\nfreshness_seconds = 60\n", 13,
                 "freshness_seconds already has a threshold",
                 std::string(kBase) + "freshness = \"15m\"\n");
}

TEST_CASE("volume against a training-snapshot reference needs a seasonal baseline") {
  std::string snapshot =
      replaced(kBase, "reference = { offset = \"1d\" }", "reference = { table = \"ml.training\" }");
  expect_problem("volume = { drop = 0.5 }\n", 13, "volume has no baseline window", snapshot);
  auto m = monitor_with("volume = { drop = 0.5, baseline = { seasonality = \"hour_of_week\" } }\n",
                        snapshot);
  CHECK(m.volume->baseline.kind == drift::BaselineKind::hour_of_week);
}

TEST_CASE("an hour-of-week baseline needs a window of at most a week") {
  std::string long_window = replaced(kBase, "window = \"1h\"", "window = \"8d\"");
  expect_problem("volume = { drop = 0.5, baseline = { seasonality = \"hour_of_week\" } }\n", 13,
                 "longer than a week", long_window);
}
