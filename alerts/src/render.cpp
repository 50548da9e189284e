// Notification bodies per sink type. nlohmann-json stays inside this file; ordered_json keeps the
// members in the order written here, so a body is stable and easy to read in a receiver's log.

#include "driftd/alerts/render.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace driftd::alerts {
namespace {

using Json = nlohmann::ordered_json;
using namespace std::chrono_literals;

// Slack refuses messages of more than 50 blocks; header, windows, link and "more" take four.
constexpr std::size_t kSlackAlertBlocks = 45;
// PagerDuty truncates payload.summary at 1024 characters; we cut it ourselves, on a whole char.
constexpr std::size_t kPagerDutySummaryChars = 1024;
constexpr std::size_t kSlackHeaderChars = 150;

bool is_failing(const Alert& a) { return a.key.statistic == kMonitorFailing; }

Json number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

// Error messages reach us from database drivers in whatever encoding; invalid UTF-8 becomes
// U+FFFD instead of an exception.
std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Json time_or_null(const std::optional<Timestamp>& t) {
  return t ? Json(format_rfc3339(*t)) : Json(nullptr);
}

// Four significant digits read well in a sentence (integers print as integers: a count of 3 is
// "3"); `extra` digits more when four are not enough. The JSON fields carry the exact value.
std::string short_number(double v, int extra = 0) {
  char buf[64];
  if (std::fabs(v) >= 1000 && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.*f", extra, v);
  } else {
    std::snprintf(buf, sizeof buf, "%.*g", 4 + extra, v);
  }
  return buf;
}

// A value and its threshold for a sentence, with as many digits as it takes to tell them apart:
// "0.2 (> 0.2)" would read as no breach, so 0.20004 against 0.2 prints as "0.20004".
struct ValueAndThreshold {
  std::string value;
  std::string threshold;
};
ValueAndThreshold value_and_threshold(double value, double threshold) {
  ValueAndThreshold out;
  // 13 more digits give the 17 that tell any two doubles apart.
  for (int extra = 0; extra <= 13; ++extra) {
    out.value = short_number(value, extra);
    out.threshold = short_number(threshold, extra);
    if (out.value != out.threshold || value == threshold) break;
  }
  return out;
}

std::string statistic_label(const std::string& s) { return s == "psi" ? "PSI" : s; }

std::string feature_label(const std::string& f) {
  if (f == drift::kPredictionName) return "the prediction";
  if (f == drift::kConfidenceName) return "confidence";
  if (f == drift::kDatasetName) return "the dataset";
  if (f == drift::kPerformanceName) return "performance";
  if (f == drift::kSystemName) return "system health";
  if (f == drift::kChallengerName) return "champion / challenger";
  if (f == drift::kFreshnessName) return "the table";
  if (f == drift::kMetricsName) return "business metrics";
  return f;
}

// What the statistic was measured on: the feature, then the segment for a segment's alert.
std::string subject_label(const AlertKey& k) {
  std::string s = feature_label(k.feature);
  if (!k.segment.empty()) s += " in segment " + k.segment;
  return s;
}

// What an alert is about, e.g. "PSI of amount", "evaluation failures".
std::string alert_name(const Alert& a) {
  if (is_failing(a)) return "evaluation failures";
  if (a.key.feature == drift::kMetricsName) return a.key.statistic;  // the metric's own name
  return statistic_label(a.key.statistic) + " of " + subject_label(a.key);
}

std::string alert_sentence(const Alert& a) {
  if (is_failing(a)) {
    if (a.state == AlertState::firing) {
      return "evaluations failing (" + std::to_string(a.consecutive) + " in a row): " + a.message;
    }
    return "evaluations succeed again";
  }
  // A business metric says it in its own words: "conversion 3.1% is 18% below its baseline 3.8%
  // (p = 0.002)".
  if (a.key.feature == drift::kMetricsName && !a.message.empty()) {
    return a.state == AlertState::firing ? a.message : "resolved: " + a.message;
  }
  if (a.key.feature == drift::kFreshnessName && a.state == AlertState::firing) {
    if (a.key.statistic == "freshness_seconds") {
      auto age = [](double seconds) {
        return format_duration(std::chrono::duration_cast<Duration>(
            std::chrono::seconds(static_cast<long long>(std::llround(seconds)))));
      };
      return "no new rows for " + age(a.value) + " (freshness limit " + age(a.threshold) + ")";
    }
    if (a.key.statistic == "freshness_excess_seconds") {
      auto age = [](double seconds) {
        return format_duration(std::chrono::duration_cast<Duration>(
            std::chrono::seconds(static_cast<long long>(std::llround(seconds)))));
      };
      return "no new rows for " + age(a.value) +
             " longer than usual at this time of the week (limit " + age(a.threshold) + ")";
    }
    if (a.key.statistic == "volume_ratio") {
      const auto n = value_and_threshold(a.value, a.threshold);
      return "rows at " + short_number(a.value * 100) + "% of the baseline (volume_ratio " +
             n.value + (a.below ? " < " : " > ") + n.threshold + ")";
    }
  }
  std::string s = alert_name(a) + " ";
  if (a.state == AlertState::firing) {
    const auto n = value_and_threshold(a.value, a.threshold);
    return s + n.value + " (" + (a.below ? "< " : "> ") + n.threshold + ")";
  }
  return s + "back to " + short_number(a.value);
}

std::string others_firing_text(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " other alert" : " other alerts") + " still firing";
}

