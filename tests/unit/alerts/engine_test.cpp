// The state machine driven through scenarios with explicit times: every transition, every
// notification (or its absence) is asserted.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "driftd/alerts/engine.hpp"
#include "support.hpp"

using namespace driftd;
using namespace driftd::alerts;
using namespace driftd::alerts::test;
using nlohmann::json;

namespace {

// Runs the engine like the daemon does: load, process, commit (ids assigned), remember what
// was queued.
struct Scenario {
  config::MonitorConfig monitor = monitor_config();
  std::vector<config::SinkConfig> sinks = {sink("hook")};
  std::vector<Silence> silences;
  FakeAlertStore store;
  std::vector<Notification> queued;
  int next_id = 0;
  SecretLookup secrets = [](const std::string&) -> std::optional<std::string> {
    return "pd-routing-key";
  };

  EngineResult step(const drift::Evaluation& e, std::optional<Timestamp> now = std::nullopt) {
    EngineResult r = process(compile_rules(monitor), e, store.load_alerts(monitor.name), silences,
                             now.value_or(e.evaluated_at),
                             Routing{sinks, "http://driftd.test:9464/",
                                     [&] { return "n" + std::to_string(++next_id); }, secrets});
    store.commit(r.changed, r.notifications);
    queued.insert(queued.end(), r.notifications.begin(), r.notifications.end());
    return r;
  }
  // psi of `amount` at minute `minute` after kT0.
  EngineResult psi(int minute, double value, drift::Status st = drift::Status::ok) {
    return step(evaluation(kT0 + std::chrono::minutes(minute), {{"amount", {{"psi", value}}}}, st));
  }
  std::optional<Alert> alert(const std::string& feature, const std::string& statistic) {
    for (const auto& a : store.all_alerts()) {
      if (a.key.feature == feature && a.key.statistic == statistic) return a;
    }
    return std::nullopt;
  }
  // Alerts per change across everything queued for `sink_name`.
  int count(const std::string& change, const std::string& sink_name = "hook") {
    int n = 0;
    for (const auto& q : queued) {
      if (q.sink != sink_name) continue;
      const json body = json::parse(q.body);
      for (const auto& a : body["alerts"]) n += a["change"] == change;
    }
    return n;
  }
};

Silence silence(std::string monitor, std::optional<std::string> feature,
                std::optional<std::string> statistic, Timestamp from, Timestamp to) {
  Silence s;
  s.id = "s1";
  s.monitor = std::move(monitor);
  s.feature = std::move(feature);
  s.statistic = std::move(statistic);
  s.starts_at = from;
  s.ends_at = to;
  s.comment = "maintenance";
  return s;
}

}  // namespace

TEST_CASE("a first breach fires at once with for = 1 and notifies once") {
  Scenario s;
  auto r = s.psi(0, 0.31);
  REQUIRE(r.notifications.size() == 1);
  CHECK(r.firing == 1);
  const auto a = s.alert("amount", "psi");
  REQUIRE(a);
  CHECK(a->id > 0);
  CHECK(a->state == AlertState::firing);
  CHECK(a->severity == Severity::high);
  CHECK(a->value == 0.31);
  CHECK(a->threshold == 0.2);
  CHECK(a->consecutive == 1);
  CHECK(a->started_at == kT0);
  CHECK(a->fired_at == kT0);
  CHECK(a->last_notified_at == kT0);
  CHECK_FALSE(a->resolved_at);
  CHECK(a->top_contributors.size() == 1);

  const Notification& n = r.notifications[0];
  CHECK(n.id == "n1");
  CHECK(n.sink == "hook");
  CHECK(n.monitor == "fraud-v2");
  CHECK(n.status == "firing");
  CHECK(n.state == DeliveryState::pending);
  CHECK(n.created_at == kT0);
  CHECK(n.next_attempt_at == kT0);
  CHECK(json::parse(n.body)["id"] == "n1");

  // Still breaching: nothing new to say.
  r = s.psi(5, 0.35);
  CHECK(r.notifications.empty());
  CHECK(r.firing == 1);
  CHECK(s.alert("amount", "psi")->consecutive == 2);
  CHECK(s.alert("amount", "psi")->value == 0.35);
}

TEST_CASE("no record is written while nothing breaches") {
  Scenario s;
  auto r = s.step(evaluation(kT0, {{"amount", {{"psi", 0.1}, {"missing_rate", 0.0}}}}));
  CHECK(r.changed.empty());
  CHECK(r.notifications.empty());
  CHECK(r.firing == 0);
}

