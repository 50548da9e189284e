// The exact bodies of every sink type, and the summary line.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "driftd/alerts/render.hpp"
#include "support.hpp"

using namespace driftd;
using namespace driftd::alerts;
using namespace driftd::alerts::test;
using nlohmann::json;

namespace {

Alert drift_alert(std::string feature, std::string statistic, double value, double threshold,
                  Severity severity, AlertState state = AlertState::firing) {
  Alert a;
  a.key = {"fraud-v2", std::move(feature), std::move(statistic)};
  a.state = state;
  a.severity = severity;
  a.value = value;
  a.threshold = threshold;
  a.started_at = kT0 - 10min;
  a.fired_at = kT0 - 5min;
  if (state == AlertState::resolved) a.resolved_at = kT0;
  return a;
}

NotificationGroup group(std::vector<GroupedAlert> alerts) {
  NotificationGroup g;
  g.id = "5f0c6a0e-4e0b-4f57-9a43-2d3f1b3c4d5e";
  g.monitor = "fraud-v2";
  g.evaluated_at = kT0;
  g.current_window = {kT0 - 1h, kT0, 1234, false, 1234};
  g.reference_window = {at("2026-01-01T00:00:00Z"), at("2026-01-08T00:00:00Z"), 5678, true, 9000};
  g.external_url = "https://driftd.example.com/";
  g.schedule = 5min;
  g.alerts = std::move(alerts);
  return g;
}

GroupedAlert psi_amount() {
  auto a = drift_alert("amount", "psi", 0.31, 0.2, Severity::high);
  a.top_contributors = {{"(7.5, +inf)", 0.1, 0.3, 0.2197}, {"(-inf, 1.5]", 0.1, 0.05, 0.0347}};
  return {a, Change::fired};
}

}  // namespace

TEST_CASE("summary names firing alerts, then resolved ones") {
  auto missing = drift_alert("income", "missing_rate", 0.11, 0.05, Severity::medium);
  CHECK(summary(group({psi_amount(), {missing, Change::fired}})) ==
        "fraud-v2: PSI of amount 0.31 (> 0.2), missing_rate of income 0.11 (> 0.05)");

  auto resolved = drift_alert("country", "psi", 0.04, 0.2, Severity::medium, AlertState::resolved);
  CHECK(summary(group({{resolved, Change::resolved}, psi_amount()})) ==
        "fraud-v2: PSI of amount 0.31 (> 0.2); resolved: PSI of country back to 0.04");
  CHECK(summary(group({{resolved, Change::resolved}})) ==
        "fraud-v2 resolved: PSI of country back to 0.04");

  auto big = drift_alert("n", "chi2_statistic", 15234.27, 100, Severity::medium);
  auto tiny = drift_alert("p", "ks_pvalue", 0.000012345, 0.01, Severity::medium);
  tiny.below = true;
  CHECK(summary(group({{big, Change::fired}, {tiny, Change::fired}})) ==
        "fraud-v2: chi2_statistic of n 15234 (> 100), ks_pvalue of p 1.234e-05 (< 0.01)");
}

TEST_CASE("summary names at most ten alerts") {
  std::vector<GroupedAlert> many;
  for (int i = 0; i < 12; ++i) {
    many.push_back(
        {drift_alert("f" + std::to_string(i), "psi", 0.3, 0.2, Severity::high), Change::fired});
  }
  const std::string s = summary(group(many));
  CHECK(s.find("f9 ") != std::string::npos);
  CHECK(s.find("f10 ") == std::string::npos);
  CHECK(s.ends_with("PSI of f9 0.3 (> 0.2), and 2 more"));
}

