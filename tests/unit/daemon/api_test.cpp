// The HTTP API's contract against a running server on port 0 with a fake backend: every
// endpoint, every error path, ETag/304, bearer-token auth, body limits.

#include <httplib.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "driftd/daemon/api.hpp"

using namespace driftd;
using namespace driftd::daemon;
using json = nlohmann::json;

namespace {

drift::Evaluation evaluation(const std::string& monitor, double psi) {
  drift::Evaluation e;
  e.monitor = monitor;
  e.evaluated_at = *parse_rfc3339("2026-11-27T12:00:00Z");
  e.status = psi > 0.2 ? drift::Status::drift : drift::Status::ok;
  e.current_window = {*parse_rfc3339("2026-11-27T11:00:00Z"), e.evaluated_at, 1234, false, 1234};
  e.reference_window = {*parse_rfc3339("2026-11-20T11:00:00Z"),
                        *parse_rfc3339("2026-11-20T12:00:00Z"), 5678, false, 5678};
  drift::FeatureResult f;
  f.name = "amount";
  f.statistics.values = {{"psi", psi}, {"missing_rate", 0.0}};
  f.statistics.distribution_defined = true;
  f.status = e.status;
  if (psi > 0.2) f.breaches = {"psi"};
  e.features.push_back(f);
  return e;
}

class FakeBackend final : public ApiBackend {
 public:
  double psi = 0.31;
  bool ready = true;
  bool busy = false;
  bool db_down = false;
  bool latest_failed = false;
  std::optional<drift::ChallengerResult> challenger;  // added to the latest evaluation
  int runs = 0;
  std::vector<std::string> silences;
  std::vector<std::tuple<std::string, int>> observed;

  std::vector<MonitorSummary> monitors() override {
    MonitorSummary a{"fraud-v2", "drift", evaluation("fraud-v2", psi),
                     *parse_rfc3339("2026-11-27T12:05:00Z")};
    MonitorSummary b{"churn", "pending", std::nullopt, std::nullopt};
    return {a, b};
  }
  bool has_monitor(const std::string& n) override { return n == "fraud-v2" || n == "churn"; }
  std::optional<drift::Evaluation> latest(const std::string& n) override {
    if (n == "churn") return std::nullopt;
    auto e = evaluation(n, psi);
    e.challenger = challenger;
    if (latest_failed) {
      e = drift::Evaluation{};
      e.monitor = n;
      e.status = drift::Status::error;
      e.error = "cannot read the table: connection refused";
    }
    return e;
  }
  std::vector<drift::Evaluation> history(const std::string& n,
                                         const drift::HistoryQuery& q) override {
    if (db_down) throw Unavailable("state database unavailable: connection refused");
    std::vector<drift::Evaluation> out;
    for (std::size_t i = 0; i < std::min<std::size_t>(q.limit, 3); ++i)
      out.push_back(evaluation(n, psi));
    return out;
  }
  RetrainDecision retrain(const std::string& n) override {
    return decide_retrain(n, evaluation(n, psi), {{"psi", false, 0.2}});
  }
  drift::Evaluation run_now(const std::string& n) override {
    if (busy) throw Conflict("an evaluation of \"" + n + "\" is already running");
    ++runs;
    return evaluation(n, psi);
  }
  Readiness readiness() override {
    return {ready, ready ? "" : "database unreachable: connection refused"};
  }
  std::string metrics_text() override { return "# HELP x y\n# TYPE x gauge\nx 1\n"; }
  std::string alerts_json() override { return R"({"alerts":[]})"; }
  std::string silences_json() override {
    json j{{"silences", json::array()}};
    for (const auto& s : silences) j["silences"].push_back({{"id", s}});
    return j.dump();
  }
  std::string create_silence(const std::string& body) override {
    auto j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw BadRequest("the body is not a JSON object");
    silences.push_back("s" + std::to_string(silences.size() + 1));
    return json{{"id", silences.back()}}.dump();
  }
  void expire_silence(const std::string& id) override {
    auto it = std::find(silences.begin(), silences.end(), id);
    if (it == silences.end()) throw NotFound("no silence " + id);
    silences.erase(it);
  }
  void observe_request(const std::string& handler, int status, double) override {
    observed.emplace_back(handler, status);
  }
};

struct Server {
  FakeBackend backend;
  ApiServer server;
  httplib::Client client;
  explicit Server(ApiOptions o = {}) : server(backend, with_port0(o)), client(start_and_url()) {}
  static ApiOptions with_port0(ApiOptions o) {
    o.port = 0;
    o.host = "127.0.0.1";
    return o;
  }
  std::string start_and_url() {
    server.start();
    return "http://127.0.0.1:" + std::to_string(server.port());
  }
};

json body_of(const httplib::Result& r) {
  REQUIRE(r);
  return json::parse(r->body);
}

}  // namespace

