#include <catch2/catch.hpp>

#include "driftd/metrics/metrics.hpp"

using namespace driftd;

namespace {

drift::Evaluation evaluation(const std::string& monitor, drift::Status status, double psi) {
  drift::Evaluation e;
  e.monitor = monitor;
  e.evaluated_at = *parse_rfc3339("2026-11-27T12:00:00Z");
  e.status = status;
  e.current_window.rows = 1234;
  e.reference_window.rows = 5678;
  drift::FeatureResult f;
  f.name = "amount";
  f.statistics.values = {{"psi", psi}, {"missing_rate", 0.25}};
  e.features.push_back(f);
  drift::FeatureResult p;
  p.name = std::string(drift::kPredictionName);
  p.statistics.values = {{"psi", 0.5}};
  e.prediction = p;
  drift::ConfidenceResult c;
  c.statistics.values = {{"mean", 0.8}, {"low_confidence_rate", 0.1}};
  e.confidence = c;
  return e;
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

}  // namespace

TEST_CASE("an evaluation becomes gauges, counters and a histogram") {
  metrics::Metrics m("1.2.3");
  m.retain_monitors({"fraud"});
  m.record_evaluation(evaluation("fraud", drift::Status::drift, 0.31), 0.42);
  std::string t = m.exposition();
  CHECK(has(
      t,
      "driftd_feature_statistic{feature=\"amount\",monitor=\"fraud\",statistic=\"psi\"} 0.31\n"));
  CHECK(has(t,
            "driftd_feature_statistic{feature=\"amount\",monitor=\"fraud\",statistic=\"missing_"
            "rate\"} 0.25\n"));
  CHECK(has(t,
            "driftd_feature_statistic{feature=\"__prediction__\",monitor=\"fraud\",statistic="
            "\"psi\"} 0.5\n"));
  CHECK(has(t, "driftd_confidence{monitor=\"fraud\",statistic=\"low_confidence_rate\"} 0.1\n"));
  CHECK(has(t, "driftd_monitor_status{monitor=\"fraud\",status=\"drift\"} 1\n"));
  CHECK(has(t, "driftd_monitor_status{monitor=\"fraud\",status=\"ok\"} 0\n"));
  CHECK(has(t, "driftd_window_rows{monitor=\"fraud\",window=\"current\"} 1234\n"));
  CHECK(has(t, "driftd_evaluations_total{monitor=\"fraud\",result=\"drift\"} 1\n"));
  CHECK(has(t, "driftd_evaluation_duration_seconds_count{monitor=\"fraud\"} 1\n"));
  CHECK(has(t, "driftd_last_evaluation_timestamp_seconds{monitor=\"fraud\"} 1795780800\n"));
  CHECK(has(t, "driftd_build_info{version=\"1.2.3\"} 1\n"));
  CHECK(has(t, "driftd_scheduler_skipped_total{monitor=\"fraud\"} 0\n"));
  CHECK(has(t, "process_resident_memory_bytes "));
  CHECK(has(t, "process_open_fds "));
  CHECK(has(t, "# TYPE driftd_evaluations_total counter\n"));
}

TEST_CASE("statistics follow the latest evaluation; an error keeps the last values") {
  metrics::Metrics m("x");
  m.record_evaluation(evaluation("fraud", drift::Status::drift, 0.31), 0.1);
  CHECK(has(m.exposition(), "statistic=\"psi\"} 0.31\n"));
  auto next = evaluation("fraud", drift::Status::ok, 0.05);
  next.features[0].statistics.values = {{"psi", 0.05}};  // missing_rate undefined this time
  m.record_evaluation(next, 0.1);
  std::string t = m.exposition();
  CHECK(has(t, "feature=\"amount\",monitor=\"fraud\",statistic=\"psi\"} 0.05\n"));
  CHECK_FALSE(has(t, "statistic=\"missing_rate\""));
  drift::Evaluation failed;
  failed.monitor = "fraud";
  failed.status = drift::Status::error;
  failed.evaluated_at = next.evaluated_at;
  m.record_evaluation(failed, 0.1);
  t = m.exposition();
  CHECK(has(t, "feature=\"amount\",monitor=\"fraud\",statistic=\"psi\"} 0.05\n"));
  CHECK(has(t, "driftd_monitor_status{monitor=\"fraud\",status=\"error\"} 1\n"));
  CHECK(has(t, "driftd_evaluations_total{monitor=\"fraud\",result=\"error\"} 1\n"));
}

TEST_CASE("series of removed monitors and sinks disappear") {
  metrics::Metrics m("x");
  m.retain_monitors({"a", "b"});
  m.retain_sinks({"hook"});
  m.record_evaluation(evaluation("a", drift::Status::ok, 0.01), 0.1);
  m.record_evaluation(evaluation("b", drift::Status::ok, 0.02), 0.1);
  m.count_notification("hook", "delivered");
  m.set_queue_depth("hook", 3);
  m.count_skipped_tick("b");
  m.count_reevaluation("b");  // a look-back still running
  CHECK(has(m.exposition(), "monitor=\"b\""));
  m.retain_monitors({"a"});
  m.retain_sinks({});
  std::string t = m.exposition();
  CHECK_FALSE(has(t, "monitor=\"b\""));
  CHECK(has(t, "monitor=\"a\""));
  CHECK_FALSE(has(t, "sink=\"hook\""));
}

TEST_CASE("other counters and gauges") {
  metrics::Metrics m("x");
  m.set_alerts_firing("a", 2);
  m.count_notification("hook", "retried");
  m.count_notification("hook", "retried");
  m.set_database_up(true);
  m.count_http_request("drift", 200, 0.002);
  m.set_next_run("a", 1764244860);
  std::string t = m.exposition();
  CHECK(has(t, "driftd_alerts_firing{monitor=\"a\"} 2\n"));
  CHECK(has(t, "driftd_notifications_total{result=\"retried\",sink=\"hook\"} 2\n"));
  CHECK(has(t, "driftd_database_up 1\n"));
  CHECK(has(t, "driftd_http_requests_total{code=\"200\",handler=\"drift\"} 1\n"));
  CHECK(has(t, "driftd_next_evaluation_timestamp_seconds{monitor=\"a\"} 1764244860\n"));
}

TEST_CASE("process statistics come from /proc") {
  auto p = metrics::read_process_stats();
  CHECK(p.resident_bytes > 0);
  CHECK(p.open_fds >= 3);
  CHECK(p.max_fds >= p.open_fds);
  CHECK(p.threads >= 1);
  CHECK(p.start_time_seconds > 1.6e9);
}

TEST_CASE("late updates of a removed monitor do not bring its series back") {
  metrics::Metrics m("x");
  m.retain_monitors({"a", "b"});
  m.record_evaluation(evaluation("b", drift::Status::ok, 0.02), 0.1);
  m.retain_monitors({"a"});
  // an evaluation of b that was still running when the reload happened
  m.record_evaluation(evaluation("b", drift::Status::ok, 0.03), 0.1);
  m.set_alerts_firing("b", 1);
  m.set_next_run("b", 1);
  m.count_skipped_tick("b");
  m.count_reevaluation("b");  // a look-back still running
  CHECK_FALSE(has(m.exposition(), "monitor=\"b\""));
}

TEST_CASE("reloads: the latest one's success and a count by result") {
  metrics::Metrics m("1.2.3");
  CHECK(has(m.exposition(), "driftd_config_last_reload_successful 1\n"));
  m.record_reload(false);
  std::string t = m.exposition();
  CHECK(has(t, "driftd_config_last_reload_successful 0\n"));
  CHECK(has(t, "driftd_config_reloads_total{result=\"rejected\"} 1\n"));
  m.record_reload(true);
  t = m.exposition();
  CHECK(has(t, "driftd_config_last_reload_successful 1\n"));
  CHECK(has(t, "driftd_config_reloads_total{result=\"applied\"} 1\n"));
  CHECK(has(t, "driftd_config_reloads_total{result=\"rejected\"} 1\n"));
}
