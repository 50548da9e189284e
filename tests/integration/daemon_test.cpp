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
  s.sql().exec(
      "INSERT INTO " + s.table("p") +
      " SELECT now() - interval '7 days' - i * interval '1 s', (i % 100)::float8, (i % 3)::text"
      " FROM generate_series(1, 1000) i");
  s.sql().exec("INSERT INTO " + s.table("p") +
               " SELECT now() - i * interval '1 s', (i % 100)::float8 + 60, (i % 4)::text"
               " FROM generate_series(1, 1000) i");
}

std::string monitor_toml(const std::string& name, const std::string& table) {
  return "[[monitors]]\nname = \"" + name + "\"\ntable = \"" + table +
         "\"\ntimestamp_column = \"ts\"\nschedule = \"1s\"\nwindow = \"1h\"\nreference = { offset "
         "= \"7d\" }\n"
         "  [[monitors.features]]\n  name = \"x\"\n  column = \"x\"\n  kind = \"numerical\"\n"
         "  [[monitors.features]]\n  name = \"c\"\n  column = \"c\"\n  kind = \"categorical\"\n";
}

std::string config_toml(const std::string& state_schema, const std::string& monitors) {
  return "[server]\nlisten = \"127.0.0.1:0\"\n\n[database]\nurl = \"" + testing::database_url() +
         "\"\nstate_schema = \"" + state_schema +
         "\"\nstatement_timeout = \"5s\"\nconnect_timeout = \"2s\"\n\n"
         "[scheduler]\nshutdown_grace = \"5s\"\n\n" +
         monitors;
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream(path) << content;
}

}  // namespace

TEST_CASE("a config with problems never starts a daemon", "[daemon]") {
  std::string path = testing::write_temp_file(
      "bad.toml", "[server]\nlisten = \"nowhere\"\n\n[[monitors]]\nname = \"BAD NAME\"\n");
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
  std::string path =
      testing::write_temp_file("driftd.toml", config_toml(state, monitor_toml("m1", s.table("p"))));
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
  CHECK(metrics.find("driftd_feature_statistic{feature=\"x\",monitor=\"m1\",statistic=\"psi\"}") !=
        std::string::npos);

  SECTION("SIGHUP with a broken config keeps the old one running") {
    write_file(path, config_toml(state, monitor_toml("m1", s.table("p"))) +
                         "\n[[monitors]]\nname = \"m2\"\ntabel = \"x\"\n");
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
    CHECK(errors <=
          2);  // a connection failure, then possibly the refused reconnect: not one per tick
    CHECK(d.running());
    REQUIRE(d.wait_for_log("database reachable again", 30, mark));
    REQUIRE(d.wait_for_log("evaluations recovered monitor=m1", 30, mark));
    CHECK(testing::http_get(port, "/readyz").first == 200);
    auto metrics2 = testing::http_get(port, "/metrics").second;
    CHECK(metrics2.find("driftd_evaluations_total{monitor=\"m1\",result=\"error\"}") !=
          std::string::npos);
  }

  auto t0 = std::chrono::steady_clock::now();
  d.signal(SIGTERM);
  CHECK(d.wait_exit(30) == 0);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(15));
  CHECK(d.log().find("stopped") != std::string::npos);
  testing::Sql sql;
  sql.exec("DROP SCHEMA IF EXISTS " + state + " CASCADE");
}

namespace {

// The line (1-based) of the first occurrence of `needle` in `text` at or after line `from`.
int line_in(const std::string& text, const std::string& needle, int from = 1) {
  int line = 1;
  std::size_t pos = 0;
  while (true) {
    std::size_t next = text.find('\n', pos);
    std::string l = text.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    if (line >= from && l.find(needle) != std::string::npos) return line;
    if (next == std::string::npos) return 0;
    pos = next + 1;
    ++line;
  }
}

std::string metric_line(int port, const std::string& name) {
  const std::string text = testing::http_get(port, "/metrics").second;
  const auto p = text.find("\n" + name + " ");
  if (p == std::string::npos) return "";
  return text.substr(p + 1, text.find('\n', p + 1) - p - 1);
}

}  // namespace

