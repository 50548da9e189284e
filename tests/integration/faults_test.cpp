// Faults with real processes on loopback: PostgreSQL stalling behind a TCP proxy during
// evaluations, the state database going away while an alert state change commits, and webhook
// receivers that hang, reset, answer slowly, redirect, refuse or throttle. Each asserts: no crash,
// no wait past the configured timeouts, the right metric and log line, nothing lost, and
// recovery without a restart.

#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "faults_support.hpp"
#include "scripted_receiver.hpp"
#include "support.hpp"
#include "tcp_proxy.hpp"

using namespace driftd;
using namespace std::chrono_literals;
using driftd::testing::DaemonProcess;
using driftd::testing::ScriptedReceiver;
using driftd::testing::TestSchema;
using json = nlohmann::json;
namespace ft = driftd::testing::faults;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST_CASE("a database that stalls mid-evaluation: bounded failure, logged once, counted, recovery",
          "[faults]") {
  TestSchema s("faults");
  ft::load_drifted(s);
  const std::string state = s.name() + "_state";
  testing::TcpProxy proxy("127.0.0.1", ft::database_port());
  // statement_timeout 1s: an evaluation may take 1s + the 5s grace, never more
  ft::ConfigOptions o;
  o.database_url = ft::url_with_port(testing::database_url(), proxy.port());
  o.state_schema = state;
  o.table = s.table("p");
  const std::string path = testing::write_temp_file("driftd.toml", ft::config(o));
  DaemonProcess d({"--config", path});
  REQUIRE(d.wait_for_log("evaluation finished monitor=m"));
  const int port = d.port();

  const std::size_t mark = d.log().size();
  const auto stalled_at = std::chrono::steady_clock::now();
  proxy.stall();
  REQUIRE(d.wait_for_log("ERROR evaluation failed monitor=m", 20, mark));
  const double failed_after = seconds_since(stalled_at);
  // An evaluation takes statement_timeout + grace at most (1 + 5 s); the first one to fail may
  // wait for the previous tick's work on the state database, stuck the same way (1 + 5 s), and a
  // tick (1 s).
  CHECK(failed_after < 2 * (1 + 5) + 1 + 1.5);
  const std::string failure = ft::line_with(d.log(), "ERROR evaluation failed monitor=m", mark);
  INFO(failure);
  CHECK(ft::field_number(failure, "duration_s") <= 1 + 5 + 0.5);
  // the read stuck on a pooled connection, or the fresh connection that could not be opened
  CHECK((failure.find("did not answer within statement_timeout") != std::string::npos ||
         failure.find("timeout expired") != std::string::npos));
  // The API does not depend on the database: it answers at once during the stall.
  const auto asked = std::chrono::steady_clock::now();
  CHECK(testing::http_get(port, "/healthz").first == 200);
  const auto metrics = testing::http_get(port, "/metrics").second;
  CHECK(seconds_since(asked) < 1.0);
  CHECK(ft::metric(metrics, R"(driftd_evaluations_total{monitor="m",result="error"})") >= 1);

  std::this_thread::sleep_for(2s);  // the stall goes on: nothing more is logged at error level
  proxy.resume();
  const std::size_t resumed = d.log().size();
  const auto resumed_at = std::chrono::steady_clock::now();
  // The connections of the stall stay dead; driftd drops them and the next evaluation works.
  REQUIRE(d.wait_for_log("evaluations recovered monitor=m", 30, resumed));
  CHECK(seconds_since(resumed_at) < 1 + 5 + 2 + 2.0);  // a save still waiting on the stall, a tick
  REQUIRE(d.wait_for_log("evaluation finished monitor=m", 10, resumed));
  CHECK(d.count_in_log("ERROR evaluation failed monitor=m") == 1);
  CHECK(d.count_in_log("ERROR cannot store the evaluation monitor=m") <= 1);
  // ticks skipped while an evaluation waits out the stall: warned once per run, not per tick
  CHECK(d.count_in_log("WARN evaluation skipped") <= 3);
  CHECK(d.running());
  // Results are stored again once the state connection is back (after its reconnect backoff).
  REQUIRE(d.wait_for_log("database reachable again", 40, resumed));
  CHECK(ft::eventually([&] { return testing::http_get(port, "/readyz").first == 200; }, 20));
  CHECK(ft::eventually(
      [&] {
        return std::stoi(s.sql().scalar("SELECT count(*) FROM " + state +
                                        ".evaluations WHERE status <> 'error' AND created_at > "
                                        "now() - interval '3 seconds'")) > 0;
      },
      30));

  const auto stopping = std::chrono::steady_clock::now();
  d.signal(SIGTERM);
  CHECK(d.wait_exit(30) == 0);
  CHECK(seconds_since(stopping) < 10);
  s.sql().exec("DROP SCHEMA IF EXISTS " + state + " CASCADE");
}

