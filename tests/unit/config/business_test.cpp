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

TEST_CASE("[[monitors.metrics]] of every kind") {
  auto m = monitor_with(R"toml([[monitors.metrics]]
name = "conversion"
kind = "rate"
column = "converted"
equals = true
drop = 0.1
resolve_drop = 0.05
alpha = 0.01
min_rows = 200
for = 2
severity = "high"

[[monitors.metrics]]
name = "basket"
kind = "mean"
json = "payload"
key = "basket"
where = { country = "DE" }
below = 10
resolve_above = 12

[[monitors.metrics]]
name = "revenue_per_request"
kind = "ratio"
numerator = { json = "payload", key = "revenue" }
denominator = "requests"
rise = 0.5
baseline = { seasonality = "hour_of_week", weeks = 4 }
retrain = true

[[monitors.metrics]]
name = "orders"
kind = "count"
where = { event = "order" }

[[monitors.metrics]]
name = "checkout"
kind = "rate"
column = "event"
in = ["checkout", "buy"]

[[monitors.metrics]]
name = "p90"
kind = "sql"
sql = "percentile_cont(0.9) WITHIN GROUP (ORDER BY amount)"
above = 500
)toml");
  REQUIRE(m.metrics.size() == 6);
  const auto& c = m.metrics[0];
  CHECK(c.name == "conversion");
  CHECK(c.kind == drift::MetricKind::rate);
  REQUIRE(c.value);
  CHECK(c.value->column == "converted");
  CHECK(c.equals == std::vector<std::string>{"true"});
  CHECK(c.drop == 0.1);
  CHECK(c.resolve_drop == 0.05);
  CHECK(c.alpha == 0.01);
  CHECK(c.min_rows == 200);
  CHECK(c.for_count == 2);
  CHECK(c.severity == Severity::high);
  CHECK(c.baseline.kind == drift::BaselineKind::reference);
  CHECK(c.line == 13);
  const auto& b = m.metrics[1];
  CHECK(b.value->json == "payload");
  CHECK(b.value->key == "basket");
  REQUIRE(b.where.size() == 1);
  CHECK(b.where[0].column == "country");
  CHECK(b.below == 10);
  CHECK(b.resolve_above == 12);
  CHECK_FALSE(b.min_rows);  // the monitor's
  const auto& r = m.metrics[2];
  CHECK(r.kind == drift::MetricKind::ratio);
  CHECK(r.numerator->key == "revenue");
  CHECK(r.denominator->column == "requests");
  CHECK(r.baseline.kind == drift::BaselineKind::hour_of_week);
  CHECK(r.retrain);
  CHECK_FALSE(m.metrics[3].value);
  CHECK(m.metrics[4].equals == std::vector<std::string>{"checkout", "buy"});
  CHECK(m.metrics[5].sql == "percentile_cont(0.9) WITHIN GROUP (ORDER BY amount)");
}

TEST_CASE("bad [[monitors.metrics]] say where") {
  const std::string head = "[[monitors.metrics]]\nname = \"conversion\"\n";  // lines 13, 14
  expect_problem(head + "kind = \"rates\"\ncolumn = \"c\"\n", 15,
                 "\"rates\" is not one of \"rate\", \"mean\", \"sum\", \"ratio\", \"count\", "
                 "\"sql\" (did you mean \"rate\"?)");
  expect_problem(head + "kind = \"rate\"\ncolumn = \"c\"\n", 13,
                 "a rate needs exactly one of 'equals', 'in' or 'greater_than'");
  expect_problem(head + "kind = \"mean\"\n", 13, "missing required key 'column'");
  expect_problem(head + "kind = \"ratio\"\nnumerator = \"a\"\n", 13,
                 "missing required key 'denominator'");
  expect_problem(head + "kind = \"mean\"\ncolumn = \"a\"\nequals = 1\n", 17,
                 "not for kind = \"mean\"");
  expect_problem(head + "kind = \"sql\"\nsql = \"count(*); DROP TABLE x\"\n", 16,
                 "contains ';': give one expression");
  expect_problem(head + "kind = \"sql\"\nsql = \"sum(a)) FROM x --\"\n", 16,
                 "closes a parenthesis it did not open");
  expect_problem(head + "kind = \"sql\"\nsql = \"sum(a) -- all\"\n", 16, "contains a comment");
  expect_problem(head + "kind = \"sql\"\nsql = \"sum($1)\"\n", 16, "contains '$'");
  expect_problem(
      head + "kind = \"sql\"\nsql = \"count(*) FILTER (WHERE c = ';')\"\n" + "where = { a = 1 }\n",
      17, "not for kind = \"sql\"");
  expect_problem(head + "kind = \"mean\"\ncolumn = \"a\"\ndrop = 0.1\nbaseline = \"none\"\n", 17,
                 "is relative to a baseline, and this metric has none");
  expect_problem(head + "kind = \"mean\"\ncolumn = \"a\"\nresolve_drop = 0.1\n", 17,
                 "goes with 'drop'");
  expect_problem(head + "kind = \"mean\"\ncolumn = \"a\"\ndrop = 0.1\nresolve_drop = 0.2\n", 18,
                 "must be between 0 and 'drop'");
  expect_problem(head + "kind = \"mean\"\ncolumn = \"a\"\nbelow = 5\nabove = 3\n", 18,
                 "must be above 'below'");
  expect_problem(head + "kind = \"count\"\nalpha = 1.5\n", 16, "strictly between 0 and 1");
  expect_problem("[[monitors.metrics]]\nname = \"Conversion\"\nkind = \"count\"\n", 14,
                 "may only contain lowercase letters");
  expect_problem(head + "kind = \"count\"\n" + head + "kind = \"count\"\n", 17,
                 "is already used by metrics[0] (line 13)");
  expect_problem("[monitors.thresholds]\nvalue = 3\n", 14,
                 "a business metric's thresholds are its own");
}

TEST_CASE("a drop without a baseline: the reference is another table") {
  std::string snapshot =
      replaced(kBase, "reference = { offset = \"1d\" }", "reference = { table = \"ml.training\" }");
  expect_problem("[[monitors.metrics]]\nname = \"c\"\nkind = \"count\"\ndrop = 0.2\n", 16,
                 "the monitor's reference is another table", snapshot);
  auto m =
      monitor_with("[[monitors.metrics]]\nname = \"c\"\nkind = \"count\"\nbelow = 10\n", snapshot);
  CHECK(m.metrics.at(0).baseline.kind == drift::BaselineKind::none);
}

TEST_CASE("freshness against the same instant of earlier weeks") {
  auto m = monitor_with(
      "freshness = { max_age = \"30m\", baseline = { seasonality = \"hour_of_week\", weeks = 3 } "
      "}\n");
  REQUIRE(m.freshness_baseline);
  CHECK(m.freshness_baseline->weeks == 3);
  CHECK(threshold_on(m, "freshness_seconds") == nullptr);
  const auto* t = threshold_on(m, "freshness_excess_seconds");
  REQUIRE(t != nullptr);
  CHECK(t->level == 1800);
  expect_problem("freshness = { max_age = \"30m\", baseline = \"reference\" }\n", 13,
                 "freshness compares with the same instant of earlier weeks only");
}
