// Alerts on the monitor-level statistics of issue 8: dataset drift, realised performance, system
// health, the challenger, learned thresholds and segments go through the same rules and state
// machine as feature drift.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <set>

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

drift::Evaluation with_dataset(Timestamp when, double share) {
  auto e = evaluation(when, {{"amount", {{"psi", 0.01}}}});
  drift::DatasetResult d;
  d.statistics = {{"drifted_feature_share", share}, {"drifted_features", share * 10}};
  e.dataset = d;
  return e;
}

}  // namespace

TEST_CASE("dataset drift alerts as the feature __dataset__") {
  Run r;
  r.monitor.dataset_drift = config::DatasetDriftConfig{};
  r.monitor.thresholds.push_back(threshold("drifted_feature_share", 0.3));
  auto res = r.step(with_dataset(kT0, 0.4));
  auto a = r.alert("__dataset__", "drifted_feature_share");
  REQUIRE(a);
  CHECK(a->state == AlertState::firing);
  CHECK(a->value == 0.4);
  CHECK(a->threshold == 0.3);
  REQUIRE(res.notifications.size() == 1);
  CHECK(json::parse(res.notifications[0].body)["summary"] ==
        "fraud-v2: drifted_feature_share of the dataset 0.4 (> 0.3)");
  // the other thresholds (psi...) never apply to the dataset
  CHECK_FALSE(r.alert("__dataset__", "psi"));
  r.step(with_dataset(kT0 + 5min, 0.1));
  CHECK(r.alert("__dataset__", "drifted_feature_share")->state == AlertState::resolved);
}

TEST_CASE("a monitor without dataset drift configured gets no dataset alert") {
  Run r;
  r.monitor.thresholds.push_back(threshold("drifted_feature_share", 0.3));
  auto res = r.step(with_dataset(kT0, 0.9));
  CHECK(res.changed.empty());
}

TEST_CASE("performance alerts as the feature __performance__, only on enough labels") {
  Run r;
  r.monitor.labels = config::LabelsConfig{};
  r.monitor.thresholds.push_back(threshold("roc_auc_drop", 0.02));
  r.monitor.thresholds.push_back(threshold("accuracy", 0.8, std::nullopt, 1, true));
  auto with_performance = [](Timestamp when, double drop, double accuracy, drift::Status st) {
    auto e = evaluation(when, {{"amount", {{"psi", 0.01}}}});
    drift::PerformanceResult p;
    p.status = st;
    p.statistics = {{"accuracy", accuracy}};
    p.changes = {{"roc_auc_drop", drop}};
    e.performance = p;
    return e;
  };
  // too few labels: even breaching values are no news
  auto res = r.step(with_performance(kT0, 0.1, 0.5, drift::Status::insufficient_data));
  CHECK(res.changed.empty());
  res = r.step(with_performance(kT0 + 5min, 0.1, 0.7, drift::Status::drift));
  CHECK(r.alert("__performance__", "roc_auc_drop")->state == AlertState::firing);
  CHECK(r.alert("__performance__", "accuracy")->state == AlertState::firing);
  CHECK(r.alert("__performance__", "accuracy")->below);
  REQUIRE(res.notifications.size() == 1);
  CHECK(json::parse(res.notifications[0].body)["summary"] ==
        "fraud-v2: roc_auc_drop of performance 0.1 (> 0.02), accuracy of performance 0.7 (< 0.8)");
  // insufficient labels later leave the alert as it is
  r.step(with_performance(kT0 + 10min, 0.0, 0.9, drift::Status::insufficient_data));
  CHECK(r.alert("__performance__", "roc_auc_drop")->state == AlertState::firing);
  r.step(with_performance(kT0 + 15min, 0.0, 0.9, drift::Status::ok));
  CHECK(r.alert("__performance__", "roc_auc_drop")->state == AlertState::resolved);
  CHECK(r.alert("__performance__", "accuracy")->state == AlertState::resolved);
}