TEST_CASE("webhook body: exactly CONTRACT section 6 plus windows and per-alert extras") {
  auto resolved =
      drift_alert("income", "missing_rate", 0.01, 0.05, Severity::medium, AlertState::resolved);
  const auto g = group({psi_amount(), {resolved, Change::resolved}});
  const json expected = json::parse(R"J({
    "id": "5f0c6a0e-4e0b-4f57-9a43-2d3f1b3c4d5e",
    "status": "firing",
    "monitor": "fraud-v2",
    "evaluated_at": "2026-11-27T12:00:00Z",
    "summary": "fraud-v2: PSI of amount 0.31 (> 0.2); resolved: missing_rate of income back to 0.01",
    "alerts": [
      {"feature": "amount", "statistic": "psi", "status": "firing", "value": 0.31,
       "threshold": 0.2, "severity": "high", "started_at": "2026-11-27T11:50:00Z",
       "resolved_at": null,
       "top_contributors": [
         {"bin": "(7.5, +inf)", "reference_share": 0.1, "current_share": 0.3, "psi": 0.2197},
         {"bin": "(-inf, 1.5]", "reference_share": 0.1, "current_share": 0.05, "psi": 0.0347}],
       "direction": "above", "change": "fired", "fired_at": "2026-11-27T11:55:00Z"},
      {"feature": "income", "statistic": "missing_rate", "status": "resolved", "value": 0.01,
       "threshold": 0.05, "severity": "medium", "started_at": "2026-11-27T11:50:00Z",
       "resolved_at": "2026-11-27T12:00:00Z", "top_contributors": [],
       "direction": "above", "change": "resolved", "fired_at": "2026-11-27T11:55:00Z"}],
    "other_alerts_firing": 0,
    "links": {"drift": "https://driftd.example.com/api/v1/monitors/fraud-v2/drift",
              "report": "https://driftd.example.com/ui/monitors/fraud-v2"},
    "current_window": {"from": "2026-11-27T11:00:00Z", "to": "2026-11-27T12:00:00Z",
                       "rows": 1234, "sampled": false},
    "reference_window": {"from": "2026-01-01T00:00:00Z", "to": "2026-01-08T00:00:00Z",
                         "rows": 5678, "sampled": true}
  })J");
  const std::string body = render_webhook(g);
  CHECK(json::parse(body) == expected);
  // Members in the documented order, no whitespace: receivers that log bodies get them stable.
  CHECK(body.starts_with(
      R"({"id":"5f0c6a0e-4e0b-4f57-9a43-2d3f1b3c4d5e","status":"firing","monitor":"fraud-v2",)"));
  CHECK(render_webhook(g) == body);
}

TEST_CASE("report links: the monitor's page, a feature's card by its encoded name") {
  CHECK(report_link("https://d.example/", "m") == "https://d.example/ui/monitors/m");
  CHECK(report_link("https://d.example", "m", "amount") ==
        "https://d.example/ui/monitors/m#f-amount");
  CHECK(report_link("x", "m", "<a b>&\"é") == "x/ui/monitors/m#f-%3Ca%20b%3E%26%22%C3%A9");
  CHECK(report_link("x", "m", "__prediction__") == "x/ui/monitors/m#prediction");
  CHECK(report_link("x", "m", "__confidence__") == "x/ui/monitors/m#confidence");
  CHECK(report_link("x", "m", "__performance__") == "x/ui/monitors/m#performance");
  CHECK(report_link("x", "m", "amount", "FR") == "x/ui/monitors/m#segments");
}

TEST_CASE("webhook body of a resolved group and of a failing monitor") {
  auto failing = drift_alert("", std::string(kMonitorFailing), 3, 3, Severity::high);
  failing.message = "connection refused";
  failing.consecutive = 3;
  auto body = json::parse(render_webhook(group({{failing, Change::fired}})));
  CHECK(body["alerts"][0]["message"] == "connection refused");
  CHECK(body["summary"] == "fraud-v2: evaluations failing (3 in a row): connection refused");
  auto done = drift_alert("amount", "psi", 0.1, 0.2, Severity::high, AlertState::resolved);
  body = json::parse(render_webhook(group({{done, Change::resolved}})));
  CHECK(body["status"] == "resolved");
  CHECK_FALSE(body["alerts"][0].contains("message"));
}

