// What the daemon reads for the two model versions of [monitors.challenger].

#include "driftd/daemon/monitor_plan.hpp"

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
  const PlannedRequest full = plan_reference(m, at);
  const auto narrow = plan_reference_performance(m, at);
  REQUIRE(narrow);
  CHECK(narrow->request.sample_seed == full.request.sample_seed);
  CHECK(narrow->request.max_rows == full.request.max_rows);
  // The rows kept depend on the hashed columns and their positions: the same in both reads.
  auto hashed = [](const drift::WindowRequest& r) {
    std::vector<std::tuple<std::size_t, std::string, drift::FeatureKind>> out;
    for (std::size_t i = 0; i < r.columns.size(); ++i) {
      if (r.columns[i].hashed) out.emplace_back(i, r.columns[i].column, r.columns[i].kind);
    }
    return out;
  };
  CHECK(hashed(narrow->request) == hashed(full.request));
  CHECK(hashed(full.request).size() == 3);  // amount, prediction, confidence
  CHECK(narrow->layout.prediction == full.layout.prediction);
  CHECK(narrow->layout.confidence == full.layout.confidence);
  CHECK(narrow->layout.label == full.layout.label);
  CHECK(narrow->layout.score == full.layout.score);
}

TEST_CASE("the versions' requests: the monitor's where ANDed with each version's filters") {
  const auto m = monitor(
      "labels = { table = \"ml.labels\", key = \"prediction_id\", prediction_key = \"id\", column "
      "= "
      "\"label\", task = \"binary\", positive = \"yes\", score = \"score\" }\n"
      "[monitors.challenger]\nchampion = { model_version = \"v1\" }\n"
      "challenger = { model_version = \"v2\", region = \"eu\" }\nkey = \"request_id\"\n");
  const Timestamp at = *parse_rfc3339("2026-01-02T01:00:00Z");
  auto a = plan_version(m, at, false);
  auto b = plan_version(m, at, true);
  REQUIRE(a);
  REQUIRE(b);
  using Where = std::vector<std::pair<std::string, std::string>>;
  CHECK(a->request.where == Where{{"model", "fraud"}, {"model_version", "v1"}});
  CHECK(b->request.where == Where{{"model", "fraud"}, {"model_version", "v2"}, {"region", "eu"}});
  CHECK(a->request.table == "ml.predictions");
  CHECK(*a->request.from == at - std::chrono::hours(1));
  CHECK(*a->request.to == at);
  CHECK(a->request.max_rows == 5000);
  // One sample seed for both: with only the key hashed, both keep the same requests.
  CHECK(a->request.sample_seed == b->request.sample_seed);
  CHECK(a->request.sample_seed == current_request(m, at).sample_seed);
  // prediction, confidence, label (joined), score, key
  REQUIRE(a->request.columns.size() == 5);
  CHECK(a->layout.prediction == 0);
  CHECK(a->request.columns[0].column == "prediction");
  CHECK(a->layout.confidence == 1);
  CHECK(a->layout.label == 2);
  CHECK(a->request.columns[2].joined);
  CHECK(a->layout.score == 3);
  CHECK(a->request.columns[3].column == "score");
  CHECK(a->layout.key == 4);
  CHECK(a->request.columns[4].column == "request_id");
  CHECK(a->request.columns[4].kind == drift::FeatureKind::categorical);
  for (std::size_t i = 0; i < a->request.columns.size(); ++i) {
    INFO(a->request.columns[i].column);
    CHECK(a->request.columns[i].hashed == (i == 4));
  }
  REQUIRE(a->request.join);
  CHECK(a->request.join->table == "ml.labels");

  const auto spec = challenger_spec(m);
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
  auto a = plan_version(m, *parse_rfc3339("2026-01-02T01:00:00Z"), false);
  REQUIRE(a);
  REQUIRE(a->request.columns.size() == 2);
  CHECK(a->request.columns[0].hashed);
  CHECK(a->request.columns[1].hashed);
  CHECK(a->layout.key == -1);
  CHECK(a->layout.label == -1);
  CHECK_FALSE(a->request.join);
  const auto spec = challenger_spec(m);
  REQUIRE(spec);
  CHECK_FALSE(spec->performance);
  CHECK(spec->min_rows == 7);
  CHECK(spec->alpha == 0.01);
  CHECK_FALSE(plan_version(monitor(""), Timestamp{}, true));
  CHECK_FALSE(challenger_spec(monitor("")));
}

TEST_CASE("learned thresholds and how they are learned are part of the reference fingerprint") {
  auto m = monitor("");
  const auto fixed = reference_fingerprint(m);
  CHECK(reference_fingerprint(m) == fixed);  // deterministic
  config::Threshold t;
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
  CHECK(reference_fingerprint(monitor("")) != "ac7777eba234fb0e");
}

TEST_CASE("config accepts `auto` exactly for the statistics drift can learn a threshold for") {
  // config sits below drift and keeps its own list; the two must not drift apart.
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
