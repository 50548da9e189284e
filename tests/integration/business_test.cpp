// Freshness, volume and business metrics (issue 14) end to end against a real PostgreSQL,
// through the driftd binary: each test loads its own tables in a schema of its own.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>

#include "driftd/config/config.hpp"
#include "driftd/daemon/evaluator.hpp"
#include "driftd/daemon/plan.hpp"
#include "driftd/storage/pg_window_source.hpp"
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

std::string config_text(const std::string& state, const std::string& table,
                        const std::string& body) {
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
      "driftd.toml", config_text(state.name, s.table("events"),
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
      "driftd.toml", config_text(state.name, s.table("events"),
                                 "where = { model = \"m1\" }\nreference = { offset = \"1d\" }\n"
                                 "freshness = \"15m\"\n"));
  auto r = testing::run_driftd({"check", "--config", path});
  CHECK(r.exit_code == 1);
  INFO(r.out);
  const auto first = r.out.find("filter column \"model\" does not exist");
  CHECK(first != std::string::npos);
  // said once: the window read and the aggregate read share the filter
  CHECK(r.out.find("filter column \"model\" does not exist", first + 1) == std::string::npos);
}

namespace {

// Events every 2 s of one hour starting at `start` (1800 rows), converting every `every`-th.
void add_events(TestSchema& s, const std::string& start, int every) {
  s.sql().exec(
      "INSERT INTO " + s.table("ev") + " SELECT '" + start +
      "'::timestamptz + i * interval '2 s',"
      " CASE WHEN i % 50 = 7 THEN NULL WHEN i % 97 = 3 THEN 'NaN'::float8"
      "      ELSE ((i * 37) % 100)::float8 END,"
      " i % " +
      std::to_string(every) +
      " = 0,"
      " CASE i % 3 WHEN 0 THEN 'DE' WHEN 1 THEN 'FR' END,"
      " CASE i % 10 WHEN 0 THEN 'order' WHEN 1 THEN 'checkout' WHEN 2 THEN 'buy' ELSE 'view' END,"
      " jsonb_build_object('basket', CASE WHEN i % 31 = 0 THEN to_jsonb('12.5'::text)"
      "                                   WHEN i % 33 = 0 THEN to_jsonb('n/a'::text)"
      "                                   ELSE to_jsonb(i % 20 + 1) END,"
      "                    'revenue', CASE WHEN i % 10 = 0 THEN to_jsonb((i % 7) * 10.5) END),"
      " 1 + i % 3"
      " FROM generate_series(1, 1800) i");
}

}  // namespace

