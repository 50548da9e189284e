// The monitoring sections of issue 8 end to end against a real PostgreSQL, through the driftd
// binary: dataset drift, delayed labels, system health, learned thresholds, segments and the
// challenger. Each test loads its own tables in a schema of its own.

#include <signal.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>
#include <thread>

#include "driftd/drift/auto_threshold.hpp"
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

namespace {

// Predictions with a score and the class it implies, labels in a table of their own that fill in
// over time. Reference hour 2026-01-01T00..01 (1000 rows, every label known, a good model);
// current hour 2026-01-02T00..01 (1000 rows, a worse model). Scores are spread deterministically.
void load_predictions(TestSchema& s) {
  s.sql().exec("CREATE TABLE " + s.table("p") +
               " (id bigint PRIMARY KEY, ts timestamptz, x float8, score float8, prediction text, "
               "value float8)");
  s.sql().exec(
      "CREATE TABLE " + s.table("labels") +
      " (prediction_id bigint PRIMARY KEY, label text, y float8, labelled_at timestamptz)");
  for (int day = 1; day <= 2; ++day) {
    const std::string base = "'2026-01-0" + std::to_string(day) + "T00:00:00Z'::timestamptz";
    const int offset = day == 1 ? 0 : 100000;
    s.sql().exec("INSERT INTO " + s.table("p") + " SELECT " + std::to_string(offset) + " + i, " +
                 base +
                 " + i * interval '3 s', (i % 50)::float8, ((i * 7919) % 1000) / 1000.0,"
                 " CASE WHEN ((i * 7919) % 1000) / 1000.0 >= 0.5 THEN 'yes' ELSE 'no' END,"
                 " ((i * 7919) % 1000) / 10.0 FROM generate_series(1, 1000) i");
  }
}

// Labels of the rows whose id satisfies `condition`, arriving `delay` after the prediction.
// The reference's labels follow the score closely, the current window's less so.
void insert_labels(TestSchema& s, const std::string& condition,
                   const std::string& delay = "1 day") {
  s.sql().exec("INSERT INTO " + s.table("labels") +
               " SELECT id, CASE WHEN ((id * 104729) % 1000) / 1000.0 < (CASE WHEN id > 100000 "
               "THEN 0.35 + 0.3 * score"
               " ELSE 0.1 + 0.8 * score END) THEN 'yes' ELSE 'no' END,"
               " value + ((id * 31) % 21) - 10, ts + interval '" +
               delay + "' FROM " + s.table("p") + " WHERE " + condition +
               " ON CONFLICT DO NOTHING");
}

std::string labels_config(TestSchema& s, const std::string& task_keys) {
  return "reference = { from = \"2026-01-01T00:00:00Z\", to = \"2026-01-01T01:00:00Z\" }\n"
         "features = [{ name = \"x\", column = \"x\", kind = \"numerical\" }]\n"
         "prediction = { column = \"prediction\", kind = \"categorical\" }\n"
         "[monitors.labels]\n"
         "table = \"" +
         s.table("labels") +
         "\"\nkey = \"prediction_id\"\nprediction_key = \"id\"\n"
         "timestamp_column = \"labelled_at\"\nlookback = \"7d\"\n" +
         task_keys;
}

// Independent reference values, computed by PostgreSQL over the labelled current rows.
struct Expected {
  double auc, f1, accuracy, coverage;
  long long labelled;
};

Expected expected_binary(TestSchema& s) {
  const std::string rows =
      "(SELECT p.score, p.prediction = 'yes' AS predicted, l.label = 'yes' AS positive FROM " +
      s.table("p") + " p JOIN " + s.table("labels") +
      " l ON l.prediction_id = p.id WHERE p.ts > '2026-01-02T00:00:00Z' AND p.ts <= "
      "'2026-01-02T01:00:00Z')";
  Expected e{};
  e.auc = std::stod(s.sql().scalar("WITH r AS " + rows +
                                   " SELECT avg(CASE WHEN a.score > b.score THEN 1.0 WHEN a.score "
                                   "= b.score THEN 0.5 ELSE 0.0 END)"
                                   " FROM r a CROSS JOIN r b WHERE a.positive AND NOT b.positive"));
  e.f1 = std::stod(s.sql().scalar("WITH r AS " + rows +
                                  " SELECT 2.0 * count(*) FILTER (WHERE predicted AND positive) / "
                                  "(2.0 * count(*) FILTER (WHERE predicted AND positive)"
                                  " + count(*) FILTER (WHERE predicted AND NOT positive) + "
                                  "count(*) FILTER (WHERE NOT predicted AND positive)) FROM r"));
  e.accuracy = std::stod(
      s.sql().scalar("WITH r AS " + rows + " SELECT avg((predicted = positive)::int) FROM r"));
  e.labelled = std::stoll(s.sql().scalar("WITH r AS " + rows + " SELECT count(*) FROM r"));
  e.coverage = static_cast<double>(e.labelled) / 1000.0;
  return e;
}

}  // namespace

TEST_CASE("delayed labels: realised performance changes as labels land", "[monitoring]") {
  TestSchema s("lb");
  State state{s.name() + "_state"};
  load_predictions(s);
  insert_labels(s, "id <= 100000");                // the reference: every label
  insert_labels(s, "id > 100000 AND id % 4 = 0");  // a quarter of the current window so far
  std::string path = testing::write_temp_file(
      "driftd.toml",
      config(
          state.name, s.table("p"),
          labels_config(
              s,
              "column = \"label\"\ntask = \"binary\"\npositive = \"yes\"\nscore = \"score\"\n")));
  json first = run_once(path, "2026-01-02T01:00:00Z");
  INFO(first.dump());
  REQUIRE(first.contains("performance"));
  const json& p = first["performance"];
  Expected x = expected_binary(s);
  CHECK(x.labelled == 250);
  CHECK(p["task"] == "binary");
  CHECK(p["rows"] == 1000);
  CHECK(p["labelled_rows"] == 250);
  CHECK(p["unlabelled_rows"] == 750);
  CHECK(p["label_coverage"].get<double>() == Approx(0.25));
  CHECK(p["statistics"]["roc_auc"].get<double>() == Approx(x.auc).epsilon(1e-12));
  CHECK(p["statistics"]["f1"].get<double>() == Approx(x.f1).epsilon(1e-12));
  CHECK(p["statistics"]["accuracy"].get<double>() == Approx(x.accuracy).epsilon(1e-12));
  CHECK(p["statistics"]["label_delay_p50"] == 86400);
  CHECK(p["reference"]["labelled_rows"] == 1000);
  CHECK(p["reference"]["statistics"]["label_coverage"] == 1);
  const double drop = p["reference"]["statistics"]["roc_auc"].get<double>() - x.auc;
  CHECK(p["changes"]["roc_auc_drop"].get<double>() == Approx(drop).epsilon(1e-12));
  CHECK(drop > 0.02);
  // the default threshold roc_auc_drop = 0.02 applies
  CHECK(p["breaches"] == json::array({"roc_auc_drop"}));
  CHECK(p["status"] == "drift");
  CHECK(first["status"] == "drift");

  // More labels land: the same window, evaluated again, has other numbers.
  insert_labels(s, "id > 100000 AND id % 4 = 1");
  json second = run_once(path, "2026-01-02T01:00:00Z");
  Expected y = expected_binary(s);
  CHECK(y.labelled == 500);
  CHECK(second["performance"]["labelled_rows"] == 500);
  CHECK(second["performance"]["label_coverage"].get<double>() == Approx(0.5));
  CHECK(second["performance"]["statistics"]["roc_auc"].get<double>() ==
        Approx(y.auc).epsilon(1e-12));
  CHECK(second["performance"]["statistics"]["f1"].get<double>() == Approx(y.f1).epsilon(1e-12));
  CHECK(second["performance"]["statistics"]["roc_auc"] !=
        first["performance"]["statistics"]["roc_auc"]);
  // the feature statistics do not move: labels stay out of the sample and the features
  CHECK(second["features"] == first["features"]);
  CHECK(s.sql().scalar(
            "SELECT value FROM " + state.name +
            ".statistics WHERE feature = '__performance__' AND statistic = 'label_coverage'") ==
        "0.5");
}

