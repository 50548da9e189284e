// The monitoring tables beyond feature drift (issue 8): [monitors.dataset_drift],
// [monitors.labels], [monitors.system], learned thresholds, segments and the challenger.

#include <catch2/catch.hpp>

#include <algorithm>

#include "support.hpp"

using namespace driftd::config;
using namespace driftd::config::test;

namespace {

// Lines: 4 [[monitors]] ... 14 the last feature key; the tables under test are appended from
// line 15 on.
constexpr const char* kBase = R"([database]
url = "postgresql://driftd@localhost/app"

[[monitors]]
name = "fraud-v2"
table = "public.predictions"
timestamp_column = "ts"
schedule = "5m"
window = "1h"
reference = { from = "2026-01-01T00:00:00Z", to = "2026-01-08T00:00:00Z" }
prediction = { column = "prediction", kind = "categorical" }
confidence = { column = "confidence" }
features = [{ name = "amount", column = "amount", kind = "numerical" },
            { name = "country", column = "country", kind = "categorical" }]
)";

MonitorConfig monitor_with(const std::string& tail) {
  ScopedEnv env({});
  return load(std::string(kBase) + tail).monitors.at(0);
}

// The problem whose message contains `needle`: checks its line and that it is the only one.
void expect_problem(const std::string& tail, int line, const std::string& needle,
                    std::size_t count = 1) {
  ScopedEnv env({});
  const std::string text = std::string(kBase) + tail;
  auto problems = problems_of(text);
  INFO("document:\n" << text << "\nproblems:\n" << dump(problems));
  auto it = std::find_if(problems.begin(), problems.end(), [&](const Problem& p) {
    return p.message.find(needle) != std::string::npos;
  });
  REQUIRE(it != problems.end());
  CHECK(it->line == line);
  CHECK(problems.size() == count);
}

}  // namespace

TEST_CASE("the base document of the monitoring cases is valid") {
  auto m = monitor_with("");
  CHECK_FALSE(m.dataset_drift);
}

TEST_CASE("[monitors.dataset_drift] with defaults and with every key") {
  auto m = monitor_with("[monitors.dataset_drift]\n");
  REQUIRE(m.dataset_drift);
  CHECK(m.dataset_drift->correction == DatasetDriftConfig::Correction::benjamini_hochberg);
  CHECK(m.dataset_drift->alpha == 0.05);
  CHECK(m.dataset_drift->statistic == DatasetDriftConfig::PValue::automatic);
  CHECK(m.dataset_drift->line == 15);

  m = monitor_with(
      "dataset_drift = { correction = \"holm\", alpha = 0.01, statistic = \"ks_pvalue\" }\n"
      "thresholds = { drifted_feature_share = 0.3, drifted_features = { above = 4, for = 2 } }\n");
  CHECK(m.dataset_drift->correction == DatasetDriftConfig::Correction::holm);
  CHECK(m.dataset_drift->alpha == 0.01);
  CHECK(m.dataset_drift->statistic == DatasetDriftConfig::PValue::ks_pvalue);
  auto share = std::find_if(m.thresholds.begin(), m.thresholds.end(), [](const ThresholdConfig& t) {
    return t.statistic == "drifted_feature_share";
  });
  REQUIRE(share != m.thresholds.end());
  CHECK(share->level == 0.3);
  CHECK(to_string(DatasetDriftConfig::Correction::bonferroni) == "bonferroni");
  CHECK(to_string(DatasetDriftConfig::Correction::none) == "none");
}

TEST_CASE("[monitors.dataset_drift] problems") {
  expect_problem("[monitors.dataset_drift]\ncorrection = \"benjamini-hochberg\"\n", 16,
                 "monitors[0] (fraud-v2).dataset_drift.correction: \"benjamini-hochberg\" is not "
                 "one of \"benjamini_hochberg\", \"bonferroni\", \"holm\", \"none\" (did you mean "
                 "\"benjamini_hochberg\"?)");
  expect_problem("[monitors.dataset_drift]\nalpha = 1.5\n", 16,
                 "dataset_drift.alpha: 1.5 is out of range (expected strictly between 0 and 1)");
  expect_problem("[monitors.dataset_drift]\nalpa = 0.1\n", 16,
                 "dataset_drift: unknown key 'alpa' (did you mean 'alpha'?)");
  expect_problem("[monitors.dataset_drift]\nstatistic = \"ks_pval\"\n", 16,
                 "(did you mean \"ks_pvalue\"?)");
  expect_problem("dataset_drift = true\n", 15,
                 "dataset_drift: expected a table such as { correction = \"benjamini_hochberg\"");
  expect_problem("thresholds = { drifted_feature_shares = 0.3 }\n", 15,
                 "unknown statistic 'drifted_feature_shares' (did you mean "
                 "'drifted_feature_share'?)");
  expect_problem("datset_drift = {}\n", 15,
                 "unknown key 'datset_drift' (did you mean 'dataset_drift'?)");
}

