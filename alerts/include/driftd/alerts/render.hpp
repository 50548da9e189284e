#pragma once
// Notification bodies, one format per sink type (docs/alerts.md shows an example of each).
// Rendered once when a notification is queued: every delivery attempt sends the same bytes.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "driftd/alerts/types.hpp"
#include "driftd/drift/evaluation.hpp"

namespace driftd::alerts {

// Why an alert is part of a notification.
enum class Change {
  fired,     // started firing, or fires and was never announced (its silence ended)
  repeated,  // still firing, repeat_interval elapsed since the last notification
  resolved,  // stopped firing (only announced if its firing was)
  reposted,  // alertmanager only: a firing alert re-posted so Alertmanager keeps it active
};
std::string_view to_string(Change c);

struct GroupedAlert {
  Alert alert;
  Change change = Change::fired;
};

// The alerts of one monitor that go out together to one sink, and the facts around them.
struct NotificationGroup {
  std::string id;  // the delivery id
  std::string monitor;
  Timestamp evaluated_at{};
  drift::WindowInfo current_window;
  drift::WindowInfo reference_window;
  std::string external_url;  // driftd's base URL for links; a trailing '/' is ignored
  Duration schedule{0};      // the monitor's interval (Alertmanager endsAt)
  std::vector<GroupedAlert> alerts;
  // The monitor's other alerts that fire and that this sink was told about, left out of `alerts`
  // because nothing changed about them: how many, and the worst severity among them. A group
  // that only resolves something says that these still fire.
  std::size_t others_firing = 0;
  Severity others_severity = Severity::low;
  // "firing" if any alert of the group fires, else "resolved".
  std::string_view status() const;
};

// "<external_url>/api/v1/monitors/<monitor>/drift".
std::string drift_link(std::string_view external_url, std::string_view monitor);
// The monitor's report page (docs/ui.md): "<external_url>/ui/monitors/<monitor>", with the
// fragment of a feature's card ("#f-<feature, percent-encoded>", "#prediction", "#performance",
// ...; a segment's alert "#segments") when `feature` is given.
std::string report_link(std::string_view external_url, std::string_view monitor,
                        std::string_view feature = {}, std::string_view segment = {});

// One line for humans, e.g. "fraud-v2: PSI of amount 0.31 (> 0.2), missing_rate of income 0.11
// (> 0.05)"; resolved alerts follow as "; resolved: ...". At most kSummaryAlerts alerts are named,
// then "and N more". With others_firing, "; N other alerts still firing" ends it, and a group
// that only resolves reads "fraud-v2: resolved: ..." instead of "fraud-v2 resolved: ..." (which
// says the whole monitor is back to normal).
std::string summary(const NotificationGroup& g);
inline constexpr std::size_t kSummaryAlerts = 10;

// PagerDuty payload severity: critical→critical, high→error, medium→warning, low→info.
std::string_view pagerduty_severity(Severity s);

// How long Alertmanager keeps a re-posted firing alert active: max(3 × schedule, 5 min).
Duration alertmanager_hold(Duration schedule);

// CONTRACT section 6, plus windows, direction, change and (monitor failing) message per alert.
std::string render_webhook(const NotificationGroup& g);
// Slack incoming webhook: {"text": summary, "blocks": [...]}. The header is "[FIRING] <monitor>",
// or "[RESOLVED] <monitor>" when nothing of the monitor fires any more; a resolve while others
// still fire names what resolved: "[RESOLVED] <monitor>: PSI of amount; 20 other alerts still
// firing".
std::string render_slack(const NotificationGroup& g);
// PagerDuty Events API v2; event_action "trigger" when the group fires, else "resolve";
// dedup_key "driftd/<monitor>" so a monitor has at most one open incident, whose severity is
// that of its worst firing alert (those of the group and others_severity).
std::string render_pagerduty(const NotificationGroup& g, const std::string& routing_key);
// Alertmanager API v2: a JSON array of postable alerts. Annotations are text for people: values
// to four significant digits (more where that would print a value equal to its threshold),
// integers as integers.
std::string render_alertmanager(const NotificationGroup& g);

// The body for `sink`'s type. The PagerDuty routing key is read through `secrets` from the sink's
// secret_env (empty when unset: the notifier then refuses to send it).
std::string render(const config::SinkConfig& sink, const NotificationGroup& g,
                   const SecretLookup& secrets);

}  // namespace driftd::alerts