TEST_CASE("severity: psi by value, explicit overrides, others medium") {
  struct Case {
    const char* statistic;
    double value;
    std::optional<Severity> given;
    Severity expected;
  };
  auto c = GENERATE(values<Case>({
      {"psi", 0.26, std::nullopt, Severity::high},
      {"psi", 0.25, std::nullopt, Severity::medium},  // "> 0.25" is strict
      {"psi", 0.11, std::nullopt, Severity::medium},
      {"psi", 0.1, std::nullopt, Severity::low},
      {"psi", 0.05, std::nullopt, Severity::low},
      {"psi", 0.9, Severity::low, Severity::low},
      {"missing_rate", 0.9, std::nullopt, Severity::medium},
      {"ks_pvalue", 0.0, Severity::critical, Severity::critical},
  }));
  CHECK(drift::severity_of(threshold(c.statistic, 0.01, std::nullopt, 1, false, c.given),
                           c.value) == c.expected);
}

TEST_CASE("flapping around the threshold for an hour with hysteresis: one fire, one resolve") {
  Scenario s;
  s.monitor.thresholds = {threshold("psi", 0.2, 0.15)};
  for (int minute = 0; minute < 60; ++minute) s.psi(minute, minute % 2 == 0 ? 0.21 : 0.19);
  CHECK(s.count("fired") == 1);
  CHECK(s.count("resolved") == 0);
  CHECK(s.queued.size() == 1);
  CHECK(s.alert("amount", "psi")->state == AlertState::firing);
  CHECK(s.alert("amount", "psi")->started_at == kT0);

  s.psi(60, 0.149);  // below resolve_below
  CHECK(s.count("resolved") == 1);
  CHECK(s.queued.size() == 2);
  const auto a = s.alert("amount", "psi");
  CHECK(a->state == AlertState::resolved);
  CHECK(a->resolved_at == kT0 + 60min);
  CHECK(json::parse(s.queued.back().body)["status"] == "resolved");
}

TEST_CASE("the hysteresis band keeps an alert firing; the resolve level itself is not enough") {
  Scenario s;
  s.monitor.thresholds = {threshold("psi", 0.2, 0.15)};
  s.psi(0, 0.3);
  s.psi(1, 0.2);   // at the threshold: not a breach, not clear
  s.psi(2, 0.15);  // at the resolve level: still not clear (resolves when value < 0.15)
  CHECK(s.alert("amount", "psi")->state == AlertState::firing);
  CHECK(s.alert("amount", "psi")->consecutive == 0);  // no breach in a row now
  s.psi(3, 0.1499);
  CHECK(s.alert("amount", "psi")->state == AlertState::resolved);
}

TEST_CASE("without a resolve level the threshold itself resolves") {
  Scenario s;
  s.psi(0, 0.3);
  s.psi(1, 0.2);  // == level: stays
  CHECK(s.alert("amount", "psi")->state == AlertState::firing);
  s.psi(2, 0.19);
  CHECK(s.alert("amount", "psi")->state == AlertState::resolved);
  CHECK(s.count("resolved") == 1);
}

TEST_CASE("below-thresholds mirror: fire under the level, resolve above resolve_above") {
  Scenario s;
  s.monitor.thresholds = {threshold("ks_pvalue", 0.01, 0.05, 1, true)};
  auto pv = [&](int minute, double v) {
    return s.step(evaluation(kT0 + std::chrono::minutes(minute), {{"amount", {{"ks_pvalue", v}}}}));
  };
  pv(0, 0.02);
  CHECK_FALSE(s.alert("amount", "ks_pvalue"));
  pv(1, 0.001);
  auto a = s.alert("amount", "ks_pvalue");
  CHECK(a->state == AlertState::firing);
  CHECK(a->below);
  CHECK(a->severity == Severity::medium);
  pv(2, 0.03);  // in the band
  pv(3, 0.05);  // at resolve_above: not clear yet
  CHECK(s.alert("amount", "ks_pvalue")->state == AlertState::firing);
  pv(4, 0.06);
  CHECK(s.alert("amount", "ks_pvalue")->state == AlertState::resolved);
  CHECK(s.count("fired") == 1);
  CHECK(s.count("resolved") == 1);
  const auto body = json::parse(s.queued[0].body);
  CHECK(body["summary"] == "fraud-v2: ks_pvalue of amount 0.001 (< 0.01)");
  CHECK(body["alerts"][0]["direction"] == "below");
}

TEST_CASE("for = 3: pending for two breaches, firing at the third; a gap starts over") {
  Scenario s;
  s.monitor.thresholds = {threshold("psi", 0.2, std::nullopt, 3)};
  s.psi(0, 0.3);
  CHECK(s.alert("amount", "psi")->state == AlertState::pending);
  CHECK(s.alert("amount", "psi")->started_at == kT0);
  s.psi(5, 0.3);
  CHECK(s.alert("amount", "psi")->state == AlertState::pending);
  CHECK(s.alert("amount", "psi")->consecutive == 2);
  s.psi(10, 0.1);  // pending and no breach: back to inactive, silently
  auto a = s.alert("amount", "psi");
  CHECK(a->state == AlertState::inactive);
  CHECK(a->consecutive == 0);
  CHECK_FALSE(a->started_at);
  CHECK(s.queued.empty());

  s.psi(15, 0.3);
  s.psi(20, 0.3);
  CHECK(s.queued.empty());
  auto r = s.psi(25, 0.3);
  REQUIRE(r.notifications.size() == 1);
  a = s.alert("amount", "psi");
  CHECK(a->state == AlertState::firing);
  CHECK(a->started_at == kT0 + 15min);  // first breach of this incident
  CHECK(a->fired_at == kT0 + 25min);
  CHECK(json::parse(r.notifications[0].body)["alerts"][0]["started_at"] == "2026-11-27T12:15:00Z");
}

