// The HTTP API's contract against a running server on port 0 with a fake backend: every
// endpoint, every error path, ETag/304, bearer-token auth, body limits; and its transport: total
// request deadlines, connection caps per client address, probes answered while every worker is
// busy, HEAD / OPTIONS / keep-alive / 100-continue / malformed requests, IPv6, stop().

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "driftd/daemon/api.hpp"

using namespace driftd;
using namespace driftd::daemon;
using json = nlohmann::json;
using namespace std::chrono_literals;

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
  // run_now waits while the gate is closed (a slow evaluation), counting who waits.
  std::mutex gate_mutex;
  std::condition_variable gate_cv;
  bool gate_closed = false;
  int waiting_runs = 0;

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
    return decide_retrain(n, evaluation(n, psi), {drift::Threshold::above("psi", 0.2)});
  }
  drift::Evaluation run_now(const std::string& n) override {
    if (busy) throw Conflict("an evaluation of \"" + n + "\" is already running");
    {
      std::unique_lock lock(gate_mutex);
      ++waiting_runs;
      gate_cv.notify_all();
      gate_cv.wait(lock, [this] { return !gate_closed; });
      --waiting_runs;
      ++runs;
    }
    return evaluation(n, psi);
  }
  void close_gate() {
    std::lock_guard lock(gate_mutex);
    gate_closed = true;
  }
  void open_gate() {
    std::lock_guard lock(gate_mutex);
    gate_closed = false;
    gate_cv.notify_all();
  }
  bool wait_for_waiting_runs(int n) {
    std::unique_lock lock(gate_mutex);
    return gate_cv.wait_for(lock, 10s, [&] { return waiting_runs >= n; });
  }
  std::string reload_error;
  Readiness readiness() override {
    Readiness r;
    r.ready = ready;
    r.reason = ready ? "" : "database unreachable: connection refused";
    r.reload_error = reload_error;
    if (!reload_error.empty()) r.reload_problems = {"t.toml:8: monitor m: no such column"};
    return r;
  }
  std::string metrics = "# HELP x y\n# TYPE x gauge\nx 1\n";
  std::string metrics_text() override { return metrics; }
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
  // Probes and requests the transport refused are counted on a worker thread, after the answer.
  void observe_request(const std::string& handler, int status, double) override {
    std::lock_guard lock(observed_mutex);
    observed.emplace_back(handler, status);
  }
  bool was_observed(const std::string& handler, int status, std::chrono::milliseconds wait = 0ms) {
    const auto until = std::chrono::steady_clock::now() + wait;
    for (;;) {
      {
        std::lock_guard lock(observed_mutex);
        if (std::find(observed.begin(), observed.end(),
                      std::tuple<std::string, int>{handler, status}) != observed.end())
          return true;
      }
      if (std::chrono::steady_clock::now() >= until) return false;
      std::this_thread::sleep_for(10ms);
    }
  }

 private:
  std::mutex observed_mutex;
  std::vector<std::tuple<std::string, int>> observed;
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
  CHECK(body_of(s.client.Get("/readyz")) == json{{"status", "ready"}});
  // A rejected reload leaves the daemon ready (it serves the previous config), and says why.
  s.backend.reload_error = "1 database problem(s) in t.toml";
  r = s.client.Get("/readyz");
  CHECK(r->status == 200);
  CHECK(body_of(r) == json{{"status", "ready"},
                           {"reload",
                            {{"status", "rejected"},
                             {"error", "1 database problem(s) in t.toml"},
                             {"problems", {"t.toml:8: monitor m: no such column"}}}}});
  s.backend.reload_error.clear();
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
  CHECK(s.backend.was_observed("run", 409));
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
  CHECK(decide_retrain("m", e, {drift::Threshold::above("psi", 0.2)}).should_retrain);
  e.status = drift::Status::insufficient_data;
  auto d = decide_retrain("m", e, {drift::Threshold::above("psi", 0.2)});
  CHECK_FALSE(d.should_retrain);
  CHECK(d.status == "insufficient_data");
  CHECK(decide_retrain("m", std::nullopt, {}).status == "pending");
  e.status = drift::Status::drift;
  CHECK_FALSE(decide_retrain("m", e, {drift::Threshold::above("psi", 0.6)}).should_retrain);
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
  const std::vector<drift::Threshold> thresholds = {drift::Threshold::above("psi", 0.2),
                                                    drift::Threshold::above("roc_auc_drop", 0.02),
                                                    drift::Threshold::below("accuracy", 0.75)};
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
  const std::vector<drift::Threshold> thresholds = {
      drift::Threshold::above("psi", 0.2), row.below
                                               ? drift::Threshold::below(row.statistic, row.level)
                                               : drift::Threshold::above(row.statistic, row.level)};
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
  drift::Threshold psi = drift::Threshold::above("psi", 0);
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

