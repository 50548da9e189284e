// What the daemon reads for freshness, volume and business metrics, and the retrain decision's
// view of them (issue 14).

#include <catch2/catch.hpp>

#include "driftd/config/config.hpp"
#include "driftd/daemon/plan.hpp"
#include "driftd/daemon/retrain.hpp"

using namespace driftd;
using namespace driftd::daemon;
using namespace std::chrono_literals;

namespace {

const char* no_env(const char*) { return nullptr; }

config::MonitorConfig monitor(const std::string& tail) {
  const std::string text = R"([database]
url = "postgresql://driftd@localhost/app"

[[monitors]]
name = "shop"
table = "public.events"
timestamp_column = "ts"
where = { site = "eu" }
schedule = "5m"
window = "1h"
reference = { offset = "1d" }
features = [{ name = "amount", column = "amount", kind = "numerical" }]
)" + tail;
  return config::load_string(text, "t.toml", &no_env).monitors.at(0);
}

const Timestamp kAt = *parse_rfc3339("2026-03-09T10:00:00Z");

}  // namespace

TEST_CASE("no business plan without freshness, volume or metrics") {
  CHECK_FALSE(compile_monitor(monitor("")).business);
}

TEST_CASE("freshness alone reads only the newest row") {
  const auto m = monitor("freshness = \"10m\"\n");
  const auto plan = compile_monitor(m);
  REQUIRE(plan.business);
  const auto r = plan.business->at(kAt, plan.reference.at(kAt));
  CHECK(r.newest_until == kAt);
  CHECK(r.newest_lookback == 1h);  // max(window, 4 × freshness)
  CHECK(r.windows.empty());
  CHECK(r.aggregates.empty());
  CHECK(r.where == std::vector<std::pair<std::string, std::string>>{{"site", "eu"}});
  CHECK(plan.business->window_count() == 0);
  CHECK(r.newest_earlier.empty());
  // Against earlier weeks: the same instant 1..weeks weeks ago.
  const auto weekly = compile_monitor(monitor(
      "freshness = { max_age = \"10m\", baseline = { seasonality = \"hour_of_week\", weeks = 2 } "
      "}\n"));
  const auto w = weekly.business->at(kAt, weekly.reference.at(kAt));
  CHECK(w.newest_earlier == std::vector<Timestamp>{kAt - 7 * 24h, kAt - 14 * 24h});
  CHECK(weekly.business->freshness->freshness_baseline == drift::BaselineKind::hour_of_week);
  // Volume against the reference needs nothing more: the window reads count the rows.
  const auto v = compile_monitor(monitor("volume = { drop = 0.5 }\n"));
  CHECK_FALSE(v.business->reads());
}

TEST_CASE("metrics and seasonal volume: the current window, the reference, then the weeks") {
  const auto m =
      monitor(R"(volume = { drop = 0.5, baseline = { seasonality = "hour_of_week", weeks = 3 } }
[[monitors.metrics]]
name = "conversion"
kind = "rate"
column = "converted"
equals = true
drop = 0.1
[[monitors.metrics]]
name = "orders"
kind = "count"
baseline = { seasonality = "hour_of_week", weeks = 2 }
)");
  const auto plan = compile_monitor(m);
  REQUIRE(plan.business);
  const BusinessPlan& b = *plan.business;
  CHECK(b.reference_window);
  CHECK(b.weeks == 3);
  REQUIRE(b.volume_rows);
  CHECK(*b.volume_rows == 0);
  CHECK(b.metric_aggregates == std::vector<std::size_t>{1, 3});
  CHECK(b.request.aggregates.size() == 4);  // rows; rate: rows, matches; count: rows
  const auto r = b.at(kAt, plan.reference.at(kAt));
  REQUIRE(r.windows.size() == 5);
  CHECK(b.window_count() == 5);
  CHECK(r.windows[0].from == kAt - 1h);
  CHECK(r.windows[0].to == kAt);
  CHECK(r.windows[1].to == kAt - 24h);  // the offset reference
  CHECK(r.windows[2].to == kAt - 7 * 24h);
  CHECK(r.windows[4].from == kAt - 3 * 7 * 24h - 1h);
  CHECK_FALSE(r.newest_until);
  const auto& rate = r.aggregates[1];
  REQUIRE(rate.value);
  CHECK(rate.value->column == "converted");
  CHECK(rate.value->kind == drift::FeatureKind::categorical);
  CHECK(b.metrics[0].min_rows == 100);
  CHECK(b.metrics[1].baseline == drift::BaselineKind::hour_of_week);
}

TEST_CASE("the retrain decision ignores business metrics unless they say retrain = true") {
  drift::Evaluation e;
  e.monitor = "shop";
  e.evaluated_at = kAt;
  e.status = drift::Status::drift;
  drift::MetricResult m;
  m.name = "conversion";
  m.status = "breach";
  m.statistics = {{"value", 0.031}};
  m.breaches = {"drop"};
  m.level = 0.0342;
  e.metrics.push_back(m);
  drift::FreshnessResult f;
  f.statistics = {{"freshness_seconds", 7200}};
  f.breaches = {"freshness_seconds"};
  e.freshness = f;
  const std::vector<drift::Threshold> thresholds = {
      drift::Threshold::above("psi", 0.2), drift::Threshold::above("freshness_seconds", 60)};
  auto ignored = decide_retrain("shop", e, thresholds);
  CHECK_FALSE(ignored.should_retrain);
  auto counted = decide_retrain("shop", e, thresholds, {"psi"}, std::nullopt, {"conversion"});
  CHECK(counted.should_retrain);
  REQUIRE(counted.reasons.size() == 1);
  CHECK(counted.reasons[0].feature == "__metrics__");
  CHECK(counted.reasons[0].statistic == "conversion");
  CHECK(counted.reasons[0].value == 0.031);
  CHECK(counted.reasons[0].threshold == 0.0342);
  CHECK(compile_monitor(monitor("[[monitors.metrics]]\nname = \"c\"\nkind = \"count\"\nbelow = "
                                "1\nretrain = true\n"))
            .retrain_metrics == std::vector<std::string>{"c"});
}