TEST_CASE("repeat_interval re-notifies a still-firing alert, not before") {
  Scenario s;
  s.monitor.repeat_interval = 4h;
  s.psi(0, 0.3);
  int minute = 5;
  for (; minute < 240; minute += 5) s.psi(minute, 0.3);
  CHECK(s.queued.size() == 1);
  auto r = s.psi(240, 0.3);  // exactly 4h after the last notification
  REQUIRE(r.notifications.size() == 1);
  const auto body = json::parse(r.notifications[0].body);
  CHECK(body["status"] == "firing");
  CHECK(body["alerts"][0]["change"] == "repeated");
  CHECK(body["alerts"][0]["started_at"] == "2026-11-27T12:00:00Z");
  CHECK(s.alert("amount", "psi")->last_notified_at == kT0 + 240min);
  for (minute = 245; minute < 480; minute += 5) s.psi(minute, 0.3);
  CHECK(s.queued.size() == 2);
  s.psi(480, 0.3);
  CHECK(s.queued.size() == 3);
}

TEST_CASE("repeats use wall-clock `now`, and also happen while evaluations fail") {
  Scenario s;
  s.psi(0, 0.3);
  // The data is gone, the alert still fires: the on-call still gets the reminder.
  auto r = s.step(evaluation(kT0 + 4h, {}, drift::Status::insufficient_data));
  REQUIRE(r.notifications.size() == 1);
  CHECK(json::parse(r.notifications[0].body)["alerts"][0]["change"] == "repeated");
}

TEST_CASE("40 breaching features in one evaluation make one notification per sink") {
  Scenario s;
  s.monitor.features.clear();
  std::map<std::string, Stats> stats;
  for (int i = 0; i < 40; ++i) {
    const std::string name = "f" + std::to_string(i);
    s.monitor.features.push_back(feature(name));
    stats[name] = {{"psi", 0.3}};
  }
  s.sinks = {sink("hook"), sink("chat", config::SinkConfig::Type::slack)};
  auto r = s.step(evaluation(kT0, stats));
  REQUIRE(r.notifications.size() == 2);
  CHECK(r.firing == 40);
  CHECK(r.changed.size() == 40);
  CHECK(r.notifications[0].id != r.notifications[1].id);
  const auto body = json::parse(r.notifications[0].body);
  REQUIRE(body["alerts"].size() == 40);
  // Alerts in config order, not store or map order.
  CHECK(body["alerts"][0]["feature"] == "f0");
  CHECK(body["alerts"][1]["feature"] == "f1");
  CHECK(body["alerts"][39]["feature"] == "f39");
  CHECK(body["summary"].get<std::string>().ends_with(", and 30 more"));
}

TEST_CASE("fires and resolves of one evaluation go out together, status firing") {
  Scenario s;
  s.psi(0, 0.3);
  auto r = s.step(
      evaluation(kT0 + 5min, {{"amount", {{"psi", 0.1}}}, {"income", {{"missing_rate", 0.11}}}}));
  REQUIRE(r.notifications.size() == 1);
  const auto body = json::parse(r.notifications[0].body);
  CHECK(r.notifications[0].status == "firing");
  CHECK(body["status"] == "firing");
  REQUIRE(body["alerts"].size() == 2);
  CHECK(body["alerts"][0]["feature"] == "amount");
  CHECK(body["alerts"][0]["status"] == "resolved");
  CHECK(body["alerts"][1]["feature"] == "income");
  CHECK(body["alerts"][1]["status"] == "firing");
  CHECK(body["summary"] ==
        "fraud-v2: missing_rate of income 0.11 (> 0.05); resolved: PSI of amount back to 0.1");
}

TEST_CASE("the prediction and the confidence have their own alerts") {
  Scenario s;
  auto r = s.step(evaluation(kT0, {{"__prediction__", {{"psi", 0.3}}},
                                   {"__confidence__", {{"low_confidence_rate", 0.35}}}}));
  CHECK(s.alert("__prediction__", "psi")->state == AlertState::firing);
  const auto conf = s.alert("__confidence__", "low_confidence_rate");
  REQUIRE(conf);
  CHECK(conf->state == AlertState::firing);
  CHECK(conf->top_contributors.empty());
  REQUIRE(r.notifications.size() == 1);
  CHECK(json::parse(r.notifications[0].body)["summary"] ==
        "fraud-v2: PSI of the prediction 0.3 (> 0.2), low_confidence_rate of confidence 0.35 "
        "(> 0.2)");
}