TEST_CASE("[monitors.labels] in the same table and in another one") {
  auto m = monitor_with("[monitors.labels]\ncolumn = \"label\"\ntask = \"binary\"\n");
  REQUIRE(m.labels);
  CHECK(m.labels->task == LabelsConfig::Task::binary);
  CHECK(m.labels->column == "label");
  CHECK_FALSE(m.labels->joined());
  CHECK(m.labels->positive == "1");
  CHECK(m.labels->threshold == 0.5);
  CHECK_FALSE(m.labels->score);
  CHECK(m.labels->lookback == driftd::Duration::zero());
  CHECK(m.labels->delay == driftd::Duration::zero());
  CHECK(m.labels->lookback_per_tick == 4);
  CHECK_FALSE(m.labels->min_rows);
  CHECK(m.labels->line == 15);
  // the default threshold on the realised AUC comes with labels
  auto t = std::find_if(m.thresholds.begin(), m.thresholds.end(),
                        [](const ThresholdConfig& x) { return x.statistic == "roc_auc_drop"; });
  REQUIRE(t != m.thresholds.end());
  CHECK(t->level == 0.02);

  m = monitor_with(
      "[monitors.labels]\ntable = \"ml.labels\"\nkey = \"prediction_id\"\nprediction_key = \"id\"\n"
      "column = \"outcome\"\ntimestamp_column = \"labelled_at\"\ntask = \"binary\"\npositive = "
      "\"fraud\"\n"
      "score = { json = \"out\", key = \"p_fraud\" }\nthreshold = 0.3\nlookback = \"7d\"\n"
      "delay = \"36h\"\n"
      "lookback_per_tick = 10\nmin_rows = 500\n"
      "[monitors.thresholds]\nroc_auc_drop = 0.05\nf1_drop = { above = 0.1, for = 3 }\n");
  CHECK(m.labels->joined());
  CHECK(m.labels->table == "ml.labels");
  CHECK(m.labels->key == "prediction_id");
  CHECK(m.labels->prediction_key == "id");
  CHECK(m.labels->timestamp_column == "labelled_at");
  CHECK(m.labels->positive == "fraud");
  REQUIRE(m.labels->score);
  CHECK(m.labels->score->json == "out");
  CHECK(m.labels->score->key == "p_fraud");
  CHECK(m.labels->threshold == 0.3);
  CHECK(m.labels->lookback == std::chrono::hours(24 * 7));
  CHECK(m.labels->delay == std::chrono::hours(36));
  CHECK(m.labels->lookback_per_tick == 10);
  CHECK(m.labels->min_rows == 500);
  // a threshold given replaces the default
  CHECK(std::count_if(m.thresholds.begin(), m.thresholds.end(),
                      [](const ThresholdConfig& x) { return x.statistic == "roc_auc_drop"; }) == 1);
  CHECK(std::find_if(m.thresholds.begin(), m.thresholds.end(), [](const ThresholdConfig& x) {
          return x.statistic == "roc_auc_drop" && x.level == 0.05;
        }) != m.thresholds.end());
  CHECK(to_string(LabelsConfig::Task::regression) == "regression");
}

