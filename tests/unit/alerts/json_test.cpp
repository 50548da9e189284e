// The API JSON of alerts and silences, and the validation of silence requests.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "driftd/alerts/json.hpp"
#include "support.hpp"

using namespace driftd;
using namespace driftd::alerts;
using namespace driftd::alerts::test;
using nlohmann::json;

TEST_CASE("alerts_to_json: the CONTRACT fields, then the extensions") {
  Alert a;
  a.id = 42;
  a.key = {"fraud-v2", "amount", "psi"};
  a.state = AlertState::firing;
  a.severity = Severity::high;
  a.value = 0.31;
  a.threshold = 0.2;
  a.consecutive = 2;
  a.started_at = kT0;
  a.fired_at = kT0 + 5min;
  a.last_notified_at = kT0 + 5min;
  a.last_evaluated_at = kT0 + 10min;
  a.top_contributors = {{"a", 0.5, 0.25, 0.17}};
  Alert f;
  f.id = 43;
  f.key = {"fraud-v2", "", std::string(kMonitorFailing)};
  f.state = AlertState::resolved;
  f.started_at = kT0;
  f.resolved_at = kT0 + 1h;
  f.message = "timeout";
  const json j = json::parse(alerts_to_json({a, f}));
  CHECK(j == json::parse(R"({"alerts":[
    {"id":42,"monitor":"fraud-v2","feature":"amount","statistic":"psi","state":"firing",
     "severity":"high","value":0.31,"threshold":0.2,"started_at":"2026-11-27T12:00:00Z",
     "resolved_at":null,"direction":"above","consecutive":2,"fired_at":"2026-11-27T12:05:00Z",
     "last_notified_at":"2026-11-27T12:05:00Z","last_evaluated_at":"2026-11-27T12:10:00Z",
     "message":null,
     "top_contributors":[{"bin":"a","reference_share":0.5,"current_share":0.25,"psi":0.17}]},
    {"id":43,"monitor":"fraud-v2","feature":"","statistic":"evaluation_errors","state":"resolved",
     "severity":"medium","value":0,"threshold":0,"started_at":"2026-11-27T12:00:00Z",
     "resolved_at":"2026-11-27T13:00:00Z","direction":"above","consecutive":0,"fired_at":null,
     "last_notified_at":null,"last_evaluated_at":"1970-01-01T00:00:00Z","message":"timeout",
     "top_contributors":[]}]})"));
  CHECK(json::parse(alerts_to_json({})) == json::parse(R"({"alerts":[]})"));
}

TEST_CASE("silences_to_json: null for match-any fields, active at `now`") {
  Silence s;
  s.id = "s-1";
  s.monitor = "fraud-v2";
  s.statistic = "psi";
  s.starts_at = kT0;
  s.ends_at = kT0 + 2h;
  s.comment = "retraining";
  s.created_by = "ana";
  s.created_at = kT0 - 1min;
  const json j = json::parse(silences_to_json({s}, kT0 + 1h));
  CHECK(j == json::parse(R"({"silences":[{"id":"s-1","monitor":"fraud-v2","feature":null,
      "statistic":"psi","starts_at":"2026-11-27T12:00:00Z","ends_at":"2026-11-27T14:00:00Z",
      "comment":"retraining","created_by":"ana","created_at":"2026-11-27T11:59:00Z",
      "active":true}]})"));
  CHECK(json::parse(silence_to_json(s, kT0 + 2h))["active"] == false);
  CHECK(json::parse(silence_to_json(s, kT0 - 1s))["active"] == false);
}

TEST_CASE("parse_silence_request: a full request") {
  const Silence s = parse_silence_request(
      R"({"monitor":"fraud-v2","feature":"amount","statistic":"psi",
          "starts_at":"2026-11-27T13:00:00+01:00","ends_at":"2026-11-27T14:00:00Z",
          "comment":"backfill running","created_by":"ana@example.com"})",
      kT0, "sid");
  CHECK(s.id == "sid");
  CHECK(s.monitor == "fraud-v2");
  CHECK(s.feature == "amount");
  CHECK(s.statistic == "psi");
  CHECK(s.starts_at == kT0);
  CHECK(s.ends_at == kT0 + 2h);
  CHECK(s.comment == "backfill running");
  CHECK(s.created_by == "ana@example.com");
  CHECK(s.created_at == kT0);
}