TEST_CASE(
    "the state database goes away while an alert change commits: both or neither, one delivery",
    "[faults]") {
  TestSchema s("faults");
  s.sql().exec("CREATE TABLE " + s.table("p") + " (ts timestamptz, x float8)");
  const std::string state = s.name() + "_state";
  ScriptedReceiver receiver([](int, const std::string&) { return ScriptedReceiver::Reply{}; });
  ft::ConfigOptions o;
  o.state_schema = state;
  o.table = s.table("p");
  o.sinks = ft::sink_toml("hook", receiver.url());
  const std::string path = testing::write_temp_file("driftd.toml", ft::config(o));
  DaemonProcess d({"--config", path});
  REQUIRE(d.wait_for_log("evaluation finished monitor=m"));  // insufficient data: no alert yet
  // A deferred trigger on the outbox sleeps inside COMMIT while `armed`: the commit of the first
  // alert change is then in flight, deterministically, when its connection is killed.
  s.sql().exec("CREATE TABLE " + state + ".test_ctl (armed boolean NOT NULL)");
  s.sql().exec("INSERT INTO " + state + ".test_ctl VALUES (true)");
  s.sql().exec("CREATE FUNCTION " + state +
               ".slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$"
               " BEGIN IF (SELECT armed FROM " +
               state +
               ".test_ctl) THEN PERFORM pg_sleep(3); END IF;"
               " RETURN NULL; END $$");
  s.sql().exec("CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON " + state +
               ".notifications DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION " +
               state + ".slow_commit()");
  const std::size_t mark = d.log().size();
  ft::insert_drifted_rows(s);

  std::string pid;
  REQUIRE(ft::eventually(
      [&] {
        auto pids = s.sql().column(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'driftd' AND wait_event = "
            "'PgSleep'"
            " AND query ILIKE 'COMMIT%'");
        if (pids.empty()) return false;
        pid = pids.front();
        return true;
      },
      15));
  REQUIRE(s.sql().scalar("SELECT pg_terminate_backend(" + pid + ")") == "t");
  // Still armed: the next commit will wait in its trigger too, so what is visible now is what the
  // killed transaction left: neither the firing alert nor its notification.
  CHECK(s.sql().scalar("SELECT count(*) FROM " + state + ".notifications") == "0");
  CHECK(s.sql().scalar("SELECT count(*) FROM " + state + ".alerts WHERE state = 'firing'") == "0");
  s.sql().exec("UPDATE " + state + ".test_ctl SET armed = false");

  REQUIRE(d.wait_for_log("cannot update the alert state", 15, mark));
  REQUIRE(receiver.wait_delivered(1, 20));
  REQUIRE(d.wait_for_log("notification delivered sink=hook", 10, mark));
  std::this_thread::sleep_for(3s);  // more evaluations of the firing alert: nothing new is sent
  const auto got = receiver.received();
  REQUIRE(got.size() == 1);
  CHECK(s.sql().scalar("SELECT count(*) FROM " + state + ".notifications") == "1");
  CHECK(s.sql().scalar("SELECT id FROM " + state + ".notifications") == got[0].webhook_id);
  CHECK(s.sql().scalar("SELECT state FROM " + state + ".notifications") == "delivered");
  CHECK(s.sql().scalar("SELECT count(*) FROM " + state + ".alerts WHERE state = 'firing'") == "1");
  CHECK(d.count_in_log("ERROR cannot update the alert state") == 1);
  CHECK(d.count_in_log("connection lost during commit") == 1);
  CHECK(d.count_in_log("notification queued monitor=m sink=hook") == 1);
  CHECK(d.running());
  const auto metrics = testing::http_get(d.port(), "/metrics").second;
  CHECK(ft::metric(metrics, R"(driftd_notifications_total{result="delivered",sink="hook"})") == 1);
  CHECK(ft::metric(metrics, R"(driftd_alerts_firing{monitor="m"})") == 1);
  d.signal(SIGTERM);
  CHECK(d.wait_exit(30) == 0);
  s.sql().exec("DROP SCHEMA IF EXISTS " + state + " CASCADE");
}