TEST_CASE("[monitors.labels] tasks and their defaults") {
  auto m = monitor_with("labels = { column = \"label\", task = \"multiclass\" }\n");
  CHECK(m.labels->task == LabelsConfig::Task::multiclass);
  CHECK(std::any_of(m.thresholds.begin(), m.thresholds.end(), [](const ThresholdConfig& x) {
    return x.statistic == "accuracy_drop" && x.level == 0.02;
  }));
  CHECK(std::none_of(m.thresholds.begin(), m.thresholds.end(),
                     [](const ThresholdConfig& x) { return x.statistic == "roc_auc_drop"; }));
  ScopedEnv env({});
  auto c = load(replaced(kBase, "prediction = { column = \"prediction\", kind = \"categorical\" }",
                         "prediction = { column = \"value\", kind = \"numerical\" }") +
                "labels = { column = \"y\", task = \"regression\" }\n");
  const auto& r = c.monitors.at(0);
  CHECK(r.labels->task == LabelsConfig::Task::regression);
  CHECK(std::none_of(r.thresholds.begin(), r.thresholds.end(), [](const ThresholdConfig& x) {
    return x.statistic == "roc_auc_drop" || x.statistic == "accuracy_drop";
  }));
}

TEST_CASE("[monitors.labels] problems") {
  expect_problem("[monitors.labels]\ncolumn = \"label\"\n", 15,
                 "monitors[0] (fraud-v2).labels: missing required key 'task' (one of \"binary\", "
                 "\"multiclass\", \"regression\")");
  expect_problem("[monitors.labels]\ntask = \"binary\"\n", 15,
                 "labels: missing required key 'column' (the column that holds the label)");
  expect_problem("[monitors.labels]\ncolumn = \"label\"\ntask = \"binery\"\n", 17,
                 "labels.task: \"binery\" is not one of \"binary\", \"multiclass\", \"regression\" "
                 "(did you mean \"binary\"?)");
  expect_problem(
      "[monitors.labels]\ncolumn = \"label\"\ntask = \"binary\"\ntable = \"ml.labels\"\n", 15,
      "labels: missing required key 'key' (the label table's column", 2);
  expect_problem(
      "[monitors.labels]\ncolumn = \"label\"\ntask = \"binary\"\ntable = \"ml.labels\"\nkey = "
      "\"pid\"\n",
      15,
      "labels: missing required key 'prediction_key' (the column of \"public.predictions\" that "
      "'pid' matches)");
  expect_problem("[monitors.labels]\ncolumn = \"label\"\ntask = \"binary\"\nkey = \"pid\"\n", 18,
                 "labels.key: only labels in another table ('table') are joined by a key");
  expect_problem(
      "[monitors.labels]\ncolumn = \"label\"\ntask = \"multiclass\"\npositive = \"yes\"\n", 18,
      "labels.positive: only for task = \"binary\"");
  expect_problem("[monitors.labels]\ncolumn = \"label\"\ntask = \"regression\"\n", 17,
                 "labels.task: \"regression\" compares the predicted value with the label: "
                 "[monitors.prediction] must be numerical");
  expect_problem(
      "[monitors.labels]\ncolumn = \"label\"\ntask = \"binary\"\nlookback = \"a week\"\n", 18,
      "labels.lookback: \"a week\" is not a positive duration");
  expect_problem("[monitors.labels]\ncolumn = \"label\"\ntask = \"binary\"\ndelay = \"two days\"\n",
                 18, "labels.delay: \"two days\" is not a positive duration");
  expect_problem(
      "[monitors.labels]\ncolumn = \"label\"\ntask = \"binary\"\nlookback_per_tick = 0\n", 18,
      "labels.lookback_per_tick: 0 is out of range (expected 1 to 1000)");
  expect_problem("[monitors.labels]\ncolumn = \"label\"\ntask = \"binary\"\nscore = 3\n", 18,
                 "labels.score: expected a column name or a table such as { column = \"score\" }, "
                 "got integer 3");
  expect_problem(
      "[monitors.labels]\ncolumn = \"label\"\ntask = \"binary\"\nscore = { columm = \"s\" }\n", 18,
      "labels.score: unknown key 'columm' (did you mean 'column'?)", 2);
  expect_problem("[monitors.labels]\ncolumn = \"label\"\ntask = \"binary\"\nlokback = \"1d\"\n", 18,
                 "labels: unknown key 'lokback' (did you mean 'lookback'?)");
  expect_problem("thresholds = { roc_auc_dorp = 0.02 }\n", 15,
                 "unknown statistic 'roc_auc_dorp' (did you mean 'roc_auc_drop'?)");
}

