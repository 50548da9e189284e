// The PostgreSQL window reader against a real server: window bounds, columns vs jsonb, missing
// values, types, filters, hostile names and values, sampling, connection loss.

#include <libpq-fe.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <thread>

#include "driftd/drift/statistics.hpp"
#include "driftd/storage/pg_window_source.hpp"
#include "support.hpp"

using namespace driftd;
using driftd::testing::Sql;
using driftd::testing::TestSchema;

namespace {

storage::PgWindowSource make_source() {
  storage::PgOptions o;
  o.url = testing::database_url();
  o.statement_timeout = std::chrono::seconds(30);
  return storage::PgWindowSource(o);
}

Timestamp ts(const char* s) { return *parse_rfc3339(s); }

drift::ColumnRequest num(const std::string& col) {
  return {col, "", drift::FeatureKind::numerical};
}
drift::ColumnRequest cat(const std::string& col) {
  return {col, "", drift::FeatureKind::categorical};
}
drift::ColumnRequest json_num(const std::string& col, const std::string& key) {
  return {col, key, drift::FeatureKind::numerical};
}
drift::ColumnRequest json_cat(const std::string& col, const std::string& key) {
  return {col, key, drift::FeatureKind::categorical};
}

std::vector<double> values(const drift::WindowData& w, std::size_t col) {
  const auto& c = std::get<drift::NumericalColumn>(w.columns.at(col));
  std::vector<double> out;
  for (std::size_t i = 0; i < c.values.size(); ++i) out.push_back(c.values[i]);
  return out;
}

std::vector<std::string> categories(const drift::WindowData& w, std::size_t col) {
  const auto& c = std::get<drift::CategoricalColumn>(w.columns.at(col));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < c.ids.size(); ++i)
    out.push_back(c.ids[i] == drift::CategoricalColumn::kMissingCategory ? "<missing>"
                                                                         : c.dictionary[c.ids[i]]);
  std::sort(out.begin(), out.end());
  return out;
}