TEST_CASE("slack body: text and blocks with values, windows, contributors and the link") {
  const auto g = group({psi_amount()});
  const json j = json::parse(render_slack(g));
  CHECK(j["text"] == "fraud-v2: PSI of amount 0.31 (&gt; 0.2)");
  const auto& blocks = j["blocks"];
  REQUIRE(blocks.size() == 4);
  CHECK(
      blocks[0] ==
      json::parse(R"({"type":"header","text":{"type":"plain_text","text":"[FIRING] fraud-v2"}})"));
  CHECK(blocks[1]["type"] == "section");
  CHECK(blocks[1]["text"]["type"] == "mrkdwn");
  CHECK(blocks[1]["text"]["text"] ==
        "*PSI of amount 0.31 (&gt; 0.2)*\nvalue 0.31, threshold &gt; 0.2, severity *high*, since "
        "2026-11-27T11:50:00Z\nTop contributors: `(7.5, +inf)` 10.0% → 30.0% (psi 0.2197); "
        "`(-inf, 1.5]` 10.0% → 5.0% (psi 0.0347)");
  CHECK(blocks[2]["type"] == "context");
  CHECK(blocks[2]["elements"][0]["text"] ==
        "Current window 2026-11-27T11:00:00Z → 2026-11-27T12:00:00Z (1234 rows); reference "
        "2026-01-01T00:00:00Z → 2026-01-08T00:00:00Z (5678 rows)");
  CHECK(blocks[3]["text"]["text"] ==
        "<https://driftd.example.com/ui/monitors/fraud-v2|Open the drift report> · "
        "<https://driftd.example.com/api/v1/monitors/fraud-v2/drift|JSON>");
  // A button to the report page: one click from the alert to the distributions.
  CHECK(blocks[3]["accessory"] == json::parse(R"({"type":"button",
        "text":{"type":"plain_text","text":"Open the report"},
        "url":"https://driftd.example.com/ui/monitors/fraud-v2","action_id":"driftd-report"})"));
}

TEST_CASE("slack body: escapes mrkdwn control characters and stays under 50 blocks") {
  std::vector<GroupedAlert> many;
  for (int i = 0; i < 60; ++i) {
    many.push_back(
        {drift_alert("a<b>&" + std::to_string(i), "psi", 0.3, 0.2, Severity::high), Change::fired});
  }
  const json j = json::parse(render_slack(group(many)));
  CHECK(j["blocks"].size() <= 50);
  CHECK(j["blocks"][1]["text"]["text"].get<std::string>().starts_with(
      "*PSI of a&lt;b&gt;&amp;0 0.3"));
  bool more = false;
  for (const auto& b : j["blocks"]) {
    if (b["type"] == "context" &&
        b["elements"][0]["text"] == "and 15 more alerts (see the drift report)") {
      more = true;
    }
  }
  CHECK(more);
  auto done = drift_alert("amount", "psi", 0.1, 0.2, Severity::high, AlertState::resolved);
  const json r = json::parse(render_slack(group({{done, Change::resolved}})));
  CHECK(r["blocks"][0]["text"]["text"] == "[RESOLVED] fraud-v2");
  CHECK(r["blocks"][1]["text"]["text"].get<std::string>().find(
            "resolved at 2026-11-27T12:00:00Z") != std::string::npos);
}

TEST_CASE("pagerduty body: Events API v2, stable dedup key, mapped severity") {
  const auto g = group({psi_amount()});
  const json j = json::parse(render_pagerduty(g, "R0UT1NGKEY"));
  CHECK(j["routing_key"] == "R0UT1NGKEY");
  CHECK(j["event_action"] == "trigger");
  CHECK(j["dedup_key"] == "driftd/fraud-v2");
  CHECK(j["payload"]["summary"] == "fraud-v2: PSI of amount 0.31 (> 0.2)");
  CHECK(j["payload"]["severity"] == "error");
  CHECK(j["payload"]["source"] == "driftd");
  CHECK(j["payload"]["component"] == "fraud-v2");
  CHECK(j["payload"]["timestamp"] == "2026-11-27T12:00:00Z");
  CHECK(j["payload"]["custom_details"]["delivery_id"] == g.id);
  CHECK(j["payload"]["custom_details"]["alerts"][0]["feature"] == "amount");
  CHECK(j["payload"]["custom_details"]["alerts"][0]["top_contributors"].size() == 2);
  CHECK(j["payload"]["custom_details"]["current_window"]["rows"] == 1234);
  CHECK(j["links"] == json::parse(R"([{"href":"https://driftd.example.com/ui/monitors/fraud-v2",
                         "text":"driftd drift report for fraud-v2"},
                        {"href":"https://driftd.example.com/api/v1/monitors/fraud-v2/drift",
                         "text":"drift JSON for fraud-v2"}])"));
  CHECK(j["client_url"] == "https://driftd.example.com/ui/monitors/fraud-v2");

  auto done = drift_alert("amount", "psi", 0.1, 0.2, Severity::high, AlertState::resolved);
  const json r = json::parse(render_pagerduty(group({{done, Change::resolved}}), "K"));
  CHECK(r["event_action"] == "resolve");
  CHECK(r["dedup_key"] == "driftd/fraud-v2");
}