TEST_CASE("business metrics: every kind equals PostgreSQL's own aggregate, a drop alerts",
          "[business]") {
  TestSchema s("biz");
  State state{s.name() + "_state"};
  s.sql().exec("CREATE TABLE " + s.table("ev") +
               " (ts timestamptz, amount float8, converted boolean, country text, event text,"
               " payload jsonb, requests int)");
  add_events(s, "2026-03-01T09:00:00Z", 25);  // the baseline: 4 % convert
  add_events(s, "2026-03-02T09:00:00Z", 40);  // now: 2.5 %
  const std::string metrics = R"toml(reference = { offset = "1d" }
[[monitors.metrics]]
name = "conversion"
kind = "rate"
column = "converted"
equals = true
drop = 0.1
[[monitors.metrics]]
name = "checkout"
kind = "rate"
column = "event"
in = ["checkout", "buy"]
[[monitors.metrics]]
name = "big"
kind = "rate"
column = "amount"
greater_than = 50
[[monitors.metrics]]
name = "basket_de"
kind = "mean"
json = "payload"
key = "basket"
where = { country = "DE" }
[[monitors.metrics]]
name = "revenue"
kind = "sum"
json = "payload"
key = "revenue"
[[monitors.metrics]]
name = "revenue_per_request"
kind = "ratio"
numerator = { json = "payload", key = "revenue" }
denominator = "requests"
[[monitors.metrics]]
name = "orders"
kind = "count"
where = { event = "order" }
[[monitors.metrics]]
name = "amount_p90"
kind = "sql"
sql = "percentile_cont(0.9) WITHIN GROUP (ORDER BY amount)"
)toml";
  std::string path =
      testing::write_temp_file("driftd.toml", config_text(state.name, s.table("ev"), metrics));
  json e = run_once(path, "2026-03-02T10:00:00Z");
  INFO(e.dump());
  REQUIRE(e["metrics"].size() == 8);
  auto expected = [&](const std::string& aggregate, const std::string& day) {
    return std::stod(s.sql().scalar("SELECT (" + aggregate + ")::float8 FROM " + s.table("ev") +
                                    " WHERE ts > '2026-03-0" + day +
                                    "T09:00:00Z' AND ts <= '2026-03-0" + day + "T10:00:00Z'"));
  };
  const std::vector<std::pair<std::string, std::string>> sql = {
      {"conversion", "avg(converted::int)"},
      {"checkout", "avg((event IN ('checkout', 'buy'))::int)"},
      {"big", "avg((amount > 50)::int) FILTER (WHERE amount IS NOT NULL AND amount <> 'NaN')"},
      {"basket_de",
       "avg((payload->>'basket')::float8) FILTER (WHERE country = 'DE' AND payload->>'basket' <> "
       "'n/a')"},
      {"revenue", "sum((payload->>'revenue')::numeric)"},
      {"revenue_per_request", "sum((payload->>'revenue')::numeric) / sum(requests)"},
      {"orders", "count(*) FILTER (WHERE event = 'order')"},
      {"amount_p90", "percentile_cont(0.9) WITHIN GROUP (ORDER BY amount)"}};
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const json& m = e["metrics"][i];
    INFO(sql[i].first);
    CHECK(m["name"] == sql[i].first);
    CHECK(m["value"].get<double>() == Approx(expected(sql[i].second, "2")).epsilon(1e-12));
    CHECK(m["baseline"].get<double>() == Approx(expected(sql[i].second, "1")).epsilon(1e-12));
  }
  const json& conversion = e["metrics"][0];
  CHECK(conversion["rows"] == 1800);
  CHECK(conversion["value"] == 0.025);
  CHECK(conversion["baseline"] == 0.04);
  CHECK(conversion["test"] == "two_proportion_z");
  CHECK(conversion["status"] == "breach");
  CHECK(conversion["message"].get<std::string>().rfind(
            "conversion 2.5% is 38% below its baseline 4% (p = ", 0) == 0);
  CHECK(e["status"] == "drift");
  // The mean's variance: the t-test agrees with PostgreSQL's var_samp.
  CHECK(e["metrics"][3]["test"] == "welch_t");
  CHECK(alert_state(s, state.name, "__metrics__", "conversion") == "firing");
  CHECK(alert_state(s, state.name, "__metrics__", "orders") == "none");  // no threshold
  CHECK(s.sql().scalar("SELECT value FROM " + state.name +
                       ".statistics WHERE feature = '__metrics__' AND statistic = "
                       "'conversion.baseline'") == "0.04");
  CHECK(s.sql().scalar("SELECT message FROM " + state.name +
                       ".alerts WHERE feature = '__metrics__' AND statistic = 'conversion'") ==
        conversion["message"].get<std::string>());
}

TEST_CASE("business metrics: a failing expression fails the metrics only; check names it",
          "[business]") {
  TestSchema s("bizbad");
  State state{s.name() + "_state"};
  s.sql().exec("CREATE TABLE " + s.table("ev") + " (ts timestamptz, amount float8)");
  s.sql().exec("INSERT INTO " + s.table("ev") +
               " SELECT '2026-03-01T09:00:00Z'::timestamptz + i * interval '1 min', i"
               " FROM generate_series(1, 1500) i");
  std::string path = testing::write_temp_file(
      "driftd.toml",
      config_text(state.name, s.table("ev"),
                  "reference = { offset = \"1d\" }\n[[monitors.metrics]]\nname = \"x\"\nkind = "
                  "\"sql\"\nsql = \"sum(no_such_column)\"\n"));
  json e = run_once(path, "2026-03-02T10:00:00Z");
  INFO(e.dump());
  CHECK(e["features"][0]["statistics"].contains("psi"));  // drift stands
  CHECK(e["metrics"][0]["status"] == "error");
  CHECK(e["metrics"][0]["message"].get<std::string>().find("no_such_column") != std::string::npos);
  auto r = testing::run_driftd({"check", "--config", path});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("no_such_column") != std::string::npos);
  // at the monitor's FILE:LINE, as every database finding of check (and of a reload)
  CHECK(r.out.find(path + ":") != std::string::npos);
  CHECK(r.out.find(": monitor shop: metrics: ") != std::string::npos);
}