// --- the transport ------------------------------------------------------------------------------

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// A TCP connection to the server from a loopback address of our choice (127.0.0.0/8 is all
// loopback on Linux: distinct client addresses without a network).
struct RawClient {
  int fd = -1;
  RawClient(int port, const char* from = "127.0.0.1", const char* to = "127.0.0.1") {
    const bool v6 = std::string(to).find(':') != std::string::npos;
    fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    if (v6) {
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_port = htons(static_cast<std::uint16_t>(port));
      REQUIRE(::inet_pton(AF_INET6, to, &a.sin6_addr) == 1);
      REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
      return;
    }
    sockaddr_in local{};
    local.sin_family = AF_INET;
    REQUIRE(::inet_pton(AF_INET, from, &local.sin_addr) == 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    REQUIRE(::inet_pton(AF_INET, to, &a.sin_addr) == 1);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~RawClient() {
    if (fd >= 0) ::close(fd);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool send(const std::string& data) {
    return ::send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Waits up to `timeout` for bytes; appends them to `got`. False when the server closed.
  bool receive(std::string& got, std::chrono::milliseconds timeout) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return true;
    char buf[16384];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    got.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  // Everything until the server closes (or `timeout` passes).
  std::string read_until_closed(std::chrono::milliseconds timeout = 5000ms) {
    std::string got;
    const auto until = Clock::now() + timeout;
    while (Clock::now() < until && receive(got, 100ms)) {
    }
    return got;
  }
  // Reads until `got` holds `text`, or until closed / timeout.
  std::string read_until(const std::string& text, std::chrono::milliseconds timeout = 5000ms) {
    std::string got;
    const auto until = Clock::now() + timeout;
    while (got.find(text) == std::string::npos && Clock::now() < until && receive(got, 50ms)) {
    }
    return got;
  }
  bool closed_by_server(std::chrono::milliseconds timeout) {
    std::string ignored;
    const auto until = Clock::now() + timeout;
    while (Clock::now() < until) {
      if (!receive(ignored, 50ms)) return true;
    }
    return false;
  }
};

// One whole request on a connection of its own; the answer's status line ("" if none).
std::string status_line(int port, const std::string& request, const char* from = "127.0.0.1",
                        const char* to = "127.0.0.1") {
  RawClient c(port, from, to);
  c.send(request);
  const std::string got = c.read_until("\r\n", 5000ms);
  return got.substr(0, got.find("\r\n"));
}

const std::string kGetHealthz = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

}  // namespace

TEST_CASE("a request must arrive whole within read_timeout in total, however it trickles",
          "[http]") {
  ApiOptions o;
  o.read_timeout = 1s;
  Server s(o);
  // Each piece comes well within the timeout; only a total deadline ends this.
  const std::string start = GENERATE(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n"),
                                     std::string("POST /api/v1/silences HTTP/1.1\r\nHost: x\r\n"
                                                 "Content-Type: application/json\r\n"
                                                 "Content-Length: 100\r\n\r\n{"));
  const std::string piece = start[0] == 'G' ? "X-Slow: 1\r\n" : " ";
  CAPTURE(start);
  const auto connected = Clock::now();
  RawClient c(s.server.port());
  REQUIRE(c.send(start));
  std::string got;
  bool open = true;
  while (open && seconds_since(connected) < 4) {
    c.send(piece);
    for (int i = 0; i < 4 && open; ++i) open = c.receive(got, 50ms);
  }
  const double held = seconds_since(connected);
  CHECK_FALSE(open);   // cut off ...
  CHECK(held >= 0.9);  // ... not before read_timeout
  CHECK(held < 3.0);   // ... and not per piece: at read_timeout, in total
  CHECK(got.empty());  // a client that never finished its request gets no answer
  CHECK(s.backend.was_observed("rejected", 408, 2000ms));
  // and the server still answers
  CHECK(s.client.Get("/healthz")->status == 200);
}

TEST_CASE("a connection that never sends a request is closed at read_timeout, quietly", "[http]") {
  ApiOptions o;
  o.read_timeout = 500ms;
  Server s(o);
  RawClient silent(s.server.port());
  CHECK(silent.closed_by_server(3000ms));
  CHECK(s.client.Get("/healthz")->status == 200);
  CHECK(s.backend.was_observed("healthz", 200, 2000ms));
  CHECK_FALSE(s.backend.was_observed("rejected", 408));  // no request, nothing refused
}

TEST_CASE("connections beyond the per-client cap are refused while other clients are served",
          "[http]") {
  ApiOptions o;
  o.max_connections_per_client = 3;
  o.max_connections = 5;
  o.read_timeout = 30s;
  Server s(o);
  const int port = s.server.port();
  // Three connections from 127.0.0.2 hold their slots with requests they never finish.
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawClient>(port, "127.0.0.2"));
    held.back()->send("GET /healthz HTTP/1.1\r\n");
  }
  {
    RawClient fourth(port, "127.0.0.2");
    const std::string answer = fourth.read_until_closed();
    CHECK(answer.rfind("HTTP/1.1 503", 0) == 0);
    CHECK(answer.find("Retry-After: 5") != std::string::npos);
    CHECK(answer.find("max_connections_per_client = 3") != std::string::npos);
    CHECK(answer.find("too many connections from 127.0.0.2") != std::string::npos);
  }
  CHECK(s.backend.was_observed("rejected", 503, 2000ms));
  // Another address is served meanwhile ...
  CHECK(status_line(port, kGetHealthz, "127.0.0.3") == "HTTP/1.1 200 OK");
  CHECK(s.client.Get("/api/v1/monitors")->status == 200);
  // ... up to the cap on all connections: 3 + 2 held, a sixth is refused whoever it is from.
  held.push_back(std::make_unique<RawClient>(port, "127.0.0.3"));
  held.back()->send("GET /healthz HTTP/1.1\r\n");
  held.push_back(std::make_unique<RawClient>(port, "127.0.0.4"));
  held.back()->send("GET /healthz HTTP/1.1\r\n");
  {
    RawClient sixth(port, "127.0.0.5");
    const std::string answer = sixth.read_until_closed();
    CHECK(answer.rfind("HTTP/1.1 503", 0) == 0);
    CHECK(answer.find("max_connections = 5") != std::string::npos);
  }
  // A slot given back is taken again: 127.0.0.2 closes one and gets served.
  held.erase(held.begin());
  held.pop_back();
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    served = status_line(port, kGetHealthz, "127.0.0.2") == "HTTP/1.1 200 OK";
    if (!served) std::this_thread::sleep_for(20ms);
  }
  CHECK(served);
}