TEST_CASE("[monitors.system]") {
  auto m = monitor_with("[monitors.system]\n");
  REQUIRE(m.system);
  CHECK(m.system->latency_column.empty());
  CHECK(m.system->error_column.empty());
  CHECK(m.system->error_values == std::vector<std::string>{"true"});
  m = monitor_with(
      "[monitors.system]\nlatency_column = \"latency_s\"\nlatency_unit = \"s\"\nerror_column = "
      "\"status\"\n"
      "error_values = [\"error\", \"timeout\", 503]\n"
      "[monitors.thresholds]\nerror_rate = 0.01\nlatency_p99 = 500\nvolume_change = { below = -0.5 "
      "}\n");
  CHECK(m.system->latency_column == "latency_s");
  CHECK(m.system->latency_unit == "s");
  CHECK(m.system->latency_to_ms == 1000);
  CHECK(m.system->error_column == "status");
  CHECK(m.system->error_values == std::vector<std::string>{"error", "timeout", "503"});
  CHECK(monitor_with("system = { latency_column = \"l\", latency_unit = \"us\" }\n")
            .system->latency_to_ms == 0.001);
}

TEST_CASE("[monitors.system] problems") {
  expect_problem("[monitors.system]\nlatency_colum = \"l\"\n", 16,
                 "system: unknown key 'latency_colum' (did you mean 'latency_column'?)");
  expect_problem("[monitors.system]\nlatency_column = \"l\"\nlatency_unit = \"msec\"\n", 17,
                 "system.latency_unit: \"msec\" is not one of \"ms\", \"s\", \"us\"");
  expect_problem("[monitors.system]\nlatency_unit = \"s\"\n", 16,
                 "system.latency_unit: goes with 'latency_column'");
  expect_problem("[monitors.system]\nerror_values = [\"error\"]\n", 16,
                 "system.error_values: goes with 'error_column'");
  expect_problem("[monitors.system]\nerror_column = \"status\"\nerror_values = []\n", 17,
                 "system.error_values: is empty");
  expect_problem("[monitors.system]\nerror_column = \"status\"\nerror_values = [1.5]\n", 17,
                 "system.error_values[0]: expected a string, integer or boolean, got float 1.5");
  expect_problem("thresholds = { latency_p95s = 100 }\n", 15,
                 "unknown statistic 'latency_p95s' (did you mean 'latency_p95'?)");
}

TEST_CASE("learned thresholds: \"auto\" and { auto = true, k, chunks }") {
  auto m = monitor_with(
      "[monitors.thresholds]\npsi = \"auto\"\n"
      "js_distance = { auto = true, k = 2.5, chunks = 30, for = 2, severity = \"high\" }\n"
      "missing_rate = 0.1\n");
  auto find = [&](const std::string& stat) {
    return *std::find_if(m.thresholds.begin(), m.thresholds.end(),
                         [&](const ThresholdConfig& t) { return t.statistic == stat; });
  };
  CHECK(find("psi").learned);
  CHECK(find("psi").k == 3);
  CHECK(find("psi").chunks == 20);
  CHECK(find("psi").line == 16);
  const auto js = find("js_distance");
  CHECK(js.learned);
  CHECK(js.k == 2.5);
  CHECK(js.chunks == 30);
  CHECK(js.for_count == 2);
  CHECK(js.severity == Severity::high);
  CHECK_FALSE(find("missing_rate").learned);
  // a table reference is stable too
  ScopedEnv env({});
  auto c = load(
      replaced(kBase,
               "reference = { from = \"2026-01-01T00:00:00Z\", to = \"2026-01-08T00:00:00Z\" }",
               "reference = { table = \"ml.snapshot\" }") +
      "thresholds = { psi = \"auto\" }\n");
  CHECK(c.monitors[0].thresholds[0].learned);
  CHECK(std::find(learnable_statistics().begin(), learnable_statistics().end(), "ks_pvalue") ==
        learnable_statistics().end());
}

