// Alerts on freshness and volume (__freshness__) and on business metrics (__metrics__, issue 14).

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "driftd/alerts/engine.hpp"
#include "support.hpp"

using namespace driftd;
using namespace driftd::alerts;
using namespace driftd::alerts::test;
using nlohmann::json;

namespace {

struct Run {
  config::MonitorConfig monitor = monitor_config();
  std::vector<config::SinkConfig> sinks = {sink("hook")};
  FakeAlertStore store;
  int next_id = 0;

  EngineResult step(const drift::Evaluation& e) {
    EngineResult r = process(
        compile_rules(monitor), e, store.load_alerts(monitor.name), {}, e.evaluated_at,
        Routing{sinks, "http://driftd.test:9464", [&] { return "n" + std::to_string(++next_id); }});
    store.commit(r.changed, r.notifications);
    return r;
  }
  std::optional<Alert> alert(const std::string& feature, const std::string& statistic) {
    for (const auto& a : store.all_alerts()) {
      if (a.key.feature == feature && a.key.statistic == statistic) return a;
    }
    return std::nullopt;
  }
};

drift::Evaluation with_freshness(Timestamp when, double age, drift::Status status) {
  auto e = evaluation(when, {{"amount", {{"psi", 0.01}}}}, status);
  drift::FreshnessResult f;
  f.checked = true;
  f.statistics = {{"freshness_seconds", age}};
  e.freshness = f;
  return e;
}

}  // namespace

TEST_CASE("a stalled feed fires on __freshness__ although the window is empty") {
  Run r;
  r.monitor.freshness = std::chrono::minutes(15);
  r.monitor.thresholds.push_back(threshold("freshness_seconds", 900));
  auto res = r.step(with_freshness(kT0, 1800, drift::Status::insufficient_data));
  auto a = r.alert("__freshness__", "freshness_seconds");
  REQUIRE(a);
  CHECK(a->state == AlertState::firing);
  REQUIRE(res.notifications.size() == 1);
  CHECK(json::parse(res.notifications[0].body)["summary"] ==
        "fraud-v2: no new rows for 30m (freshness limit 15m)");
  r.step(with_freshness(kT0 + 5min, 60, drift::Status::ok));
  CHECK(r.alert("__freshness__", "freshness_seconds")->state == AlertState::resolved);
  // Without freshness configured the subject is not judged.
  Run none;
  none.monitor.thresholds.push_back(threshold("freshness_seconds", 900));
  none.step(with_freshness(kT0, 1800, drift::Status::insufficient_data));
  CHECK_FALSE(none.alert("__freshness__", "freshness_seconds"));
}

TEST_CASE("business metric alerts follow drift's judgement: gate, for, hysteresis, message") {
  Run r;
  config::MetricConfig conversion;
  conversion.name = "conversion";
  conversion.for_count = 2;
  conversion.severity = Severity::high;
  r.monitor.metrics.push_back(conversion);
  auto with_metric = [](Timestamp when, double value, std::vector<std::string> breaches,
                        bool cleared, std::string status = "breach") {
    auto e = evaluation(when, {{"amount", {{"psi", 0.01}}}});
    drift::MetricResult m;
    m.name = "conversion";
    m.status = std::move(status);
    m.statistics = {{"value", value}, {"baseline", 0.038}};
    m.breaches = std::move(breaches);
    m.level = 0.0342;
    m.below = true;
    m.cleared = cleared;
    m.message = "conversion " + std::to_string(value);
    e.metrics.push_back(m);
    return e;
  };
  r.step(with_metric(kT0, 0.031, {"drop"}, false));
  CHECK(r.alert("__metrics__", "conversion")->state == AlertState::pending);
  // Crossed but not significant: not a breach, the pending alert goes back to inactive.
  r.step(with_metric(kT0 + 5min, 0.031, {}, false, "not_significant"));
  CHECK(r.alert("__metrics__", "conversion")->state == AlertState::inactive);
  r.step(with_metric(kT0 + 10min, 0.031, {"drop"}, false));
  auto res = r.step(with_metric(kT0 + 15min, 0.030, {"drop"}, false));
  auto a = r.alert("__metrics__", "conversion");
  CHECK(a->state == AlertState::firing);
  CHECK(a->severity == Severity::high);
  CHECK(a->threshold == Approx(0.0342));
  CHECK(a->below);
  REQUIRE(res.notifications.size() == 1);
  CHECK(json::parse(res.notifications[0].body)["summary"] == "fraud-v2: conversion 0.030000");
  // Too few rows: nothing changes.
  r.step(with_metric(kT0 + 20min, 0.05, {}, true, "insufficient_data"));
  CHECK(r.alert("__metrics__", "conversion")->state == AlertState::firing);
  // Back above the level but not past the resolve level: still firing.
  r.step(with_metric(kT0 + 25min, 0.035, {}, false, "ok"));
  CHECK(r.alert("__metrics__", "conversion")->state == AlertState::firing);
  r.step(with_metric(kT0 + 30min, 0.037, {}, true, "ok"));
  CHECK(r.alert("__metrics__", "conversion")->state == AlertState::resolved);
  // A metric that left the config resolves like any other rule.
  r.step(with_metric(kT0 + 35min, 0.02, {"drop"}, false));
  r.step(with_metric(kT0 + 40min, 0.02, {"drop"}, false));
  CHECK(r.alert("__metrics__", "conversion")->state == AlertState::firing);
  r.monitor.metrics.clear();
  r.step(with_metric(kT0 + 45min, 0.02, {"drop"}, false));
  CHECK(r.alert("__metrics__", "conversion")->state == AlertState::resolved);
}