TEST_CASE("a prediction or confidence not configured gets no alerts") {
  Scenario s;
  s.monitor.prediction.reset();
  s.monitor.confidence.reset();
  auto r = s.step(evaluation(kT0, {{"__prediction__", {{"psi", 0.3}}},
                                   {"__confidence__", {{"low_confidence_rate", 0.35}}}}));
  CHECK(r.changed.empty());
  CHECK(r.notifications.empty());
}

TEST_CASE("insufficient_data and error evaluations never fire or resolve drift alerts") {
  auto st = GENERATE(drift::Status::insufficient_data, drift::Status::error);
  Scenario s;
  auto r = s.psi(0, 0.5, st);  // breaching values in a non-drift evaluation
  CHECK_FALSE(s.alert("amount", "psi"));
  CHECK(r.firing == 0);

  s.psi(5, 0.5);  // fires
  REQUIRE(s.alert("amount", "psi")->state == AlertState::firing);
  s.psi(10, 0.01, st);  // would resolve, but the data is not trusted
  CHECK(s.alert("amount", "psi")->state == AlertState::firing);
  CHECK(s.alert("amount", "psi")->value == 0.5);
  CHECK(s.count("resolved") == 0);
  s.psi(15, 0.01);
  CHECK(s.alert("amount", "psi")->state == AlertState::resolved);
}

TEST_CASE("a pending alert is neither advanced nor dropped by an untrusted evaluation") {
  Scenario s;
  s.monitor.thresholds = {threshold("psi", 0.2, std::nullopt, 2)};
  s.psi(0, 0.3);
  s.psi(5, 0.0, drift::Status::insufficient_data);
  CHECK(s.alert("amount", "psi")->state == AlertState::pending);
  CHECK(s.alert("amount", "psi")->consecutive == 1);
}

TEST_CASE("a statistic absent from an evaluation causes no transition") {
  Scenario s;
  s.monitor.thresholds = {threshold("psi", 0.2, std::nullopt, 2), threshold("missing_rate", 0.05)};
  s.step(evaluation(kT0, {{"amount", {{"psi", 0.3}, {"missing_rate", 0.5}}}}));
  REQUIRE(s.alert("amount", "psi")->state == AlertState::pending);
  REQUIRE(s.alert("amount", "missing_rate")->state == AlertState::firing);
  // psi undefined (e.g. no non-missing value), feature income absent altogether.
  auto r = s.step(evaluation(kT0 + 5min, {{"amount", {{"missing_rate", 0.5}}}}));
  CHECK(s.alert("amount", "psi")->state == AlertState::pending);
  CHECK(s.alert("amount", "psi")->consecutive == 1);
  r = s.step(evaluation(kT0 + 10min, {{"income", {{"psi", 0.0}}}}));
  CHECK(s.alert("amount", "missing_rate")->state == AlertState::firing);
  CHECK(r.notifications.empty());
}

TEST_CASE("monitor failing: fires after failing_after errors, resolves at the next success") {
  Scenario s;
  s.monitor.failing_after = 3;
  s.psi(0, 0.3);  // a drift alert firing meanwhile
  auto err = [&](int minute, const char* msg) {
    auto e = evaluation(kT0 + std::chrono::minutes(minute), {}, drift::Status::error);
    e.error = msg;
    return s.step(e);
  };
  err(5, "connection refused");
  auto f = s.alert("", std::string(kMonitorFailing));
  REQUIRE(f);
  CHECK(f->state == AlertState::pending);
  CHECK(f->consecutive == 1);
  CHECK(f->started_at == kT0 + 5min);
  err(10, "connection refused");
  CHECK(s.queued.size() == 1);
  auto r = err(15, "relation \"public.predictions\" does not exist");
  REQUIRE(r.notifications.size() == 1);
  f = s.alert("", std::string(kMonitorFailing));
  CHECK(f->state == AlertState::firing);
  CHECK(f->severity == Severity::high);
  CHECK(f->value == 3);
  CHECK(f->threshold == 3);
  CHECK(f->message == "relation \"public.predictions\" does not exist");
  CHECK(r.firing == 2);
  const auto body = json::parse(r.notifications[0].body);
  REQUIRE(body["alerts"].size() == 1);
  CHECK(body["alerts"][0]["feature"] == "");
  CHECK(body["alerts"][0]["statistic"] == "evaluation_errors");
  CHECK(body["alerts"][0]["severity"] == "high");
  CHECK(body["alerts"][0]["message"] == "relation \"public.predictions\" does not exist");
  // The PSI alert of amount still fires: said, not listed again.
  CHECK(body["summary"] ==
        "fraud-v2: evaluations failing (3 in a row): relation \"public.predictions\" does not "
        "exist; 1 other alert still firing");
  CHECK(body["other_alerts_firing"] == 1);
  CHECK(s.alert("amount", "psi")->state == AlertState::firing);  // untouched by errors

  err(20, "still down");
  CHECK(s.queued.size() == 2);
  CHECK(s.alert("", std::string(kMonitorFailing))->message == "still down");

  r = s.step(
      evaluation(kT0 + 25min, {{"amount", {{"psi", 0.3}}}}, drift::Status::insufficient_data));
  REQUIRE(r.notifications.size() == 1);
  f = s.alert("", std::string(kMonitorFailing));
  CHECK(f->state == AlertState::resolved);
  CHECK(f->resolved_at == kT0 + 25min);
  // Not "fraud-v2 resolved: ...": the monitor's PSI alert still fires.
  CHECK(json::parse(r.notifications[0].body)["summary"] ==
        "fraud-v2: resolved: evaluations succeed again; 1 other alert still firing");

  // A new streak is a new incident.
  err(30, "x");
  f = s.alert("", std::string(kMonitorFailing));
  CHECK(f->state == AlertState::pending);
  CHECK(f->consecutive == 1);
  CHECK(f->started_at == kT0 + 30min);
  CHECK_FALSE(f->resolved_at);
  CHECK_FALSE(f->last_notified_at);
}