TEST_CASE("pagerduty severity mapping and payload severity of the worst firing alert") {
  CHECK(pagerduty_severity(Severity::critical) == "critical");
  CHECK(pagerduty_severity(Severity::high) == "error");
  CHECK(pagerduty_severity(Severity::medium) == "warning");
  CHECK(pagerduty_severity(Severity::low) == "info");
  auto low = drift_alert("a", "psi", 0.21, 0.2, Severity::low);
  auto crit = drift_alert("b", "ks_pvalue", 0.0, 0.01, Severity::critical, AlertState::resolved);
  auto med = drift_alert("c", "missing_rate", 0.2, 0.05, Severity::medium);
  const json j = json::parse(render_pagerduty(
      group({{low, Change::fired}, {crit, Change::resolved}, {med, Change::fired}}), "K"));
  CHECK(j["payload"]["severity"] == "warning");  // the resolved critical one does not count
}

TEST_CASE("pagerduty summary is cut to 1024 bytes on a character boundary") {
  std::vector<GroupedAlert> many;
  for (int i = 0; i < 10; ++i) {
    many.push_back({drift_alert(std::string(150, 'x') + "é" + std::to_string(i), "psi", 0.3, 0.2,
                                Severity::high),
                    Change::fired});
  }
  const json j = json::parse(render_pagerduty(group(many), "K"));
  const std::string s = j["payload"]["summary"];
  CHECK(s.size() <= 1024);
  CHECK(s.ends_with("\u2026"));
}

TEST_CASE("alertmanager body: postable alerts with labels, string annotations, endsAt") {
  auto resolved =
      drift_alert("income", "missing_rate", 0.01, 0.05, Severity::medium, AlertState::resolved);
  auto failing = drift_alert("", std::string(kMonitorFailing), 4, 3, Severity::high);
  failing.message = "timeout";
  failing.consecutive = 4;
  const json j = json::parse(render_alertmanager(
      group({psi_amount(), {resolved, Change::resolved}, {failing, Change::reposted}})));
  REQUIRE(j.is_array());
  REQUIRE(j.size() == 3);
  CHECK(j[0] == json::parse(R"J({
    "labels": {"alertname": "DriftdThresholdBreached", "monitor": "fraud-v2", "feature": "amount",
               "statistic": "psi", "severity": "high"},
    "annotations": {"summary": "fraud-v2: PSI of amount 0.31 (> 0.2)",
                    "description": "PSI of amount is 0.31, threshold > 0.2 (Current window 2026-11-27T11:00:00Z → 2026-11-27T12:00:00Z (1234 rows); reference 2026-01-01T00:00:00Z → 2026-01-08T00:00:00Z (5678 rows))",
                    "value": "0.31", "threshold": "0.2"},
    "startsAt": "2026-11-27T11:50:00Z",
    "endsAt": "2026-11-27T12:15:00Z",
    "generatorURL": "https://driftd.example.com/ui/monitors/fraud-v2#f-amount"})J"));
  // Each alert links to its own part of the report; a failing monitor to the report itself.
  CHECK(j[1]["generatorURL"] == "https://driftd.example.com/ui/monitors/fraud-v2#f-income");
  CHECK(j[2]["generatorURL"] == "https://driftd.example.com/ui/monitors/fraud-v2");
  CHECK(j[1]["endsAt"] == "2026-11-27T12:00:00Z");
  CHECK(j[1]["labels"]["statistic"] == "missing_rate");
  CHECK(j[2]["labels"] == json::parse(R"({"alertname": "DriftdMonitorFailing",
      "monitor": "fraud-v2", "statistic": "evaluation_errors", "severity": "high"})"));
  CHECK(j[2]["annotations"]["description"] == "timeout");
  CHECK(j[2]["annotations"]["summary"] == "fraud-v2: evaluations failing (4 in a row): timeout");
}

