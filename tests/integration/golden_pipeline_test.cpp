// The reference values of tests/data/stats.json reproduced end to end: rows in a real table,
// read through columns and through jsonb keys, evaluated by the same pipeline run-once uses.

#include <catch2/catch.hpp>
#include <charconv>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "driftd/daemon/evaluator.hpp"
#include "driftd/drift/evaluation.hpp"
#include "driftd/storage/pg_result_store.hpp"
#include "driftd/storage/pg_window_source.hpp"
#include "support.hpp"

using namespace driftd;
using driftd::testing::TestSchema;
using json = nlohmann::json;

namespace {

const json& golden() {
  static const json j = [] {
    std::ifstream in(DRIFTD_TEST_DATA_DIR "/stats.json");
    return json::parse(in);
  }();
  return j;
}

std::string number_text(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string sql_text(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

// Inserts the values as rows: reference on 2026-01-01, current on 2026-01-02.
void load_case(testing::Sql& sql, const std::string& table, const json& c) {
  bool numerical = c["kind"] == "numerical";
  sql.exec("CREATE TABLE " + table + " (ts timestamptz, v " + (numerical ? "float8" : "text") +
           ", f jsonb)");
  auto insert = [&](const json& values, const char* day) {
    std::string stmt;
    std::size_t i = 0;
    for (const auto& v : values) {
      std::string col, js;
      if (v.is_null()) {
        col = "NULL";
        js = "'{\"k\": null}'";
      } else if (numerical) {
        col = number_text(v.get<double>()) + "::float8";
        js = "jsonb_build_object('k', " + number_text(v.get<double>()) + "::numeric)";
      } else {
        col = sql_text(v.get<std::string>());
        js = "jsonb_build_object('k', " + sql_text(v.get<std::string>()) + "::text)";
      }
      stmt += (stmt.empty() ? "" : ",") + std::string("('") + day +
              "T00:00:00Z'::timestamptz + interval '" + std::to_string(i++) + " ms', " + col +
              ", " + js + ")";
      if (stmt.size() > 200000) {
        sql.exec("INSERT INTO " + table + " VALUES " + stmt);
        stmt.clear();
      }
    }
    if (!stmt.empty()) sql.exec("INSERT INTO " + table + " VALUES " + stmt);
  };
  insert(c["reference"], "2026-01-01");
  insert(c["current"], "2026-01-02");
}

config::MonitorConfig monitor_for(const std::string& table, const json& c, bool via_json) {
  config::MonitorConfig m;
  m.name = "golden";
  m.table = table;
  m.timestamp_column = "ts";
  m.schedule = std::chrono::hours(1);
  m.window = std::chrono::hours(24);
  m.reference.kind = config::ReferenceConfig::Kind::fixed;
  m.reference.from = *parse_rfc3339("2025-12-31T12:00:00Z");
  m.reference.to = *parse_rfc3339("2026-01-01T12:00:00Z");
  m.min_rows = 1;
  m.bins = c.value("bins", 10);
  config::FeatureConfig f;
  f.name = "v";
  f.kind =
      c["kind"] == "numerical" ? config::FeatureKind::numerical : config::FeatureKind::categorical;
  if (via_json) {
    f.source.json = "f";
    f.source.key = "k";
  } else {
    f.source.column = "v";
  }
  m.features.push_back(f);
  return m;
}

void check_close(const std::string& what, double got, double expected) {
  INFO(what << ": got " << got << ", expected " << expected);
  if (std::fabs(expected) < 1e-9) {
    CHECK(std::fabs(got - expected) <= 1e-9);
  } else {
    CHECK(std::fabs(got - expected) <= 1e-6 * std::fabs(expected));
  }
}

}  // namespace

TEST_CASE("golden cases through columns and jsonb keys", "[pipeline][golden]") {
  TestSchema s("golden");
  storage::PgOptions o;
  o.url = testing::database_url();
  storage::PgWindowSource source(o);
  daemon::Evaluator evaluator(source, nullptr, {});
  Timestamp at = *parse_rfc3339("2026-01-02T12:00:00Z");
  int n = 0;
  for (const auto& c : golden()["cases"]) {
    std::string name = c["name"];
    std::string table = s.table(name);
    load_case(s.sql(), table, c);
    for (bool via_json : {false, true}) {
      DYNAMIC_SECTION(name << (via_json ? " (jsonb)" : " (column)")) {
        auto m = monitor_for(table, c, via_json);
        drift::Evaluation e = evaluator.evaluate(daemon::compile_monitor(m), at);
        INFO(drift::to_json(e));
        REQUIRE(e.status != drift::Status::error);
        REQUIRE(e.features.size() == 1);
        const auto& stats = e.features[0].statistics;
        const json& exp = c["expected"];
        CHECK(e.reference_window.rows == c["reference"].size());
        CHECK(e.current_window.rows == c["current"].size());
        CHECK(stats.reference_count == exp["reference_rows"].get<std::uint64_t>());
        CHECK(stats.current_count == exp["current_rows"].get<std::uint64_t>());
        for (const char* k : {"psi", "kl_divergence", "js_distance", "hellinger", "missing_rate"}) {
          auto got = stats.get(k);
          REQUIRE(got.has_value());
          check_close(k, *got, exp[k].get<double>());
        }
        if (c["kind"] == "numerical") {
          for (const char* k : {"ks_statistic", "ks_pvalue", "wasserstein_normed",
                                "mean_shift_sigmas", "out_of_range_rate"}) {
            auto got = stats.get(k);
            REQUIRE(got.has_value());
            check_close(k, *got, exp[k].get<double>());
          }
        } else {
          for (const char* k : {"chi2_statistic", "chi2_pvalue", "new_category_rate"}) {
            auto got = stats.get(k);
            REQUIRE(got.has_value());
            check_close(k, *got, exp[k].get<double>());
          }
        }
        ++n;
      }
    }
  }
}

TEST_CASE("frozen references are stored, reused and give identical results", "[pipeline]") {
  TestSchema s("frozen");
  const json& c = golden()["cases"][1];  // normal_shift
  std::string table = s.table("p");
  load_case(s.sql(), table, c);
  storage::StateOptions so;
  so.url = testing::database_url();
  so.schema = s.name() + "_state";
  storage::migrate(so);
  storage::PgResultStore store(so);
  storage::PgOptions o;
  o.url = testing::database_url();
  storage::PgWindowSource source(o);
  auto m = monitor_for(table, c, false);
  Timestamp at = *parse_rfc3339("2026-01-02T12:00:00Z");

  daemon::EvaluationTimings t1, t2, t3;
  daemon::Evaluator first(source, &store, {});
  auto a = first.evaluate(daemon::compile_monitor(m), at, {}, &t1);
  CHECK_FALSE(t1.frozen_reference_used);
  // same process: from memory
  auto b = first.evaluate(daemon::compile_monitor(m), at, {}, &t2);
  CHECK(t2.frozen_reference_used);
  // a new process (new evaluator): from the state schema
  daemon::Evaluator second(source, &store, {});
  auto c2 = second.evaluate(daemon::compile_monitor(m), at, {}, &t3);
  CHECK(t3.frozen_reference_used);
  CHECK(drift::to_json(a) == drift::to_json(b));
  CHECK(drift::to_json(a) == drift::to_json(c2));
  // changing what the reference depends on (bins) builds a new one
  m.bins = 5;
  daemon::EvaluationTimings t4;
  second.evaluate(daemon::compile_monitor(m), at, {}, &t4);
  CHECK_FALSE(t4.frozen_reference_used);
  testing::Sql sql;
  sql.exec("DROP SCHEMA " + so.schema + " CASCADE");
}