TEST_CASE("a failing streak shorter than failing_after ends silently") {
  Scenario s;
  auto e = evaluation(kT0, {}, drift::Status::error);
  s.step(e);
  s.step(evaluation(kT0 + 5min, {}));
  CHECK(s.alert("", std::string(kMonitorFailing))->state == AlertState::inactive);
  CHECK(s.queued.empty());
}

TEST_CASE("an alert whose rule left the config resolves, and says so") {
  Scenario s;
  s.step(evaluation(kT0, {{"amount", {{"psi", 0.3}}}, {"income", {{"missing_rate", 0.5}}}}));
  REQUIRE(s.queued.size() == 1);

  SECTION("threshold removed") {
    s.monitor.thresholds = {threshold("psi", 0.2)};
    auto r = s.step(evaluation(kT0 + 5min, {{"amount", {{"psi", 0.3}}}}));
    REQUIRE(r.notifications.size() == 1);
    CHECK(s.alert("income", "missing_rate")->state == AlertState::resolved);
    CHECK(s.alert("amount", "psi")->state == AlertState::firing);
    const auto body = json::parse(r.notifications[0].body);
    CHECK(body["status"] == "resolved");
    CHECK(body["alerts"][0]["feature"] == "income");
  }
  SECTION("feature removed, even if the evaluation is not trusted") {
    s.monitor.features = {feature("income")};
    auto r = s.step(evaluation(kT0 + 5min, {}, drift::Status::error));
    CHECK(s.alert("amount", "psi")->state == AlertState::resolved);
    CHECK(s.alert("income", "missing_rate")->state == AlertState::firing);
    REQUIRE(r.notifications.size() == 1);
  }
}

TEST_CASE("a pending alert whose rule left the config goes inactive silently") {
  Scenario s;
  s.monitor.thresholds = {threshold("psi", 0.2, std::nullopt, 2)};
  s.psi(0, 0.3);
  s.monitor.thresholds.clear();
  auto r = s.psi(5, 0.3);
  CHECK(s.alert("amount", "psi")->state == AlertState::inactive);
  CHECK(r.notifications.empty());
}

TEST_CASE("silences: state changes, nothing is notified; expiry announces a still-firing alert") {
  Scenario s;
  s.silences = {silence("fraud-v2", "amount", std::nullopt, kT0 - 1h, kT0 + 30min)};
  auto r = s.psi(0, 0.3);
  CHECK(r.notifications.empty());
  CHECK(r.firing == 1);
  auto a = s.alert("amount", "psi");
  CHECK(a->state == AlertState::firing);
  CHECK_FALSE(a->last_notified_at);
  s.psi(25, 0.3);
  CHECK(s.queued.empty());

  r = s.psi(30, 0.3);  // the silence ended at 12:30 (ends_at is exclusive)
  REQUIRE(r.notifications.size() == 1);
  const auto body = json::parse(r.notifications[0].body);
  CHECK(body["alerts"][0]["change"] == "fired");
  CHECK(body["alerts"][0]["started_at"] == "2026-11-27T12:00:00Z");
  CHECK(s.alert("amount", "psi")->last_notified_at == kT0 + 30min);
  r = s.psi(35, 0.3);
  CHECK(r.notifications.empty());
}