Json window_json(const drift::WindowInfo& w) {
  Json j = Json::object();
  j["from"] = format_rfc3339(w.from);
  j["to"] = format_rfc3339(w.to);
  j["rows"] = w.rows;
  j["sampled"] = w.sampled;
  return j;
}

Json contributors_json(const std::vector<drift::Contributor>& cs) {
  Json j = Json::array();
  for (const auto& c : cs) {
    j.push_back({{"bin", c.bin},
                 {"reference_share", number(c.reference_share)},
                 {"current_share", number(c.current_share)},
                 {"psi", number(c.psi)}});
  }
  return j;
}

Json alert_json(const GroupedAlert& g) {
  const Alert& a = g.alert;
  Json j = Json::object();
  j["feature"] = a.key.feature;
  j["statistic"] = a.key.statistic;
  if (!a.key.segment.empty()) j["segment"] = a.key.segment;
  j["status"] = a.state == AlertState::firing ? "firing" : "resolved";
  j["value"] = number(a.value);
  j["threshold"] = number(a.threshold);
  j["severity"] = drift::to_string(a.severity);
  j["started_at"] = time_or_null(a.started_at);
  j["resolved_at"] = a.state == AlertState::firing ? Json(nullptr) : time_or_null(a.resolved_at);
  j["top_contributors"] = contributors_json(a.top_contributors);
  j["direction"] = a.below ? "below" : "above";
  j["change"] = to_string(g.change);
  j["fired_at"] = time_or_null(a.fired_at);
  if (!a.message.empty()) j["message"] = a.message;
  return j;
}

std::string trim_slash(std::string_view s) {
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return std::string(s);
}

// Slack mrkdwn treats these three as control characters in any text.
std::string slack_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

// Cuts `s` to at most `n` bytes without splitting a UTF-8 sequence, marking the cut with "…".
std::string cut(std::string s, std::size_t n) {
  if (s.size() <= n) return s;
  std::size_t end = n - 3;  // room for "…" (3 bytes)
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  s.resize(end);
  return s + "\u2026";
}

std::string percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", share * 100);
  return buf;
}

std::string windows_line(const NotificationGroup& g) {
  auto w = [](const drift::WindowInfo& i) {
    return format_rfc3339(i.from) + " → " + format_rfc3339(i.to) + " (" + std::to_string(i.rows) +
           " rows)";
  };
  return "Current window " + w(g.current_window) + "; reference " + w(g.reference_window);
}

// The worst severity of the group's alerts (firing ones only if `firing_only`), and of the
// monitor's other firing alerts: what the incident as a whole is.
Severity max_severity(const NotificationGroup& g, bool firing_only) {
  Severity s = g.others_firing > 0 ? g.others_severity : Severity::low;
  for (const auto& a : g.alerts) {
    if (firing_only && a.alert.state != AlertState::firing) continue;
    s = std::max(s, a.alert.severity);
  }
  return s;
}