TEST_CASE("learned threshold problems") {
  ScopedEnv env({});
  auto offset = replaced(
      kBase, "reference = { from = \"2026-01-01T00:00:00Z\", to = \"2026-01-08T00:00:00Z\" }",
      "reference = { offset = \"7d\" }");
  auto problems = problems_of(offset + "thresholds = { psi = \"auto\" }\n");
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].line == 15);
  CHECK(problems[0].message.find(
            "thresholds.psi: a learned (auto) threshold needs a reference that does not move") !=
        std::string::npos);
  expect_problem(
      "thresholds = { ks_pvalue = \"auto\" }\n", 15,
      "thresholds.ks_pvalue: no threshold can be learned for 'ks_pvalue' (auto works for "
      "statistics where higher means more drift: psi, kl_divergence");
  expect_problem(
      "thresholds = { psi = \"automatic\" }\n", 15,
      "thresholds.psi: expected a number or a table such as { above = 0.1, "
      "resolve_below = 0.08, for = 2 }, got string \"automatic\" (or \"auto\" to learn it "
      "from the reference)");
  expect_problem("[monitors.thresholds]\npsi = { auto = true, above = 0.2 }\n", 16,
                 "thresholds.psi.above: a learned threshold has no fixed level");
  expect_problem("[monitors.thresholds]\npsi = { auto = false }\n", 16,
                 "thresholds.psi.auto: false; give 'above' or 'below' instead");
  expect_problem("[monitors.thresholds]\npsi = { above = 0.2, k = 3 }\n", 16,
                 "thresholds.psi.k: goes with 'auto = true' (a learned threshold)");
  expect_problem("[monitors.thresholds]\npsi = { auto = true, chunks = 1 }\n", 16,
                 "thresholds.psi.chunks: 1 is out of range (expected 2 to 1000)");
  expect_problem("[monitors.thresholds]\npsi = { auto = true, k = -1 }\n", 16,
                 "thresholds.psi.k: -1 is out of range (expected at least 0)");
  expect_problem("[monitors.thresholds]\npsi = { auto = \"yes\" }\n", 16,
                 "thresholds.psi.auto: expected true, got string \"yes\"");
  expect_problem("[monitors.thresholds]\npsi = { autoo = true }\n", 16,
                 "unknown key 'autoo' (did you mean 'auto'?)", 2);
}

TEST_CASE("segment = { column, max }") {
  CHECK_FALSE(monitor_with("").segment);
  auto m = monitor_with("segment = { column = \"country\" }\n");
  REQUIRE(m.segment);
  CHECK(m.segment->column == "country");
  CHECK(m.segment->max == 10);
  CHECK(m.segment->line == 15);
  m = monitor_with("[monitors.segment]\ncolumn = \"device\"\nmax = 3\n");
  REQUIRE(m.segment);
  CHECK(m.segment->column == "device");
  CHECK(m.segment->max == 3);
  CHECK(monitor_with("segment = { column = \"c\", max = 100 }\n").segment->max == 100);
  CHECK(monitor_with("segment = { column = \"c\", max = 1 }\n").segment->max == 1);
}

TEST_CASE("segment problems") {
  expect_problem("segment = { max = 3 }\n", 15, "segment: missing required key 'column'");
  expect_problem("segment = { column = \"country\", max = 0 }\n", 15,
                 "segment.max: 0 is out of range (expected 1 to 100)");
  expect_problem("segment = { column = \"country\", max = 101 }\n", 15,
                 "segment.max: 101 is out of range (expected 1 to 100)");
  expect_problem("segment = { column = \"country\", max = \"3\" }\n", 15,
                 "segment.max: expected an integer, got string \"3\"");
  expect_problem("[monitors.segment]\ncolumn = \"country\"\nmaxx = 3\n", 17,
                 "segment: unknown key 'maxx' (did you mean 'max'?)");
  expect_problem("[monitors.segment]\ncolumn = \"\"\n", 16, "segment.column: \"\" is empty");
  expect_problem("segment = \"country\"\n", 15,
                 "segment: expected a table such as { column = \"country\", max = 10 }, got "
                 "string \"country\"");
}

