// Alerts and silences <-> JSON for the API. nlohmann-json stays inside this file.

#include "driftd/alerts/json.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace driftd::alerts {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::size_t kMaxName = 200;
constexpr std::size_t kMaxComment = 2000;

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Json number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json time_or_null(const std::optional<Timestamp>& t) {
  return t ? Json(format_rfc3339(*t)) : Json(nullptr);
}

Json alert_json(const Alert& a) {
  Json j = Json::object();
  j["id"] = a.id;
  j["monitor"] = a.key.monitor;
  j["feature"] = a.key.feature;
  j["statistic"] = a.key.statistic;
  if (!a.key.segment.empty()) j["segment"] = a.key.segment;
  j["state"] = to_string(a.state);
  j["severity"] = drift::to_string(a.severity);
  j["value"] = number(a.value);
  j["threshold"] = number(a.threshold);
  j["started_at"] = time_or_null(a.started_at);
  j["resolved_at"] = time_or_null(a.resolved_at);
  j["direction"] = a.below ? "below" : "above";
  j["consecutive"] = a.consecutive;
  j["fired_at"] = time_or_null(a.fired_at);
  j["last_notified_at"] = time_or_null(a.last_notified_at);
  j["last_evaluated_at"] = format_rfc3339(a.last_evaluated_at);
  j["message"] = a.message.empty() ? Json(nullptr) : Json(a.message);
  Json top = Json::array();
  for (const auto& c : a.top_contributors) {
    top.push_back({{"bin", c.bin},
                   {"reference_share", number(c.reference_share)},
                   {"current_share", number(c.current_share)},
                   {"psi", number(c.psi)}});
  }
  j["top_contributors"] = std::move(top);
  return j;
}

Json silence_json(const Silence& s, Timestamp now) {
  Json j = Json::object();
  j["id"] = s.id;
  j["monitor"] = s.monitor;
  j["feature"] = s.feature ? Json(*s.feature) : Json(nullptr);
  j["statistic"] = s.statistic ? Json(*s.statistic) : Json(nullptr);
  j["starts_at"] = format_rfc3339(s.starts_at);
  j["ends_at"] = format_rfc3339(s.ends_at);
  j["comment"] = s.comment;
  j["created_by"] = s.created_by;
  j["created_at"] = format_rfc3339(s.created_at);
  j["active"] = s.active(now);
  return j;
}

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument(what); }

// A string member, nullopt when absent or null.
std::optional<std::string> text(const Json& body, const char* key, std::size_t max_len) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) bad(std::string("\"") + key + "\" must be a string");
  std::string v = it->get<std::string>();
  if (v.size() > max_len) {
    bad(std::string("\"") + key + "\" is longer than " + std::to_string(max_len) + " bytes");
  }
  return v;
}

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

std::optional<Timestamp> time_member(const Json& body, const char* key) {
  const auto v = text(body, key, 64);
  if (!v) return std::nullopt;
  const auto t = parse_rfc3339(*v);
  if (!t) {
    bad(std::string("\"") + key + "\" is not an RFC 3339 time (e.g. \"2026-01-01T12:00:00Z\"): \"" +
        *v + "\"");
  }
  return t;
}

}  // namespace

std::string alerts_to_json(const std::vector<Alert>& alerts) {
  Json list = Json::array();
  for (const auto& a : alerts) list.push_back(alert_json(a));
  Json j = Json::object();
  j["alerts"] = std::move(list);
  return dump(j);
}

std::string silence_to_json(const Silence& s, Timestamp now) { return dump(silence_json(s, now)); }

std::string silences_to_json(const std::vector<Silence>& silences, Timestamp now) {
  Json list = Json::array();
  for (const auto& s : silences) list.push_back(silence_json(s, now));
  Json j = Json::object();
  j["silences"] = std::move(list);
  return dump(j);
}

Silence parse_silence_request(const std::string& body_text, Timestamp now, std::string id) {
  Json body;
  try {
    body = Json::parse(body_text);
  } catch (const Json::parse_error&) {
    bad("the request body is not valid JSON");
  }
  if (!body.is_object()) bad("the request body must be a JSON object");
  static const std::vector<std::string> kKeys = {"monitor", "feature", "statistic", "starts_at",
                                                 "ends_at", "comment", "created_by"};
  for (const auto& [key, value] : body.items()) {
    if (std::find(kKeys.begin(), kKeys.end(), key) != kKeys.end()) continue;
    const std::string match = config::closest_match(key, kKeys);
    bad("unknown field \"" + key + "\"" +
        (match.empty() ? " (expected monitor, feature, statistic, starts_at, ends_at, comment, "
                         "created_by)"
                       : " (did you mean \"" + match + "\"?)"));
  }

  Silence s;
  s.id = std::move(id);
  s.created_at = now;
  const auto monitor = text(body, "monitor", kMaxName);
  if (!monitor || blank(*monitor)) bad("\"monitor\" is required");
  s.monitor = *monitor;
  s.feature = text(body, "feature", kMaxName);
  if (s.feature && s.feature->empty())
    bad("\"feature\" must not be empty (leave it out to match any)");
  s.statistic = text(body, "statistic", kMaxName);
  if (s.statistic) {
    if (s.statistic->empty()) bad("\"statistic\" must not be empty (leave it out to match any)");
    std::vector<std::string> known = config::known_statistics();
    known.emplace_back(kMonitorFailing);
    if (std::find(known.begin(), known.end(), *s.statistic) == known.end()) {
      const std::string match = config::closest_match(*s.statistic, known);
      bad("unknown statistic \"" + *s.statistic + "\"" +
          (match.empty() ? "" : " (did you mean \"" + match + "\"?)"));
    }
  }
  const auto comment = text(body, "comment", kMaxComment);
  if (!comment || blank(*comment)) bad("\"comment\" is required: say why the alerts are silenced");
  s.comment = *comment;
  s.created_by = text(body, "created_by", kMaxName).value_or("");
  s.starts_at = time_member(body, "starts_at").value_or(now);
  const auto ends_at = time_member(body, "ends_at");
  if (!ends_at) bad("\"ends_at\" is required (RFC 3339)");
  if (*ends_at <= now) bad("\"ends_at\" must be in the future");
  if (*ends_at <= s.starts_at) bad("\"ends_at\" must be after \"starts_at\"");
  s.ends_at = *ends_at;
  return s;
}

}  // namespace driftd::alerts