TEST_CASE("silences: a resolve is only notified if the firing was") {
  Scenario s;
  SECTION("fired and resolved inside the silence: nothing at all") {
    s.silences = {silence("fraud-v2", std::nullopt, std::nullopt, kT0, kT0 + 1h)};
    s.psi(0, 0.3);
    s.psi(5, 0.1);
    CHECK(s.alert("amount", "psi")->state == AlertState::resolved);
    s.psi(70, 0.1);  // silence over: still nothing to say
    CHECK(s.queued.empty());
  }
  SECTION("fired silenced, resolved after the silence: never announced, so no resolve") {
    s.silences = {silence("fraud-v2", std::nullopt, "psi", kT0, kT0 + 10min)};
    s.psi(0, 0.3);
    s.psi(10, 0.1);  // silence over, but the alert resolves in the same evaluation
    CHECK(s.queued.empty());
  }
  SECTION("fired and announced, resolved while silenced: the resolve is silenced too") {
    s.psi(0, 0.3);
    REQUIRE(s.queued.size() == 1);
    s.silences = {silence("fraud-v2", "amount", "psi", kT0 + 1min, kT0 + 1h)};
    s.psi(5, 0.1);
    CHECK(s.queued.size() == 1);
    CHECK(s.alert("amount", "psi")->state == AlertState::resolved);
  }
  SECTION("fired and announced, resolved after: the resolve goes out") {
    s.psi(0, 0.3);
    s.psi(5, 0.1);
    CHECK(s.queued.size() == 2);
  }
}

TEST_CASE("silences match by monitor, feature and statistic, and only while active") {
  struct Case {
    const char* monitor;
    std::optional<std::string> feature;
    std::optional<std::string> statistic;
    Timestamp from;
    Timestamp to;
    bool silenced;
  };
  auto c = GENERATE(values<Case>({
      {"fraud-v2", std::nullopt, std::nullopt, kT0, kT0 + 1h, true},
      {"fraud-v2", "amount", std::nullopt, kT0, kT0 + 1h, true},
      {"fraud-v2", std::nullopt, "psi", kT0, kT0 + 1h, true},
      {"fraud-v2", "amount", "psi", kT0, kT0 + 1h, true},
      {"fraud-v2", "income", std::nullopt, kT0, kT0 + 1h, false},
      {"fraud-v2", std::nullopt, "missing_rate", kT0, kT0 + 1h, false},
      {"other", std::nullopt, std::nullopt, kT0, kT0 + 1h, false},
      {"fraud-v2", std::nullopt, std::nullopt, kT0 + 1s, kT0 + 1h, false},  // not started
      {"fraud-v2", std::nullopt, std::nullopt, kT0 - 1h, kT0, false},       // ended
  }));
  Scenario s;
  s.silences = {silence(c.monitor, c.feature, c.statistic, c.from, c.to)};
  auto r = s.psi(0, 0.3);
  CHECK(r.notifications.empty() == c.silenced);
  CHECK(s.alert("amount", "psi")->state == AlertState::firing);
}

TEST_CASE("sinks get only alerts at or above min_severity, of the monitors they list") {
  Scenario s;
  auto high = sink("pager");
  high.min_severity = Severity::high;
  auto other = sink("other-team");
  other.monitors = {"churn"};
  auto mine = sink("mine");
  mine.monitors = {"churn", "fraud-v2"};
  s.sinks = {high, other, mine};
  s.monitor.thresholds = {threshold("psi", 0.1), threshold("missing_rate", 0.05)};

  // psi 0.15 is medium: only "mine" takes it.
  auto r = s.step(evaluation(kT0, {{"amount", {{"psi", 0.15}}}}));
  REQUIRE(r.notifications.size() == 1);
  CHECK(r.notifications[0].sink == "mine");

  // psi 0.3 (high) on income plus missing_rate (medium): the pager sees only the high one.
  r = s.step(evaluation(kT0 + 5min, {{"amount", {{"psi", 0.15}}},
                                     {"income", {{"psi", 0.3}, {"missing_rate", 0.2}}}}));
  REQUIRE(r.notifications.size() == 2);
  CHECK(r.notifications[0].sink == "pager");
  const auto pager = json::parse(r.notifications[0].body);
  REQUIRE(pager["alerts"].size() == 1);
  CHECK(pager["alerts"][0]["statistic"] == "psi");
  CHECK(pager["alerts"][0]["feature"] == "income");
  CHECK(json::parse(r.notifications[1].body)["alerts"].size() == 2);
}

TEST_CASE("severity is frozen when an alert fires, so fire and resolve reach the same sinks") {
  Scenario s;
  auto high = sink("pager");
  high.min_severity = Severity::high;
  s.sinks = {high};
  s.monitor.thresholds = {threshold("psi", 0.1)};
  s.psi(0, 0.15);  // fires medium
  s.psi(5, 0.4);   // worse, still the same incident
  CHECK(s.alert("amount", "psi")->severity == Severity::medium);
  s.psi(10, 0.05);
  CHECK(s.alert("amount", "psi")->state == AlertState::resolved);
  CHECK(s.queued.empty());
}