TEST_CASE("seasonal baselines: a usual Monday dip does not fire, a real drop does", "[business]") {
  TestSchema s("season");
  State state{s.name() + "_state"};
  s.sql().exec("CREATE TABLE " + s.table("sessions") +
               " (ts timestamptz, device text, "
               "converted boolean)");
  // Four weeks and a day, 08:00-12:00 each day, a session every 2 s (1800 an hour) converting
  // 4 %. Mondays 09:00-10:00 are the usual dip: half the sessions, 2 % converting. The Monday two
  // weeks before the last had no rows at all (a holiday). On the last Monday, 10:00-11:00,
  // checkout breaks: 1 % convert.
  s.sql().exec(
      "INSERT INTO " + s.table("sessions") +
      " SELECT ts, 'web', CASE"
      "   WHEN ts > '2026-03-30T10:00:00Z' AND ts <= '2026-03-30T11:00:00Z' THEN e % 100 = 0"
      "   WHEN dip THEN e % 100 = 0 ELSE e % 25 = 0 END"
      " FROM (SELECT ts, extract(epoch FROM ts)::bigint / 2 AS e,"
      "              extract(isodow FROM ts) = 1 AND extract(hour FROM ts) = 9 AS dip"
      "       FROM generate_series(timestamptz '2026-03-01T00:00:00Z', '2026-03-30T00:00:00Z',"
      "                            interval '1 day') AS d,"
      "            generate_series(d + interval '8 hours', d + interval '12 hours' - interval '2 "
      "s',"
      "                            interval '2 s') AS ts) g"
      " WHERE (NOT dip OR e % 2 = 0) AND NOT (ts >= '2026-03-16' AND ts < '2026-03-17')");
  s.sql().exec("CREATE INDEX ON " + s.table("sessions") + " USING brin (ts)");
  const std::string weekly = "baseline = { seasonality = \"hour_of_week\", weeks = 4 }";
  std::string path = testing::write_temp_file(
      "driftd.toml",
      "[database]\nurl = \"" + testing::database_url() + "\"\nstate_schema = \"" + state.name +
          "\"\n\n[[monitors]]\nname = \"shop\"\ntable = \"" + s.table("sessions") +
          "\"\ntimestamp_column = \"ts\"\nschedule = \"1h\"\nwindow = \"1h\"\nmin_rows = 50\n"
          "reference = { offset = \"1d\" }\n"
          "features = [{ name = \"device\", column = \"device\", kind = \"categorical\" }]\n"
          "volume = { drop = 0.3, " +
          weekly +
          " }\n"
          "[[monitors.metrics]]\nname = \"conversion\"\nkind = \"rate\"\ncolumn = \"converted\"\n"
          "equals = true\ndrop = 0.2\n" +
          weekly +
          "\n"
          "[[monitors.metrics]]\nname = \"conversion_vs_yesterday\"\nkind = \"rate\"\n"
          "column = \"converted\"\nequals = true\ndrop = 0.2\n"
          "[[monitors.metrics]]\nname = \"sessions\"\nkind = \"count\"\ndrop = 0.3\n" +
          weekly +
          "\n[[monitors.metrics]]\nname = \"sessions_vs_yesterday\"\nkind = \"count\"\n"
          "drop = 0.3\n");
  auto metric = [](const json& e, const std::string& name) {
    for (const auto& m : e["metrics"]) {
      if (m["name"] == name) return m;
    }
    FAIL("no metric " << name);
    return json();
  };

  // Monday 09:00-10:00, the usual dip.
  json e = run_once(path, "2026-03-30T10:00:00Z");
  INFO(e.dump());
  json conversion = metric(e, "conversion");
  CHECK(conversion["value"] == 0.02);
  CHECK(conversion["baseline"] == 0.02);  // the median of the Mondays that had rows
  CHECK(conversion["baseline_kind"] == "hour_of_week");
  CHECK(conversion["baseline_windows"] == 3);  // the holiday is left out
  CHECK(conversion["test"] == "robust_z");
  CHECK(conversion["status"] == "ok");
  CHECK(metric(e, "sessions")["status"] == "ok");
  CHECK(metric(e, "sessions")["baseline"] == 900);
  CHECK(metric(e, "sessions")["baseline_windows"] == 3);  // a week without rows is no count of 0
  CHECK(e["freshness"]["statistics"]["volume_ratio"] == 1);
  CHECK(e["freshness"]["baseline_windows"] == 3);
  CHECK(e["freshness"]["breaches"].empty());
  // Against yesterday (a Sunday) the same dip is a drop of half: the seasonal baseline is what
  // keeps it quiet.
  CHECK(metric(e, "conversion_vs_yesterday")["status"] == "breach");
  CHECK(metric(e, "sessions_vs_yesterday")["status"] == "breach");
  CHECK(alert_state(s, state.name, "__metrics__", "conversion") == "none");
  CHECK(alert_state(s, state.name, "__metrics__", "sessions") == "none");
  CHECK(alert_state(s, state.name, "__freshness__", "volume_ratio") == "none");
  CHECK(alert_state(s, state.name, "__metrics__", "conversion_vs_yesterday") == "firing");

  // Monday 10:00-11:00: no dip usually, and now checkout is broken.
  e = run_once(path, "2026-03-30T11:00:00Z");
  INFO(e.dump());
  conversion = metric(e, "conversion");
  CHECK(conversion["value"] == 0.01);
  CHECK(conversion["baseline"] == 0.04);
  CHECK(conversion["status"] == "breach");
  CHECK(conversion["p_value"].get<double>() < 1e-6);
  CHECK(conversion["message"].get<std::string>().rfind(
            "conversion 1% is 75% below its baseline 4% (the same hour of the week, median of 3 "
            "weeks, p < 0.001)",
            0) == 0);
  CHECK(metric(e, "sessions")["status"] == "ok");
  CHECK(alert_state(s, state.name, "__metrics__", "conversion") == "firing");
}