TEST_CASE("health, readiness and metrics") {
  Server s;
  auto r = s.client.Get("/healthz");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(body_of(r) == json{{"status", "ok"}});
  CHECK(s.client.Get("/readyz")->status == 200);
  s.backend.ready = false;
  r = s.client.Get("/readyz");
  CHECK(r->status == 503);
  CHECK(body_of(r)["reason"] == "database unreachable: connection refused");
  r = s.client.Get("/metrics");
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
  CHECK(r->body == "# HELP x y\n# TYPE x gauge\nx 1\n");
}

TEST_CASE("monitors, drift and history") {
  Server s;
  auto j = body_of(s.client.Get("/api/v1/monitors"));
  REQUIRE(j["monitors"].size() == 2);
  CHECK(j["monitors"][0]["name"] == "fraud-v2");
  CHECK(j["monitors"][0]["status"] == "drift");
  CHECK(j["monitors"][0]["last_evaluation"]["features"][0]["statistics"]["psi"] == 0.31);
  CHECK(j["monitors"][0]["next_run_at"] == "2026-11-27T12:05:00Z");
  CHECK(j["monitors"][1]["last_evaluation"].is_null());
  CHECK(j["monitors"][1]["next_run_at"].is_null());

  auto r = s.client.Get("/api/v1/monitors/fraud-v2/drift");
  CHECK(r->status == 200);
  CHECK(body_of(r)["current_window"]["rows"] == 1234);
  r = s.client.Get("/api/v1/monitors/unknown/drift");
  CHECK(r->status == 404);
  CHECK(body_of(r)["error"] == "no monitor named \"unknown\"");
  r = s.client.Get("/api/v1/monitors/churn/drift");
  CHECK(r->status == 404);
  CHECK(body_of(r)["error"].get<std::string>().find("not been evaluated yet") != std::string::npos);

  j =
      body_of(s.client.Get("/api/v1/monitors/fraud-v2/"
                           "history?from=2026-11-01T00:00:00Z&to=2026-11-28T00:00:00Z&limit=2"));
  CHECK(j["evaluations"].size() == 2);
  for (const char* bad :
       {"/api/v1/monitors/fraud-v2/history?limit=0", "/api/v1/monitors/fraud-v2/history?limit=1001",
        "/api/v1/monitors/fraud-v2/history?limit=x",
        "/api/v1/monitors/fraud-v2/history?from=yesterday",
        "/api/v1/monitors/fraud-v2/history?from=2026-11-28T00:00:00Z&to=2026-11-01T00:00:00Z"}) {
    INFO(bad);
    r = s.client.Get(bad);
    CHECK(r->status == 400);
    CHECK(body_of(r).contains("error"));
  }
  CHECK(s.client.Get("/api/v1/monitors/unknown/history")->status == 404);
  s.backend.db_down = true;
  r = s.client.Get("/api/v1/monitors/fraud-v2/history");
  CHECK(r->status == 503);
  CHECK(r->get_header_value("Retry-After") == "5");
}