TEST_CASE("alertmanager annotations are rounded for people; counts are integers") {
  auto psi = drift_alert("amount", "psi", 0.31234567891, 0.2, Severity::high);
  auto close = drift_alert("income", "psi", 0.20004, 0.2, Severity::low);
  auto rows = drift_alert("", "labelled_rows", 12.0, 100.0, Severity::medium);
  rows.below = true;
  auto failing = drift_alert("", std::string(kMonitorFailing), 3, 3, Severity::high);
  failing.message = "timeout";
  failing.consecutive = 3;
  const json j = json::parse(render_alertmanager(group({{psi, Change::fired},
                                                        {close, Change::fired},
                                                        {rows, Change::fired},
                                                        {failing, Change::fired}})));
  REQUIRE(j.size() == 4);
  CHECK(j[0]["annotations"]["value"] == "0.3123");
  CHECK(j[0]["annotations"]["threshold"] == "0.2");
  CHECK(j[0]["annotations"]["description"].get<std::string>().starts_with(
      "PSI of amount is 0.3123, threshold > 0.2 ("));
  // Four digits would print 0.2 against 0.2.
  CHECK(j[1]["annotations"]["value"] == "0.20004");
  CHECK(j[1]["annotations"]["threshold"] == "0.2");
  CHECK(j[1]["annotations"]["summary"] == "fraud-v2: PSI of income 0.20004 (> 0.2)");
  CHECK(j[2]["annotations"]["value"] == "12");
  CHECK(j[2]["annotations"]["threshold"] == "100");
  CHECK(j[3]["annotations"]["value"] == "3");  // not "3.0"
  CHECK(j[3]["annotations"]["threshold"] == "3");
  // The webhook keeps the exact numbers.
  CHECK(json::parse(render_webhook(group({{psi, Change::fired}})))["alerts"][0]["value"] ==
        0.31234567891);
}

TEST_CASE("alertmanager hold: 3 × schedule, at least 5 minutes") {
  CHECK(alertmanager_hold(1min) == 5min);
  CHECK(alertmanager_hold(5min) == 15min);
  CHECK(alertmanager_hold(1h) == 3h);
}

TEST_CASE("render picks the format of the sink, the routing key from secret_env") {
  const auto g = group({psi_amount()});
  auto pd = sink("pd", config::SinkConfig::Type::pagerduty);
  pd.secret_env = "PD_KEY";
  SecretLookup secrets = [](const std::string& name) -> std::optional<std::string> {
    if (name == "PD_KEY") return "the-key";
    return std::nullopt;
  };
  CHECK(json::parse(render(pd, g, secrets))["routing_key"] == "the-key");
  pd.secret_env = "UNSET";
  CHECK(json::parse(render(pd, g, secrets))["routing_key"] == "");
  CHECK(render(sink("w"), g, secrets) == render_webhook(g));
  CHECK(render(sink("s", config::SinkConfig::Type::slack), g, secrets) == render_slack(g));
  CHECK(render(sink("a", config::SinkConfig::Type::alertmanager), g, secrets) ==
        render_alertmanager(g));
}

TEST_CASE("invalid UTF-8 in an error message does not break rendering") {
  auto failing = drift_alert("", std::string(kMonitorFailing), 3, 3, Severity::high);
  failing.message = "bad \xff byte";
  const json j = json::parse(render_webhook(group({{failing, Change::fired}})));
  CHECK(j["alerts"][0]["message"] == "bad \xEF\xBF\xBD byte");
}

TEST_CASE("drift_link trims trailing slashes") {
  CHECK(drift_link("http://127.0.0.1:9464", "m") ==
        "http://127.0.0.1:9464/api/v1/monitors/m/drift");
  CHECK(drift_link("http://h//", "m") == "http://h/api/v1/monitors/m/drift");
}