TEST_CASE("labels.delay: performance judged on the window whose labels have landed",
          "[monitoring]") {
  TestSchema s("lbdel");
  State state{s.name() + "_state"};
  load_predictions(s);
  insert_labels(s, "id <= 100000");
  insert_labels(s, "id > 100000");  // every label of 2026-01-02, a day after each prediction
  // 2026-01-03: predictions whose labels have not arrived.
  s.sql().exec("INSERT INTO " + s.table("p") +
               " SELECT id + 100000, ts + interval '1 day', x, score, prediction, value FROM " +
               s.table("p") + " WHERE id > 100000");
  const std::string keys =
      "column = \"label\"\ntask = \"binary\"\npositive = \"yes\"\nscore = \"score\"\n";
  // Without a delay: the current window has no label, performance cannot be judged.
  const std::string plain = testing::write_temp_file(
      "plain.toml", config(state.name, s.table("p"), labels_config(s, keys)));
  json before = run_once(plain, "2026-01-03T01:00:00Z");
  INFO(before.dump());
  CHECK(before["performance"]["labelled_rows"] == 0);
  CHECK(before["performance"]["status"] == "insufficient_data");
  CHECK_FALSE(before["performance"].contains("window"));

  const std::string path = testing::write_temp_file(
      "delayed.toml",
      config(state.name, s.table("p"), labels_config(s, keys + "delay = \"1d\"\n")));
  json e = run_once(path, "2026-01-03T01:00:00Z");
  INFO(e.dump());
  // drift on the current window, performance on the one a day before it
  CHECK(e["current_window"]["from"] == "2026-01-03T00:00:00Z");
  CHECK(e["current_window"]["rows"] == 1000);
  const json& p = e["performance"];
  REQUIRE(p.contains("window"));
  CHECK(p["window"]["from"] == "2026-01-02T00:00:00Z");
  CHECK(p["window"]["to"] == "2026-01-02T01:00:00Z");
  CHECK(p["rows"] == 1000);
  CHECK(p["labelled_rows"] == 1000);
  Expected x = expected_binary(s);  // over 2026-01-02's labelled rows, by PostgreSQL
  CHECK(x.labelled == 1000);
  CHECK(p["statistics"]["roc_auc"].get<double>() == Approx(x.auc).epsilon(1e-12));
  CHECK(p["statistics"]["f1"].get<double>() == Approx(x.f1).epsilon(1e-12));
  CHECK(p["statistics"]["accuracy"].get<double>() == Approx(x.accuracy).epsilon(1e-12));
  CHECK(p["breaches"] == json::array({"roc_auc_drop"}));
  // check says which window judges performance
  auto c = testing::run_driftd({"check", "--config", path});
  INFO(c.out << c.err);
  CHECK(c.exit_code == 0);
  CHECK(c.out.find("note: monitor m: labels: performance at each instant is judged on the window "
                   "(at - 1d1h, at - 1d]") != std::string::npos);
  auto c2 = testing::run_driftd({"check", "--config", plain});
  CHECK(c2.out.find("set labels.delay to how late they are") != std::string::npos);
}

TEST_CASE("delayed labels: labels that never arrive are taken as final, the look-back stops",
          "[monitoring][daemon]") {
  TestSchema s("lbset");
  State state{s.name() + "_state"};
  load_predictions(s);
  insert_labels(s, "id <= 100000");
  insert_labels(s, "id > 100000 AND id % 4 = 0");  // the rest never comes
  const std::string monitor = config(
      state.name, s.table("p"),
      labels_config(
          s, "column = \"label\"\ntask = \"binary\"\npositive = \"yes\"\nscore = \"score\"\n"));
  std::string backfill_path = testing::write_temp_file("backfill.toml", monitor);
  auto b = testing::run_driftd({"backfill", "--config", backfill_path, "--monitor", "m", "--from",
                                "2026-01-02T00:30:00Z", "--to", "2026-01-02T01:30:00Z"});
  INFO(b.err);
  REQUIRE(b.exit_code == 0);
  std::string daemon_config = "[server]\nlisten = \"127.0.0.1:0\"\n" + monitor;
  daemon_config.replace(daemon_config.find("schedule = \"1h\""), 15, "schedule = \"1s\"");
  daemon_config.replace(daemon_config.find("lookback = \"7d\""), 15, "lookback = \"400d\"");
  std::string path = testing::write_temp_file("driftd.toml", daemon_config);
  const std::string instant = "monitor=m at=2026-01-02T01:00:00Z";
  {  // Stored an hour ago (the window's length): not long enough unchanged yet, evaluated again.
    testing::DaemonProcess d({"--config", path});
    INFO(d.log());
    const std::string again = "re-evaluated as labels arrive " + instant;
    REQUIRE(d.wait_for_log(again));
    REQUIRE(d.wait_for_log(again, 30, d.log().find(again) + again.size()));
    d.signal(SIGTERM);
    CHECK(d.wait_exit(20) == 0);
  }
  auto unchanged =
      s.sql().scalar("SELECT body->'performance'->>'labels_unchanged_since' FROM " + state.name +
                     ".evaluations WHERE evaluated_at = '2026-01-02T01:00:00Z'");
  CHECK_FALSE(unchanged.empty());
  // The same count of labels for longer than the window (1h): taken as final at the next
  // re-evaluation, then left alone.
  s.sql().exec("UPDATE " + state.name +
               ".evaluations SET body = jsonb_set(body, '{performance,labels_unchanged_since}', "
               "to_jsonb(to_char((now() - interval '61 minutes') AT TIME ZONE 'UTC', "
               "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))) WHERE evaluated_at = "
               "'2026-01-02T01:00:00Z'");
  testing::DaemonProcess d({"--config", path});
  INFO(d.log());
  REQUIRE(d.wait_for_log("re-evaluated: no new labels, taken as final " + instant));
  const std::size_t mark = d.log().size();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  CHECK(d.log().find(instant, mark) == std::string::npos);
  auto stored = json::parse(s.sql().scalar("SELECT body->'performance' FROM " + state.name +
                                           ".evaluations WHERE evaluated_at = "
                                           "'2026-01-02T01:00:00Z'"));
  CHECK(stored["labels_settled"] == true);
  CHECK(stored["labelled_rows"] == 250);
  d.signal(SIGTERM);
  CHECK(d.wait_exit(20) == 0);
}