TEST_CASE("retrain decision with ETag and 304") {
  Server s;
  auto r = s.client.Get("/api/v1/monitors/fraud-v2/retrain");
  REQUIRE(r->status == 200);
  auto j = body_of(r);
  CHECK(j["should_retrain"] == true);
  CHECK(j["reasons"] ==
        json::parse(R"([{"feature":"amount","statistic":"psi","value":0.31,"threshold":0.2}])"));
  CHECK(j["evaluated_at"] == "2026-11-27T12:00:00Z");
  std::string etag = r->get_header_value("ETag");
  REQUIRE(etag.size() > 2);
  r = s.client.Get("/api/v1/monitors/fraud-v2/retrain", {{"If-None-Match", etag}});
  CHECK(r->status == 304);
  CHECK(r->body.empty());
  r = s.client.Get("/api/v1/monitors/fraud-v2/retrain",
                   {{"If-None-Match", "\"other\", W/" + etag}});
  CHECK(r->status == 304);
  s.backend.psi = 0.05;  // the decision changes: a new tag
  r = s.client.Get("/api/v1/monitors/fraud-v2/retrain", {{"If-None-Match", etag}});
  CHECK(r->status == 200);
  CHECK(body_of(r)["should_retrain"] == false);
  CHECK(r->get_header_value("ETag") != etag);
  CHECK(s.client.Get("/api/v1/monitors/nope/retrain")->status == 404);
}

TEST_CASE("run now, conflicts, wrong methods, unknown paths") {
  Server s;
  auto r = s.client.Post("/api/v1/monitors/fraud-v2/run");
  CHECK(r->status == 200);
  CHECK(body_of(r)["monitor"] == "fraud-v2");
  // curl -X POST without a body sends no Content-Length: still served
  httplib::Headers none;
  r = s.client.Post("/api/v1/monitors/fraud-v2/run", "", "application/json");
  CHECK(r->status == 200);
  CHECK(s.backend.runs == 2);
  s.backend.busy = true;
  r = s.client.Post("/api/v1/monitors/fraud-v2/run");
  CHECK(r->status == 409);
  CHECK(s.client.Post("/api/v1/monitors/nope/run")->status == 404);
  r = s.client.Post("/api/v1/monitors/fraud-v2/drift", "{}", "application/json");
  CHECK(r->status == 405);
  CHECK(r->get_header_value("Allow") == "GET");
  CHECK(s.client.Delete("/api/v1/monitors")->status == 405);
  r = s.client.Get("/api/v1/nothing");
  CHECK(r->status == 404);
  CHECK(body_of(r).contains("error"));
  CHECK(s.client.Get("/api/v1/monitors/fraud-v2/drift/extra")->status == 404);
  // every answer was counted under a handler label
  CHECK(std::find(s.backend.observed.begin(), s.backend.observed.end(),
                  std::tuple<std::string, int>{"run", 409}) != s.backend.observed.end());
}

TEST_CASE("silences endpoints") {
  Server s;
  auto r = s.client.Post("/api/v1/silences", R"({"monitor":"fraud-v2"})", "application/json");
  CHECK(r->status == 201);
  CHECK(body_of(r)["id"] == "s1");
  r = s.client.Post("/api/v1/silences", "not json", "application/json");
  CHECK(r->status == 400);
  CHECK(body_of(s.client.Get("/api/v1/silences"))["silences"].size() == 1);
  CHECK(s.client.Delete("/api/v1/silences/s1")->status == 204);
  CHECK(s.client.Delete("/api/v1/silences/s1")->status == 404);
}

TEST_CASE("POST and DELETE need the bearer token when one is set") {
  ApiOptions o;
  o.bearer_token = "s3cret-token";
  Server s(o);
  auto r = s.client.Post("/api/v1/monitors/fraud-v2/run");
  CHECK(r->status == 401);
  CHECK(r->get_header_value("WWW-Authenticate").find("Bearer") != std::string::npos);
  CHECK(body_of(r).contains("error"));
  CHECK(s.client.Post("/api/v1/monitors/fraud-v2/run", {{"Authorization", "Bearer wrong"}}, "", "")
            ->status == 401);
  CHECK(
      s.client
          .Post("/api/v1/monitors/fraud-v2/run", {{"Authorization", "Basic s3cret-token"}}, "", "")
          ->status == 401);
  CHECK(
      s.client
          .Post("/api/v1/monitors/fraud-v2/run", {{"Authorization", "Bearer s3cret-token"}}, "", "")
          ->status == 200);
  CHECK(s.client.Delete("/api/v1/silences/x")->status == 401);
  // reads stay open
  CHECK(s.client.Get("/api/v1/monitors")->status == 200);
  CHECK(s.backend.runs == 1);
  CHECK(r->body.find("s3cret") == std::string::npos);
}