TEST_CASE("a changed threshold re-judges a firing alert whose statistic is undefined now") {
  // roc_auc_drop fired at 0.02; labels stop arriving (the section has too few labelled rows, so
  // roc_auc_drop is not judged); a reload raises the threshold to 0.5: the alert must resolve at
  // the next evaluation, not keep firing with "threshold 0.02" until labels come back.
  Run r;
  r.monitor.labels = config::LabelsConfig{};
  r.monitor.thresholds.push_back(threshold("roc_auc_drop", 0.02));
  auto with_drop = [](Timestamp when, std::optional<double> drop, drift::Status st) {
    auto e = evaluation(when, {{"amount", {{"psi", 0.01}}}});
    drift::PerformanceResult p;
    p.status = st;
    if (drop) p.changes = {{"roc_auc_drop", *drop}};
    e.performance = p;
    return e;
  };
  r.step(with_drop(kT0, 0.1, drift::Status::drift));
  REQUIRE(r.alert("__performance__", "roc_auc_drop")->state == AlertState::firing);
  // The same rule and no value: nothing changes.
  r.step(with_drop(kT0 + 5min, std::nullopt, drift::Status::insufficient_data));
  CHECK(r.alert("__performance__", "roc_auc_drop")->state == AlertState::firing);
  // A lower threshold, still breached by the last value: firing, with the new threshold shown.
  r.monitor.thresholds.back().level = r.monitor.thresholds.back().resolve_level = 0.05;
  r.step(with_drop(kT0 + 10min, std::nullopt, drift::Status::insufficient_data));
  CHECK(r.alert("__performance__", "roc_auc_drop")->state == AlertState::firing);
  CHECK(r.alert("__performance__", "roc_auc_drop")->threshold == 0.05);
  // Raised above the last value: resolved at once, and the resolve is announced.
  r.monitor.thresholds.back().level = r.monitor.thresholds.back().resolve_level = 0.5;
  auto res = r.step(with_drop(kT0 + 15min, std::nullopt, drift::Status::insufficient_data));
  const auto a = r.alert("__performance__", "roc_auc_drop");
  CHECK(a->state == AlertState::resolved);
  CHECK(a->threshold == 0.5);
  CHECK(a->value == 0.1);
  REQUIRE(res.notifications.size() == 1);
  CHECK(json::parse(res.notifications[0].body)["status"] == "resolved");
}

TEST_CASE("performance alerts follow the section's status, not the window's row count") {
  // min_rows = 1000 but labels.min_rows = 50: a 600-row window with 500 labelled rows is too
  // small for drift (insufficient_data) yet its performance section is judged (drift).
  Run r;
  r.monitor.labels = config::LabelsConfig{};
  r.monitor.thresholds.push_back(threshold("roc_auc_drop", 0.02));
  auto with_drop = [](Timestamp when, double drop, drift::Status section, drift::Status st) {
    auto e = evaluation(when, {{"amount", {{"psi", 0.5}}}}, st);
    drift::PerformanceResult p;
    p.status = section;
    p.changes = {{"roc_auc_drop", drop}};
    e.performance = p;
    return e;
  };
  auto res = r.step(with_drop(kT0, 0.1, drift::Status::drift, drift::Status::insufficient_data));
  REQUIRE(r.alert("__performance__", "roc_auc_drop"));
  CHECK(r.alert("__performance__", "roc_auc_drop")->state == AlertState::firing);
  CHECK_FALSE(r.alert("amount", "psi"));  // drift needs enough rows
  REQUIRE(res.notifications.size() == 1);
  r.step(with_drop(kT0 + 5min, 0.0, drift::Status::ok, drift::Status::insufficient_data));
  CHECK(r.alert("__performance__", "roc_auc_drop")->state == AlertState::resolved);
  // an error evaluation judges nothing
  r.step(with_drop(kT0 + 10min, 0.1, drift::Status::drift, drift::Status::error));
  CHECK(r.alert("__performance__", "roc_auc_drop")->state == AlertState::resolved);
}

