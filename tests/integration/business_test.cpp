// Freshness, volume and business metrics (issue 14) end to end against a real PostgreSQL,
// through the driftd binary: each test loads its own tables in a schema of its own.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>

#include "support.hpp"

using namespace driftd;
using json = nlohmann::json;
using driftd::testing::TestSchema;

namespace {

std::vector<json> lines(const std::string& out) {
  std::vector<json> v;
  std::istringstream in(out);
  std::string l;
  while (std::getline(in, l))
    if (!l.empty()) v.push_back(json::parse(l));
  return v;
}

std::string config(const std::string& state, const std::string& table, const std::string& body) {
  return "[database]\nurl = \"" + testing::database_url() + "\"\nstate_schema = \"" + state +
         "\"\n\n[[monitors]]\nname = \"shop\"\ntable = \"" + table +
         "\"\ntimestamp_column = \"ts\"\nschedule = \"5m\"\nwindow = \"1h\"\nmin_rows = 10\n" +
         "features = [{ name = \"amount\", column = \"amount\", kind = \"numerical\" }]\n" + body;
}

json run_once(const std::string& path, const std::string& at) {
  auto r = testing::run_driftd({"run-once", "--config", path, "--at", at});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto ev = lines(r.out);
  REQUIRE(ev.size() == 1);
  return ev[0];
}

struct State {
  std::string name;
  ~State() {
    testing::Sql sql;
    sql.exec("DROP SCHEMA IF EXISTS " + name + " CASCADE");
  }
};

// One row every 10 s in (from, to], with a converted flag on every 25th and an amount.
void add_rows(TestSchema& s, const std::string& from, const std::string& to,
              const std::string& model = "m1") {
  s.sql().exec("INSERT INTO " + s.table("events") +
               " SELECT t, (extract(epoch from t)::bigint % 97)::float8,"
               " extract(epoch from t)::bigint % 250 = 0, '" +
               model + "' FROM generate_series('" + from + "'::timestamptz + interval '10 s', '" +
               to + "'::timestamptz, interval '10 s') t");
}

std::string alert_state(TestSchema& s, const std::string& state, const std::string& feature,
                        const std::string& statistic) {
  return s.sql().scalar("SELECT coalesce((SELECT state FROM " + state +
                        ".alerts WHERE monitor = 'shop' AND feature = '" + feature +
                        "' AND statistic = '" + statistic + "'), 'none')");
}

}  // namespace

TEST_CASE("freshness: a table that stops receiving rows fires, rows returning resolve",
          "[business]") {
  TestSchema s("fresh");
  State state{s.name() + "_state"};
  s.sql().exec("CREATE TABLE " + s.table("events") +
               " (ts timestamptz, amount float8, converted boolean, model text)");
  s.sql().exec("CREATE INDEX ON " + s.table("events") + " (ts)");
  // Rows of another model keep arriving: the monitor's where decides what is fresh.
  add_rows(s, "2026-03-01T00:00:00Z", "2026-03-02T09:00:00Z");
  add_rows(s, "2026-03-02T09:00:00Z", "2026-03-02T11:00:00Z", "m2");
  std::string path = testing::write_temp_file(
      "driftd.toml", config(state.name, s.table("events"),
                            "where = { model = \"m1\" }\nreference = { offset = \"1d\" }\n"
                            "freshness = \"15m\"\nvolume = { drop = 0.5 }\n"));
  json e = run_once(path, "2026-03-02T09:00:00Z");
  INFO(e.dump());
  REQUIRE(e.contains("freshness"));
  CHECK(e["freshness"]["newest_row"] == "2026-03-02T09:00:00Z");
  CHECK(e["freshness"]["statistics"]["freshness_seconds"] == 0);
  CHECK(e["freshness"]["statistics"]["window_rows"] == 360);
  CHECK(e["freshness"]["statistics"]["baseline_rows"] == 360);
  CHECK(e["freshness"]["statistics"]["volume_ratio"] == 1);
  CHECK(e["freshness"]["breaches"].empty());

  // The feed stalls: at 10:05 the newest row is 65 minutes old and the window is empty.
  e = run_once(path, "2026-03-02T10:05:00Z");
  INFO(e.dump());
  CHECK(e["status"] == "insufficient_data");
  CHECK(e["freshness"]["newest_row"] == "2026-03-02T09:00:00Z");
  CHECK(e["freshness"]["statistics"]["freshness_seconds"] == 3900);
  CHECK(e["freshness"]["statistics"]["volume_ratio"] == 0);
  CHECK(e["freshness"]["breaches"] == json::array({"freshness_seconds", "volume_ratio"}));
  CHECK(alert_state(s, state.name, "__freshness__", "freshness_seconds") == "firing");
  CHECK(alert_state(s, state.name, "__freshness__", "volume_ratio") == "firing");
  CHECK(s.sql().scalar("SELECT value FROM " + state.name +
                       ".statistics WHERE feature = '__freshness__' AND statistic = "
                       "'freshness_seconds' AND evaluated_at = '2026-03-02T10:05:00Z'") == "3900");
  // Long stalled: the newest row is found beyond the recent range too.
  e = run_once(path, "2026-03-03T09:00:00Z");
  CHECK(e["freshness"]["statistics"]["freshness_seconds"] == 86400);

  // Rows return.
  add_rows(s, "2026-03-02T09:00:00Z", "2026-03-03T10:30:00Z");
  e = run_once(path, "2026-03-03T10:30:00Z");
  INFO(e.dump());
  CHECK(e["freshness"]["statistics"]["freshness_seconds"] == 0);
  CHECK(e["freshness"]["breaches"].empty());
  CHECK(alert_state(s, state.name, "__freshness__", "freshness_seconds") == "resolved");
  CHECK(alert_state(s, state.name, "__freshness__", "volume_ratio") == "resolved");
}

TEST_CASE("freshness: check names a missing timestamp column of the aggregate read", "[business]") {
  TestSchema s("freshchk");
  State state{s.name() + "_state"};
  s.sql().exec("CREATE TABLE " + s.table("events") + " (ts timestamptz, amount float8)");
  std::string path = testing::write_temp_file(
      "driftd.toml", config(state.name, s.table("events"),
                            "where = { model = \"m1\" }\nreference = { offset = \"1d\" }\n"
                            "freshness = \"15m\"\n"));
  auto r = testing::run_driftd({"check", "--config", path});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("filter column \"model\" does not exist") != std::string::npos);
}