std::string slack_header(const NotificationGroup& g) {
  if (g.status() == "firing") return "[FIRING] " + g.monitor;
  if (g.others_firing == 0) return "[RESOLVED] " + g.monitor;
  // Only some of the monitor's alerts resolved: "[RESOLVED] fraud-v2" would read as all clear.
  const std::string what = g.alerts.size() == 1 ? alert_name(g.alerts.front().alert)
                                                : std::to_string(g.alerts.size()) + " alerts";
  return "[RESOLVED] " + g.monitor + ": " + what + "; " + others_firing_text(g.others_firing);
}

}  // namespace

std::string_view to_string(Change c) {
  switch (c) {
    case Change::fired:
      return "fired";
    case Change::repeated:
      return "repeated";
    case Change::resolved:
      return "resolved";
    case Change::reposted:
      return "reposted";
  }
  return "fired";
}

std::string_view NotificationGroup::status() const {
  const bool any = std::any_of(alerts.begin(), alerts.end(), [](const GroupedAlert& a) {
    return a.alert.state == AlertState::firing;
  });
  return any ? "firing" : "resolved";
}

std::string drift_link(std::string_view external_url, std::string_view monitor) {
  return trim_slash(external_url) + "/api/v1/monitors/" + std::string(monitor) + "/drift";
}

std::string report_link(std::string_view external_url, std::string_view monitor,
                        std::string_view feature, std::string_view segment) {
  std::string link = trim_slash(external_url) + "/ui/monitors/" + std::string(monitor);
  if (!segment.empty()) return link + "#segments";
  if (feature.empty()) return link;
  if (feature == drift::kPredictionName) return link + "#prediction";
  for (const auto& [name, anchor] :
       {std::pair<std::string_view, const char*>{drift::kConfidenceName, "#confidence"},
        {drift::kDatasetName, "#dataset"},
        {drift::kPerformanceName, "#performance"},
        {drift::kSystemName, "#system"},
        {drift::kChallengerName, "#challenger"},
        {drift::kFreshnessName, "#freshness"},
        {drift::kMetricsName, "#metrics"}}) {
    if (feature == name) return link + anchor;
  }
  static const char* const kHex = "0123456789ABCDEF";
  link += "#f-";
  for (unsigned char c : feature) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      link += static_cast<char>(c);
    } else {
      link += '%';
      link += kHex[c >> 4];
      link += kHex[c & 15];
    }
  }
  return link;
}

std::string summary(const NotificationGroup& g) {
  std::vector<std::string> firing;
  std::vector<std::string> resolved;
  std::size_t named = 0;
  std::size_t more = 0;
  // Firing first: that is what the reader has to act on.
  for (bool want_firing : {true, false}) {
    for (const auto& a : g.alerts) {
      if ((a.alert.state == AlertState::firing) != want_firing) continue;
      if (named == kSummaryAlerts) {
        ++more;
        continue;
      }
      ++named;
      (want_firing ? firing : resolved).push_back(alert_sentence(a.alert));
    }
  }
  auto join = [](const std::vector<std::string>& parts) {
    std::string s;
    for (const auto& p : parts) s += (s.empty() ? "" : ", ") + p;
    return s;
  };
  std::string s = g.monitor;
  if (!firing.empty()) {
    s += ": " + join(firing);
    if (!resolved.empty()) s += "; resolved: " + join(resolved);
  } else {
    // "fraud-v2 resolved: ..." means the monitor is back to normal; not while others fire.
    s += (g.others_firing > 0 ? ": resolved: " : " resolved: ") + join(resolved);
  }
  if (more > 0) s += ", and " + std::to_string(more) + " more";
  if (g.others_firing > 0) s += "; " + others_firing_text(g.others_firing);
  return s;
}

std::string_view pagerduty_severity(Severity s) {
  switch (s) {
    case Severity::critical:
      return "critical";
    case Severity::high:
      return "error";
    case Severity::medium:
      return "warning";
    case Severity::low:
      return "info";
  }
  return "warning";
}