TEST_CASE("label-arrival alerts fire when labels stop, whatever the labelled rows") {
  // The documented label_coverage = { below = 0.5 }: the label pipeline breaks, no label
  // arrives, the section is insufficient_data, and that is exactly when it must fire. The
  // quality metrics keep their alerts as they are on too few labels.
  Run r;
  r.monitor.labels = config::LabelsConfig{};
  r.monitor.thresholds.push_back(threshold("label_coverage", 0.5, std::nullopt, 1, true));
  r.monitor.thresholds.push_back(threshold("accuracy", 0.8, std::nullopt, 1, true));
  auto with_labels = [](Timestamp when, double coverage, double accuracy, drift::Status section,
                        drift::Status st = drift::Status::ok) {
    auto e = evaluation(when, {{"amount", {{"psi", 0.01}}}}, st);
    drift::PerformanceResult p;
    p.status = section;
    p.statistics = {{"accuracy", accuracy}, {"label_coverage", coverage}};
    e.performance = p;
    return e;
  };
  auto res = r.step(with_labels(kT0, 0.0, 0.5, drift::Status::insufficient_data));
  REQUIRE(r.alert("__performance__", "label_coverage"));
  CHECK(r.alert("__performance__", "label_coverage")->state == AlertState::firing);
  CHECK_FALSE(r.alert("__performance__", "accuracy"));  // too few labels to judge it
  REQUIRE(res.notifications.size() == 1);
  CHECK(json::parse(res.notifications[0].body)["summary"] ==
        "fraud-v2: label_coverage of performance 0 (< 0.5)");
  // also on an evaluation with too few rows for drift
  r.step(with_labels(kT0 + 5min, 0.9, 0.5, drift::Status::insufficient_data,
                     drift::Status::insufficient_data));
  CHECK(r.alert("__performance__", "label_coverage")->state == AlertState::resolved);
  CHECK_FALSE(r.alert("__performance__", "accuracy"));
  r.step(with_labels(kT0 + 10min, 0.9, 0.5, drift::Status::drift));
  CHECK(r.alert("__performance__", "accuracy")->state == AlertState::firing);
  // too few labels again: accuracy stays as it is, coverage is judged
  r.step(with_labels(kT0 + 15min, 0.1, 0.95, drift::Status::insufficient_data));
  CHECK(r.alert("__performance__", "accuracy")->state == AlertState::firing);
  CHECK(r.alert("__performance__", "label_coverage")->state == AlertState::firing);
}

TEST_CASE("system health alerts as __system__, also on evaluations with too few rows") {
  Run r;
  r.monitor.system = config::SystemConfig{};
  r.monitor.thresholds.push_back(threshold("volume_change", -0.5, std::nullopt, 1, true));
  auto with_volume = [](Timestamp when, double change, drift::Status st) {
    auto e = evaluation(when, {{"amount", {{"psi", 0.5}}}}, st);
    drift::SystemResult s;
    s.statistics = {{"volume_change", change}};
    e.system = s;
    return e;
  };
  auto res = r.step(with_volume(kT0, -0.99, drift::Status::insufficient_data));
  CHECK(r.alert("__system__", "volume_change")->state == AlertState::firing);
  CHECK_FALSE(r.alert("amount", "psi"));  // drift needs enough rows
  REQUIRE(res.notifications.size() == 1);
  CHECK(json::parse(res.notifications[0].body)["summary"] ==
        "fraud-v2: volume_change of system health -0.99 (< -0.5)");
  r.step(with_volume(kT0 + 5min, 0.0, drift::Status::ok));
  CHECK(r.alert("__system__", "volume_change")->state == AlertState::resolved);
  // an error evaluation judges nothing
  res = r.step(with_volume(kT0 + 10min, -0.99, drift::Status::error));
  CHECK(r.alert("__system__", "volume_change")->state == AlertState::resolved);
}

TEST_CASE("a learned threshold fires at the level the evaluation learned for that feature") {
  Run r;
  config::ThresholdConfig psi = threshold("psi", 0);
  psi.learned = true;
  r.monitor.thresholds = {psi};
  auto with_learned = [](Timestamp when, double amount_psi, double income_psi) {
    auto e =
        evaluation(when, {{"amount", {{"psi", amount_psi}}}, {"income", {{"psi", income_psi}}}});
    e.features[0].thresholds = {{"psi", 0.05, 0.02, 0.01, 20}};  // amount learned 0.05
    // income: nothing learned (e.g. too few chunks): the rule does not apply to it
    return e;
  };
  auto res = r.step(with_learned(kT0, 0.06, 0.9));
  auto a = r.alert("amount", "psi");
  REQUIRE(a);
  CHECK(a->state == AlertState::firing);
  CHECK(a->threshold == 0.05);
  CHECK_FALSE(r.alert("income", "psi"));
  REQUIRE(res.notifications.size() == 1);
  CHECK(json::parse(res.notifications[0].body)["alerts"][0]["threshold"] == 0.05);
  // resolves below the learned level (a learned threshold's resolve level is the level itself)
  r.step(with_learned(kT0 + 5min, 0.04, 0.9));
  CHECK(r.alert("amount", "psi")->state == AlertState::resolved);
}