TEST_CASE("oversized bodies are refused") {
  ApiOptions o;
  o.max_body_bytes = 1024;
  Server s(o);
  auto r = s.client.Post("/api/v1/silences", std::string(4096, 'x'), "application/json");
  REQUIRE(r);
  CHECK(r->status == 413);
}

TEST_CASE("helpers: listen addresses and constant-time comparison") {
  CHECK(split_listen("127.0.0.1:9464") == std::pair<std::string, int>{"127.0.0.1", 9464});
  CHECK(split_listen("[::1]:80") == std::pair<std::string, int>{"::1", 80});
  CHECK(split_listen("localhost:0") == std::pair<std::string, int>{"localhost", 0});
  CHECK_THROWS(split_listen("9464"));
  CHECK_THROWS(split_listen("host:99999"));
  CHECK_THROWS(split_listen("host:"));
  CHECK(constant_time_equals("abc", "abc"));
  CHECK_FALSE(constant_time_equals("abc", "abd"));
  CHECK_FALSE(constant_time_equals("abc", "abcd"));
  CHECK_FALSE(constant_time_equals("", "a"));
}

TEST_CASE("retrain decision ignores insufficient data and errors") {
  auto e = evaluation("m", 0.5);
  CHECK(decide_retrain("m", e, {{"psi", false, 0.2}}).should_retrain);
  e.status = drift::Status::insufficient_data;
  auto d = decide_retrain("m", e, {{"psi", false, 0.2}});
  CHECK_FALSE(d.should_retrain);
  CHECK(d.status == "insufficient_data");
  CHECK(decide_retrain("m", std::nullopt, {}).status == "pending");
  e.status = drift::Status::drift;
  CHECK_FALSE(decide_retrain("m", e, {{"psi", false, 0.6}}).should_retrain);
}

TEST_CASE("bytes that are not UTF-8 in a request get a 400, not a 500") {
  // found by fuzz_api: the error message quoted the parameter and JSON encoding threw
  Server s;
  auto r = s.client.Get("/api/v1/monitors/fraud-v2/history?limit=%FF%FE");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(body_of(r)["error"].get<std::string>().find("limit") != std::string::npos);
  r = s.client.Get("/api/v1/monitors/%C3%28/drift");
  REQUIRE(r);
  CHECK(r->status == 404);
}