TEST_CASE("SIGHUP runs the database checks: a config the database cannot serve is rejected",
          "[daemon]") {
  TestSchema s("daemon");
  load_predictions(s);
  std::string state = s.name() + "_state";
  const std::string good = config_toml(state, monitor_toml("m1", s.table("p")));
  std::string path = testing::write_temp_file("driftd.toml", good);
  DaemonProcess d({"--config", path});
  REQUIRE(d.wait_for_log("driftd started"));
  const int port = d.port();
  REQUIRE(d.wait_for_log("evaluation finished monitor=m1"));
  CHECK(metric_line(port, "driftd_config_last_reload_successful") ==
        "driftd_config_last_reload_successful 1");

  // m2 reads a column the table does not have, with a mistyped timestamp column
  std::string bad = good + "\n" + monitor_toml("m2", s.table("p"));
  const int m2 = line_in(bad, "name = \"m2\"");
  bad.replace(bad.find("column = \"x\"", bad.find("name = \"m2\"")), 12, "column = \"nope\"");
  bad.replace(bad.find("timestamp_column = \"ts\"", bad.find("name = \"m2\"")), 23,
              "timestamp_column = \"tss\"");
  write_file(path, bad);
  std::size_t mark = d.log().size();
  d.signal(SIGHUP);
  REQUIRE(d.wait_for_log("new configuration rejected", 15, mark));
  const std::string log = d.log().substr(mark);
  INFO(log);
  const std::string column_problem =
      path + ":" + std::to_string(line_in(bad, "column = \"nope\"")) +
      ": monitor m2: feature \"x\": column \"nope\" does not exist in table \"" + s.table("p") +
      "\"";
  const std::string ts_problem =
      path + ":" + std::to_string(line_in(bad, "\"tss\"", m2)) +
      ": monitor m2: timestamp column \"tss\" does not exist in table \"" + s.table("p") + "\"";
  // one line each, FILE:LINE first
  CHECK(log.find("ERROR config problem: " + column_problem + "\n") != std::string::npos);
  CHECK(log.find("ERROR config problem: " + ts_problem + "\n") != std::string::npos);
  CHECK(log.find("the database does not have what it reads") != std::string::npos);
  // still ready, serving the previous config; /readyz and the metric say the reload failed
  auto [code, body] = testing::http_get(port, "/readyz");
  CHECK(code == 200);
  auto ready = json::parse(body);
  CHECK(ready["status"] == "ready");
  CHECK(ready["reload"]["status"] == "rejected");
  CHECK(ready["reload"]["error"] == "2 database problem(s) in " + path);
  CHECK(ready["reload"]["problems"] == json::array({ts_problem, column_problem}));
  CHECK(metric_line(port, "driftd_config_last_reload_successful") ==
        "driftd_config_last_reload_successful 0");
  CHECK(testing::http_get(port, "/metrics")
            .second.find("driftd_config_reloads_total{result=\"rejected\"} 1") !=
        std::string::npos);
  CHECK(testing::http_get(port, "/api/v1/monitors").second.find("\"m2\"") == std::string::npos);
  CHECK(d.wait_for_log("evaluation finished monitor=m1", 10, d.log().size()));

  SECTION("once fixed, the reload is applied and /readyz forgets the failure") {
    write_file(path, good + "\n" + monitor_toml("m2", s.table("p")));
    mark = d.log().size();
    d.signal(SIGHUP);
    REQUIRE(d.wait_for_log("configuration reloaded", 15, mark));
    REQUIRE(d.wait_for_log("evaluation finished monitor=m2", 15, mark));
    auto fixed = json::parse(testing::http_get(port, "/readyz").second);
    CHECK(fixed == json{{"status", "ready"}});
    CHECK(metric_line(port, "driftd_config_last_reload_successful") ==
          "driftd_config_last_reload_successful 1");
  }
  SECTION("with the database unreachable the file is applied, and checked once it is back") {
    testing::stop_postgres();
    mark = d.log().size();
    const bool down = d.wait_for_log("database unreachable", 15, mark);
    d.signal(SIGHUP);
    const bool applied_unchecked =
        d.wait_for_log("applied without its database checks", 15, mark) &&
        d.wait_for_log("configuration reloaded", 15, mark);
    auto monitors = testing::http_get(port, "/api/v1/monitors").second;
    testing::start_postgres();
    REQUIRE(down);
    REQUIRE(applied_unchecked);
    CHECK(monitors.find("\"m2\"") != std::string::npos);
    REQUIRE(d.wait_for_log("database reachable again", 30, mark));
    REQUIRE(d.wait_for_log("reads what the database does not have", 30, mark));
    const std::string after = d.log().substr(mark);
    CHECK(after.find("ERROR config problem: " + column_problem + "\n") != std::string::npos);
    CHECK(after.find("ERROR config problem: " + ts_problem + "\n") != std::string::npos);
  }

  d.signal(SIGTERM);
  CHECK(d.wait_exit(30) == 0);
  testing::Sql sql;
  sql.exec("DROP SCHEMA IF EXISTS " + state + " CASCADE");
}
