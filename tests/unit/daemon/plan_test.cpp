// What the daemon reads for the two model versions of [monitors.challenger].

#include "driftd/daemon/plan.hpp"

#include "driftd/daemon/evaluator.hpp"

#include <algorithm>

#include <catch2/catch.hpp>

#include "driftd/config/config.hpp"
#include "driftd/drift/auto_threshold.hpp"

using namespace driftd;
using namespace driftd::daemon;

namespace {

const char* no_env(const char*) { return nullptr; }

config::MonitorConfig monitor(const std::string& tail,
                              const std::string& reference = "{ offset = \"1d\" }") {
  const std::string text = R"([database]
url = "postgresql://driftd@localhost/app"

[[monitors]]
name = "m"
table = "ml.predictions"
timestamp_column = "ts"
where = { model = "fraud" }
schedule = "5m"
window = "1h"
max_rows = 5000
reference = )" + reference +
                           R"(
prediction = { column = "prediction", kind = "categorical" }
confidence = { column = "confidence" }
features = [{ name = "amount", column = "amount", kind = "numerical" }]
)" + tail;
  return config::load_string(text, "t.toml", &no_env).monitors.at(0);
}

}  // namespace

TEST_CASE("the reference's labels read again sample the rows the full read samples") {
  const auto m = monitor(
      "labels = { column = \"label\", task = \"binary\", positive = \"yes\", score = \"score\" "
      "}\nsegment = { column = \"country\" }\nthresholds = { psi = \"auto\" }\n",
      "{ from = \"2026-01-01T00:00:00Z\", to = \"2026-01-01T06:00:00Z\" }");
  const Timestamp at = *parse_rfc3339("2026-01-02T01:00:00Z");
  const MonitorPlan plan = compile_monitor(m);
  const WindowPlan& full = plan.reference;
  REQUIRE(plan.reference_performance);
  const WindowPlan& narrow = *plan.reference_performance;
  CHECK(narrow.at(at).sample_seed == full.at(at).sample_seed);
  CHECK(narrow.request.max_rows == full.request.max_rows);
  // The rows kept depend on the hashed columns and their positions: the same in both reads.
  auto hashed = [](const drift::WindowRequest& r) {
    std::vector<std::tuple<std::size_t, std::string, drift::FeatureKind>> out;
    for (std::size_t i = 0; i < r.columns.size(); ++i) {
      if (r.columns[i].hashed) out.emplace_back(i, r.columns[i].column, r.columns[i].kind);
    }
    return out;
  };
  CHECK(hashed(narrow.request) == hashed(full.request));
  CHECK(hashed(full.request).size() == 3);  // amount, prediction, confidence
  CHECK(narrow.columns.prediction == full.columns.prediction);
  CHECK(narrow.columns.confidence == full.columns.confidence);
  CHECK(narrow.columns.label == full.columns.label);
  CHECK(narrow.columns.score == full.columns.score);
}

TEST_CASE(
    "labels.delay: performance read from the window `delay` before, the current without labels") {
  const auto m = monitor(
      "labels = { column = \"label\", task = \"binary\", positive = \"yes\", score = \"score\", "
      "delay = \"2d\" }\n");
  const Timestamp at = *parse_rfc3339("2026-01-05T01:00:00Z");
  const MonitorPlan plan = compile_monitor(m);
  REQUIRE(plan.delayed_performance);
  const WindowPlan& delayed = *plan.delayed_performance;
  CHECK(delayed.bounds == WindowPlan::Bounds::offset);
  const drift::WindowRequest r = delayed.at(at);
  CHECK(r.to == *parse_rfc3339("2026-01-03T01:00:00Z"));
  CHECK(r.from == *parse_rfc3339("2026-01-03T00:00:00Z"));
  CHECK(delayed.columns.label);
  CHECK(delayed.columns.score);
  // the same sample as the current window's read of those rows: same hashed columns and seed
  CHECK(delayed.request.max_rows == plan.current.request.max_rows);
  CHECK(delayed.columns.prediction == plan.current.columns.prediction);
  // the current window reads no labels: they have not arrived yet
  CHECK_FALSE(plan.current.columns.label);
  CHECK_FALSE(plan.current.columns.score);

  const MonitorPlan undelayed =
      compile_monitor(monitor("labels = { column = \"label\", task = \"binary\", positive = "
                              "\"yes\", score = \"score\" }\n"));
  CHECK_FALSE(undelayed.delayed_performance);
  CHECK(undelayed.current.columns.label);
}