TEST_CASE(
    "receivers that hang, reset, dawdle, redirect, refuse or throttle: classified, counted, "
    "nothing lost",
    "[faults]") {
  using Reply = ScriptedReceiver::Reply;
  using Act = ScriptedReceiver::Act;
  TestSchema s("faults");
  ft::load_drifted(s);
  const std::string state = s.name() + "_state";
  // The first two attempts get no answer (longer than the sink's 1s timeout), then 200.
  ScriptedReceiver hang(
      [](int n, const std::string&) { return n < 2 ? Reply::with(Act::hang) : Reply{}; });
  ScriptedReceiver reset(
      [](int n, const std::string&) { return n < 2 ? Reply::with(Act::reset) : Reply{}; });
  ScriptedReceiver slow([](int, const std::string&) { return Reply::after(600ms); });
  ScriptedReceiver elsewhere(
      [](int, const std::string&) { return Reply{}; });  // redirects point here
  ScriptedReceiver moved([&](int, const std::string&) {
    return Reply::with_status(301, "Location: " + elsewhere.url() + "\r\n");
  });
  ScriptedReceiver found([&](int, const std::string&) {
    return Reply::with_status(302, "Location: " + elsewhere.url() + "\r\n");
  });
  ScriptedReceiver gone([](int, const std::string&) { return Reply::with_status(410); });
  ScriptedReceiver throttled([](int n, const std::string&) {
    return n == 0 ? Reply::with_status(429, "Retry-After: 3\r\n") : Reply::ok();
  });
  const std::string sinks =
      ft::sink_toml("hang", hang.url()) + ft::sink_toml("reset", reset.url()) +
      ft::sink_toml("slow", slow.url(), "2s") + ft::sink_toml("moved", moved.url()) +
      ft::sink_toml("found", found.url()) + ft::sink_toml("gone", gone.url()) +
      ft::sink_toml("throttled", throttled.url());
  ft::ConfigOptions o;
  o.state_schema = state;
  o.table = s.table("p");
  o.sinks = sinks;
  const std::string path = testing::write_temp_file("driftd.toml", ft::config(o));
  const auto started = std::chrono::steady_clock::now();
  DaemonProcess d({"--config", path});
  REQUIRE(d.wait_for_log("notification queued monitor=m sink=hang"));

  REQUIRE(hang.wait_delivered(1, 20));
  REQUIRE(reset.wait_delivered(1, 20));
  REQUIRE(slow.wait_delivered(1, 20));
  REQUIRE(throttled.wait_delivered(1, 20));
  REQUIRE(d.wait_for_log("notification failed permanently sink=gone", 10));
  REQUIRE(d.wait_for_log("notification failed permanently sink=moved", 10));
  REQUIRE(d.wait_for_log("notification failed permanently sink=found", 10));
  REQUIRE(d.wait_for_log("notification delivered sink=throttled", 10));
  std::this_thread::sleep_for(2s);  // later evaluations: the alert keeps firing, nothing new
  CHECK(seconds_since(started) < 25);

  // Every attempt of a sink carries the one delivery id queued for it.
  for (auto* r : {&hang, &reset, &slow, &moved, &found, &gone, &throttled}) {
    const auto got = r->received();
    REQUIRE_FALSE(got.empty());
    for (const auto& g : got) CHECK(g.webhook_id == got.front().webhook_id);
  }
  CHECK(hang.received().size() == 3);
  {  // an attempt on a receiver that does not answer ends at the sink's timeout (1s), then backoff
    const auto h = hang.received();
    REQUIRE(h.size() >= 2);
    const double gap = std::chrono::duration<double>(h[1].at - h[0].at).count();
    CHECK(gap >= 0.9);
    CHECK(gap <= 1 + 0.2 + 1.0);  // timeout + the first backoff (at most initial_backoff) + slack
  }
  CHECK(reset.received().size() == 3);
  CHECK(slow.received().size() == 1);
  CHECK(moved.received().size() == 1);  // not retried ...
  CHECK(found.received().size() == 1);
  CHECK(gone.received().size() == 1);
  CHECK(elsewhere.received().empty());  // ... and redirects are not followed
  const auto t = throttled.received();
  REQUIRE(t.size() == 2);
  // Retry-After: 3 honoured (the backoff alone would retry within 1s)
  CHECK(std::chrono::duration<double>(t[1].at - t[0].at).count() >= 2.9);

  // Nothing lost: one notification per sink, delivered or kept as failed with its reason.
  auto row = [&](const std::string& sink, const std::string& column) {
    return s.sql().scalar("SELECT " + column + " FROM " + state + ".notifications WHERE sink = '" +
                          sink + "'");
  };
  CHECK(s.sql().scalar("SELECT count(*) FROM " + state + ".notifications") == "7");
  for (const char* sink : {"hang", "reset", "slow", "throttled"}) {
    CAPTURE(sink);
    CHECK(row(sink, "state") == "delivered");
  }
  for (const char* sink : {"moved", "found", "gone"}) {
    CAPTURE(sink);
    CHECK(row(sink, "state") == "failed");
    CHECK(row(sink, "attempts") == "1");
  }
  CHECK(row("moved", "last_error") ==
        "HTTP 301: redirects are not followed (Location: " + elsewhere.url() + ")");
  CHECK(row("found", "last_error").rfind("HTTP 302: redirects are not followed", 0) == 0);
  CHECK(row("gone", "last_error").rfind("HTTP 410", 0) == 0);
  CHECK(row("hang", "attempts") == "3");
  CHECK(row("throttled", "attempts") == "2");

  const auto metrics = testing::http_get(d.port(), "/metrics").second;
  auto count = [&](const std::string& sink, const std::string& result) {
    return ft::metric(
        metrics, "driftd_notifications_total{result=\"" + result + "\",sink=\"" + sink + "\"}");
  };
  CHECK(count("hang", "retried") == 2);
  CHECK(count("hang", "delivered") == 1);
  CHECK(count("reset", "retried") == 2);
  CHECK(count("reset", "delivered") == 1);
  CHECK(count("slow", "delivered") == 1);
  CHECK(count("slow", "retried") <= 0);
  CHECK(count("throttled", "retried") == 1);
  CHECK(count("throttled", "delivered") == 1);
  for (const char* sink : {"moved", "found", "gone"}) {
    CAPTURE(sink);
    CHECK(count(sink, "failed") == 1);
    CHECK(count(sink, "retried") <= 0);
  }
  for (const char* sink : {"hang", "reset", "slow", "moved", "found", "gone", "throttled"}) {
    CAPTURE(sink);
    CHECK(ft::metric(metrics,
                     "driftd_notification_queue_depth{sink=\"" + std::string(sink) + "\"}") == 0);
  }

  // The log says each outcome once, with the reason.
  CHECK(d.count_in_log("notification delivered sink=hang") == 1);
  CHECK(d.count_in_log("notification delivery failed, will retry sink=hang") == 2);
  CHECK(d.count_in_log("error=\"no answer in time (read failed or timed out)\"") >= 2);
  CHECK(d.count_in_log("notification delivery failed, will retry sink=reset") == 2);
  CHECK(d.count_in_log("notification delivered sink=slow") == 1);
  CHECK(d.count_in_log("notification failed permanently sink=moved") == 1);
  CHECK(d.count_in_log("notification failed permanently sink=found") == 1);
  CHECK(d.count_in_log("notification failed permanently sink=gone") == 1);
  CHECK(d.count_in_log("notification delivery failed, will retry sink=throttled") == 1);
  CHECK(d.count_in_log("http_status=429") == 1);
  CHECK(d.running());
  d.signal(SIGTERM);
  CHECK(d.wait_exit(30) == 0);
  s.sql().exec("DROP SCHEMA IF EXISTS " + state + " CASCADE");
}