TEST_CASE("delayed labels: the daemon's look-back re-evaluates past windows as labels land",
          "[monitoring][daemon]") {
  TestSchema s("lbd");
  State state{s.name() + "_state"};
  load_predictions(s);
  insert_labels(s, "id <= 100000");
  insert_labels(s, "id > 100000 AND id % 4 = 0");
  const std::string monitor = config(
      state.name, s.table("p"),
      labels_config(
          s, "column = \"label\"\ntask = \"binary\"\npositive = \"yes\"\nscore = \"score\"\n"));
  // The window of 2026-01-02T01:00 is evaluated while a quarter of its labels are known ...
  std::string backfill_path = testing::write_temp_file("backfill.toml", monitor);
  auto b = testing::run_driftd({"backfill", "--config", backfill_path, "--monitor", "m", "--from",
                                "2026-01-02T00:30:00Z", "--to", "2026-01-02T01:30:00Z"});
  INFO(b.err);
  REQUIRE(b.exit_code == 0);
  REQUIRE(lines(b.out).at(0)["performance"]["label_coverage"] == 0.25);
  // ... then every label lands, and the daemon (looking back 400 days, ticking every second)
  // evaluates that window again and replaces what was stored.
  insert_labels(s, "id > 100000");
  std::string daemon_config = "[server]\nlisten = \"127.0.0.1:0\"\n" + monitor;
  daemon_config.replace(daemon_config.find("schedule = \"1h\""), 15, "schedule = \"1s\"");
  daemon_config.replace(daemon_config.find("lookback = \"7d\""), 15, "lookback = \"400d\"");
  std::string path = testing::write_temp_file("driftd.toml", daemon_config);
  testing::DaemonProcess d({"--config", path});
  REQUIRE(d.wait_for_log("driftd started"));
  INFO(d.log());
  REQUIRE(d.wait_for_log("re-evaluated as labels arrive monitor=m at=2026-01-02T01:00:00Z"));
  const int port = d.port();
  auto [code, body] = testing::http_get(
      port, "/api/v1/monitors/m/history?from=2026-01-02T01:00:00Z&to=2026-01-02T01:00:00Z");
  REQUIRE(code == 200);
  auto h = json::parse(body)["evaluations"];
  REQUIRE(h.size() == 1);
  CHECK(h[0]["performance"]["label_coverage"] == 1);
  CHECK(h[0]["performance"]["labelled_rows"] == 1000);
  Expected x = expected_binary(s);
  CHECK(h[0]["performance"]["statistics"]["roc_auc"].get<double>() == Approx(x.auc).epsilon(1e-12));
  // Once complete, it is not evaluated again.
  const std::size_t mark = d.log().size();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  CHECK(d.log().find("re-evaluated as labels arrive monitor=m at=2026-01-02T01:00:00Z", mark) ==
        std::string::npos);
  auto metrics = testing::http_get(port, "/metrics").second;
  CHECK(metrics.find("driftd_reevaluations_total{monitor=\"m\"} 1") != std::string::npos);
  // The retrain decision says why: the realised AUC fell, in that window.
  auto retrain = json::parse(testing::http_get(port, "/api/v1/monitors/m/retrain").second);
  CHECK(retrain["should_retrain"] == true);
  REQUIRE(retrain["reasons"].size() == 1);
  CHECK(retrain["reasons"][0]["feature"] == "__performance__");
  CHECK(retrain["reasons"][0]["statistic"] == "roc_auc_drop");
  CHECK(retrain["reasons"][0]["threshold"] == 0.02);
  CHECK(retrain["reasons"][0]["evaluated_at"] == "2026-01-02T01:00:00Z");
  d.signal(SIGTERM);
  CHECK(d.wait_exit(20) == 0);
}

TEST_CASE("labels in the prediction table: regression metrics against PostgreSQL's",
          "[monitoring]") {
  TestSchema s("rg");
  State state{s.name() + "_state"};
  // The label is a column of the same table, NULL until known; reference day fully labelled.
  s.sql().exec("CREATE TABLE " + s.table("p") +
               " (ts timestamptz, x float8, value float8, y float8)");
  s.sql().exec(
      "INSERT INTO " + s.table("p") +
      " SELECT '2026-01-01T00:00:00Z'::timestamptz + i * interval '3 s', i % 10, (i * 37) % 100,"
      " (i * 37) % 100 + ((i * 13) % 7) - 3 FROM generate_series(1, 1000) i");
  s.sql().exec(
      "INSERT INTO " + s.table("p") +
      " SELECT '2026-01-02T00:00:00Z'::timestamptz + i * interval '3 s', i % 10, (i * 37) % 100,"
      " CASE WHEN i % 3 = 0 THEN NULL WHEN i % 11 = 0 THEN 0 ELSE (i * 37) % 100 + ((i * 17) % 23) "
      "- 9 END"
      " FROM generate_series(1, 1000) i");
  std::string path = testing::write_temp_file(
      "driftd.toml",
      config(state.name, s.table("p"),
             "reference = { from = \"2026-01-01T00:00:00Z\", to = \"2026-01-01T01:00:00Z\" }\n"
             "features = [{ name = \"x\", column = \"x\", kind = \"numerical\" }]\n"
             "prediction = { column = \"value\", kind = \"numerical\" }\n"
             "labels = { column = \"y\", task = \"regression\", min_rows = 50 }\n"
             "thresholds = { rmse_increase = 1.0 }\n"));
  json e = run_once(path, "2026-01-02T01:00:00Z");
  INFO(e.dump());
  const json& p = e["performance"];
  const std::string rows =
      "FROM " + s.table("p") +
      " WHERE ts > '2026-01-02T00:00:00Z' AND ts <= '2026-01-02T01:00:00Z' AND y IS NOT NULL";
  CHECK(p["task"] == "regression");
  CHECK(p["labelled_rows"].get<long long>() ==
        std::stoll(s.sql().scalar("SELECT count(*) " + rows)));
  CHECK(p["statistics"]["mae"].get<double>() ==
        Approx(std::stod(s.sql().scalar("SELECT avg(abs(value - y)) " + rows))).epsilon(1e-12));
  CHECK(p["statistics"]["rmse"].get<double>() ==
        Approx(std::stod(s.sql().scalar("SELECT sqrt(avg((value - y) ^ 2)) " + rows)))
            .epsilon(1e-12));
  CHECK(p["statistics"]["mean_error"].get<double>() ==
        Approx(std::stod(s.sql().scalar("SELECT avg(value - y) " + rows))).epsilon(1e-12));
  CHECK(p["statistics"]["mape"].get<double>() ==
        Approx(std::stod(
                   s.sql().scalar("SELECT avg(abs(value - y) / abs(y)) " + rows + " AND y <> 0")))
            .epsilon(1e-12));
  CHECK(p["label_coverage"].get<double>() == Approx(667.0 / 1000));
  CHECK(p["changes"]["rmse_increase"].get<double>() > 1.0);
  CHECK(p["breaches"] == json::array({"rmse_increase"}));
  CHECK(p["label_delay_seconds"].is_null());
}

TEST_CASE("check validates the label table, its key and its columns", "[monitoring]") {
  TestSchema s("lc");
  State state{s.name() + "_state"};
  load_predictions(s);
  auto check = [&](const std::string& labels) {
    std::string path = testing::write_temp_file(
        "driftd.toml", config(state.name, s.table("p"),
                              "reference = { offset = \"1d\" }\nprediction = { column = "
                              "\"prediction\", kind = \"categorical\" }\n" +
                                  labels));
    return testing::run_driftd({"check", "--config", path});
  };
  auto ok = check(
      "labels = { table = \"" + s.table("labels") +
      "\", key = \"prediction_id\", prediction_key = \"id\", column = \"label\", task = \"binary\","
      " score = \"score\", timestamp_column = \"labelled_at\" }\n");
  INFO(ok.out << ok.err);
  CHECK(ok.exit_code == 0);
  auto bad =
      check("labels = { table = \"" + s.table("labels") +
            "\", key = \"pid\", prediction_key = \"ident\", column = \"lbl\", task = \"binary\","
            " score = \"score\", timestamp_column = \"value\" }\n");
  INFO(bad.out);
  CHECK(bad.exit_code == 1);
  CHECK(bad.out.find("column \"lbl\" does not exist in table \"" + s.table("labels") + "\"") !=
        std::string::npos);
  CHECK(bad.out.find("label key column \"pid\" does not exist in table \"" + s.table("labels") +
                     "\"") != std::string::npos);
  CHECK(bad.out.find("prediction key column \"ident\" does not exist in table \"" + s.table("p") +
                     "\"") != std::string::npos);
  auto missing = check("labels = { table = \"" + s.name() +
                       ".nope\", key = \"a\", prediction_key = \"id\","
                       " column = \"l\", task = \"binary\", score = \"score\" }\n");
  CHECK(missing.exit_code == 1);
  CHECK(missing.out.find("monitor m: labels: table \"" + s.name() + ".nope\" does not exist") !=
        std::string::npos);
  auto types = check("labels = { table = \"" + s.table("labels") +
                     "\", key = \"label\", prediction_key = \"id\", column = \"label\", task = "
                     "\"binary\", score = \"score\" }\n");
  CHECK(
      types.out.find("label key \"label\" has type text, prediction key \"id\" has type bigint") !=
      std::string::npos);
}