TEST_CASE("retrain decision: realised performance beyond its threshold is a reason") {
  auto latest = evaluation("m", 0.05);  // no drift
  auto labelled = evaluation("m", 0.05);
  labelled.evaluated_at = *parse_rfc3339("2026-11-20T12:00:00Z");
  drift::PerformanceResult p;
  p.task = "binary";
  p.status = drift::Status::drift;
  p.statistics = {{"roc_auc", 0.80}, {"accuracy", 0.70}};
  p.changes = {{"roc_auc_drop", 0.05}};
  labelled.performance = p;
  const std::vector<drift::ThresholdSpec> thresholds = {
      {"psi", false, 0.2}, {"roc_auc_drop", false, 0.02}, {"accuracy", true, 0.75}};
  auto d = decide_retrain("m", latest, thresholds, {"psi"}, labelled);
  CHECK(d.should_retrain);
  REQUIRE(d.reasons.size() == 2);
  CHECK(d.reasons[0].feature == "__performance__");
  CHECK(d.reasons[0].statistic == "roc_auc_drop");
  CHECK(d.reasons[0].value == 0.05);
  CHECK(d.reasons[0].threshold == 0.02);
  CHECK(d.reasons[1].statistic == "accuracy");  // a `below` threshold
  CHECK(d.evaluated_at == latest.evaluated_at);
  const json j = json::parse(to_json(d));
  CHECK(j["reasons"][0]["evaluated_at"] == "2026-11-20T12:00:00Z");
  CHECK(j["reasons"][0]["feature"] == "__performance__");

  // the latest evaluation lacking rows does not hide the performance reason ...
  latest.status = drift::Status::insufficient_data;
  CHECK(decide_retrain("m", latest, thresholds, {"psi"}, labelled).should_retrain);
  // ... but performance on too few labels is no reason, nor is a change under the threshold
  labelled.performance->status = drift::Status::insufficient_data;
  CHECK_FALSE(decide_retrain("m", latest, thresholds, {"psi"}, labelled).should_retrain);
  labelled.performance->status = drift::Status::ok;
  latest.status = drift::Status::ok;
  labelled.performance->changes = {{"roc_auc_drop", 0.01}};
  labelled.performance->statistics = {{"accuracy", 0.9}};
  d = decide_retrain("m", latest, thresholds, {"psi"}, labelled);
  CHECK_FALSE(d.should_retrain);
  CHECK(json::parse(to_json(d))["reasons"].empty());
  // drift and performance together: both listed, drift first
  d = decide_retrain("m", evaluation("m", 0.5), thresholds, {"psi"}, [&] {
    auto x = labelled;
    x.performance->changes = {{"roc_auc_drop", 0.03}};
    return x;
  }());
  REQUIRE(d.reasons.size() == 2);
  CHECK(d.reasons[0].statistic == "psi");
  CHECK_FALSE(d.reasons[0].evaluated_at);
  CHECK(d.reasons[1].statistic == "roc_auc_drop");
}

TEST_CASE("retrain decision: only quality metrics and their changes are performance reasons") {
  // Every performance statistic breaches its threshold; only the model's quality says retrain.
  auto latest = evaluation("m", 0.05);  // no drift
  drift::PerformanceResult p;
  p.task = "binary";
  p.status = drift::Status::drift;
  p.statistics = {{"accuracy", 0.5},        {"positive_rate", 0.9},
                  {"support_positive", 10}, {"support_negative", 10},
                  {"label_coverage", 0.1},  {"labelled_rows", 20},
                  {"label_delay_p90", 9e5}, {"mae", 3},
                  {"mean_error", 2},        {"predicted_positive_rate", 0.9}};
  p.changes = {{"roc_auc_drop", 0.3}, {"log_loss_increase", 0.4}};
  latest.performance = p;
  struct Row {
    const char* statistic;
    bool below;
    double level;
    bool reason;
  };
  const auto row = GENERATE(
      Row{"accuracy", true, 0.8, true}, Row{"mae", false, 1, true},
      Row{"mean_error", false, 1, true}, Row{"roc_auc_drop", false, 0.02, true},
      Row{"log_loss_increase", false, 0.1, true}, Row{"label_coverage", true, 0.5, false},
      Row{"labelled_rows", true, 100, false}, Row{"label_delay_p90", false, 86400, false},
      Row{"positive_rate", false, 0.5, false}, Row{"predicted_positive_rate", false, 0.5, false},
      Row{"support_positive", true, 50, false}, Row{"support_negative", true, 50, false});
  CAPTURE(row.statistic);
  const std::vector<drift::ThresholdSpec> thresholds = {{"psi", false, 0.2},
                                                        {row.statistic, row.below, row.level}};
  const auto d = decide_retrain("m", latest, thresholds, {"psi"}, latest);
  CHECK(d.should_retrain == row.reason);
  if (row.reason) {
    REQUIRE(d.reasons.size() == 1);
    CHECK(d.reasons[0].statistic == row.statistic);
  } else {
    CHECK(d.reasons.empty());
  }
}