TEST_CASE(
    "seasonal freshness: a feed quiet every night does not fire at night, a stall by day does",
    "[business]") {
  TestSchema s("nightly");
  State state{s.name() + "_state"};
  s.sql().exec("CREATE TABLE " + s.table("feed") + " (ts timestamptz, amount float8)");
  s.sql().exec("CREATE INDEX ON " + s.table("feed") + " (ts)");
  // A row a minute from 06:00 to midnight, every day; the last day stops at 12:00.
  s.sql().exec("INSERT INTO " + s.table("feed") +
               " SELECT ts, 1 FROM generate_series(timestamptz '2026-03-01T00:00:00Z',"
               " '2026-03-23T12:00:00Z', interval '1 min') ts WHERE extract(hour FROM ts) >= 6");
  auto monitor = [&](const std::string& name, const std::string& freshness) {
    return "\n[[monitors]]\nname = \"" + name + "\"\ntable = \"" + s.table("feed") +
           "\"\ntimestamp_column = \"ts\"\nschedule = \"5m\"\nwindow = \"1h\"\nmin_rows = 10\n"
           "reference = { offset = \"1d\" }\n"
           "features = [{ name = \"amount\", column = \"amount\", kind = \"numerical\" }]\n"
           "freshness = " +
           freshness + "\n";
  };
  std::string path = testing::write_temp_file(
      "driftd.toml",
      "[database]\nurl = \"" + testing::database_url() + "\"\nstate_schema = \"" + state.name +
          "\"\n" +
          monitor("weekly",
                  "{ max_age = \"30m\", baseline = { seasonality = \"hour_of_week\", "
                  "weeks = 3 } }") +
          monitor("plain", "\"30m\""));
  auto run = [&](const std::string& name, const std::string& at) {
    auto r = testing::run_driftd({"run-once", "--config", path, "--monitor", name, "--at", at});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return lines(r.out).at(0);
  };
  auto state_of = [&](const std::string& monitor, const std::string& statistic) {
    return s.sql().scalar("SELECT coalesce((SELECT state FROM " + state.name +
                          ".alerts WHERE monitor = '" + monitor +
                          "' AND feature = '__freshness__'"
                          " AND statistic = '" +
                          statistic + "'), 'none')");
  };
  // 05:00: five hours without a row, as at 05:00 of the three weeks before.
  json e = run("weekly", "2026-03-23T05:00:00Z");
  INFO(e.dump());
  CHECK(e["freshness"]["statistics"]["freshness_seconds"] == 5 * 3600 + 60);
  CHECK(e["freshness"]["statistics"]["usual_age_seconds"] == 5 * 3600 + 60);
  CHECK(e["freshness"]["statistics"]["freshness_excess_seconds"] == 0);
  CHECK(e["freshness"]["freshness_baseline_windows"] == 3);
  CHECK(state_of("weekly", "freshness_excess_seconds") == "none");
  run("plain", "2026-03-23T05:00:00Z");
  CHECK(state_of("plain", "freshness_seconds") == "firing");  // a fixed limit pages every night
  // 13:00: the feed stopped at noon, where it usually never pauses.
  e = run("weekly", "2026-03-23T13:00:00Z");
  INFO(e.dump());
  CHECK(e["freshness"]["statistics"]["freshness_seconds"] == 3600);
  CHECK(e["freshness"]["statistics"]["usual_age_seconds"] == 0);
  CHECK(e["freshness"]["statistics"]["freshness_excess_seconds"] == 3600);
  CHECK(state_of("weekly", "freshness_excess_seconds") == "firing");
}