Duration alertmanager_hold(Duration schedule) { return std::max<Duration>(3 * schedule, 5min); }

std::string render_webhook(const NotificationGroup& g) {
  Json j = Json::object();
  j["id"] = g.id;
  j["status"] = g.status();
  j["monitor"] = g.monitor;
  j["evaluated_at"] = format_rfc3339(g.evaluated_at);
  j["summary"] = summary(g);
  Json alerts = Json::array();
  for (const auto& a : g.alerts) alerts.push_back(alert_json(a));
  j["alerts"] = std::move(alerts);
  j["other_alerts_firing"] = g.others_firing;
  j["links"] = {{"drift", drift_link(g.external_url, g.monitor)},
                {"report", report_link(g.external_url, g.monitor)}};
  j["current_window"] = window_json(g.current_window);
  j["reference_window"] = window_json(g.reference_window);
  return dump(j);
}

std::string render_slack(const NotificationGroup& g) {
  Json blocks = Json::array();
  blocks.push_back(
      {{"type", "header"},
       {"text", {{"type", "plain_text"}, {"text", cut(slack_header(g), kSlackHeaderChars)}}}});
  std::size_t shown = 0;
  for (const auto& ga : g.alerts) {
    if (shown == kSlackAlertBlocks) break;
    ++shown;
    const Alert& a = ga.alert;
    std::string text = "*" + slack_escape(alert_sentence(a)) + "*\n";
    if (is_failing(a)) {
      text += "severity *" + std::string(drift::to_string(a.severity)) + "*";
    } else {
      const auto n = value_and_threshold(a.value, a.threshold);
      text += "value " + n.value + ", threshold " + (a.below ? "< " : "&gt; ") + n.threshold +
              ", severity *" + std::string(drift::to_string(a.severity)) + "*";
    }
    if (a.state == AlertState::firing && a.started_at) {
      text += ", since " + format_rfc3339(*a.started_at);
    } else if (a.state != AlertState::firing && a.resolved_at) {
      text += ", resolved at " + format_rfc3339(*a.resolved_at);
    }
    if (!a.top_contributors.empty()) {
      text += "\nTop contributors:";
      for (const auto& c : a.top_contributors) {
        text += " `" + slack_escape(c.bin) + "` " + percent(c.reference_share) + " → " +
                percent(c.current_share) + " (psi " + short_number(c.psi) + ");";
      }
      text.pop_back();
    }
    blocks.push_back({{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", text}}}});
  }
  if (shown < g.alerts.size()) {
    blocks.push_back(
        {{"type", "context"},
         {"elements", Json::array({{{"type", "mrkdwn"},
                                    {"text", "and " + std::to_string(g.alerts.size() - shown) +
                                                 " more alerts (see the drift report)"}}})}});
  }
  if (g.others_firing > 0) {
    blocks.push_back(
        {{"type", "context"},
         {"elements",
          Json::array({{{"type", "mrkdwn"},
                        {"text", others_firing_text(g.others_firing) + " (worst severity *" +
                                     std::string(drift::to_string(g.others_severity)) +
                                     "*; see the drift report)"}}})}});
  }
  blocks.push_back(
      {{"type", "context"},
       {"elements", Json::array({{{"type", "mrkdwn"}, {"text", slack_escape(windows_line(g))}}})}});
  // The report's button opens the distributions; the text links stay for clients without
  // buttons.
  const std::string report = report_link(g.external_url, g.monitor);
  blocks.push_back({{"type", "section"},
                    {"text",
                     {{"type", "mrkdwn"},
                      {"text", "<" + report + "|Open the drift report> · <" +
                                   drift_link(g.external_url, g.monitor) + "|JSON>"}}},
                    {"accessory",
                     {{"type", "button"},
                      {"text", {{"type", "plain_text"}, {"text", "Open the report"}}},
                      {"url", report},
                      {"action_id", "driftd-report"}}}});
  Json j = Json::object();
  j["text"] = slack_escape(summary(g));
  j["blocks"] = std::move(blocks);
  return dump(j);
}

std::string render_pagerduty(const NotificationGroup& g, const std::string& routing_key) {
  const bool firing = g.status() == "firing";
  const std::string link = drift_link(g.external_url, g.monitor);
  const std::string report = report_link(g.external_url, g.monitor);
  Json details = Json::object();
  details["delivery_id"] = g.id;
  details["status"] = g.status();
  details["evaluated_at"] = format_rfc3339(g.evaluated_at);
  Json alerts = Json::array();
  for (const auto& a : g.alerts) alerts.push_back(alert_json(a));
  details["alerts"] = std::move(alerts);
  details["other_alerts_firing"] = g.others_firing;
  details["current_window"] = window_json(g.current_window);
  details["reference_window"] = window_json(g.reference_window);

  Json payload = Json::object();
  payload["summary"] = cut(summary(g), kPagerDutySummaryChars);
  payload["severity"] = pagerduty_severity(max_severity(g, firing));
  payload["source"] = "driftd";
  payload["component"] = g.monitor;
  payload["group"] = "driftd";
  payload["class"] = "drift";
  payload["timestamp"] = format_rfc3339(g.evaluated_at);
  payload["custom_details"] = std::move(details);

  Json j = Json::object();
  j["routing_key"] = routing_key;
  j["event_action"] = firing ? "trigger" : "resolve";
  j["dedup_key"] = "driftd/" + g.monitor;
  j["payload"] = std::move(payload);
  j["client"] = "driftd";
  j["client_url"] = report;
  j["links"] = Json::array({{{"href", report}, {"text", "driftd drift report for " + g.monitor}},
                            {{"href", link}, {"text", "drift JSON for " + g.monitor}}});
  return dump(j);
}

std::string render_alertmanager(const NotificationGroup& g) {
  const Timestamp hold_until = g.evaluated_at + alertmanager_hold(g.schedule);
  Json out = Json::array();
  for (const auto& ga : g.alerts) {
    const Alert& a = ga.alert;
    const bool failing = is_failing(a);
    Json labels = Json::object();
    labels["alertname"] = failing ? "DriftdMonitorFailing" : "DriftdThresholdBreached";
    labels["monitor"] = a.key.monitor;
    // An empty label is the same as no label to Alertmanager; leave it out.
    if (!a.key.feature.empty()) labels["feature"] = a.key.feature;
    labels["statistic"] = a.key.statistic;
    if (!a.key.segment.empty()) labels["segment"] = a.key.segment;
    labels["severity"] = drift::to_string(a.severity);
    Json ann = Json::object();
    ann["summary"] = g.monitor + ": " + alert_sentence(a);
    const auto n = value_and_threshold(a.value, a.threshold);
    ann["description"] = failing ? a.message
                                 : alert_name(a) + " is " + n.value + ", threshold " +
                                       (a.below ? "< " : "> ") + n.threshold + " (" +
                                       windows_line(g) + ")";
    ann["value"] = n.value;
    ann["threshold"] = n.threshold;
    Json j = Json::object();
    j["labels"] = std::move(labels);
    j["annotations"] = std::move(ann);
    j["startsAt"] = format_rfc3339(a.started_at.value_or(g.evaluated_at));
    j["endsAt"] = format_rfc3339(
        a.state == AlertState::firing ? hold_until : a.resolved_at.value_or(g.evaluated_at));
    j["generatorURL"] = report_link(g.external_url, g.monitor, a.key.feature, a.key.segment);
    out.push_back(std::move(j));
  }
  return dump(out);
}

std::string render(const config::SinkConfig& sink, const NotificationGroup& g,
                   const SecretLookup& secrets) {
  switch (sink.type) {
    case config::SinkConfig::Type::webhook:
      return render_webhook(g);
    case config::SinkConfig::Type::slack:
      return render_slack(g);
    case config::SinkConfig::Type::pagerduty: {
      std::optional<std::string> key;
      if (!sink.secret_env.empty() && secrets) key = secrets(sink.secret_env);
      return render_pagerduty(g, key.value_or(""));
    }
    case config::SinkConfig::Type::alertmanager:
      return render_alertmanager(g);
  }
  return render_webhook(g);
}

}  // namespace driftd::alerts