TEST_CASE("retrain decision with a learned psi threshold uses each feature's level") {
  auto e = evaluation("m", 0.15);
  e.status = drift::Status::ok;
  drift::ThresholdSpec psi{"psi", false, 0};
  psi.learned = true;
  CHECK_FALSE(decide_retrain("m", e, {psi}).should_retrain);  // nothing learned for amount
  e.features[0].thresholds = {{"psi", 0.1, 0.05, 0.02, 20}};
  auto d = decide_retrain("m", e, {psi});
  CHECK(d.should_retrain);
  REQUIRE(d.reasons.size() == 1);
  CHECK(d.reasons[0].threshold == 0.1);
  e.features[0].thresholds = {{"psi", 0.2, 0.05, 0.05, 20}};
  CHECK_FALSE(decide_retrain("m", e, {psi}).should_retrain);
}

TEST_CASE("champion / challenger: the verdict for a pipeline") {
  Server s;
  auto r = s.client.Get("/api/v1/monitors/fraud-v2/challenger");
  CHECK(r->status == 404);
  CHECK(body_of(r)["error"].get<std::string>().find("configure [monitors.challenger]") !=
        std::string::npos);
  CHECK(s.client.Get("/api/v1/monitors/unknown/challenger")->status == 404);
  CHECK(s.client.Get("/api/v1/monitors/churn/challenger")->status == 404);

  drift::ChallengerResult c;
  c.verdict = "better";
  c.metric = "roc_auc";
  c.test = "delong_unpaired";
  c.alpha = 0.01;
  c.min_rows = 200;
  c.champion.labelled = 900;
  c.challenger.labelled = 850;
  c.statistics = {{"champion_performance", 0.71},
                  {"challenger_performance", 0.78},
                  {"performance_difference", 0.07},
                  {"performance_pvalue", 0.0004}};
  s.backend.challenger = c;
  r = s.client.Get("/api/v1/monitors/fraud-v2/challenger");
  CHECK(r->status == 200);
  auto j = body_of(r);
  CHECK(j["monitor"] == "fraud-v2");
  CHECK(j["evaluated_at"] == "2026-11-27T12:00:00Z");
  CHECK(j["verdict"] == "better");
  CHECK(j["significantly_better"] == true);
  CHECK(j["significantly_worse"] == false);
  CHECK(j["metric"] == "roc_auc");
  CHECK(j["test"] == "delong_unpaired");
  CHECK(j["alpha"] == 0.01);
  CHECK(j["champion"] == 0.71);
  CHECK(j["challenger"] == 0.78);
  CHECK(j["difference"] == 0.07);
  CHECK(j["p_value"] == 0.0004);
  CHECK(j["champion_labelled_rows"] == 900);
  CHECK(j["challenger_labelled_rows"] == 850);
  CHECK(j["min_rows"] == 200);
  CHECK(j["status"] == "ok");

  // Without labels: no metric, nothing known.
  s.backend.challenger = drift::ChallengerResult{};
  j = body_of(s.client.Get("/api/v1/monitors/fraud-v2/challenger"));
  CHECK(j["verdict"] == "unknown");
  CHECK(j["significantly_better"] == false);
  CHECK(j["metric"].is_null());
  CHECK(j["p_value"].is_null());

  // The versions could not be read: no verdict to gate on, said as unavailable.
  drift::ChallengerResult broken;
  broken.status = drift::Status::error;
  broken.error = "column \"request_id\" does not exist";
  s.backend.challenger = broken;
  r = s.client.Get("/api/v1/monitors/fraud-v2/challenger");
  CHECK(r->status == 503);
  CHECK(body_of(r)["error"].get<std::string>().find("request_id") != std::string::npos);

  s.backend.latest_failed = true;
  r = s.client.Get("/api/v1/monitors/fraud-v2/challenger");
  CHECK(r->status == 503);
  CHECK(body_of(r)["error"].get<std::string>().find("connection refused") != std::string::npos);
}