TEST_CASE("[monitors.challenger] with defaults and with every key") {
  auto m = monitor_with(
      "[monitors.challenger]\nchampion = { model_version = \"v1\" }\n"
      "challenger = { model_version = \"v2\" }\n");
  REQUIRE(m.challenger);
  REQUIRE(m.challenger->champion.size() == 1);
  CHECK(m.challenger->champion[0].column == "model_version");
  CHECK(m.challenger->champion[0].value == "v1");
  CHECK(m.challenger->champion[0].line == 16);
  REQUIRE(m.challenger->challenger.size() == 1);
  CHECK(m.challenger->challenger[0].value == "v2");
  CHECK(m.challenger->key.empty());
  CHECK(m.challenger->alpha == 0.05);
  CHECK_FALSE(m.challenger->min_rows);
  CHECK(m.challenger->tolerance == 0);
  CHECK(m.challenger->line == 15);

  m = monitor_with(
      "[monitors.challenger]\nchampion = { model = \"fraud\", version = 1 }\n"
      "challenger = { model = \"fraud\", version = 2 }\nkey = \"request_id\"\nalpha = 0.01\n"
      "min_rows = 500\n"
      "[monitors.thresholds]\nagreement_rate = { below = 0.9 }\nchallenger_worse = 0.5\n"
      "prediction_psi = 0.1\n");
  CHECK(m.challenger->champion.size() == 2);
  CHECK(m.challenger->challenger[1].value == "2");
  CHECK(m.challenger->key == "request_id");
  CHECK(m.challenger->alpha == 0.01);
  CHECK(m.challenger->min_rows == 500);
  const auto has = [&](const std::string& s) {
    return std::any_of(m.thresholds.begin(), m.thresholds.end(),
                       [&](const ThresholdConfig& t) { return t.statistic == s; });
  };
  CHECK(has("agreement_rate"));
  CHECK(has("challenger_worse"));
  CHECK(has("prediction_psi"));
}

TEST_CASE("[monitors.challenger] problems") {
  const std::string arms =
      "champion = { model_version = \"v1\" }\nchallenger = { model_version = \"v2\" }\n";
  expect_problem("[monitors.challenger]\n" + arms + "tolerence = 0.1\n", 18,
                 "challenger: unknown key 'tolerence' (did you mean 'tolerance'?)");
  expect_problem("[monitors.challenger]\nchampion = { model_version = \"v1\" }\n", 15,
                 "challenger: missing required key 'challenger'");
  expect_problem("[monitors.challenger]\nchallenger = { model_version = \"v1\" }\n", 15,
                 "challenger: missing required key 'champion'");
  expect_problem(
      "[monitors.challenger]\nchampion = \"v1\"\nchallenger = { model_version = \"v2\" }\n", 16,
      "challenger.champion: expected a table of column = value");
  expect_problem("[monitors.challenger]\nchampion = {}\nchallenger = { model_version = \"v2\" }\n",
                 16, "challenger.champion: is empty");
  expect_problem(
      "[monitors.challenger]\nchampion = { model_version = \"v1\" }\n"
      "challenger = { model_version = \"v1\" }\n",
      17, "challenger.challenger: selects the same rows as");
  expect_problem("[monitors.challenger]\n" + arms + "alpha = 1.5\n", 18,
                 "challenger.alpha: 1.5 is out of range (expected strictly between 0 and 1)");
  expect_problem("[monitors.challenger]\n" + arms + "min_rows = 0\n", 18,
                 "challenger.min_rows: 0 is out of range");
  expect_problem("[monitors.challenger]\n" + arms + "key = \"\"\n", 18,
                 "challenger.key: \"\" is empty");
  // The base monitor's prediction is categorical: a tolerance has nothing to apply to.
  expect_problem("[monitors.challenger]\n" + arms + "tolerance = 0.1\n", 18,
                 "challenger.tolerance: only for a numerical prediction");
  expect_problem(
      "[monitors.where]\nmodel_version = \"v1\"\n[monitors.challenger]\n" + arms, 18,
      "challenger.champion.model_version: the monitor's where already filters \"model_version\" "
      "(line 16)",
      2);
  expect_problem("thresholds = { agreement_rte = { below = 0.9 } }\n", 15,
                 "unknown statistic 'agreement_rte' (did you mean 'agreement_rate'?)");
}

TEST_CASE("[monitors.challenger] needs the prediction") {
  ScopedEnv env({});
  const std::string text = R"([database]
url = "postgresql://driftd@localhost/app"

[[monitors]]
name = "fraud-v2"
table = "public.predictions"
timestamp_column = "ts"
schedule = "5m"
window = "1h"
reference = { from = "2026-01-01T00:00:00Z", to = "2026-01-08T00:00:00Z" }
features = [{ name = "amount", column = "amount", kind = "numerical" }]
[monitors.challenger]
champion = { model_version = "v1" }
challenger = { model_version = "v2" }
)";
  auto problems = problems_of(text);
  INFO(dump(problems));
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].line == 12);
  CHECK(problems[0].message.find("challenger: compares the predictions of two model versions: "
                                 "add [monitors.prediction]") != std::string::npos);
}