TEST_CASE("system health from the log: latency, errors, throughput, volume", "[monitoring]") {
  TestSchema s("sys");
  State state{s.name() + "_state"};
  s.sql().exec("CREATE TABLE " + s.table("p") +
               " (ts timestamptz, x float8, latency_s float8, status text, failed boolean)");
  // reference hour: 600 rows; current hour: 1800 rows, slower, 5% errors or timeouts, some NULLs
  s.sql().exec(
      "INSERT INTO " + s.table("p") +
      " SELECT '2026-01-01T00:00:00Z'::timestamptz + i * interval '6 s', i % 10, 0.05, 'ok', false"
      " FROM generate_series(1, 600) i");
  s.sql().exec("INSERT INTO " + s.table("p") +
               " SELECT '2026-01-02T00:00:00Z'::timestamptz + i * interval '2 s', i % 10,"
               " CASE WHEN i % 97 = 0 THEN NULL ELSE ((i * 7919) % 1000) / 1000.0 END,"
               " CASE WHEN i % 40 = 0 THEN 'error' WHEN i % 40 = 1 THEN 'timeout' WHEN i % 50 = 7 "
               "THEN NULL ELSE 'ok' END,"
               " i % 40 < 2 FROM generate_series(1, 1800) i");
  std::string path = testing::write_temp_file(
      "driftd.toml",
      config(state.name, s.table("p"),
             "reference = { from = \"2026-01-01T00:00:00Z\", to = \"2026-01-01T01:00:00Z\" }\n"
             "features = [{ name = \"x\", column = \"x\", kind = \"numerical\" }]\n"
             "system = { latency_column = \"latency_s\", latency_unit = \"s\", error_column = "
             "\"status\","
             " error_values = [\"error\", \"timeout\"] }\n"
             "thresholds = { error_rate = 0.01, latency_p99 = 500, volume_change = { below = -0.5 "
             "} }\n"));
  json e = run_once(path, "2026-01-02T01:00:00Z");
  INFO(e.dump());
  REQUIRE(e.contains("system"));
  const json& st = e["system"]["statistics"];
  const std::string cur = "FROM " + s.table("p") +
                          " WHERE ts > '2026-01-02T00:00:00Z' AND ts <= '2026-01-02T01:00:00Z'";
  for (const char* q : {"0.5", "0.95", "0.99"}) {
    const std::string name =
        std::string("latency_p") + (std::string(q) == "0.5" ? "50" : std::string(q).substr(2));
    CAPTURE(name);
    CHECK(st[name].get<double>() ==
          Approx(std::stod(s.sql().scalar("SELECT 1000 * percentile_cont(" + std::string(q) +
                                          ") WITHIN GROUP (ORDER BY latency_s) " + cur)))
              .epsilon(1e-12));
  }
  CHECK(st["latency_mean"].get<double>() ==
        Approx(std::stod(s.sql().scalar("SELECT 1000 * avg(latency_s) " + cur))).epsilon(1e-12));
  CHECK(st["latency_max"].get<double>() == Approx(999));
  CHECK(st["error_rate"].get<double>() ==
        Approx(std::stod(s.sql().scalar("SELECT avg((status IN ('error', 'timeout'))::int) " + cur +
                                        " AND status IS NOT NULL")))
            .epsilon(1e-12));
  CHECK(e["system"]["requests"].get<long long>() ==
        std::stoll(s.sql().scalar("SELECT count(status) " + cur)));
  CHECK(e["system"]["latency_rows"].get<long long>() ==
        std::stoll(s.sql().scalar("SELECT count(latency_s) " + cur)));
  CHECK(st["throughput_per_minute"] == 30);
  CHECK(st["volume_change"] == 2);
  CHECK(e["system"]["breaches"] == json::array({"error_rate", "latency_p99"}));
  CHECK(e["status"] == "drift");
  CHECK(s.sql().scalar(
            "SELECT value FROM " + state.name +
            ".statistics WHERE feature = '__system__' AND statistic = 'throughput_per_minute'") ==
        "30");
  CHECK(s.sql().scalar("SELECT count(*) FROM " + state.name +
                       ".alerts WHERE feature = '__system__' AND state = 'firing'") == "2");

  SECTION("a boolean error column: true is an error") {
    std::string p2 = testing::write_temp_file(
        "bool.toml", config(state.name, s.table("p"),
                            "reference = { offset = \"1d\" }\nfeatures = [{ name = \"x\", column = "
                            "\"x\", kind = \"numerical\" }]\n"
                            "system = { error_column = \"failed\" }\n"));
    json b = run_once(p2, "2026-01-02T01:00:00Z");
    CHECK(b["system"]["statistics"]["error_rate"].get<double>() == Approx(90.0 / 1800));
    CHECK(b["system"]["statistics"]["volume_change"] == 2);
    CHECK_FALSE(b["system"]["statistics"].contains("latency_p50"));
  }
}

namespace {

// The values of `column` in the reference day, in time order.
std::vector<double> values_by_time(TestSchema& s, const std::string& column) {
  std::vector<double> out;
  for (const auto& v : s.sql().column(
           "SELECT " + column + " FROM " + s.table("p") +
           " WHERE ts > '2026-01-01T00:00:00Z' AND ts <= '2026-01-01T20:00:00Z' ORDER BY ts")) {
    out.push_back(std::stod(v));
  }
  return out;
}

}  // namespace