namespace {

drift::SegmentResult segment_result(const std::string& name, double amount_psi,
                                    drift::Status status = drift::Status::ok) {
  drift::SegmentResult s;
  s.segment = name;
  s.status = status;
  s.current_rows = 500;
  s.reference_rows = 500;
  for (const char* f : {"amount", "income"}) {
    drift::FeatureResult r;
    r.name = f;
    r.statistics.values = {{"psi", std::string(f) == "amount" ? amount_psi : 0.01}};
    s.features.push_back(r);
  }
  return s;
}

drift::Evaluation with_segments(Timestamp when, double overall_psi,
                                std::vector<drift::SegmentResult> segments,
                                drift::Status status = drift::Status::ok) {
  auto e = evaluation(when, {{"amount", {{"psi", overall_psi}}}}, status);
  if (status == drift::Status::error) return e;  // a failed evaluation has no segments
  e.segment_column = "country";
  e.segments = std::move(segments);
  return e;
}

std::optional<Alert> segment_alert(FakeAlertStore& store, const std::string& segment) {
  for (const auto& a : store.all_alerts()) {
    if (a.key.feature == "amount" && a.key.statistic == "psi" && a.key.segment == segment) return a;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("segment alerts: the same rules per segment, an incident of their own") {
  Run r;
  r.monitor.segment = config::SegmentConfig{"country", 3, 0};
  r.monitor.thresholds = {threshold("psi", 0.2)};
  using drift::Status;

  // DE drifts; FR does not; __other__ has too few rows (judged on nothing, however high).
  auto res =
      r.step(with_segments(kT0, 0.05,
                           {segment_result("DE", 0.5, Status::drift), segment_result("FR", 0.01),
                            segment_result("__other__", 0.9, Status::insufficient_data)}));
  REQUIRE(segment_alert(r.store, "DE"));
  CHECK(segment_alert(r.store, "DE")->state == AlertState::firing);
  CHECK_FALSE(segment_alert(r.store, "FR"));
  CHECK_FALSE(segment_alert(r.store, "__other__"));
  CHECK_FALSE(segment_alert(r.store, ""));  // the whole window is fine
  REQUIRE(res.notifications.size() == 1);
  auto body = json::parse(res.notifications[0].body);
  CHECK(body["summary"] == "fraud-v2: PSI of amount in segment DE 0.5 (> 0.2)");
  REQUIRE(body["alerts"].size() == 1);
  CHECK(body["alerts"][0]["feature"] == "amount");
  CHECK(body["alerts"][0]["segment"] == "DE");
  CHECK(segment_alert(r.store, "DE")->key.to_string() == "fraud-v2/amount/psi/DE");

  // The whole window drifts too: a second incident; DE, still firing, is not announced again.
  res = r.step(with_segments(kT0 + 5min, 0.3,
                             {segment_result("DE", 0.5, Status::drift), segment_result("FR", 0.01),
                              segment_result("__other__", 0.9, Status::insufficient_data)}));
  REQUIRE(segment_alert(r.store, ""));
  CHECK(segment_alert(r.store, "")->state == AlertState::firing);
  REQUIRE(res.notifications.size() == 1);
  body = json::parse(res.notifications[0].body);
  REQUIRE(body["alerts"].size() == 1);
  CHECK_FALSE(body["alerts"][0].contains("segment"));

  // DE recovers: its alert resolves, the whole window's keeps firing.
  res = r.step(
      with_segments(kT0 + 10min, 0.3, {segment_result("DE", 0.01), segment_result("FR", 0.01)}));
  CHECK(segment_alert(r.store, "DE")->state == AlertState::resolved);
  CHECK(segment_alert(r.store, "")->state == AlertState::firing);
  REQUIRE(res.notifications.size() == 1);
  body = json::parse(res.notifications[0].body);
  CHECK(body["alerts"][0]["segment"] == "DE");
  CHECK(body["alerts"][0]["status"] == "resolved");

  // FR fires; an evaluation error leaves it firing (no segments to judge), and so does a segment
  // with too few rows; FR leaving the top N resolves it.
  r.step(with_segments(kT0 + 15min, 0.3, {segment_result("FR", 0.6, Status::drift)}));
  CHECK(segment_alert(r.store, "FR")->state == AlertState::firing);
  r.step(with_segments(kT0 + 20min, 0, {}, Status::error));
  CHECK(segment_alert(r.store, "FR")->state == AlertState::firing);
  r.step(with_segments(kT0 + 25min, 0.3, {segment_result("FR", 0.01, Status::insufficient_data)}));
  CHECK(segment_alert(r.store, "FR")->state == AlertState::firing);
  r.step(with_segments(kT0 + 30min, 0.3, {segment_result("IT", 0.01)}));
  CHECK(segment_alert(r.store, "FR")->state == AlertState::resolved);

  // Without a segment in the config, segment alerts neither fire nor stay.
  r.step(with_segments(kT0 + 35min, 0.3, {segment_result("IT", 0.7, Status::drift)}));
  CHECK(segment_alert(r.store, "IT")->state == AlertState::firing);
  r.monitor.segment.reset();
  r.step(with_segments(kT0 + 40min, 0.3, {segment_result("IT", 0.7, Status::drift)}));
  CHECK(segment_alert(r.store, "IT")->state == AlertState::resolved);
}

TEST_CASE("segment alerts carry a segment label to Alertmanager") {
  Run r;
  r.monitor.segment = config::SegmentConfig{"country", 3, 0};
  r.monitor.thresholds = {threshold("psi", 0.2)};
  r.sinks = {sink("am", config::SinkConfig::Type::alertmanager)};
  auto res = r.step(with_segments(kT0, 0.3, {segment_result("DE", 0.5, drift::Status::drift)}));
  REQUIRE(res.notifications.size() == 1);
  auto body = json::parse(res.notifications[0].body);
  REQUIRE(body.size() == 2);
  std::set<std::string> segments;
  for (const auto& a : body) {
    CHECK(a["labels"]["feature"] == "amount");
    if (a["labels"].contains("segment")) {
      segments.insert(a["labels"]["segment"].get<std::string>());
      CHECK(a["annotations"]["summary"] == "fraud-v2: PSI of amount in segment DE 0.5 (> 0.2)");
    }
  }
  CHECK(segments == std::set<std::string>{"DE"});
}

TEST_CASE("champion / challenger alerts as __challenger__, only with enough rows per version") {
  Run r;
  r.monitor.challenger = config::ChallengerConfig{};
  r.monitor.thresholds.push_back(threshold("challenger_worse", 0.5));
  r.monitor.thresholds.push_back(threshold("agreement_rate", 0.9, std::nullopt, 1, true));
  auto with_challenger = [](Timestamp when, double worse, double agreement, drift::Status st,
                            drift::Status monitor_status = drift::Status::ok) {
    auto e = evaluation(when, {{"amount", {{"psi", 0.01}}}}, monitor_status);
    drift::ChallengerResult c;
    c.status = st;
    c.statistics = {{"agreement_rate", agreement}, {"challenger_worse", worse}};
    e.challenger = c;
    return e;
  };
  auto res = r.step(with_challenger(kT0, 1, 0.8, drift::Status::drift));
  CHECK(r.alert("__challenger__", "challenger_worse")->state == AlertState::firing);
  CHECK(r.alert("__challenger__", "agreement_rate")->state == AlertState::firing);
  REQUIRE(res.notifications.size() == 1);
  CHECK(json::parse(res.notifications[0].body)["summary"].get<std::string>().find(
            "challenger_worse of champion / challenger 1 (> 0.5)") != std::string::npos);
  // Too few rows per version: the alerts keep their state.
  r.step(with_challenger(kT0 + 5min, 0, 0.99, drift::Status::insufficient_data));
  CHECK(r.alert("__challenger__", "challenger_worse")->state == AlertState::firing);
  // The versions could not be read (no statistics): the alerts keep their state too.
  {
    auto e = evaluation(kT0 + 7min, {{"amount", {{"psi", 0.01}}}}, drift::Status::ok);
    drift::ChallengerResult failed;
    failed.status = drift::Status::error;
    failed.error = "statement timeout";
    e.challenger = failed;
    r.step(e);
    CHECK(r.alert("__challenger__", "challenger_worse")->state == AlertState::firing);
    CHECK(r.alert("__challenger__", "agreement_rate")->state == AlertState::firing);
  }
  // The versions are judged on their own rows, also when the monitor's windows had too few.
  r.step(
      with_challenger(kT0 + 10min, 0, 0.99, drift::Status::ok, drift::Status::insufficient_data));
  CHECK(r.alert("__challenger__", "challenger_worse")->state == AlertState::resolved);
  CHECK(r.alert("__challenger__", "agreement_rate")->state == AlertState::resolved);
}
