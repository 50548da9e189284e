// The monitoring sections of issue 8 end to end against a real PostgreSQL, through the driftd
// binary: dataset drift, delayed labels, system health, learned thresholds, segments and the
// challenger. Each test loads its own tables in a schema of its own.

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

// A config with one monitor on `table` (body: the monitor's keys after the common ones).
std::string config(const std::string& state, const std::string& table, const std::string& body) {
  return "[database]\nurl = \"" + testing::database_url() + "\"\nstate_schema = \"" + state +
         "\"\n\n[[monitors]]\nname = \"m\"\ntable = \"" + table +
         "\"\ntimestamp_column = \"ts\"\nschedule = \"1h\"\nwindow = \"1h\"\nmin_rows = 10\n" +
         body;
}

// Runs one evaluation and returns it (failing the test when driftd does not exit 0).
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

}  // namespace

TEST_CASE("dataset drift: corrected p-values, stored, alertable", "[monitoring]") {
  TestSchema s("ds");
  State state{s.name() + "_state"};
  // Reference on 2026-01-01, current hour 2026-01-02T00..01: a and b identical in both windows,
  // c and d shifted far.
  s.sql().exec("CREATE TABLE " + s.table("p") +
               " (ts timestamptz, a float8, b float8, c float8, d text)");
  s.sql().exec(
      "INSERT INTO " + s.table("p") +
      " SELECT '2026-01-01T00:00:00Z'::timestamptz + i * interval '1 s', i % 100, i % 7, i % 100,"
      " CASE WHEN i % 2 = 0 THEN 'x' ELSE 'y' END FROM generate_series(1, 2000) i");
  s.sql().exec("INSERT INTO " + s.table("p") +
               " SELECT '2026-01-02T00:00:00Z'::timestamptz + i * interval '1 s', i % 100, i % 7, "
               "i % 100 + 60,"
               " CASE WHEN i % 10 = 0 THEN 'x' ELSE 'y' END FROM generate_series(1, 2000) i");
  std::string path = testing::write_temp_file(
      "driftd.toml",
      config(state.name, s.table("p"),
             "reference = { from = \"2026-01-01T00:00:00Z\", to = \"2026-01-01T01:00:00Z\" }\n"
             "features = [{ name = \"a\", column = \"a\", kind = \"numerical\" },\n"
             "            { name = \"b\", column = \"b\", kind = \"numerical\" },\n"
             "            { name = \"c\", column = \"c\", kind = \"numerical\" },\n"
             "            { name = \"d\", column = \"d\", kind = \"categorical\" }]\n"
             "dataset_drift = { correction = \"bonferroni\", alpha = 0.01 }\n"
             "thresholds = { drifted_feature_share = 0.3, psi = 100 }\n"));
  json e = run_once(path, "2026-01-02T01:00:00Z");
  INFO(e.dump());
  REQUIRE(e.contains("dataset"));
  CHECK(e["dataset"]["tested_features"] == 4);
  CHECK(e["dataset"]["drifted_features"] == 2);
  CHECK(e["dataset"]["share"] == 0.5);
  CHECK(e["dataset"]["correction"] == "bonferroni");
  CHECK(e["dataset"]["drifted"] == json::array({"c", "d"}));
  CHECK(e["dataset"]["breaches"] == json::array({"drifted_feature_share"}));
  CHECK(e["status"] == "drift");
  CHECK(s.sql().scalar(
            "SELECT value FROM " + state.name +
            ".statistics WHERE feature = '__dataset__' AND statistic = 'drifted_feature_share'") ==
        "0.5");
  CHECK(s.sql().scalar(
            "SELECT state FROM " + state.name +
            ".alerts WHERE feature = '__dataset__' AND statistic = 'drifted_feature_share'") ==
        "firing");
  // the same evaluation again is byte-identical (the stored one reads back the same too)
  auto again = testing::run_driftd({"run-once", "--config", path, "--at", "2026-01-02T01:00:00Z"});
  CHECK(lines(again.out).at(0) == e);
}