TEST_CASE("pagerduty: one incident per monitor, resolved when nothing of the monitor fires") {
  Scenario s;
  s.sinks = {sink("pd", config::SinkConfig::Type::pagerduty), sink("hook")};
  s.sinks[0].secret_env = "PD_KEY";
  s.step(evaluation(kT0, {{"amount", {{"psi", 0.3}}}, {"income", {{"psi", 0.3}}}}));
  REQUIRE(s.queued.size() == 2);
  auto pd = json::parse(s.queued[0].body);
  CHECK(pd["event_action"] == "trigger");
  CHECK(pd["dedup_key"] == "driftd/fraud-v2");
  CHECK(pd["routing_key"] == "pd-routing-key");

  auto r = s.step(evaluation(kT0 + 5min, {{"amount", {{"psi", 0.1}}}, {"income", {{"psi", 0.3}}}}));
  REQUIRE(r.notifications.size() == 1);  // the webhook hears of the resolve; PagerDuty does not
  CHECK(r.notifications[0].sink == "hook");

  r = s.step(evaluation(kT0 + 10min, {{"amount", {{"psi", 0.1}}}, {"income", {{"psi", 0.1}}}}));
  REQUIRE(r.notifications.size() == 2);
  pd = json::parse(r.notifications[0].body);
  CHECK(r.notifications[0].status == "resolved");
  CHECK(pd["event_action"] == "resolve");
  CHECK(pd["dedup_key"] == "driftd/fraud-v2");
}

TEST_CASE("a resolve while other alerts of the monitor still fire says what resolved") {
  Scenario s;
  s.monitor.features.clear();
  std::map<std::string, Stats> stats;
  for (int i = 0; i < 21; ++i) {
    const std::string name = "f" + std::to_string(i);
    s.monitor.features.push_back(feature(name));
    stats[name] = {{"psi", 0.3}};
  }
  s.sinks = {sink("chat", config::SinkConfig::Type::slack), sink("hook")};
  s.step(evaluation(kT0, stats));
  stats["f3"] = {{"psi", 0.05}};
  auto r = s.step(evaluation(kT0 + 5min, stats));
  REQUIRE(r.notifications.size() == 2);
  CHECK(r.firing == 20);
  const auto slack = json::parse(r.notifications[0].body);
  CHECK(r.notifications[0].status == "resolved");
  // Not "[RESOLVED] fraud-v2": twenty alerts of it still fire.
  CHECK(slack["blocks"][0]["text"]["text"] ==
        "[RESOLVED] fraud-v2: PSI of f3; 20 other alerts still firing");
  CHECK(slack["text"] ==
        "fraud-v2: resolved: PSI of f3 back to 0.05; 20 other alerts still firing");
  bool context = false;
  for (const auto& b : slack["blocks"]) {
    context = context || (b["type"] == "context" &&
                          b["elements"][0]["text"] ==
                              "20 other alerts still firing (worst severity *high*; see the "
                              "drift report)");
  }
  CHECK(context);
  const auto hook = json::parse(r.notifications[1].body);
  CHECK(hook["status"] == "resolved");
  CHECK(hook["other_alerts_firing"] == 20);
  CHECK(hook["alerts"].size() == 1);

  // The last ones resolve: now the monitor is back to normal.
  for (auto& [name, v] : stats) v = {{"psi", 0.05}};
  r = s.step(evaluation(kT0 + 10min, stats));
  REQUIRE(r.notifications.size() == 2);
  const auto done = json::parse(r.notifications[0].body);
  CHECK(done["blocks"][0]["text"]["text"] == "[RESOLVED] fraud-v2");
  CHECK(done["text"].get<std::string>().starts_with("fraud-v2 resolved: PSI of f0 back to 0.05"));
  CHECK(json::parse(r.notifications[1].body)["other_alerts_firing"] == 0);
}

TEST_CASE("pagerduty: a later trigger of the incident keeps the severity of its worst alert") {
  Scenario s;
  s.sinks = {sink("pd", config::SinkConfig::Type::pagerduty)};
  s.monitor.thresholds = {threshold("psi", 0.1)};
  s.step(evaluation(kT0, {{"income", {{"psi", 0.3}}}}));  // high
  REQUIRE(s.queued.size() == 1);
  CHECK(json::parse(s.queued[0].body)["payload"]["severity"] == "error");
  // amount fires at medium while income (high) still fires: the same dedup_key, so the trigger
  // must not lower the incident to "warning".
  auto r =
      s.step(evaluation(kT0 + 5min, {{"income", {{"psi", 0.3}}}, {"amount", {{"psi", 0.15}}}}));
  REQUIRE(r.notifications.size() == 1);
  const auto pd = json::parse(r.notifications[0].body);
  CHECK(pd["event_action"] == "trigger");
  CHECK(pd["dedup_key"] == "driftd/fraud-v2");
  REQUIRE(pd["payload"]["custom_details"]["alerts"].size() == 1);
  CHECK(pd["payload"]["custom_details"]["alerts"][0]["severity"] == "medium");
  CHECK(pd["payload"]["custom_details"]["other_alerts_firing"] == 1);
  CHECK(pd["payload"]["severity"] == "error");
  CHECK(pd["payload"]["summary"] ==
        "fraud-v2: PSI of amount 0.15 (> 0.1); 1 other alert still firing");
}