TEST_CASE("learned thresholds: from the reference's variability, stored with it", "[monitoring]") {
  TestSchema s("auto");
  State state{s.name() + "_state"};
  // 20 hours of reference, one row every 18 s (200 an hour, 4000 in all). `steady` has the same
  // distribution every hour; `wobbly` moves by the hour of the day (4 different levels).
  s.sql().exec("CREATE TABLE " + s.table("p") +
               " (ts timestamptz, steady float8, wobbly float8, c text)");
  s.sql().exec(
      "INSERT INTO " + s.table("p") +
      " SELECT '2026-01-01T00:00:00Z'::timestamptz + i * interval '18 s', (i * 7919) % 1000,"
      " (i * 7919) % 1000 + ((i - 1) / 200 % 4) * 150, (ARRAY['a','b','c'])[1 + (i * 31) % 3]"
      " FROM generate_series(1, 4000) i");
  // the current hour: steady as ever, wobbly within its usual range, c unchanged
  s.sql().exec(
      "INSERT INTO " + s.table("p") +
      " SELECT '2026-01-02T00:00:00Z'::timestamptz + i * interval '18 s', (i * 7919) % 1000,"
      " (i * 7919) % 1000 + 150, (ARRAY['a','b','c'])[1 + (i * 31) % 3] FROM generate_series(1, "
      "200) i");
  std::string path = testing::write_temp_file(
      "driftd.toml",
      config(state.name, s.table("p"),
             "reference = { from = \"2026-01-01T00:00:00Z\", to = \"2026-01-01T20:00:00Z\" }\n"
             "features = [{ name = \"steady\", column = \"steady\", kind = \"numerical\" },\n"
             "            { name = \"wobbly\", column = \"wobbly\", kind = \"numerical\" },\n"
             "            { name = \"c\", column = \"c\", kind = \"categorical\" }]\n"
             "[monitors.thresholds]\npsi = \"auto\"\n"
             "ks_statistic = { auto = true, k = 4, chunks = 20 }\n"));
  auto r = testing::run_driftd({"run-once", "--config", path, "--at", "2026-01-02T01:00:00Z"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json e = lines(r.out).at(0);
  INFO(e.dump());
  auto feature = [&](const json& ev, const std::string& name) {
    for (const auto& f : ev["features"])
      if (f["name"] == name) return f;
    FAIL("no feature " << name);
    return json();
  };
  // The learned levels are those of the reference's chunks, computed here independently of the
  // database path: the same rows, in time order, split and learned by the library.
  for (const std::string name : {"steady", "wobbly"}) {
    CAPTURE(name);
    const json th = feature(e, name)["thresholds"];
    auto values = values_by_time(s, name);
    drift::ThresholdLearningOptions psi_options;
    auto psi = drift::learn_threshold(drift::split_numerical(values, 20), "psi", psi_options);
    REQUIRE(psi);
    CHECK(th["psi"]["learned"] == true);
    CHECK(th["psi"]["chunks"] == 20);
    CHECK(th["psi"]["value"].get<double>() == Approx(psi->threshold).epsilon(1e-12));
    CHECK(th["psi"]["mean"].get<double>() == Approx(psi->mean).epsilon(1e-12));
    CHECK(th["psi"]["stddev"].get<double>() == Approx(psi->stddev).epsilon(1e-12));
    drift::ThresholdLearningOptions ks_options;
    ks_options.k = 4;
    auto ks =
        drift::learn_threshold(drift::split_numerical(values, 20), "ks_statistic", ks_options);
    REQUIRE(ks);
    CHECK(th["ks_statistic"]["value"].get<double>() == Approx(ks->threshold).epsilon(1e-12));
    CHECK(th["ks_statistic"]["chunks"] == 20);
  }
  // the categorical feature learns psi but has no ks_statistic
  CHECK(feature(e, "c")["thresholds"].contains("psi"));
  CHECK_FALSE(feature(e, "c")["thresholds"].contains("ks_statistic"));
  // wobbly's hour-to-hour movement makes its threshold far higher than steady's ...
  const double steady_level = feature(e, "steady")["thresholds"]["psi"]["value"];
  const double wobbly_level = feature(e, "wobbly")["thresholds"]["psi"]["value"];
  CHECK(wobbly_level > 10 * steady_level);
  // ... so the current hour, one of wobbly's usual levels, is no drift for it under the learned
  // threshold although its PSI is well above the fixed 0.2 default
  CHECK(feature(e, "wobbly")["statistics"]["psi"].get<double>() > 0.2);
  CHECK(feature(e, "wobbly")["breaches"].empty());
  CHECK(e["status"] == "ok");

  // Stored with the frozen reference: the next evaluation reuses it, thresholds and all.
  CHECK(s.sql().scalar("SELECT count(*) FROM " + state.name + ".frozen_references") == "3");
  s.sql().exec("UPDATE " + s.table("p") +
               " SET wobbly = wobbly + 500 WHERE ts > '2026-01-02T00:00:00Z'");
  auto again = testing::run_driftd({"run-once", "--config", path, "--at", "2026-01-02T01:00:00Z"});
  REQUIRE(again.exit_code == 0);
  CHECK(again.err.find("frozen_reference=true") != std::string::npos);
  json e2 = lines(again.out).at(0);
  CHECK(feature(e2, "wobbly")["thresholds"] == feature(e, "wobbly")["thresholds"]);
  CHECK(feature(e2, "wobbly")["breaches"].at(0) == "psi");
  CHECK(e2["status"] == "drift");
  // the alert carries the learned level
  CHECK(std::stod(s.sql().scalar("SELECT threshold FROM " + state.name +
                                 ".alerts WHERE feature = 'wobbly' AND statistic = 'psi'")) ==
        Approx(wobbly_level).epsilon(1e-12));
}

namespace {

// 15 countries. Reference hour 2026-01-01T00..01: 200 rows each plus 50 with no country. Current
// hour 2026-01-02T00..01: country k has 400 - 20k rows (c01 the largest), plus 50 with no country;
// x is spread alike everywhere except in c02 of the current hour, shifted by 60.
void load_countries(TestSchema& s) {
  s.sql().exec("CREATE TABLE " + s.table("p") +
               " (ts timestamptz, x float8, device text, country text)");
  s.sql().exec("INSERT INTO " + s.table("p") +
               " SELECT '2026-01-01T00:00:00Z'::timestamptz + (k * 200 + i) * interval '1 s',"
               " i % 100, CASE WHEN i % 2 = 0 THEN 'ios' ELSE 'android' END,"
               " 'c' || lpad(k::text, 2, '0')"
               " FROM generate_series(1, 15) k, generate_series(1, 200) i");
  s.sql().exec("INSERT INTO " + s.table("p") +
               " SELECT '2026-01-01T00:00:00Z'::timestamptz + i * interval '1 s', i % 100, 'ios',"
               " NULL FROM generate_series(1, 50) i");
  s.sql().exec("INSERT INTO " + s.table("p") +
               " SELECT '2026-01-02T00:00:00Z'::timestamptz + (k * 400 + i) * interval '0.5 s',"
               " CASE WHEN k = 2 THEN i % 100 + 60 ELSE i % 100 END,"
               " CASE WHEN i % 2 = 0 THEN 'ios' ELSE 'android' END, 'c' || lpad(k::text, 2, '0')"
               " FROM generate_series(1, 15) k, generate_series(1, 400) i WHERE i <= 400 - 20 * k");
  s.sql().exec("INSERT INTO " + s.table("p") +
               " SELECT '2026-01-02T00:00:00Z'::timestamptz + i * interval '1 s', i % 100, 'ios',"
               " NULL FROM generate_series(1, 50) i");
}

std::string segment_monitor(const std::string& segment) {
  return "reference = { from = \"2026-01-01T00:00:00Z\", to = \"2026-01-01T01:00:00Z\" }\n"
         "features = [{ name = \"x\", column = \"x\", kind = \"numerical\" },\n"
         "            { name = \"device\", column = \"device\", kind = \"categorical\" }]\n"
         "thresholds = { psi = 0.2 }\n" +
         segment;
}

std::vector<std::string> segment_names(const json& e) {
  std::vector<std::string> out;
  for (const auto& s : e["segments"]) out.push_back(s["segment"].get<std::string>());
  return out;
}

// Champion / challenger: one log of a shadow deployment where every request of the hour
// 2026-01-02T00..01 is scored by four model versions, with its label in the same table.
//   v1: score 0.3·y + 0.7·u1 (the champion), v2: 0.45·y + 0.55·u2 (clearly better),
//   v3: v1's scores (the same model again), v4: v2's scores with labels for 1 row in 25 only.
// u1, u2 are spread deterministically over [0, 1); y = 1 for 40% of the requests. The reference
// day holds v1 only.
void load_versions(TestSchema& s) {
  s.sql().exec("CREATE TABLE " + s.table("p") +
               " (ts timestamptz, request_id text, model_version text, x float8, score float8,"
               " prediction text, label text)");
  const std::string y = "(((i * 104729) % 1000) / 1000.0 < 0.4)::int";
  const std::string u1 = "(((i * 7919) % 1000) / 1000.0)";
  const std::string u2 = "(((i * 3571) % 997) / 997.0)";
  const std::string v1 = "0.3 * " + y + " + 0.7 * " + u1;
  const std::string v2 = "0.45 * " + y + " + 0.55 * " + u2;
  auto insert = [&](const std::string& day, const std::string& version, const std::string& score,
                    const std::string& labelled) {
    s.sql().exec("INSERT INTO " + s.table("p") + " SELECT '" + day +
                 "'::timestamptz + i * interval '3 s', 'r' || i, '" + version +
                 "', i % 50, sc, CASE WHEN sc >= 0.5 THEN 'yes' ELSE 'no' END,"
                 " CASE WHEN " +
                 labelled + " THEN CASE WHEN " + y +
                 " = 1 THEN 'yes' ELSE 'no' END END"
                 " FROM (SELECT i, (" +
                 score + ")::float8 AS sc FROM generate_series(1, 1000) i) q");
  };
  insert("2026-01-01T00:00:00Z", "v1", v1, "true");
  insert("2026-01-02T00:00:00Z", "v1", v1, "true");
  insert("2026-01-02T00:00:00Z", "v2", v2, "true");
  insert("2026-01-02T00:00:00Z", "v3", v1, "true");
  insert("2026-01-02T00:00:00Z", "v4", v2, "i % 25 = 0");
}

std::string versions_config(const std::string& challenger) {
  return "reference = { from = \"2026-01-01T00:00:00Z\", to = \"2026-01-01T01:00:00Z\" }\n"
         "features = [{ name = \"x\", column = \"x\", kind = \"numerical\" }]\n"
         "prediction = { column = \"prediction\", kind = \"categorical\" }\n"
         "labels = { column = \"label\", task = \"binary\", positive = \"yes\", score = \"score\" "
         "}\n"
         "thresholds = { agreement_rate = { below = 0.95 }, psi = 100, roc_auc_drop = 100 }\n"
         "[monitors.challenger]\nchampion = { model_version = \"v1\" }\n" +
         challenger + "min_rows = 100\n";
}

// The rows of one version in the current hour, as SQL.
std::string version_rows(TestSchema& s, const std::string& version) {
  return "(SELECT request_id, score, prediction, label FROM " + s.table("p") +
         " WHERE model_version = '" + version +
         "' AND ts > '2026-01-02T00:00:00Z' AND ts <= '2026-01-02T01:00:00Z')";
}

// ROC AUC of a version's labelled rows by comparing every positive with every negative.
double sql_auc(TestSchema& s, const std::string& version) {
  return std::stod(s.sql().scalar(
      "WITH r AS " + version_rows(s, version) +
      " SELECT avg(CASE WHEN a.score > b.score THEN 1.0 WHEN a.score = b.score THEN 0.5 ELSE 0.0 "
      "END) FROM r a CROSS JOIN r b WHERE a.label = 'yes' AND b.label = 'no'"));
}

}  // namespace

TEST_CASE("segments: the largest N by volume, the rest as __other__, drift per segment",
          "[monitoring][segments]") {
  TestSchema s("seg");
  State state{s.name() + "_state"};
  load_countries(s);
  std::string path = testing::write_temp_file(
      "driftd.toml", config(state.name, s.table("p"),
                            segment_monitor("segment = { column = \"country\", max = 3 }\n")));
  json e = run_once(path, "2026-01-02T01:00:00Z");
  INFO(e.dump());
  CHECK(e["segment_column"] == "country");
  REQUIRE(segment_names(e) == std::vector<std::string>{"c01", "c02", "c03", "__other__"});
  const std::string cur = " FROM " + s.table("p") +
                          " WHERE ts > '2026-01-02T00:00:00Z' AND ts <= '2026-01-02T01:00:00Z'";
  const std::string ref = " FROM " + s.table("p") +
                          " WHERE ts > '2026-01-01T00:00:00Z' AND ts <= '2026-01-01T01:00:00Z'";
  for (int i = 0; i < 3; ++i) {
    const json& sg = e["segments"][i];
    const std::string country = sg["segment"];
    CAPTURE(country);
    CHECK(sg["current_rows"].get<long long>() ==
          std::stoll(s.sql().scalar("SELECT count(*)" + cur + " AND country = '" + country + "'")));
    CHECK(sg["reference_rows"].get<long long>() ==
          std::stoll(s.sql().scalar("SELECT count(*)" + ref + " AND country = '" + country + "'")));
    CHECK(sg["features"][0]["name"] == "x");
    CHECK(sg["features"][1]["name"] == "device");
  }
  const json& other = e["segments"][3];
  CHECK(other["current_rows"].get<long long>() ==
        std::stoll(s.sql().scalar("SELECT count(*)" + cur +
                                  " AND country IS DISTINCT FROM 'c01' AND country IS DISTINCT "
                                  "FROM 'c02' AND country IS DISTINCT FROM 'c03'")));
  CHECK(other["current_rows"] == 2520 + 50);
  CHECK(other["reference_rows"] == 12 * 200 + 50);
  // Only c02 drifts, on x only.
  CHECK(e["segments"][0]["status"] == "ok");
  CHECK(e["segments"][1]["status"] == "drift");
  CHECK(e["segments"][1]["features"][0]["breaches"] == json::array({"psi"}));
  CHECK(e["segments"][1]["features"][1]["breaches"] == json::array());
  CHECK(e["segments"][2]["status"] == "ok");
  CHECK(other["status"] == "ok");
  // The overall statistics are the whole window's: c02's shift is diluted there.
  CHECK(e["features"][0]["rows"]["current"] == 3650);
  CHECK(e["features"][0]["statistics"]["psi"].get<double>() <
        e["segments"][1]["features"][0]["statistics"]["psi"].get<double>());
  CHECK(e["status"] == "drift");

  // Stored with the evaluation; the alert names the segment and nothing else fires.
  CHECK(s.sql().scalar("SELECT jsonb_array_length(body -> 'segments') FROM " + state.name +
                       ".evaluations") == "4");
  CHECK(s.sql().scalar("SELECT string_agg(feature || '/' || statistic || '/' || segment || '/' || "
                       "state, ',') FROM " +
                       state.name + ".alerts") == "x/psi/c02/firing");

  // Evaluated again, the same segments and statistics, and the alert stays one incident.
  json again = run_once(path, "2026-01-02T01:00:00Z");
  CHECK(again["segments"] == e["segments"]);
  CHECK(s.sql().scalar("SELECT count(*) FROM " + state.name + ".alerts") == "1");

  SECTION("max = 1: c01 and everything else") {
    std::string p1 = testing::write_temp_file(
        "one.toml", config(state.name, s.table("p"),
                           segment_monitor("segment = { column = \"country\", max = 1 }\n")));
    json one = run_once(p1, "2026-01-02T01:00:00Z");
    CHECK(segment_names(one) == std::vector<std::string>{"c01", "__other__"});
    CHECK(one["segments"][1]["current_rows"] == 3650 - 380);
    // c02 left the top N: its alert resolves.
    CHECK(s.sql().scalar("SELECT state FROM " + state.name + ".alerts WHERE segment = 'c02'") ==
          "resolved");
  }
  SECTION("max = 16: every country and the rows without one (__missing__), no __other__") {
    std::string p16 = testing::write_temp_file(
        "all.toml", config(state.name, s.table("p"),
                           segment_monitor("segment = { column = \"country\", max = 16 }\n")));
    json all = run_once(p16, "2026-01-02T01:00:00Z");
    auto names = segment_names(all);
    REQUIRE(names.size() == 16);
    CHECK(names.front() == "c01");
    CHECK(names[14] == "c15");
    CHECK(names[15] == "__missing__");  // 50 rows, fewer than c15's 100
    CHECK(std::find(names.begin(), names.end(), "__other__") == names.end());
    CHECK(all["segments"][15]["current_rows"] == 50);
    CHECK(all["segments"][15]["reference_rows"] == 50);
  }
  SECTION("a sampled window: the segments partition the sample") {
    std::string ps = testing::write_temp_file(
        "sampled.toml",
        config(state.name, s.table("p"),
               "max_rows = 1000\n" +
                   segment_monitor("segment = { column = \"country\", max = 3 }\n")));
    json sampled = run_once(ps, "2026-01-02T01:00:00Z");
    CHECK(sampled["current_window"]["sampled"] == true);
    CHECK(sampled["current_window"]["rows"] == 1000);
    long long current = 0, reference = 0;
    for (const auto& sg : sampled["segments"]) {
      current += sg["current_rows"].get<long long>();
      reference += sg["reference_rows"].get<long long>();
    }
    CHECK(current == 1000);
    CHECK(reference == sampled["reference_window"]["rows"].get<long long>());
    CHECK(segment_names(sampled).size() == 4);
    CHECK(segment_names(sampled)[0] == "c01");  // 380 of 3650 rows: first in any fair sample
  }
  SECTION("max = 15: the rows without a country join __other__") {
    std::string p15 = testing::write_temp_file(
        "most.toml", config(state.name, s.table("p"),
                            segment_monitor("segment = { column = \"country\", max = 15 }\n")));
    json most = run_once(p15, "2026-01-02T01:00:00Z");
    auto names = segment_names(most);
    REQUIRE(names.size() == 16);
    CHECK(names[14] == "c15");
    CHECK(names[15] == "__other__");
    CHECK(most["segments"][15]["current_rows"] == 50);
  }
}

TEST_CASE("segments: check names a missing segment column", "[monitoring][segments]") {
  TestSchema s("segc");
  State state{s.name() + "_state"};
  load_countries(s);
  std::string path = testing::write_temp_file(
      "driftd.toml", config(state.name, s.table("p"),
                            segment_monitor("segment = { column = \"region\", max = 3 }\n")));
  auto r = testing::run_driftd({"check", "--config", path});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("\"region\" does not exist in table \"" + s.table("p") + "\"") !=
        std::string::npos);
}

TEST_CASE("segments through the daemon: API, metrics and alerts name the segment",
          "[monitoring][segments][daemon]") {
  TestSchema s("segd");
  State state{s.name() + "_state"};
  // Around now: the current hour and the same hour a day before (the reference, by offset).
  // Four countries; "b" drifts; max = 2 keeps a and b, c and d are __other__.
  s.sql().exec("CREATE TABLE " + s.table("p") + " (ts timestamptz, x float8, country text)");
  for (const char* day : {"1 day", "0 days"}) {
    const std::string shift = std::string(day) == "0 days" ? "60" : "0";
    s.sql().exec("INSERT INTO " + s.table("p") + " SELECT now() - interval '" + day +
                 "' - (10 + i) * interval '1 s',"
                 " CASE WHEN c = 'b' THEN i % 100 + " +
                 shift +
                 " ELSE i % 100 END, c"
                 " FROM unnest(ARRAY['a', 'b', 'c', 'd']) c, generate_series(1, 300) i"
                 " WHERE i <= CASE c WHEN 'a' THEN 300 WHEN 'b' THEN 250 ELSE 150 END");
  }
  std::string daemon_config =
      "[server]\nlisten = \"127.0.0.1:0\"\n" +
      config(state.name, s.table("p"),
             "reference = { offset = \"1d\" }\n"
             "features = [{ name = \"x\", column = \"x\", kind = \"numerical\" }]\n"
             "thresholds = { psi = 0.2 }\n"
             "segment = { column = \"country\", max = 2 }\n");
  daemon_config.replace(daemon_config.find("schedule = \"1h\""), 15, "schedule = \"1d\"");
  std::string path = testing::write_temp_file("driftd.toml", daemon_config);
  testing::DaemonProcess d({"--config", path});
  REQUIRE(d.wait_for_log("driftd started"));
  INFO(d.log());
  const int port = d.port();
  // The first evaluation, at start, may still be storing its result: /run answers 409 meanwhile.
  d.wait_for_log("evaluation finished monitor=m", 10);
  auto [code, body] = testing::http_post(port, "/api/v1/monitors/m/run");
  for (int i = 0; code == 409 && i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::tie(code, body) = testing::http_post(port, "/api/v1/monitors/m/run");
  }
  REQUIRE(code == 200);
  json run = json::parse(body);
  REQUIRE(segment_names(run) == std::vector<std::string>{"a", "b", "__other__"});
  CHECK(run["segments"][1]["status"] == "drift");

  json latest = json::parse(testing::http_get(port, "/api/v1/monitors/m/drift").second);
  CHECK(latest["segment_column"] == "country");
  CHECK(latest["segments"] == run["segments"]);

  const std::string metrics = testing::http_get(port, "/metrics").second;
  for (const char* segment : {"a", "b", "__other__"}) {
    CAPTURE(segment);
    CHECK(metrics.find("driftd_segment_statistic{feature=\"x\",monitor=\"m\",segment=\"" +
                       std::string(segment) + "\",statistic=\"psi\"}") != std::string::npos);
  }
  CHECK(metrics.find("segment=\"c\"") == std::string::npos);
  CHECK(metrics.find("driftd_segment_rows{monitor=\"m\",segment=\"__other__\",window=\"current\"} "
                     "300") != std::string::npos);

  json alerts = json::parse(testing::http_get(port, "/api/v1/alerts").second)["alerts"];
  std::vector<std::string> firing;
  for (const auto& a : alerts) {
    if (a["state"] == "firing") {
      firing.push_back(a["feature"].get<std::string>() + "/" + a.value("segment", std::string()));
    }
  }
  INFO(alerts.dump());
  // The whole window's alert and b's: two incidents; a and __other__ do not fire.
  CHECK(firing == std::vector<std::string>{"x/", "x/b"});
  d.signal(SIGTERM);
  CHECK(d.wait_exit(30) == 0);
}

TEST_CASE("champion / challenger: a known difference, no difference, too few labels",
          "[monitoring]") {
  TestSchema s("cc");
  State state{s.name() + "_state"};
  load_versions(s);

  SECTION("a clearly better challenger in a shadow deployment (paired by request)") {
    std::string path = testing::write_temp_file(
        "driftd.toml",
        config(state.name, s.table("p"),
               versions_config("challenger = { model_version = \"v2\" }\nkey = \"request_id\"\n")));
    json e = run_once(path, "2026-01-02T01:00:00Z");
    INFO(e.dump());
    REQUIRE(e.contains("challenger"));
    const json& c = e["challenger"];
    CHECK(c["champion"]["rows"] == 1000);
    CHECK(c["challenger"]["rows"] == 1000);
    CHECK(c["metric"] == "roc_auc");
    CHECK(c["test"] == "delong_paired");
    CHECK(c["paired"] == true);
    const json& st = c["statistics"];
    const double auc1 = sql_auc(s, "v1"), auc2 = sql_auc(s, "v2");
    CHECK(auc2 - auc1 > 0.1);
    CHECK(st["champion_performance"].get<double>() == Approx(auc1).epsilon(1e-12));
    CHECK(st["challenger_performance"].get<double>() == Approx(auc2).epsilon(1e-12));
    CHECK(st["performance_difference"].get<double>() == Approx(auc2 - auc1).epsilon(1e-12));
    // DeLong's paired variance computed by PostgreSQL from the placement values: for each
    // positive the share of negatives it outranks under each version (and the converse), then
    // Var(placement_v2 − placement_v1)/P + .../N.
    const std::string pairs =
        "(SELECT a.request_id, a.label = 'yes' AS pos, a.score AS s1, b.score AS s2 FROM " +
        version_rows(s, "v1") + " a JOIN " + version_rows(s, "v2") +
        " b USING (request_id) WHERE a.label IS NOT NULL)";
    const std::string psi1 =
        "CASE WHEN a.s1 > b.s1 THEN 1.0 WHEN a.s1 = b.s1 THEN 0.5 ELSE 0.0 END";
    const std::string psi2 =
        "CASE WHEN a.s2 > b.s2 THEN 1.0 WHEN a.s2 = b.s2 THEN 0.5 ELSE 0.0 END";
    const double variance = std::stod(s.sql().scalar(
        "WITH r AS " + pairs + ", x AS (SELECT a.request_id AS pi, b.request_id AS ni, " + psi1 +
        " AS d1, " + psi2 +
        " AS d2 FROM r a JOIN r b ON a.pos AND NOT b.pos),"
        " v10 AS (SELECT avg(d2) - avg(d1) AS d FROM x GROUP BY pi),"
        " v01 AS (SELECT avg(d2) - avg(d1) AS d FROM x GROUP BY ni)"
        " SELECT (SELECT var_samp(d) / count(*) FROM v10) + (SELECT var_samp(d) / count(*) FROM "
        "v01)"));
    const double z = (auc2 - auc1) / std::sqrt(variance);
    CHECK(st["performance_statistic"].get<double>() == Approx(z).epsilon(1e-9));
    CHECK(st["performance_pvalue"].get<double>() ==
          Approx(std::erfc(z / std::sqrt(2.0))).epsilon(1e-6));
    CHECK(c["verdict"] == "better");
    CHECK(c["significantly_better"] == true);
    CHECK(st["challenger_better"] == 1);
    CHECK(st["champion_labelled_rows"] == 1000);
    // Agreement of the predicted classes on the same request, counted by PostgreSQL.
    const double agreement = std::stod(s.sql().scalar(
        "SELECT avg((a.prediction = b.prediction)::int) FROM " + version_rows(s, "v1") +
        " a JOIN " + version_rows(s, "v2") + " b USING (request_id)"));
    CHECK(st["paired_rows"] == 1000);
    CHECK(st["agreement_rate"].get<double>() == Approx(agreement).epsilon(1e-12));
    // PSI of the predicted classes, v1's shares the reference.
    double psi = 0;
    for (const char* cls : {"yes", "no"}) {
      auto share = [&](const std::string& v) {
        return std::stod(s.sql().scalar("SELECT avg((prediction = '" + std::string(cls) +
                                        "')::int) FROM " + version_rows(s, v) + " r"));
      };
      const double r = share("v1"), cu = share("v2");
      psi += (cu - r) * std::log(cu / r);
    }
    CHECK(st["prediction_psi"].get<double>() == Approx(psi).epsilon(1e-12));
    // agreement_rate below 0.95: a breach, stored, alerting as __challenger__
    REQUIRE(agreement < 0.95);
    CHECK(c["breaches"] == json::array({"agreement_rate"}));
    CHECK(c["status"] == "drift");
    CHECK(e["status"] == "drift");
    CHECK(std::stod(s.sql().scalar("SELECT value FROM " + state.name +
                                   ".statistics WHERE feature = '__challenger__' AND statistic = "
                                   "'agreement_rate'")) == Approx(agreement).epsilon(1e-12));
    CHECK(s.sql().scalar("SELECT state FROM " + state.name +
                         ".alerts WHERE feature = '__challenger__' AND statistic = "
                         "'agreement_rate'") == "firing");
    // Evaluated again: the same bytes (the stored evaluation reads back the same).
    auto again =
        testing::run_driftd({"run-once", "--config", path, "--at", "2026-01-02T01:00:00Z"});
    CHECK(lines(again.out).at(0) == e);
  }

  SECTION("the same model as challenger: no difference") {
    std::string path = testing::write_temp_file(
        "driftd.toml",
        config(state.name, s.table("p"),
               versions_config("challenger = { model_version = \"v3\" }\nkey = \"request_id\"\n")));
    json e = run_once(path, "2026-01-02T01:00:00Z");
    INFO(e.dump());
    const json& c = e["challenger"];
    CHECK(c["verdict"] == "no_difference");
    CHECK(c["significantly_better"] == false);
    CHECK(c["statistics"]["performance_difference"] == 0);
    CHECK(c["statistics"]["performance_pvalue"] == 1);
    CHECK(c["statistics"]["agreement_rate"] == 1);
    CHECK(c["statistics"]["prediction_psi"] == 0);
    CHECK(c["statistics"]["challenger_better"] == 0);
    CHECK(c["statistics"]["challenger_worse"] == 0);
    CHECK(c["breaches"] == json::array());
  }

  SECTION("too few labels for the challenger (unpaired): unknown") {
    std::string path = testing::write_temp_file(
        "driftd.toml", config(state.name, s.table("p"),
                              versions_config("challenger = { model_version = \"v4\" }\n")));
    json e = run_once(path, "2026-01-02T01:00:00Z");
    INFO(e.dump());
    const json& c = e["challenger"];
    CHECK(c["test"] == "delong_unpaired");
    CHECK(c["paired"] == false);
    CHECK(c["champion"]["labelled_rows"] == 1000);
    CHECK(c["challenger"]["labelled_rows"] == 40);
    CHECK(c["statistics"]["challenger_performance"].get<double>() ==
          Approx(sql_auc(s, "v4")).epsilon(1e-12));
    CHECK(c["verdict"] == "unknown");
    CHECK_FALSE(c["statistics"].contains("challenger_better"));
    CHECK_FALSE(c["statistics"].contains("agreement_rate"));  // no key
    CHECK(c["status"] == "ok");  // 1000 rows each: thresholds apply, none is crossed
  }

  SECTION("versions that cannot be read fail the comparison only, not the evaluation") {
    std::string path = testing::write_temp_file(
        "driftd.toml",
        config(state.name, s.table("p"),
               versions_config("challenger = { model_version = \"v2\" }\nkey = \"gone\"\n")));
    json e = run_once(path, "2026-01-02T01:00:00Z");
    INFO(e.dump());
    CHECK(e["status"] != "error");
    CHECK(e["error"].is_null());
    REQUIRE(e["features"].size() == 1);
    CHECK(e["features"][0]["statistics"].contains("psi"));  // the monitor's own drift stands
    const json& c = e["challenger"];
    CHECK(c["status"] == "error");
    CHECK(c["verdict"] == "unknown");
    CHECK(c["error"].get<std::string>().find("\"gone\" does not exist") != std::string::npos);
    CHECK(c["statistics"].empty());
  }
}

TEST_CASE("check validates the challenger's key and filter columns", "[monitoring]") {
  TestSchema s("ccc");
  State state{s.name() + "_state"};
  load_versions(s);
  auto check = [&](const std::string& challenger) {
    std::string path = testing::write_temp_file(
        "driftd.toml", config(state.name, s.table("p"), versions_config(challenger)));
    return testing::run_driftd({"check", "--config", path});
  };
  auto ok = check("challenger = { model_version = \"v2\" }\nkey = \"request_id\"\n");
  INFO(ok.out << ok.err);
  CHECK(ok.exit_code == 0);
  auto bad = check("challenger = { model_version = \"v2\", modle = \"x\" }\nkey = \"request\"\n");
  INFO(bad.out);
  CHECK(bad.exit_code == 1);
  CHECK(bad.out.find("monitor m: challenger: column \"request\" does not exist in table \"" +
                     s.table("p") + "\"") != std::string::npos);
  CHECK(bad.out.find("monitor m: challenger: filter column \"modle\" does not exist in table \"" +
                     s.table("p") + "\"") != std::string::npos);
  // Each problem once, though both versions' reads would meet it.
  const auto first = bad.out.find("column \"request\" does not exist");
  CHECK(bad.out.find("column \"request\" does not exist", first + 1) == std::string::npos);
}