TEST_CASE("the versions' requests: the monitor's where ANDed with each version's filters") {
  const auto m = monitor(
      "labels = { table = \"ml.labels\", key = \"prediction_id\", prediction_key = \"id\", column "
      "= "
      "\"label\", task = \"binary\", positive = \"yes\", score = \"score\" }\n"
      "[monitors.challenger]\nchampion = { model_version = \"v1\" }\n"
      "challenger = { model_version = \"v2\", region = \"eu\" }\nkey = \"request_id\"\n");
  const Timestamp at = *parse_rfc3339("2026-01-02T01:00:00Z");
  const MonitorPlan plan = compile_monitor(m);
  REQUIRE(plan.champion);
  REQUIRE(plan.challenger);
  const auto a = std::optional(plan.champion->at(at));
  const auto b = std::optional(plan.challenger->at(at));
  const WindowColumns& columns = plan.champion->columns;
  using Where = std::vector<std::pair<std::string, std::string>>;
  CHECK(a->where == Where{{"model", "fraud"}, {"model_version", "v1"}});
  CHECK(b->where == Where{{"model", "fraud"}, {"model_version", "v2"}, {"region", "eu"}});
  CHECK(a->table == "ml.predictions");
  CHECK(*a->from == at - std::chrono::hours(1));
  CHECK(*a->to == at);
  CHECK(a->max_rows == 5000);
  // One sample seed for both: with only the key hashed, both keep the same requests.
  CHECK(a->sample_seed == b->sample_seed);
  CHECK(a->sample_seed == plan.current.at(at).sample_seed);
  // prediction, confidence, label (joined), score, key
  REQUIRE(a->columns.size() == 5);
  CHECK(columns.prediction == ColumnHandle(0));
  CHECK(a->columns[0].column == "prediction");
  CHECK(columns.confidence == ColumnHandle(1));
  CHECK(columns.label == ColumnHandle(2));
  CHECK(a->columns[2].joined);
  CHECK(columns.score == ColumnHandle(3));
  CHECK(a->columns[3].column == "score");
  CHECK(columns.key == ColumnHandle(4));
  CHECK(a->columns[4].column == "request_id");
  CHECK(a->columns[4].kind == drift::FeatureKind::categorical);
  for (std::size_t i = 0; i < a->columns.size(); ++i) {
    INFO(a->columns[i].column);
    CHECK(a->columns[i].hashed == (i == 4));
  }
  REQUIRE(a->join);
  CHECK(a->join->table == "ml.labels");

  const auto& spec = plan.comparison;
  REQUIRE(spec);
  CHECK(spec->prediction_kind == drift::FeatureKind::categorical);
  REQUIRE(spec->performance);
  CHECK(spec->performance->positive == "yes");
  CHECK(spec->min_rows == 100);  // the monitor's min_rows
  CHECK(spec->alpha == 0.05);
}

TEST_CASE("without a key every read column takes part in the sample; no challenger, no plan") {
  const auto m = monitor(
      "[monitors.challenger]\nchampion = { model_version = \"v1\" }\n"
      "challenger = { model_version = \"v2\" }\nmin_rows = 7\nalpha = 0.01\n");
  const MonitorPlan plan = compile_monitor(m);
  REQUIRE(plan.champion);
  const auto a = std::optional(plan.champion->at(*parse_rfc3339("2026-01-02T01:00:00Z")));
  const WindowColumns& columns = plan.champion->columns;
  REQUIRE(a->columns.size() == 2);
  CHECK(a->columns[0].hashed);
  CHECK(a->columns[1].hashed);
  CHECK_FALSE(columns.key);
  CHECK_FALSE(columns.label);
  CHECK_FALSE(a->join);
  const auto& spec = plan.comparison;
  REQUIRE(spec);
  CHECK_FALSE(spec->performance);
  CHECK(spec->min_rows == 7);
  CHECK(spec->alpha == 0.01);
  const auto plain = monitor("");
  CHECK_FALSE(compile_monitor(plain).challenger);
  CHECK_FALSE(compile_monitor(plain).comparison);
}

TEST_CASE("learned thresholds and how they are learned are part of the reference fingerprint") {
  auto m = monitor("");
  auto reference_fingerprint = [](const config::MonitorConfig& c) {
    return compile_monitor(c).fingerprint;
  };
  const auto fixed = reference_fingerprint(m);
  CHECK(reference_fingerprint(m) == fixed);  // deterministic
  config::ThresholdConfig t;
  t.statistic = "missing_rate";
  t.learned = true;
  m.thresholds.push_back(t);
  const auto learned = reference_fingerprint(m);
  CHECK(learned != fixed);
  m.thresholds.back().k = 2;
  CHECK(reference_fingerprint(m) != learned);
  m.thresholds.back().k = 3;
  m.thresholds.back().chunks = 30;
  CHECK(reference_fingerprint(m) != learned);
}

TEST_CASE("references frozen before point masses had bins of their own are not found again") {
  // The fingerprint this monitor had while references were frozen as "driftd-frozen-v1", which
  // binned a point mass of the reference with the values below it: a reference stored under it
  // must not be found (it is frozen again, and the old rows are deleted on save).
  const auto m = monitor("");
  CHECK(compile_monitor(m).fingerprint != "ac7777eba234fb0e");
}

TEST_CASE("config accepts `auto` exactly for the statistics drift can learn a threshold for") {
  // Both read the catalog: config's list of learnable names and drift's per-kind answer agree.
  for (const auto& s : config::known_statistics()) {
    const bool config_learns =
        std::find(config::learnable_statistics().begin(), config::learnable_statistics().end(),
                  s) != config::learnable_statistics().end();
    const bool drift_learns = drift::learnable_statistic(s, drift::FeatureKind::numerical) ||
                              drift::learnable_statistic(s, drift::FeatureKind::categorical);
    INFO(s);
    CHECK(config_learns == drift_learns);
  }
}

TEST_CASE("the frozen cache keeps only the references a reload still uses") {
  FrozenCache cache(1 << 20);
  auto ref = [] {
    auto r = std::make_shared<drift::FrozenReference>();
    r->columns.push_back({"x", drift::FeatureKind::numerical});
    r->frozen.emplace_back(
        drift::freeze_numerical(drift::sort_values(std::vector<double>(1000, 1.0)), 10));
    return r;
  };
  cache.put("a/111", ref());
  cache.put("b/222", ref());
  const std::size_t both = cache.bytes();
  REQUIRE(both > 0);
  // "a" removed, "b" frozen again under another fingerprint (its config changed).
  cache.retain({"b/333", "c/444"});
  CHECK(cache.get("a/111") == nullptr);
  CHECK(cache.get("b/222") == nullptr);
  CHECK(cache.bytes() == 0);
  cache.put("b/333", ref());
  cache.retain({"b/333"});
  CHECK(cache.get("b/333") != nullptr);
  CHECK(cache.bytes() == both / 2);
}