TEST_CASE("alertmanager: firing alerts re-posted every evaluation, resolved ones once") {
  Scenario s;
  s.sinks = {sink("am", config::SinkConfig::Type::alertmanager)};
  s.psi(0, 0.3);
  REQUIRE(s.queued.size() == 1);
  auto posted = json::parse(s.queued[0].body);
  REQUIRE(posted.size() == 1);
  CHECK(posted[0]["endsAt"] == "2026-11-27T12:15:00Z");  // 3 × 5m schedule

  s.psi(5, 0.3);
  REQUIRE(s.queued.size() == 2);
  posted = json::parse(s.queued[1].body);
  CHECK(posted[0]["endsAt"] == "2026-11-27T12:20:00Z");
  CHECK(posted[0]["startsAt"] == "2026-11-27T12:00:00Z");

  auto err = evaluation(kT0 + 10min, {}, drift::Status::error);
  s.step(err);  // an evaluation that failed still re-posts what fires
  REQUIRE(s.queued.size() == 3);

  // A second alert fires: both are in the post.
  s.step(evaluation(kT0 + 15min, {{"amount", {{"psi", 0.3}}}, {"income", {{"psi", 0.3}}}}));
  REQUIRE(s.queued.size() == 4);
  CHECK(json::parse(s.queued[3].body).size() == 2);

  s.step(evaluation(kT0 + 20min, {{"amount", {{"psi", 0.1}}}, {"income", {{"psi", 0.1}}}}));
  REQUIRE(s.queued.size() == 5);
  posted = json::parse(s.queued[4].body);
  CHECK(s.queued[4].status == "resolved");
  REQUIRE(posted.size() == 2);
  CHECK(posted[0]["endsAt"] == "2026-11-27T12:20:00Z");  // resolved_at

  s.psi(25, 0.1);
  CHECK(s.queued.size() == 5);  // nothing fires: nothing to post
}

TEST_CASE("alertmanager re-posts skip silenced alerts") {
  Scenario s;
  s.sinks = {sink("am", config::SinkConfig::Type::alertmanager)};
  s.psi(0, 0.3);
  s.silences = {silence("fraud-v2", "amount", std::nullopt, kT0, kT0 + 1h)};
  s.psi(5, 0.3);
  CHECK(s.queued.size() == 1);
}

TEST_CASE("a resolved alert breaching again is a new incident on the same record") {
  Scenario s;
  s.psi(0, 0.3);
  s.psi(5, 0.1);
  const auto first = s.alert("amount", "psi");
  auto r = s.psi(10, 0.22);
  REQUIRE(r.notifications.size() == 1);
  const auto a = s.alert("amount", "psi");
  CHECK(a->id == first->id);
  CHECK(a->state == AlertState::firing);
  CHECK(a->started_at == kT0 + 10min);
  CHECK(a->fired_at == kT0 + 10min);
  CHECK_FALSE(a->resolved_at);
  CHECK(a->severity == Severity::medium);
  CHECK(a->last_notified_at == kT0 + 10min);
  const auto body = json::parse(r.notifications[0].body);
  CHECK(body["alerts"][0]["resolved_at"].is_null());
  CHECK(body["alerts"][0]["change"] == "fired");
}

TEST_CASE("alerts of other monitors are left alone; only changed alerts are written") {
  Scenario s;
  Alert foreign;
  foreign.id = 7;
  foreign.key = {"churn", "amount", "psi"};
  foreign.state = AlertState::firing;
  std::vector<Alert> current = {foreign};
  auto r = process(compile_rules(s.monitor), evaluation(kT0, {{"amount", {{"psi", 0.1}}}}), current,
                   {}, kT0, Routing{s.sinks, "http://x", [] { return std::string("id"); }});
  CHECK(r.changed.empty());
  CHECK(r.firing == 0);

  // A resolved alert that keeps not breaching is not rewritten each evaluation.
  s.psi(0, 0.3);
  s.psi(5, 0.1);
  r = s.psi(10, 0.1);
  CHECK(r.changed.empty());
  // A firing alert is: its value is shown by the API.
  s.psi(15, 0.3);
  r = s.psi(20, 0.31);
  REQUIRE(r.changed.size() == 1);
  CHECK(r.changed[0].value == 0.31);
  CHECK(r.changed[0].last_evaluated_at == kT0 + 20min);
  CHECK(r.changed[0].id > 0);
}

TEST_CASE("new alerts come back with id 0 for the store to assign") {
  const auto m = monitor_config();
  auto r = process(compile_rules(m), evaluation(kT0, {{"amount", {{"psi", 0.3}}}}), {}, {}, kT0,
                   Routing{{}, "http://x", [] { return std::string("id"); }});
  REQUIRE(r.changed.size() == 1);
  CHECK(r.changed[0].id == 0);
  CHECK(r.changed[0].key.to_string() == "fraud-v2/amount/psi");
  CHECK(r.notifications.empty());  // no sinks
  CHECK(r.firing == 1);
}
