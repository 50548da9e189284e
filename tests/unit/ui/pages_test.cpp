// The status pages as pure functions: what each shows, hostile names escaped everywhere, the
// Content-Security-Policy matching the inline code, and the data behind the charts.

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <catch2/catch.hpp>
#include <regex>

#include "driftd/alerts/json.hpp"
#include "driftd/ui/pages.hpp"
#include "support.hpp"

using namespace driftd;
using namespace driftd::ui;
using namespace driftd::ui::test;

namespace {

const std::string kHostileFeature = "<script>window.__xss=1</script>\"'&amp; x";
const std::string kHostileCategory = "\"><img src=x onerror=alert(1)>";
const std::vector<std::string> kRawHostile = {"<script>window", "<img src=x", "<svg onload",
                                              "</textarea><script", "\"><b>"};

void check_no_raw_hostile(const std::string& html) {
  for (const auto& raw : kRawHostile) {
    CAPTURE(raw);
    CHECK(html.find(raw) == std::string::npos);
  }
  // The page's own script is the only one.
  CHECK(count(html, "<script") == 1);
}

MonitorPage monitor_page() {
  MonitorPage p;
  p.name = "fraud-v2";
  p.status = "drift";
  std::vector<std::string> ref, cur;
  for (int i = 0; i < 300; ++i) ref.push_back(i % 3 == 0 ? "FR" : i % 3 == 1 ? "DE" : "US");
  for (int i = 0; i < 300; ++i) cur.push_back(i % 2 == 0 ? "FR" : "BR");
  auto e = evaluation(
      "fraud-v2", {numerical("amount", 60), numerical("age", 0), categorical("country", ref, cur)});
  p.latest = e;
  p.next_run_at = at("2026-11-27T12:05:00Z");
  p.thresholds = thresholds();
  RetrainView r;
  r.should_retrain = true;
  r.status = "drift";
  r.evaluated_at = e.evaluated_at;
  r.reasons.push_back({"amount", "psi", *e.features[0].statistics.get("psi"), 0.2, std::nullopt});
  p.retrain = r;
  p.history = HistoryChoice{};
  drift::StatisticSeries s;
  s.key = {"fraud-v2", "amount", "psi", false};
  for (int i = 0; i < 10; ++i) {
    s.points.push_back({kNow - std::chrono::hours(10 - i), i < 7 ? 0.05 : 0.4});
  }
  p.series.push_back(s);
  return p;
}

std::string sha256_base64(const std::string& text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  unsigned char b64[64];
  const int n = EVP_EncodeBlock(b64, digest, SHA256_DIGEST_LENGTH);
  return std::string(reinterpret_cast<const char*>(b64), static_cast<std::size_t>(n));
}

}  // namespace