TEST_CASE("status pages: HTML with the security headers, routed like the API") {
  Server s;
  for (const char* path :
       {"/", "/ui/", "/ui", "/ui/monitors/fraud-v2", "/ui/monitors/churn", "/ui/alerts",
        "/ui/?status=drift", "/ui/monitors/fraud-v2?stat=ks_pvalue&range=7d",
        "/ui/alerts?monitor=fraud-v2&feature=amount&statistic=psi"}) {
    INFO(path);
    auto r = s.client.Get(path);
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->get_header_value("Content-Type") == "text/html; charset=utf-8");
    CHECK(r->get_header_value("Content-Security-Policy").find("default-src 'none'") == 0);
    CHECK(r->get_header_value("X-Frame-Options") == "DENY");
    CHECK(r->get_header_value("X-Content-Type-Options") == "nosniff");
    CHECK(r->get_header_value("Cache-Control") == "no-store");
    CHECK(r->body.starts_with("<!DOCTYPE html>"));
  }
  auto r = s.client.Get("/");
  CHECK(r->body.find("data-monitor=\"fraud-v2\"") < r->body.find("data-monitor=\"churn\""));
  r = s.client.Get("/ui/monitors/fraud-v2");
  CHECK(r->body.find("id=\"f-amount\"") != std::string::npos);
  CHECK(r->body.find("data-retrain=\"true\"") != std::string::npos);
  r = s.client.Get("/ui/monitors/churn");
  CHECK(r->body.find("Not evaluated yet") != std::string::npos);
  r = s.client.Get("/ui/monitors/nope");
  CHECK(r->status == 404);
  CHECK(r->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(r->body.find("No monitor named &quot;nope&quot;") != std::string::npos);
  CHECK(s.client.Post("/ui/alerts", "{}", "application/json")->status == 405);
  CHECK(std::find(s.backend.observed.begin(), s.backend.observed.end(),
                  std::tuple<std::string, int>{"ui_monitor", 404}) != s.backend.observed.end());
  // The state database down: the page still answers, saying what it cannot show.
  s.backend.db_down = true;
  r = s.client.Get("/ui/monitors/fraud-v2");
  CHECK(r->status == 200);
  CHECK(r->body.find("History unavailable: state database unavailable") != std::string::npos);
  // The silence form asks for the token only when one is configured.
  CHECK(s.client.Get("/ui/alerts")->body.find("id=\"api-token\"") == std::string::npos);
  ApiOptions o;
  o.bearer_token = "t0ken";
  Server with_token(o);
  CHECK(with_token.client.Get("/ui/alerts")->body.find("id=\"api-token\"") != std::string::npos);
}

TEST_CASE("cross-site POST and DELETE are refused, same-origin and scripted ones served") {
  Server s;
  const std::string body = R"({"monitor":"fraud-v2"})";
  const std::string self = "http://127.0.0.1:" + std::to_string(s.server.port());
  auto post = [&](httplib::Headers h) {
    return s.client.Post("/api/v1/silences", h, body, "text/plain")->status;
  };
  CHECK(post({{"Origin", "https://evil.example"}}) == 403);
  CHECK(post({{"Sec-Fetch-Site", "cross-site"}}) == 403);
  CHECK(post({{"Sec-Fetch-Site", "same-site"}, {"Origin", self}}) == 403);
  CHECK(post({{"Origin", "null"}}) == 403);
  CHECK(s.backend.silences.empty());
  CHECK(post({{"Sec-Fetch-Site", "same-origin"}, {"Origin", self}}) == 201);
  CHECK(post({{"Origin", self}}) == 201);
  CHECK(post({}) == 201);  // curl and scripts send neither
  CHECK(s.client.Delete("/api/v1/silences/s1", {{"Sec-Fetch-Site", "cross-site"}})->status == 403);
  CHECK(
      s.client.Post("/api/v1/monitors/fraud-v2/run", {{"Origin", "http://evil"}}, "", "")->status ==
      403);
  CHECK(s.backend.runs == 0);
  // Reads stay open to any origin (they change nothing).
  CHECK(s.client.Get("/api/v1/monitors", {{"Sec-Fetch-Site", "cross-site"}})->status == 200);
}