TEST_CASE("business metrics: a fixed reference window is aggregated once and kept", "[business]") {
  TestSchema s("bizfixed");
  s.sql().exec("CREATE TABLE " + s.table("ev") + " (ts timestamptz, amount float8)");
  s.sql().exec("INSERT INTO " + s.table("ev") +
               " SELECT '2026-03-01T00:00:00Z'::timestamptz + i * interval '1 min', i % 10"
               " FROM generate_series(1, 3000) i");
  const std::string text = "[database]\nurl = \"" + testing::database_url() +
                           "\"\n[[monitors]]\nname = \"m\"\ntable = \"" + s.table("ev") +
                           "\"\ntimestamp_column = \"ts\"\nschedule = \"1h\"\nwindow = \"1h\"\n"
                           "min_rows = 10\nreference = { from = \"2026-03-01T00:00:00Z\", to = "
                           "\"2026-03-01T10:00:00Z\" }\n"
                           "features = [{ name = \"amount\", column = \"amount\", kind = "
                           "\"numerical\" }]\n"
                           "[[monitors.metrics]]\nname = \"revenue\"\nkind = \"sum\"\n"
                           "column = \"amount\"\ndrop = 0.5\n";
  const auto cfg = config::load_string(text, "t.toml");
  const auto plan = daemon::compile_monitor(cfg.monitors.at(0));
  REQUIRE(plan.business);
  CHECK(plan.business->reference_fixed);
  storage::PgOptions o;
  o.url = testing::database_url();
  storage::PgWindowSource source(o);
  daemon::Evaluator evaluator(source, nullptr, {});
  auto baseline_at = [&](daemon::Evaluator& ev, const char* at) {
    auto e = ev.evaluate(plan, *parse_rfc3339(at));
    INFO(drift::to_json(e));
    REQUIRE(e.metrics.size() == 1);
    return e.metrics[0].statistics;
  };
  // The reference's 600 rows sum to 2700 (4.5 each): per hour of the current window, 270.
  auto first = baseline_at(evaluator, "2026-03-02T12:00:00Z");
  CHECK(drift::value_of(first, "baseline") == 270);
  CHECK(drift::value_of(first, "value") == 270);
  // Rows of the reference removed later: the kept aggregates stand for this evaluator, the
  // current window is read again; a new evaluator (a restart) reads the reference again.
  s.sql().exec("DELETE FROM " + s.table("ev") +
               " WHERE ts <= '2026-03-01T05:00:00Z' OR ts > "
               "'2026-03-02T12:30:00Z'");
  auto again = baseline_at(evaluator, "2026-03-02T13:00:00Z");
  CHECK(drift::value_of(again, "baseline") == 270);
  CHECK(drift::value_of(again, "value") == 135);
  daemon::Evaluator fresh(source, nullptr, {});
  CHECK(drift::value_of(baseline_at(fresh, "2026-03-02T13:00:00Z"), "baseline") == 270 * 0.5);
}