TEST_CASE("escape: the five characters that matter in text and attributes") {
  CHECK(escape("<a href=\"x\" title='y'>&</a>") ==
        "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  CHECK(escape("plain ünïcode") == "plain ünïcode");
}

TEST_CASE("monitor page: a bar per bin with the edges, breaches marked, thresholds, history") {
  const auto p = monitor_page();
  const std::string html = render_monitor(p, context());
  const auto& amount = p.latest->features[0];
  REQUIRE(amount.statistics.bins.reference.size() == 10);

  const std::string card =
      between(html, "<article class=\"card drift\" id=\"f-amount\"", "</article>");
  REQUIRE_FALSE(card.empty());
  // Two bars (reference, current) per bin, and the chart says how many bins it drew.
  CHECK(count(card, "<g class=\"bin\"") == 10);
  CHECK(count(card, "class=\"bar ref\"") == 10);
  CHECK(count(card, "class=\"bar cur\"") == 10);
  CHECK(card.find("data-bins=\"10\"") != std::string::npos);
  // The bin edges under the bars and in the table (six digits: the JSON has them exactly), the
  // top contributors' bins named the same way.
  CHECK(card.find(">bin edges (reference quantiles)</text>") != std::string::npos);
  CHECK(card.find("<td class=\"name\">(-inf, 9.9]</td>") != std::string::npos);
  CHECK(card.find("<td class=\"name\">(89.1, +inf)</td>") != std::string::npos);
  // The psi breach is marked by word; its threshold shown.
  const std::string psi_row = between(card, "<tr data-statistic=\"psi\"", "</tr>");
  CHECK(psi_row.find("data-breach=\"true\"") != std::string::npos);
  CHECK(psi_row.find("▲ breach") != std::string::npos);
  CHECK(psi_row.find("&gt; 0.2") != std::string::npos);
  const std::string ks_row = between(card, "<tr data-statistic=\"ks_pvalue\"", "</tr>");
  CHECK(ks_row.find("&lt; 0.01") != std::string::npos);
  CHECK(between(card, "<tr data-statistic=\"missing_rate\"", "</tr>").find("data-breach") ==
        std::string::npos);
  // Top contributors and the history of psi with its threshold, the points beyond it marked.
  CHECK(card.find("Top contributors to PSI") != std::string::npos);
  CHECK(between(card, "<table class=\"contributors\"", "</table>").find("(89.1, +inf)") !=
        std::string::npos);
  const std::string chart = between(card, "<svg class=\"history\"", "</svg>");
  CHECK(chart.find("data-points=\"10\"") != std::string::npos);
  CHECK(count(chart, "class=\"breach-point\"") == 3);
  CHECK(chart.find("class=\"thr\"") != std::string::npos);

  // A feature that did not move: no breach anywhere in its card.
  const std::string age = between(html, "id=\"f-age\"", "</article>");
  CHECK(age.find("data-breach") == std::string::npos);
  CHECK(age.find("s-ok") != std::string::npos);

  // Categories: one bar per category, largest share in either window first (ties by name).
  const std::string country = between(html, "id=\"f-country\"", "</article>");
  CHECK(count(country, "<g class=\"bin\"") == 4);
  CHECK(country.find(">BR</text>") < country.find(">FR</text>"));
  CHECK(country.find(">FR</text>") < country.find(">DE</text>"));
  CHECK(country.find(">DE</text>") < country.find(">US</text>"));

  // The decision and its reason; the header facts.
  CHECK(html.find("data-retrain=\"true\"") != std::string::npos);
  CHECK(html.find("2026-11-27 12:05:00 UTC") != std::string::npos);
  CHECK(html.find("1000 rows") != std::string::npos);
  CHECK(html.find("href=\"/ui/alerts?monitor=fraud-v2#new-silence\"") != std::string::npos);
  check_no_raw_hostile(html);
}

TEST_CASE("monitor page: categories beyond the report's are one 'other' bar") {
  std::vector<std::string> ref, cur;
  for (int k = 0; k < 40; ++k) {
    for (int i = 0; i <= k; ++i) ref.push_back("c" + std::to_string(k));
    cur.push_back("c" + std::to_string(k));
  }
  auto p = monitor_page();
  p.latest = evaluation("fraud-v2", {categorical("merchant", ref, cur)});
  const std::string html = render_monitor(p, context());
  const std::string card = between(html, "id=\"f-merchant\"", "</article>");
  CHECK(count(card, "<g class=\"bin\"") == drift::kReportCategories + 1);
  CHECK(card.find("20 other categories") != std::string::npos);
  CHECK(card.find(">other</text>") != std::string::npos);
}

TEST_CASE("monitor page: sections where configured, none where not") {
  auto p = monitor_page();
  std::string html = render_monitor(p, context());
  for (const char* id : {"id=\"performance\"", "id=\"system\"", "id=\"segments\"",
                         "id=\"challenger\"", "id=\"dataset\"", "id=\"confidence\""}) {
    CAPTURE(id);
    CHECK(html.find(id) == std::string::npos);
  }
  auto& e = *p.latest;
  e.confidence = drift::ConfidenceResult{};
  e.confidence->statistics.values = {{"mean", 0.8}, {"low_confidence_rate", 0.3}};
  e.confidence->breaches = {"low_confidence_rate"};
  e.dataset = drift::DatasetResult{};
  e.dataset->tested = 3;
  e.dataset->drifted = 1;
  e.dataset->drifted_features = {"amount"};
  e.dataset->statistics = {{"drifted_feature_share", 1.0 / 3}};
  e.performance = drift::PerformanceResult{};
  e.performance->task = "binary";
  e.performance->statistics = {{"roc_auc", 0.7}};
  e.performance->reference = {{"roc_auc", 0.8}};
  e.performance->changes = {{"roc_auc_drop", 0.1}};
  e.performance->breaches = {"roc_auc_drop"};
  e.system = drift::SystemResult{};
  e.system->statistics = {{"latency_p99", 120}, {"error_rate", 0.01}};
  e.segment_column = "region";
  drift::SegmentResult seg;
  seg.segment = "<svg onload=alert(1)>";
  seg.status = drift::Status::drift;
  seg.features = {numerical("amount", 60)};
  e.segments = {seg};
  e.challenger = drift::ChallengerResult{};
  e.challenger->verdict = "better";
  e.challenger->metric = "roc_auc";
  e.challenger->test = "delong_paired";
  e.challenger->statistics = {{"performance_difference", 0.05}};
  p.thresholds.push_back(drift::Threshold::above("roc_auc_drop", 0.02));
  p.thresholds.push_back(drift::Threshold::above("low_confidence_rate", 0.2));
  html = render_monitor(p, context());
  for (const char* id : {"id=\"performance\"", "id=\"system\"", "id=\"segments\"",
                         "id=\"challenger\"", "id=\"dataset\"", "id=\"confidence\""}) {
    CAPTURE(id);
    CHECK(html.find(id) != std::string::npos);
  }
  const std::string perf = between(html, "id=\"performance\"", "</section>");
  CHECK(between(perf, "<tr data-statistic=\"roc_auc_drop\"", "</tr>").find("data-breach") !=
        std::string::npos);
  CHECK(perf.find("0.8") != std::string::npos);  // the reference's value beside the current one
  CHECK(between(html, "id=\"confidence\"", "</section>").find("&gt; 0.2") != std::string::npos);
  CHECK(html.find("data-verdict=\"better\"") != std::string::npos);
  CHECK(html.find("&lt;svg onload=alert(1)&gt;") != std::string::npos);
  check_no_raw_hostile(html);
  // Their history: the thresholded statistics of each section.
  const auto keys = history_keys(e, HistoryChoice{}, p.thresholds);
  auto has = [&](const char* f, const char* s) {
    return std::any_of(keys.begin(), keys.end(),
                       [&](const auto& k) { return k.feature == f && k.statistic == s; });
  };
  CHECK(has("amount", "psi"));
  CHECK(has("__performance__", "roc_auc_drop"));
  CHECK(has("__confidence__", "low_confidence_rate"));
  CHECK(has("__system__", "latency_p99"));
  CHECK(has("__dataset__", "drifted_feature_share"));
  CHECK(has("__challenger__", "performance_difference"));
}

TEST_CASE("monitor page: freshness and business metrics") {
  auto p = monitor_page();
  auto& e = *p.latest;
  std::string html = render_monitor(p, context());
  CHECK(html.find("id=\"freshness\"") == std::string::npos);
  CHECK(html.find("id=\"metrics\"") == std::string::npos);
  e.freshness = drift::FreshnessResult{};
  e.freshness->checked = true;
  e.freshness->statistics = {{"freshness_seconds", 3900}, {"window_rows", 0}};
  e.freshness->breaches = {"freshness_seconds"};
  drift::MetricResult m;
  m.name = "conversion";
  m.kind = "rate";
  m.status = "breach";
  m.statistics = {{"value", 0.031}, {"baseline", 0.038}, {"change", -0.18}, {"p_value", 0.002}};
  m.breaches = {"drop"};
  m.level = 0.0342;
  m.below = true;
  m.message = "conversion 3.1% is 18% below its baseline 3.8% (p = 0.002)";
  e.metrics = {m};
  p.thresholds.push_back(drift::Threshold::above("freshness_seconds", 900));
  html = render_monitor(p, context());
  const std::string fresh = between(html, "id=\"freshness\"", "</section>");
  CHECK(fresh.find("Newest row none") != std::string::npos);
  CHECK(between(fresh, "<tr data-statistic=\"freshness_seconds\"", "</tr>").find("data-breach") !=
        std::string::npos);
  const std::string metrics = between(html, "id=\"metrics\"", "</section>");
  CHECK(between(metrics, "<tr data-metric=\"conversion\"", "</tr>").find("data-breach") !=
        std::string::npos);
  CHECK(metrics.find(m.message) != std::string::npos);
  const auto keys = history_keys(e, HistoryChoice{}, p.thresholds);
  auto has = [&](const char* f, const char* s) {
    return std::any_of(keys.begin(), keys.end(),
                       [&](const auto& k) { return k.feature == f && k.statistic == s; });
  };
  CHECK(has("__freshness__", "freshness_seconds"));
  CHECK(has("__metrics__", "conversion"));
  CHECK(statistic_value(e, "__metrics__", "conversion") == 0.031);
  CHECK(statistic_value(e, "__metrics__", "conversion.baseline") == 0.038);
  CHECK(statistic_value(e, "__freshness__", "freshness_seconds") == 3900);
}

TEST_CASE("hostile names are escaped on every page") {
  std::vector<std::string> ref(100, kHostileCategory), cur(100, "&lt;b&gt;");
  cur.push_back("</textarea><script>");
  auto p = monitor_page();
  p.latest =
      evaluation("fraud-v2", {numerical(kHostileFeature, 60), categorical("cat\"><b>", ref, cur)});
  p.latest->error = "<img src=x onerror=alert(2)>";
  AlertView a;
  a.id = "7";
  a.monitor = "fraud-v2";
  a.feature = kHostileFeature;
  a.statistic = "psi";
  a.state = "firing";
  a.severity = "high";
  a.value = 0.4;
  a.threshold = 0.2;
  a.message = "<svg onload=alert(3)>";
  p.alerts = {a};
  p.series.clear();
  const std::string monitor = render_monitor(p, context());
  check_no_raw_hostile(monitor);
  CHECK(monitor.find("&lt;script&gt;window.__xss=1&lt;/script&gt;&quot;&#39;&amp;amp; x") !=
        std::string::npos);
  CHECK(monitor.find("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;") != std::string::npos);
  CHECK(monitor.find("&amp;lt;b&amp;gt;") != std::string::npos);  // an '&' in data stays an '&'
  // In attributes too: the card's id is percent-encoded, the silence link's query as well.
  CHECK(monitor.find("id=\"f-%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E%22%27%26amp%3B%20x\"") !=
        std::string::npos);

  OverviewPage o;
  MonitorRow row;
  row.name = "fraud-v2";
  row.status = "error";
  row.error = "<img src=x onerror=alert(4)>";
  row.worst = WorstStatistic{kHostileFeature, "psi", 0.4, 0.2, false, true, 2};
  row.worst_history = {{kNow, 0.4}};
  o.monitors = {row};
  o.alerts = {a};
  const std::string overview = render_overview(o, context());
  check_no_raw_hostile(overview);
  CHECK(overview.find("&lt;script&gt;window.__xss") != std::string::npos);

  AlertsPage ap;
  ap.alerts = {a};
  SilenceView s;
  s.id = "s\"1";
  s.monitor = "fraud-v2";
  s.feature = kHostileFeature;
  s.comment = "</textarea><script>alert(5)</script>";
  s.created_by = "<b>me</b>";
  s.active = true;
  ap.silences = {s};
  ap.monitors = {"fraud-v2"};
  ap.prefill = {"fraud-v2", "\"><script>alert(6)</script>", "psi"};
  const std::string alerts = render_alerts(ap, context());
  check_no_raw_hostile(alerts);
  CHECK(alerts.find("value=\"&quot;&gt;&lt;script&gt;alert(6)&lt;/script&gt;\"") !=
        std::string::npos);
  CHECK(alerts.find("data-expire=\"s&quot;1\"") != std::string::npos);

  check_no_raw_hostile(render_error(404, "No monitor named \"<script>window.x\"", context()));
}

TEST_CASE("overview: the most troubled first, filters, firing counts, sparklines") {
  OverviewPage o;
  auto row = [](const char* name, const char* status) {
    MonitorRow r;
    r.name = name;
    r.status = status;
    return r;
  };
  o.monitors = {row("b-ok", "ok"), row("a-drift", "drift"), row("c-pending", "pending"),
                row("d-error", "error"), row("e-insufficient", "insufficient_data")};
  o.monitors[0].evaluated_at = kNow - std::chrono::minutes(3);
  o.monitors[1].worst = WorstStatistic{"amount", "psi", 0.4, 0.2, false, true, 2};
  for (int i = 0; i < 5; ++i) {
    o.monitors[1].worst_history.push_back({kNow - std::chrono::minutes(5 - i), 0.1 * i});
  }
  AlertView a;
  a.monitor = "a-drift";
  a.state = "firing";
  AlertView b = a;
  b.state = "resolved";
  o.alerts = {a, a, b};
  std::string html = render_overview(o, context());
  const auto order = [&](const char* name) {
    return html.find("data-monitor=\"" + std::string(name));
  };
  CHECK(order("d-error") < order("a-drift"));
  CHECK(order("a-drift") < order("e-insufficient"));
  CHECK(order("e-insufficient") < order("c-pending"));
  CHECK(order("c-pending") < order("b-ok"));
  CHECK(html.find("(3 min ago)") != std::string::npos);
  const std::string drifted = between(html, "data-monitor=\"a-drift\"", "</tr>");
  CHECK(drifted.find("<a class=\"mark\" href=\"/ui/alerts#firing\">2</a>") != std::string::npos);
  CHECK(drifted.find("<svg class=\"sparkline\"") != std::string::npos);
  CHECK(drifted.find("breach-point") != std::string::npos);  // the latest value, 0.4 > 0.2
  CHECK(html.find("id=\"autorefresh\"") != std::string::npos);
  CHECK(html.find(">All (5)</a>") != std::string::npos);

  o.status_filter = "drift";
  html = render_overview(o, context());
  CHECK(html.find("data-monitor=\"a-drift\"") != std::string::npos);
  CHECK(html.find("data-monitor=\"b-ok\"") == std::string::npos);
  CHECK(html.find("href=\"/ui/?status=drift\" aria-current=\"true\"") != std::string::npos);
}

TEST_CASE("alerts page: firing and resolved, silences with expire buttons, the form") {
  AlertsPage p;
  AlertView firing;
  firing.id = "1";
  firing.monitor = "m";
  firing.feature = "amount";
  firing.statistic = "psi";
  firing.state = "firing";
  firing.severity = "high";
  firing.started_at = kNow - std::chrono::hours(1);
  AlertView silenced = firing;
  silenced.id = "2";
  silenced.feature = "age";
  AlertView resolved = firing;
  resolved.id = "3";
  resolved.state = "resolved";
  resolved.resolved_at = kNow - std::chrono::minutes(5);
  p.alerts = {firing, silenced, resolved};
  SilenceView s;
  s.id = "abc";
  s.monitor = "m";
  s.feature = "age";
  s.active = true;
  s.ends_at = kNow + std::chrono::hours(2);
  p.silences = {s};
  p.monitors = {"m", "n"};
  p.statistics = {"psi", "missing_rate"};
  p.prefill = {"n", "amount", "psi"};
  std::string html = render_alerts(p, context());
  const std::string table = between(html, "<table id=\"firing-alerts\"", "</table>");
  CHECK(count(table, "<tr data-alert=") == 2);
  CHECK(between(table, "data-alert=\"2\"", "</tr>").find("silenced until") != std::string::npos);
  CHECK(
      between(table, "data-alert=\"1\"", "</tr>")
          .find("href=\"/ui/alerts?monitor=m&amp;feature=amount&amp;statistic=psi#new-silence\"") !=
      std::string::npos);
  CHECK(between(html, "<table id=\"resolved-alerts\"", "</table>").find("data-alert=\"3\"") !=
        std::string::npos);
  CHECK(html.find("<button type=\"button\" data-expire=\"abc\"") != std::string::npos);
  CHECK(html.find("<option value=\"n\" selected>n</option>") != std::string::npos);
  CHECK(html.find("id=\"sf-feature\" name=\"feature\" maxlength=\"200\" value=\"amount\"") !=
        std::string::npos);
  CHECK(html.find("id=\"api-token\"") == std::string::npos);
  CHECK(html.find("<label for=\"sf-comment\">") != std::string::npos);
  html = render_alerts(p, context(true));
  CHECK(html.find("id=\"api-token\" name=\"token\" type=\"password\" required") !=
        std::string::npos);

  p.alerts_error = "connection refused";
  html = render_alerts(p, context());
  CHECK(html.find("Alerts unavailable: connection refused") != std::string::npos);
  CHECK(html.find("id=\"silence-form\"") != std::string::npos);  // the rest still works
}

TEST_CASE("the Content-Security-Policy allows exactly the pages' inline style and script") {
  const std::string html = render_overview(OverviewPage{}, context());
  const std::string script = between(html, "<script>", "</script>");
  const std::string style = between(html, "<style>", "</style>");
  REQUIRE(script.size() > 17);
  REQUIRE(style.size() > 15);
  const std::string script_body = script.substr(8, script.size() - 17);
  const std::string style_body = style.substr(7, style.size() - 15);
  std::string csp;
  bool html_type = false;
  for (const auto& [k, v] : page_headers()) {
    if (k == "Content-Security-Policy") csp = v;
    if (k == "Content-Type") html_type = v == "text/html; charset=utf-8";
  }
  CHECK(html_type);
  CHECK(csp.find("script-src 'sha256-" + sha256_base64(script_body) + "'") != std::string::npos);
  CHECK(csp.find("style-src 'sha256-" + sha256_base64(style_body) + "'") != std::string::npos);
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
  // No inline event handler or style attribute, which the policy would block.
  CHECK(html.find(" onclick=") == std::string::npos);
  CHECK(html.find(" style=\"") == std::string::npos);
}

TEST_CASE("alerts and silences documents as the alerts module writes them") {
  alerts::Alert a;
  a.id = 42;
  a.key = {"m", "amount", "psi", "FR"};
  a.state = alerts::AlertState::firing;
  a.severity = config::Severity::high;
  a.value = 0.31;
  a.threshold = 0.2;
  a.below = true;
  a.started_at = at("2026-11-27T11:00:00Z");
  a.last_evaluated_at = at("2026-11-27T12:00:00Z");
  a.top_contributors = {{"(1, 2]", 0.1, 0.3, 0.2}};
  const auto views = parse_alerts(alerts::alerts_to_json({a}));
  REQUIRE(views.size() == 1);
  const auto& v = views[0];
  CHECK(v.id == "42");
  CHECK(v.monitor == "m");
  CHECK(v.feature == "amount");
  CHECK(v.segment == "FR");
  CHECK(v.state == "firing");
  CHECK(v.severity == "high");
  CHECK(v.value == 0.31);
  CHECK(v.below);
  CHECK(v.started_at == a.started_at);
  CHECK_FALSE(v.resolved_at);
  REQUIRE(v.top_contributors.size() == 1);
  CHECK(v.top_contributors[0].bin == "(1, 2]");

  alerts::Silence s;
  s.id = "sid";
  s.monitor = "m";
  s.statistic = "psi";
  s.starts_at = at("2026-11-27T11:00:00Z");
  s.ends_at = at("2026-11-27T13:00:00Z");
  s.comment = "deploy";
  const auto silences = parse_silences(alerts::silences_to_json({s}, kNow));
  REQUIRE(silences.size() == 1);
  CHECK(silences[0].active);
  CHECK_FALSE(silences[0].feature);
  CHECK(silences[0].statistic == "psi");
  CHECK(silences[0].matches(v));
  CHECK(silences[0].ends_at == s.ends_at);
  CHECK_THROWS_AS(parse_alerts("{\"alerts\": 3}"), std::runtime_error);
  CHECK_THROWS_AS(parse_silences("not json"), std::runtime_error);
}

TEST_CASE("worst statistic: breaches first, then nearest its threshold") {
  auto e = evaluation("m", {numerical("a", 5), numerical("b", 60)});
  auto w = worst_statistic(e, thresholds());
  REQUIRE(w);
  CHECK(w->feature == "b");
  CHECK(w->statistic == "psi");
  CHECK(w->breached);
  CHECK(w->threshold == 0.2);
  // A breach of a p-value (below) against no breach at all.
  e = evaluation("m", {numerical("a", 5)});
  e.features[0].breaches.clear();
  w = worst_statistic(e, thresholds());
  REQUIRE(w);
  CHECK_FALSE(w->breached);
  e.features[0].breaches = {"ks_pvalue"};
  w = worst_statistic(e, thresholds());
  CHECK(w->statistic == "ks_pvalue");
  CHECK(w->below);
  // No thresholds: the largest psi.
  w = worst_statistic(evaluation("m", {numerical("a", 5), numerical("b", 20)}), {});
  CHECK(w->feature == "b");
  CHECK_FALSE(w->threshold);
  // Learned thresholds apply per feature.
  e = evaluation("m", {numerical("a", 5)});
  e.features[0].breaches = {"js_distance"};
  e.features[0].thresholds = {{"js_distance", 0.001, 0.0005, 0.0002, 20}};
  drift::Threshold learned = drift::Threshold::above("js_distance", 0);
  learned.learned = true;
  w = worst_statistic(e, {learned});
  CHECK(w->statistic == "js_distance");
  CHECK(w->threshold == 0.001);
  CHECK_FALSE(worst_statistic(drift::Evaluation{}, thresholds()));
}

TEST_CASE("series from stored evaluations: the worst value per bucket, the newest kept") {
  std::vector<drift::Evaluation> newest_first;
  for (int i = 9; i >= 0; --i) {
    auto e = evaluation("m", {numerical("a", i)});
    e.evaluated_at = at("2026-11-27T00:00:00Z") + std::chrono::minutes(10 * i);
    newest_first.push_back(e);
  }
  const drift::StatisticKey psi{"m", "a", "psi", false}, ks{"m", "a", "ks_pvalue", true};
  drift::SeriesQuery raw;
  raw.limit = 4;
  auto s = series_from_evaluations(newest_first, {psi}, raw);
  REQUIRE(s.size() == 1);
  REQUIRE(s[0].points.size() == 4);
  CHECK(s[0].points.front().at == at("2026-11-27T01:00:00Z"));  // oldest first, newest four
  CHECK(s[0].points.back().at == at("2026-11-27T01:30:00Z"));
  drift::SeriesQuery hourly;
  hourly.bucket = std::chrono::hours(1);
  s = series_from_evaluations(newest_first, {psi, ks}, hourly);
  REQUIRE(s[0].points.size() == 2);
  // The first hour holds shifts 0..5: its worst psi is shift 5's, at its last evaluation.
  CHECK(s[0].points[0].value == *statistic_value(newest_first[4], "a", "psi"));
  CHECK(s[0].points[0].at == at("2026-11-27T00:50:00Z"));
  CHECK(s[1].points[0].value == *statistic_value(newest_first[4], "a", "ks_pvalue"));
}

TEST_CASE("history choice: only known statistics and the offered ranges") {
  const auto e = std::optional(evaluation("m", {numerical("a", 5)}));
  auto c = parse_history_choice({{"stat", "js_distance"}, {"range", "7d"}}, e);
  CHECK(c.statistic == "js_distance");
  CHECK(c.range == std::chrono::hours(24 * 7));
  c = parse_history_choice({{"stat", "<script>"}, {"range", "13m"}}, e);
  CHECK(c.statistic == "psi");
  CHECK(c.range == std::chrono::hours(24));
  const auto q = history_query(c, kNow);
  CHECK(q.from == kNow - std::chrono::hours(24));
  CHECK(q.to == kNow);
  CHECK(q.bucket == std::chrono::minutes(12));
}