// Missing values compare equal to each other here; invalid ones are told apart.
std::vector<std::string> describe(std::vector<double> v) {
  std::vector<std::string> out;
  for (double x : v) {
    if (drift::is_invalid_value(x))
      out.push_back("invalid");
    else if (std::isnan(x))
      out.push_back("missing");
    else
      out.push_back(std::to_string(x));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("window bounds are (at - window, at]", "[storage]") {
  TestSchema s;
  s.sql().exec("CREATE TABLE " + s.table("p") + " (ts timestamptz, x float8)");
  s.sql().exec("INSERT INTO " + s.table("p") +
               " VALUES "
               "('2026-01-01T00:00:00Z', 1), ('2026-01-01T00:00:00.000001Z', 2),"
               "('2026-01-01T00:30:00Z', 3), ('2026-01-01T01:00:00Z', 4), "
               "('2026-01-01T01:00:00.000001Z', 5)");
  auto src = make_source();
  drift::WindowRequest r;
  r.table = s.table("p");
  r.timestamp_column = "ts";
  r.from = ts("2026-01-01T00:00:00Z");
  r.to = ts("2026-01-01T01:00:00Z");
  r.columns = {num("x")};
  auto w = src.read(r);
  CHECK(w.rows == 3);
  CHECK_FALSE(w.sampled);
  auto v = values(w, 0);
  std::sort(v.begin(), v.end());
  CHECK(v == std::vector<double>{2, 3, 4});

  SECTION("split over two connections gives the same rows") {
    r.parallelism = 2;
    auto w2 = src.read(r);
    auto v2 = values(w2, 0);
    std::sort(v2.begin(), v2.end());
    CHECK(v2 == v);
  }
  SECTION("timestamp without time zone is read as UTC") {
    s.sql().exec("CREATE TABLE " + s.table("naive") + " AS SELECT ts::timestamp AS ts, x FROM " +
                 s.table("p"));
    r.table = s.table("naive");
    auto w3 = src.read(r);
    CHECK(w3.rows == 3);
  }
}

TEST_CASE("timestamp without time zone is read as UTC, whatever the role's or URL's TimeZone",
          "[storage]") {
  TestSchema s;
  // Wall-clock times, meant as UTC (docs/configuration.md, "timestamp without time zone")
  s.sql().exec("CREATE TABLE " + s.table("naive") + " (ts timestamp without time zone, x float8)");
  s.sql().exec("INSERT INTO " + s.table("naive") +
               " VALUES "
               "('2026-01-01 00:00:00', 1), ('2026-01-01 00:00:00.000001', 2),"
               "('2026-01-01 00:30:00', 3), ('2026-01-01 01:00:00', 4), "
               "('2026-01-01 01:00:00.000001', 5), ('2025-12-31 23:30:00', 6),"
               "('2026-01-01 05:30:00', 7)");
  // A role whose sessions default to New York time (UTC-5), and one that reads through an URL
  // asking for India time (UTC+05:30): each would move a naive time read in the session's zone.
  const std::string role = testing::unique_name("tz");
  Sql admin;
  admin.exec("CREATE ROLE " + role + " LOGIN");
  admin.exec("GRANT USAGE ON SCHEMA " + s.name() + " TO " + role);
  admin.exec("GRANT SELECT ON " + s.table("naive") + " TO " + role);
  admin.exec("ALTER ROLE " + role + " SET timezone = 'America/New_York'");
  struct DropRole {
    std::string name;
    ~DropRole() {
      Sql sql;
      sql.ok("DROP OWNED BY " + name + " CASCADE");
      sql.ok("DROP ROLE " + name);
    }
  } drop{role};
  const std::string url = testing::database_url();  // postgresql://driftd@host:port/db
  const std::string role_url = "postgresql://" + role + url.substr(url.find('@'));
  const std::string options_url = url + (url.find('?') == std::string::npos ? "?" : "&") +
                                  "options=-c%20TimeZone%3DAsia/Kolkata";
  // The sessions do start in those zones (the server reports its TimeZone on connecting).
  auto session_zone = [](const std::string& u) {
    PGconn* c = PQconnectdb(u.c_str());
    const char* z = PQstatus(c) == CONNECTION_OK ? PQparameterStatus(c, "TimeZone") : nullptr;
    std::string out = z != nullptr ? z : "";
    PQfinish(c);
    return out;
  };
  CHECK(session_zone(role_url) == "America/New_York");
  CHECK(session_zone(options_url) == "Asia/Kolkata");

  drift::WindowRequest r;
  r.table = s.table("naive");
  r.timestamp_column = "ts";
  r.from = ts("2026-01-01T00:00:00Z");
  r.to = ts("2026-01-01T01:00:00Z");
  auto when = num("ts");
  when.epoch = true;  // as label and prediction times are read
  r.columns = {num("x"), when};
  for (const std::string& u : {url, role_url, options_url}) {
    CAPTURE(u);
    storage::PgOptions o;
    o.url = u;
    storage::PgWindowSource src(o);
    auto w = src.read(r);
    REQUIRE(w.rows == 3);
    auto x = values(w, 0);
    auto t = values(w, 1);
    std::sort(x.begin(), x.end());
    std::sort(t.begin(), t.end());
    CHECK(x == std::vector<double>{2, 3, 4});
    CHECK(t == std::vector<double>{to_unix_seconds(ts("2026-01-01T00:00:00.000001Z")),
                                   to_unix_seconds(ts("2026-01-01T00:30:00Z")),
                                   to_unix_seconds(ts("2026-01-01T01:00:00Z"))});
    // the fixed bounds of a reference too
    drift::WindowRequest late = r;
    late.from = ts("2026-01-01T05:00:00Z");
    late.to = ts("2026-01-01T06:00:00Z");
    CHECK(values(src.read(late), 0) == std::vector<double>{7});
  }
}

TEST_CASE("columns and jsonb keys give identical values, missing kinds included", "[storage]") {
  TestSchema s;
  s.sql().exec("CREATE TABLE " + s.table("p") +
               " (ts timestamptz, x float8, c text, features jsonb)");
  // x / c as columns, and the same under features->x / features->c
  s.sql().exec("INSERT INTO " + s.table("p") +
               " VALUES "
               "('2026-01-01T00:10:00Z', 1.5, 'a', '{\"x\": 1.5, \"c\": \"a\"}'),"
               "('2026-01-01T00:11:00Z', NULL, NULL, '{\"x\": null, \"c\": null}'),"
               "('2026-01-01T00:12:00Z', 'NaN', 'b', '{\"x\": \"NaN\", \"c\": \"b\"}'),"
               "('2026-01-01T00:13:00Z', 'Infinity', 'b', '{\"x\": \"Infinity\", \"c\": \"b\"}'),"
               "('2026-01-01T00:14:00Z', '-Infinity', E'é\"q\\n', '{\"x\": \"-Infinity\", \"c\": "
               "\"é\\\"q\\n\"}'),"
               "('2026-01-01T00:15:00Z', NULL, NULL, '{}'),"
               "('2026-01-01T00:16:00Z', -2e300, 'a', '{\"x\": -2e300, \"c\": \"a\"}'),"
               "('2026-01-01T00:17:00Z', 4.9e-324, 'a', '{\"x\": 4.9e-324, \"c\": \"a\"}')");
  auto src = make_source();
  drift::WindowRequest r;
  r.table = s.table("p");
  r.timestamp_column = "ts";
  r.from = ts("2026-01-01T00:00:00Z");
  r.to = ts("2026-01-01T01:00:00Z");
  r.columns = {num("x"), cat("c"), json_num("features", "x"), json_cat("features", "c")};
  auto w = src.read(r);
  REQUIRE(w.rows == 8);
  CHECK(describe(values(w, 0)) == describe(values(w, 2)));
  CHECK(categories(w, 1) == categories(w, 3));
  auto d = describe(values(w, 0));
  CHECK(std::count(d.begin(), d.end(), "missing") == 5);
  CHECK(categories(w, 1) ==
        std::vector<std::string>{"<missing>", "<missing>", "a", "a", "a", "b", "b", "é\"q\n"});
}

TEST_CASE("non-numeric text under a numerical json key is invalid, not a number", "[storage]") {
  TestSchema s;
  s.sql().exec("CREATE TABLE " + s.table("p") + " (ts timestamptz, f jsonb)");
  s.sql().exec("INSERT INTO " + s.table("p") +
               " VALUES "
               "('2026-01-01T00:10:00Z', '{\"x\": \"12.5\"}'),"
               "('2026-01-01T00:11:00Z', '{\"x\": \"twelve\"}'),"
               "('2026-01-01T00:12:00Z', '{\"x\": true}'),"
               "('2026-01-01T00:13:00Z', '{\"x\": [1,2]}'),"
               "('2026-01-01T00:14:00Z', '{\"x\": 1e2}'),"
               "('2026-01-01T00:15:00Z', '{\"y\": 3}')");
  auto src = make_source();
  drift::WindowRequest r;
  r.table = s.table("p");
  r.timestamp_column = "ts";
  r.from = ts("2026-01-01T00:00:00Z");
  r.to = ts("2026-01-01T01:00:00Z");
  r.columns = {json_num("f", "x")};
  auto w = src.read(r);
  CHECK(describe(values(w, 0)) == std::vector<std::string>{"100.000000", "12.500000", "invalid",
                                                           "invalid", "invalid", "missing"});
}

TEST_CASE("numeric and other column types", "[storage]") {
  TestSchema s;
  s.sql().exec("CREATE TYPE " + s.name() + ".color AS ENUM ('red', 'green')");
  s.sql().exec(
      "CREATE TABLE " + s.table("p") +
      " (ts timestamptz, i2 smallint, i4 int, i8 bigint, n numeric(12,3), r real, b boolean,"
      "  col " +
      s.name() + ".color, v varchar(10), label int)");
  s.sql().exec(
      "INSERT INTO " + s.table("p") +
      " VALUES ('2026-01-01T00:10:00Z', 1, 2, 9007199254740993, 1.125, 0.5, true, 'red', 'x', 7)");
  auto src = make_source();
  drift::WindowRequest r;
  r.table = s.table("p");
  r.timestamp_column = "ts";
  r.from = ts("2026-01-01T00:00:00Z");
  r.to = ts("2026-01-01T01:00:00Z");
  r.columns = {num("i2"), num("i4"), num("i8"),  num("n"), num("r"),
               num("b"),  cat("b"),  cat("col"), cat("v"), cat("label")};
  auto w = src.read(r);
  REQUIRE(w.rows == 1);
  CHECK(values(w, 0)[0] == 1);
  CHECK(values(w, 1)[0] == 2);
  CHECK(values(w, 2)[0] == 9007199254740992.0);  // nearest double
  CHECK(values(w, 3)[0] == 1.125);
  CHECK(values(w, 4)[0] == 0.5);
  CHECK(values(w, 5)[0] == 1);
  CHECK(categories(w, 6) == std::vector<std::string>{"true"});
  CHECK(categories(w, 7) == std::vector<std::string>{"red"});
  CHECK(categories(w, 8) == std::vector<std::string>{"x"});
  CHECK(categories(w, 9) == std::vector<std::string>{"7"});

  SECTION("a text column as a numerical feature is a clear error") {
    r.columns = {num("v")};
    CHECK_THROWS_WITH(src.read(r), Catch::Contains("\"v\" has type character varying") &&
                                       Catch::Contains("numerical feature needs a numeric type"));
  }
  SECTION("check reports every problem at once") {
    r.columns = {num("v"), num("nope"), json_num("i4", "k")};
    r.timestamp_column = "i2";
    auto problems = src.check(r);
    REQUIRE(problems.size() == 4);
  }
}

TEST_CASE("where filters are bound values of the column's type", "[storage]") {
  TestSchema s;
  s.sql().exec("CREATE TABLE " + s.table("p") +
               " (ts timestamptz, model text, version int, x float8)");
  s.sql().exec("INSERT INTO " + s.table("p") +
               " VALUES "
               "('2026-01-01T00:10:00Z', 'fraud', 2, 1), ('2026-01-01T00:11:00Z', 'fraud', 3, 2),"
               "('2026-01-01T00:12:00Z', 'churn', 2, 3), ('2026-01-01T00:13:00Z', 'x'' OR "
               "''1''=''1', 2, 4)");
  auto src = make_source();
  drift::WindowRequest r;
  r.table = s.table("p");
  r.timestamp_column = "ts";
  r.from = ts("2026-01-01T00:00:00Z");
  r.to = ts("2026-01-01T01:00:00Z");
  r.columns = {num("x")};
  r.where = {{"model", "fraud"}, {"version", "2"}};
  CHECK(values(src.read(r), 0) == std::vector<double>{1});
  r.where = {{"model", "x' OR '1'='1"}};
  CHECK(values(src.read(r), 0) == std::vector<double>{4});
  r.where = {{"version", "2; DROP TABLE x"}};
  CHECK_THROWS_WITH(src.read(r), Catch::Contains("invalid input syntax for type integer"));
}

TEST_CASE("hostile identifiers fail cleanly and harm nothing", "[storage][security]") {
  TestSchema s;
  s.sql().exec("CREATE TABLE " + s.table("y") + " (ts timestamptz, x float8)");
  s.sql().exec("INSERT INTO " + s.table("y") + " VALUES ('2026-01-01T00:10:00Z', 1)");
  auto src = make_source();
  drift::WindowRequest r;
  r.timestamp_column = "ts";
  r.from = ts("2026-01-01T00:00:00Z");
  r.to = ts("2026-01-01T01:00:00Z");
  r.columns = {num("x")};
  for (std::string table : {std::string("x\"; DROP TABLE ") + s.table("y") + "; --",
                            s.name() + ".y\"; DROP TABLE " + s.table("y") + "; --"}) {
    r.table = table;
    CHECK_THROWS_WITH(src.read(r), Catch::Contains("does not exist") ||
                                       Catch::Contains("must be written as schema.table"));
  }
  r.table = s.table("y");
  r.columns = {{"x\"; DROP TABLE " + s.table("y") + "; --", "", drift::FeatureKind::numerical}};
  CHECK_THROWS_WITH(src.read(r), Catch::Contains("does not exist"));
  r.columns = {num("x")};
  r.timestamp_column = "ts\" > now(); DROP TABLE " + s.table("y") + "; --";
  CHECK_THROWS_WITH(src.read(r), Catch::Contains("does not exist"));
  // json keys are quoted literals
  s.sql().exec("CREATE TABLE " + s.table("j") + " (ts timestamptz, f jsonb)");
  s.sql().exec("INSERT INTO " + s.table("j") +
               " VALUES ('2026-01-01T00:10:00Z', '{\"a''); DROP TABLE " + s.table("y") +
               "; --\": 5}')");
  r.table = s.table("j");
  r.timestamp_column = "ts";
  r.columns = {json_num("f", "a'); DROP TABLE " + s.table("y") + "; --")};
  CHECK(values(src.read(r), 0) == std::vector<double>{5});
  CHECK(s.sql().scalar("SELECT count(*) FROM " + s.table("y")) == "1");
}

TEST_CASE("large windows are sampled uniformly and reproducibly", "[storage]") {
  TestSchema s;
  s.sql().exec("CREATE TABLE " + s.table("p") + " (ts timestamptz, x float8, c text)");
  s.sql().exec("INSERT INTO " + s.table("p") +
               " SELECT '2026-01-01T00:00:00Z'::timestamptz + i * interval '1 ms', i, (i % 4)::text"
               " FROM generate_series(1, 20000) i");
  auto src = make_source();
  drift::WindowRequest r;
  r.table = s.table("p");
  r.timestamp_column = "ts";
  r.from = ts("2026-01-01T00:00:00Z");
  r.to = ts("2026-01-01T01:00:00Z");
  r.columns = {num("x"), cat("c")};
  r.max_rows = 1000;
  r.sample_seed = 42;
  auto a = src.read(r);
  CHECK(a.sampled);
  CHECK(a.rows == 1000);
  CHECK(a.rows_in_window == 20000);
  auto va = values(a, 0);
  std::sort(va.begin(), va.end());
  // same seed and data, read in two slices: the very same sample
  r.parallelism = 2;
  auto b = src.read(r);
  auto vb = values(b, 0);
  std::sort(vb.begin(), vb.end());
  CHECK(va == vb);
  CHECK(categories(a, 1) == categories(b, 1));
  // roughly uniform: each quarter of the range holds about a quarter of the sample
  for (int q = 0; q < 4; ++q) {
    auto n = std::count_if(va.begin(), va.end(),
                           [&](double v) { return v > q * 5000 && v <= (q + 1) * 5000; });
    CHECK(n > 180);
    CHECK(n < 320);
  }
  // another seed: another sample
  r.sample_seed = 43;
  auto c = src.read(r);
  auto vc = values(c, 0);
  std::sort(vc.begin(), vc.end());
  CHECK(vc != va);
}

TEST_CASE("a connection lost between two reads is replaced", "[storage]") {
  TestSchema s;
  s.sql().exec("CREATE TABLE " + s.table("p") + " (ts timestamptz, x float8)");
  s.sql().exec("INSERT INTO " + s.table("p") + " VALUES ('2026-01-01T00:10:00Z', 1)");
  auto src = make_source();
  drift::WindowRequest r;
  r.table = s.table("p");
  r.timestamp_column = "ts";
  r.from = ts("2026-01-01T00:00:00Z");
  r.to = ts("2026-01-01T01:00:00Z");
  r.columns = {num("x")};
  CHECK(src.read(r).rows == 1);
  // kill every driftd session (the pooled one included)
  s.sql().exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'driftd'");
  CHECK(src.read(r).rows == 1);
}

TEST_CASE("statement_timeout bounds a read and a stop request cancels it", "[storage]") {
  TestSchema s;
  s.sql().exec("CREATE TABLE " + s.table("p") + " (ts timestamptz, x float8)");
  s.sql().exec("INSERT INTO " + s.table("p") + " VALUES ('2026-01-01T00:10:00Z', 1)");
  // A view that sleeps stands in for a hung query.
  s.sql().exec("CREATE VIEW " + s.table("slow") + " AS SELECT ts, x FROM " + s.table("p") +
               ", pg_sleep(30)");
  storage::PgOptions o;
  o.url = testing::database_url();
  o.statement_timeout = std::chrono::seconds(1);
  storage::PgWindowSource src(o);
  drift::WindowRequest r;
  r.table = s.table("slow");
  r.timestamp_column = "ts";
  r.from = ts("2026-01-01T00:00:00Z");
  r.to = ts("2026-01-01T01:00:00Z");
  r.columns = {num("x")};
  auto t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(src.read(r), Catch::Contains("statement timeout"));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));

  storage::PgOptions o2 = o;
  o2.statement_timeout = std::chrono::seconds(60);
  storage::PgWindowSource src2(o2);
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop.request_stop();
  });
  t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(src2.read(r, stop.get_token()), Catch::Contains("cancelled"));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
}