TEST_CASE("probes are answered while every worker runs a slow handler", "[http]") {
  ApiOptions o;
  o.threads = 2;
  Server s(o);
  s.backend.close_gate();
  std::vector<std::thread> runs;
  std::atomic<int> ran{0};
  for (int i = 0; i < 3; ++i) {  // one more than there are workers: it waits in the queue
    runs.emplace_back([&] {
      httplib::Client c("127.0.0.1", s.server.port());
      c.set_read_timeout(30);
      auto r = c.Post("/api/v1/monitors/fraud-v2/run");
      if (r && r->status == 200) ++ran;
    });
  }
  REQUIRE(s.backend.wait_for_waiting_runs(2));
  httplib::Client probe("127.0.0.1", s.server.port());
  probe.set_read_timeout(3);
  for (const char* path : {"/healthz", "/readyz", "/metrics", "/healthz"}) {
    CAPTURE(path);
    auto r = probe.Get(path);
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  s.backend.ready = false;
  CHECK(probe.Get("/readyz")->status == 503);
  // The ordinary requests wait for a worker; answered once the evaluations end.
  s.backend.open_gate();
  for (auto& t : runs) t.join();
  CHECK(ran == 3);
  CHECK(s.backend.was_observed("healthz", 200, 2000ms));
  CHECK(s.backend.was_observed("readyz", 503, 2000ms));
}

TEST_CASE("HTTP details: HEAD, OPTIONS, other methods, keep-alive, 100-continue, bad requests",
          "[http]") {
  Server s;
  const int port = s.server.port();
  SECTION("HEAD and OPTIONS get 405 with Allow, as every method a path does not serve") {
    RawClient c(port);
    c.send("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const std::string head = c.read_until_closed();
    CHECK(head.rfind("HTTP/1.1 405", 0) == 0);
    CHECK(head.find("Allow: GET\r\n") != std::string::npos);
    CHECK(head.find("Content-Length: ") != std::string::npos);
    CHECK(head.substr(head.find("\r\n\r\n") + 4).empty());  // no body after a HEAD
    auto r = s.client.Options("/api/v1/silences");
    REQUIRE(r);
    CHECK(r->status == 405);
    CHECK(r->get_header_value("Allow") == "GET, POST");
    CHECK(status_line(port, "BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n") ==
          "HTTP/1.1 405 Method Not Allowed");
    CHECK(status_line(port, "BREW /nothing HTTP/1.1\r\nHost: x\r\n\r\n") ==
          "HTTP/1.1 404 Not Found");
  }
  SECTION("keep-alive and pipelining: several requests on one connection") {
    RawClient c(port);
    c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string got = c.read_until("\"ready\"");
    CHECK(got.find("{\"status\":\"ok\"}") != std::string::npos);
    CHECK(got.find("{\"status\":\"ready\"}") != std::string::npos);
    c.send(
        "GET /api/v1/monitors/fraud-v2/retrain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    got = c.read_until_closed();
    CHECK(got.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(got.find("Connection: close") != std::string::npos);
    CHECK(got.find("should_retrain") != std::string::npos);
    // HTTP/1.0 closes after one answer unless asked otherwise
    RawClient old(port);
    old.send("GET /healthz HTTP/1.0\r\n\r\n");
    got = old.read_until_closed(3000ms);
    CHECK(got.rfind("HTTP/1.0 200", 0) == 0);
    // a keep-alive client (httplib) reuses its connection
    httplib::Client k("127.0.0.1", port);
    k.set_keep_alive(true);
    for (int i = 0; i < 3; ++i) CHECK(k.Get("/healthz")->status == 200);
  }
  SECTION("Expect: 100-continue is answered before the body is sent") {
    RawClient c(port);
    const std::string body = R"({"monitor":"fraud-v2"})";
    c.send(
        "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Expect: 100-continue\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n");
    std::string got = c.read_until("\r\n\r\n", 2000ms);
    CHECK(got == "HTTP/1.1 100 Continue\r\n\r\n");
    c.send(body);
    got = c.read_until("\"s1\"");
    CHECK(got.rfind("HTTP/1.1 201", 0) == 0);
  }
  SECTION("304 and 204 carry no body; error answers are JSON") {
    auto r = s.client.Get("/api/v1/monitors/fraud-v2/retrain");
    RawClient c(port);
    c.send("GET /api/v1/monitors/fraud-v2/retrain HTTP/1.1\r\nHost: x\r\nIf-None-Match: " +
           r->get_header_value("ETag") + "\r\n\r\nDELETE /api/v1/silences/none HTTP/1.1\r\n\r\n");
    std::string got = c.read_until("no silence none");
    CHECK(got.rfind("HTTP/1.1 304 Not Modified\r\n", 0) == 0);
    CHECK(got.find("ETag: " + r->get_header_value("ETag")) != std::string::npos);
    CHECK(got.find("HTTP/1.1 404 Not Found\r\n") != std::string::npos);  // the second answer
    CHECK(got.find("{\"error\":\"no silence none\"}") != std::string::npos);
    s.backend.silences = {"s9"};
    r = s.client.Delete("/api/v1/silences/s9");
    CHECK(r->status == 204);
    CHECK(r->body.empty());
  }
  SECTION("malformed and oversized requests get 400 / 431 with a JSON error, never a 500") {
    for (const std::string bad : {"GARBAGE\r\n\r\n", "GET /healthz HTTP/9.9\r\n\r\n",
                                  "POST /api/v1/silences HTTP/1.1\r\nContent-Length: x\r\n\r\n",
                                  "GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n"}) {
      CAPTURE(bad);
      RawClient c(port);
      c.send(bad);
      const std::string got = c.read_until_closed();
      CHECK(got.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
      CHECK(got.find("{\"error\":\"malformed HTTP request: ") != std::string::npos);
    }
    RawClient c(port);
    c.send("GET /healthz HTTP/1.1\r\nX-Big: " + std::string(40000, 'a') + "\r\n\r\n");
    const std::string got = c.read_until_closed();
    CHECK(got.rfind("HTTP/1.1 431", 0) == 0);
    CHECK(got.find("too large") != std::string::npos);
    CHECK(s.backend.was_observed("rejected", 431, 2000ms));
    RawClient long_target(port);
    long_target.send("GET /api/v1/monitors/" + std::string(9000, 'm') +
                     "/drift HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(long_target.read_until_closed().rfind("HTTP/1.1 414", 0) == 0);
    // the longest target accepted is matched against the routes like any other
    CHECK(status_line(port, "GET /api/v1/monitors/" + std::string(8000, 'm') +
                                "/drift HTTP/1.1\r\nHost: x\r\n\r\n") == "HTTP/1.1 404 Not Found");
    CHECK(s.backend.was_observed("rejected", 400, 2000ms));
  }
}

TEST_CASE("a JSON endpoint answers 400 naming the content type it expects, whatever the size",
          "[http]") {
  ApiOptions o;
  o.max_body_bytes = 32 << 10;
  Server s(o);
  // curl -d sends application/x-www-form-urlencoded; 16 KiB of it got 413 "too large" before.
  const std::string form(16 << 10, 'a');
  auto r = s.client.Post("/api/v1/silences", form, "application/x-www-form-urlencoded");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(body_of(r)["error"] ==
        "expected a JSON body with \"Content-Type: application/json\", got "
        "\"application/x-www-form-urlencoded\" (with curl: -H 'Content-Type: application/json')");
  r = s.client.Post("/api/v1/silences", "x=1", "application/x-www-form-urlencoded");
  CHECK(r->status == 400);
  r = s.client.Post("/api/v1/silences", R"({"monitor":"fraud-v2"})", "text/plain");
  CHECK(r->status == 400);
  CHECK(body_of(r)["error"].get<std::string>().find("\"text/plain\"") != std::string::npos);
  // JSON, with parameters or a +json type, or with no type at all, is read
  CHECK(
      s.client
          .Post("/api/v1/silences", R"({"monitor":"fraud-v2"})", "Application/JSON; charset=utf-8")
          ->status == 201);
  CHECK(s.client.Post("/api/v1/silences", R"({"monitor":"fraud-v2"})", "application/merge+json")
            ->status == 201);
  CHECK(status_line(s.server.port(),
                    "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}") ==
        "HTTP/1.1 201 Created");
  // Above max_body_bytes the content type is judged first: curl -d's form type is the mistake
  // to fix, so it is 400 saying so; a JSON body is 413, with a JSON error naming the limit.
  r = s.client.Post("/api/v1/silences", std::string((32 << 10) + 1, 'a'),
                    "application/x-www-form-urlencoded");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(body_of(r)["error"].get<std::string>().find("expected a JSON body with \"Content-Type: "
                                                    "application/json\"") == 0);
  for (const std::string type : {"application/json", ""}) {
    CAPTURE(type);
    r = s.client.Post("/api/v1/silences", std::string((32 << 10) + 1, 'a'),
                      type.empty() ? "application/json; charset=utf-8" : type.c_str());
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(body_of(r)["error"] ==
          "request body too large: the limit is 32768 bytes ([server] max_body_bytes)");
  }
  CHECK(s.backend.was_observed("silences", 413, 2000ms));
  // The same before a byte of the body is sent (curl waits for "100 Continue" on large bodies:
  // none comes, the answer does), and for a chunked body that grows over the limit.
  {
    RawClient c(s.server.port());
    c.send(
        "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Type: "
        "application/x-www-form-urlencoded\r\nExpect: 100-continue\r\nContent-Length: "
        "10000000\r\n\r\n");
    const std::string got = c.read_until_closed();
    CHECK(got.rfind("HTTP/1.1 400 ", 0) == 0);
    CHECK(got.find("expected a JSON body") != std::string::npos);
  }
  {
    RawClient c(s.server.port());
    c.send(
        "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Type: "
        "application/json\r\nExpect: 100-continue\r\nContent-Length: 10000000\r\n\r\n");
    const std::string got = c.read_until_closed();
    CHECK(got.rfind("HTTP/1.1 413 ", 0) == 0);
    CHECK(got.find("100 Continue") == std::string::npos);
  }
  for (const std::string type : {"text/plain", "application/json"}) {
    CAPTURE(type);
    RawClient c(s.server.port());
    const std::string chunk(16 << 10, 'a');
    std::string req = "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Type: " + type +
                      "\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 3; ++i) req += "4000\r\n" + chunk + "\r\n";
    c.send(req);
    const std::string got = c.read_until_closed();
    CHECK(got.rfind(type == "text/plain" ? "HTTP/1.1 400 " : "HTTP/1.1 413 ", 0) == 0);
  }
  // An endpoint that reads no body still refuses one over the limit (and only then)
  CHECK(s.client
            .Post("/api/v1/monitors/fraud-v2/run", std::string((32 << 10) + 1, 'a'),
                  "application/x-www-form-urlencoded")
            ->status == 413);
  // Exactly at the limit is read (and is not JSON here)
  r = s.client.Post("/api/v1/silences", std::string(32 << 10, 'a'), "application/json");
  CHECK(r->status == 400);
  // A POST that needs no body takes any content type
  CHECK(s.client.Post("/api/v1/monitors/fraud-v2/run", "x=1", "application/x-www-form-urlencoded")
            ->status == 200);
}

TEST_CASE("stop() closes open connections and returns while clients trickle", "[http]") {
  FakeBackend backend;
  ApiOptions o;
  o.port = 0;
  o.read_timeout = 60s;
  ApiServer server(backend, o);
  server.start();
  RawClient trickling(server.port());
  trickling.send("GET /healthz HTTP/1.1\r\n");
  RawClient idle(server.port());
  idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(idle.read_until("\"ok\"").find("\"ok\"") != std::string::npos);
  server.stop();
  CHECK(trickling.closed_by_server(5000ms));
  CHECK(idle.closed_by_server(5000ms));
  server.stop();  // idempotent
}

TEST_CASE("listens on IPv6, on IPv4 too with ::, and says why it cannot listen", "[http]") {
  FakeBackend backend;
  ApiOptions o;
  o.port = 0;
  o.host = "::1";
  {
    ApiServer v6(backend, o);
    v6.start();
    CHECK(status_line(v6.port(), kGetHealthz, "", "::1") == "HTTP/1.1 200 OK");
  }
  o.host = "::";
  ApiServer any(backend, o);
  any.start();
  CHECK(status_line(any.port(), kGetHealthz, "", "::1") == "HTTP/1.1 200 OK");
  CHECK(status_line(any.port(), kGetHealthz, "127.0.0.2") == "HTTP/1.1 200 OK");
  // The port is taken (by `any`, on every address).
  o.host = "127.0.0.1";
  o.port = any.port();
  ApiServer taken(backend, o);
  CHECK_THROWS_WITH(
      taken.start(),
      Catch::StartsWith("cannot listen on 127.0.0.1:" + std::to_string(any.port()) + ": "));
  o.host = "192.0.2.1";  // TEST-NET-1: not an address of this machine
  o.port = 0;
  ApiServer elsewhere(backend, o);
  CHECK_THROWS_WITH(elsewhere.start(), Catch::Contains("not an address of this machine"));
}

TEST_CASE("answers are gzipped for clients that accept it (Prometheus does)", "[http]") {
  Server s;
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "driftd_x{monitor=\"m" + std::to_string(i) + "\"} 1\n";
  s.backend.metrics = text;
  auto raw = [&](const std::string& accept) {
    RawClient c(s.server.port());
    c.send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + accept + "\r\n");
    return c.read_until_closed();
  };
  std::string got = raw("Accept-Encoding: gzip, deflate\r\n");
  const std::string head = got.substr(0, got.find("\r\n\r\n"));
  CHECK(head.find("Content-Encoding: gzip") != std::string::npos);
  CHECK(head.find("Vary: Accept-Encoding") != std::string::npos);
  const std::size_t body = got.size() - head.size() - 4;
  CHECK(body < text.size() / 5);
  CHECK(head.find("Content-Length: " + std::to_string(body)) != std::string::npos);
  // and it decompresses to the text (httplib's client inflates it)
  httplib::Client c("127.0.0.1", s.server.port());
  c.set_decompress(true);
  auto r = c.Get("/metrics", {{"Accept-Encoding", "gzip"}});
  REQUIRE(r);
  CHECK(r->body == text);
  // not without asking, nor when refused, nor for small answers
  for (const std::string& accept : {std::string(), std::string("Accept-Encoding: gzip;q=0\r\n"),
                                    std::string("Accept-Encoding: br\r\n")}) {
    CAPTURE(accept);
    got = raw(accept);
    CHECK(got.find("Content-Encoding") == std::string::npos);
    CHECK(got.substr(got.find("\r\n\r\n") + 4) == text);
  }
  s.backend.metrics = "x 1\n";
  CHECK(raw("Accept-Encoding: gzip\r\n").find("Content-Encoding") == std::string::npos);
}

TEST_CASE("a restarted server listens on the same port while the old connections close", "[http]") {
  // systemd restarts driftd on its fixed port: the old process's connections may still be closing.
  FakeBackend backend;
  ApiOptions o;
  o.port = 0;
  auto first = std::make_unique<ApiServer>(backend, o);
  first->start();
  o.port = first->port();
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<RawClient>(o.port));
    clients.back()->send("GET /healthz HTTP/1.1\r\n");
  }
  clients.push_back(std::make_unique<RawClient>(o.port));
  clients.back()->send(kGetHealthz.substr(0, kGetHealthz.find("Connection")) + "\r\n");
  clients.back()->read_until("\"ok\"");
  first->stop();
  first.reset();  // the clients have not closed their ends: the server's are in FIN_WAIT
  ApiServer second(backend, o);
  REQUIRE_NOTHROW(second.start());
  CHECK(status_line(o.port, kGetHealthz) == "HTTP/1.1 200 OK");
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
  CHECK(s.backend.was_observed("ui_monitor", 404, 2000ms));
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
  auto post = [&](httplib::Headers h, const char* type = "application/json") {
    return s.client.Post("/api/v1/silences", h, body, type)->status;
  };
  // A form or fetch() without preflight sends text/plain: refused for the origin, not the type.
  CHECK(post({{"Origin", "https://evil.example"}}, "text/plain") == 403);
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
