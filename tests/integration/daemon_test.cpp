// The daemon as operators run it: a real process against the private PostgreSQL — scheduling,
// the API, SIGHUP reloads (a broken config is rejected and the old one keeps running), database
// restarts (readiness, errors logged once, recovery without a restart) and a clean SIGTERM.

#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support.hpp"

using namespace driftd;
using json = nlohmann::json;
using driftd::testing::DaemonProcess;
using driftd::testing::TestSchema;

namespace {

// A prediction log with a week-old reference hour and a drifted recent hour, relative to now.
void load_predictions(TestSchema& s) {
  s.sql().exec("CREATE TABLE " + s.table("p") + " (ts timestamptz, x float8, c text)");
  s.sql().exec("INSERT INTO " + s.table("p") +
               " SELECT now() - interval '7 days' - i * interval '1 s', (i % 100)::float8, (i % 3)::text"
               " FROM generate_series(1, 1000) i");
  s.sql().exec("INSERT INTO " + s.table("p") +
               " SELECT now() - i * interval '1 s', (i % 100)::float8 + 60, (i % 4)::text"
               " FROM generate_series(1, 1000) i");
}

std::string monitor_toml(const std::string& name, const std::string& table) {
  return "[[monitors]]\nname = \"" + name + "\"\ntable = \"" + table +
         "\"\ntimestamp_column = \"ts\"\nschedule = \"1s\"\nwindow = \"1h\"\nreference = { offset = \"7d\" }\n"
         "  [[monitors.features]]\n  name = \"x\"\n  column = \"x\"\n  kind = \"numerical\"\n"
         "  [[monitors.features]]\n  name = \"c\"\n  column = \"c\"\n  kind = \"categorical\"\n";
}

std::string config_toml(const std::string& state_schema, const std::string& monitors) {
  return "[server]\nlisten = \"127.0.0.1:0\"\n\n[database]\nurl = \"" + testing::database_url() +
         "\"\nstate_schema = \"" + state_schema + "\"\nstatement_timeout = \"5s\"\nconnect_timeout = \"2s\"\n\n"
         "[scheduler]\nshutdown_grace = \"5s\"\n\n" + monitors;
}

void write_file(const std::string& path, const std::string& content) { std::ofstream(path) << content; }

}  // namespace

TEST_CASE("a config with problems never starts a daemon", "[daemon]") {
  std::string path = testing::write_temp_file("bad.toml", "[server]\nlisten = \"nowhere\"\n\n[[monitors]]\nname = \"BAD NAME\"\n");
  auto r = testing::run_driftd({"--config", path});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(path + ":2:") != std::string::npos);
  CHECK(r.err.find(path + ":5:") != std::string::npos);
  CHECK(r.err.find("not started") != std::string::npos);
}

TEST_CASE("the daemon schedules, serves, reloads and stops cleanly", "[daemon]") {
  TestSchema s("daemon");
  load_predictions(s);
  std::string state = s.name() + "_state";
  std::string path = testing::write_temp_file("driftd.toml", config_toml(state, monitor_toml("m1", s.table("p"))));
  DaemonProcess d({"--config", path});
  REQUIRE(d.wait_for_log("driftd started"));
  int port = d.port();
  REQUIRE(port > 0);
  REQUIRE(d.wait_for_log("evaluation finished monitor=m1"));

  auto [code, body] = testing::http_get(port, "/api/v1/monitors/m1/drift");
  REQUIRE(code == 200);
  auto e = json::parse(body);
  CHECK(e["status"] == "drift");
  CHECK(e["current_window"]["rows"] == 1000);
  CHECK(testing::http_get(port, "/readyz").first == 200);
  auto metrics = testing::http_get(port, "/metrics").second;
  CHECK(metrics.find("driftd_feature_statistic{feature=\"x\",monitor=\"m1\",statistic=\"psi\"}") != std::string::npos);

  SECTION("SIGHUP with a broken config keeps the old one running") {
    write_file(path, config_toml(state, monitor_toml("m1", s.table("p"))) + "\n[[monitors]]\nname = \"m2\"\ntabel = \"x\"\n");
    std::size_t mark = d.log().size();
    d.signal(SIGHUP);
    REQUIRE(d.wait_for_log("new configuration rejected", 10, mark));
    CHECK(d.log().find("did you mean", mark) != std::string::npos);
    CHECK(d.log().find(path + ":", mark) != std::string::npos);
    std::size_t after = d.log().size();
    CHECK(d.wait_for_log("evaluation finished monitor=m1", 10, after));
    CHECK(testing::http_get(port, "/api/v1/monitors").second.find("\"m2\"") == std::string::npos);

    SECTION("then a valid change is applied, and removed monitors' series disappear") {
      write_file(path, config_toml(state, monitor_toml("m2", s.table("p"))));
      mark = d.log().size();
      d.signal(SIGHUP);
      REQUIRE(d.wait_for_log("configuration reloaded", 10, mark));
      REQUIRE(d.wait_for_log("evaluation finished monitor=m2", 10, mark));
      auto monitors = json::parse(testing::http_get(port, "/api/v1/monitors").second);
      REQUIRE(monitors["monitors"].size() == 1);
      CHECK(monitors["monitors"][0]["name"] == "m2");
      metrics = testing::http_get(port, "/metrics").second;
      CHECK(metrics.find("monitor=\"m1\"") == std::string::npos);
      CHECK(metrics.find("monitor=\"m2\"") != std::string::npos);
      CHECK(testing::http_get(port, "/api/v1/monitors/m1/drift").first == 404);
    }
  }

  SECTION("a database restart: not ready, errors logged once, recovery by itself") {
    testing::stop_postgres();
    std::size_t mark = d.log().size();
    bool down_seen = d.wait_for_log("database unreachable", 15, mark);
    auto [ready_code, ready_body] = testing::http_get(port, "/readyz");
    // the daemon keeps serving the last results meanwhile
    auto [drift_code, drift_body] = testing::http_get(port, "/api/v1/monitors/m1/drift");
    std::this_thread::sleep_for(std::chrono::seconds(3));  // several failing ticks
    std::string outage = d.log().substr(mark);
    testing::start_postgres();
    REQUIRE(down_seen);
    CHECK(ready_code == 503);
    CHECK(ready_body.find("database unreachable") != std::string::npos);
    CHECK(drift_code == 200);
    std::size_t errors = 0;
    for (auto p = outage.find("ERROR evaluation failed monitor=m1"); p != std::string::npos;
         p = outage.find("ERROR evaluation failed monitor=m1", p + 1))
      ++errors;
    CHECK(errors <= 2);  // a connection failure, then possibly the refused reconnect: not one per tick
    CHECK(d.running());
    REQUIRE(d.wait_for_log("database reachable again", 30, mark));
    REQUIRE(d.wait_for_log("evaluations recovered monitor=m1", 30, mark));
    CHECK(testing::http_get(port, "/readyz").first == 200);
    auto metrics2 = testing::http_get(port, "/metrics").second;
    CHECK(metrics2.find("driftd_evaluations_total{monitor=\"m1\",result=\"error\"}") != std::string::npos);
  }

  auto t0 = std::chrono::steady_clock::now();
  d.signal(SIGTERM);
  CHECK(d.wait_exit(30) == 0);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(15));
  CHECK(d.log().find("stopped") != std::string::npos);
  testing::Sql sql;
  sql.exec("DROP SCHEMA IF EXISTS " + state + " CASCADE");
}