TEST_CASE("parse_silence_request: defaults") {
  const Silence s = parse_silence_request(
      R"({"monitor":"fraud-v2","feature":null,"ends_at":"2026-11-27T12:30:00Z","comment":"x"})",
      kT0, "sid");
  CHECK_FALSE(s.feature);
  CHECK_FALSE(s.statistic);
  CHECK(s.starts_at == kT0);
  CHECK(s.created_by.empty());
  CHECK(s.active(kT0));
  CHECK(
      parse_silence_request(
          R"({"monitor":"m","statistic":"evaluation_errors","ends_at":"2026-11-28T00:00:00Z","comment":"c"})",
          kT0, "x")
          .statistic == "evaluation_errors");
}

TEST_CASE("parse_silence_request: clear errors for bad requests") {
  struct Case {
    const char* body;
    const char* message;
  };
  auto c = GENERATE(values<Case>({
      {"", "the request body is not valid JSON"},
      {"{", "the request body is not valid JSON"},
      {"[]", "the request body must be a JSON object"},
      {R"({"ends_at":"2026-11-28T00:00:00Z","comment":"c"})", "\"monitor\" is required"},
      {R"({"monitor":"  ","ends_at":"2026-11-28T00:00:00Z","comment":"c"})",
       "\"monitor\" is required"},
      {R"({"monitor":7,"ends_at":"2026-11-28T00:00:00Z","comment":"c"})",
       "\"monitor\" must be a string"},
      {R"({"monitor":"m","comment":"c"})", "\"ends_at\" is required (RFC 3339)"},
      {R"({"monitor":"m","ends_at":"tomorrow","comment":"c"})",
       "\"ends_at\" is not an RFC 3339 time (e.g. \"2026-01-01T12:00:00Z\"): \"tomorrow\""},
      {R"({"monitor":"m","ends_at":"2026-11-27T12:00:00Z","comment":"c"})",
       "\"ends_at\" must be in the future"},
      {R"({"monitor":"m","starts_at":"2026-11-29T00:00:00Z","ends_at":"2026-11-28T00:00:00Z","comment":"c"})",
       "\"ends_at\" must be after \"starts_at\""},
      {R"({"monitor":"m","ends_at":"2026-11-28T00:00:00Z"})",
       "\"comment\" is required: say why the alerts are silenced"},
      {R"({"monitor":"m","ends_at":"2026-11-28T00:00:00Z","comment":""})",
       "\"comment\" is required: say why the alerts are silenced"},
      {R"({"monitor":"m","feature":"","ends_at":"2026-11-28T00:00:00Z","comment":"c"})",
       "\"feature\" must not be empty (leave it out to match any)"},
      {R"({"monitor":"m","statistic":"pis","ends_at":"2026-11-28T00:00:00Z","comment":"c"})",
       "unknown statistic \"pis\" (did you mean \"psi\"?)"},
      {R"({"monitor":"m","end_at":"2026-11-28T00:00:00Z","comment":"c"})",
       "unknown field \"end_at\" (did you mean \"ends_at\"?)"},
      {R"({"monitor":"m","ends_at":"2026-11-28T00:00:00Z","comment":"c","zzz":1})",
       "unknown field \"zzz\" (expected monitor, feature, statistic, starts_at, ends_at, comment, "
       "created_by)"},
  }));
  CAPTURE(c.body);
  try {
    parse_silence_request(c.body, kT0, "id");
    FAIL("accepted");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()) == c.message);
  }
}

TEST_CASE("parse_silence_request: oversized fields are refused") {
  const std::string body = R"({"monitor":"m","ends_at":"2026-11-28T00:00:00Z","comment":")" +
                           std::string(5000, 'x') + "\"}";
  CHECK_THROWS_WITH(parse_silence_request(body, kT0, "id"),
                    "\"comment\" is longer than 2000 bytes");
}
