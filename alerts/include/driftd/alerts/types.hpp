#pragma once
// The values the alerting pipeline works on and the interfaces it needs from the outside world
// (AlertStore: durable state and outbox; Notifier: one HTTP delivery attempt).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "driftd/common/time.hpp"
#include "driftd/config/config.hpp"
#include "driftd/drift/statistics.hpp"
#include "driftd/drift/thresholds.hpp"

namespace driftd::alerts {

using drift::Severity;

enum class AlertState { inactive, pending, firing, resolved };
std::string_view to_string(AlertState s);
std::optional<AlertState> parse_alert_state(std::string_view s);

// Statistic of the alert raised when a monitor's evaluations keep failing.
inline constexpr std::string_view kMonitorFailing = "evaluation_errors";

// Looks up a secret (webhook signing key, PagerDuty routing key) by environment variable name.
// nullopt when the variable is unset or empty. Injected so tests never touch the environment.
using SecretLookup = std::function<std::optional<std::string>(const std::string& env_name)>;
// The process environment (std::getenv).
std::optional<std::string> env_secret(const std::string& env_name);

struct AlertKey {
  std::string monitor;
  std::string feature;    // a feature, "__prediction__", "__confidence__", or "" (monitor-level)
  std::string statistic;  // e.g. "psi", or kMonitorFailing
  // The segment (a value of the monitor's segment column, or "__other__") the statistic was
  // measured on; "" for the whole window. A segment's alert is an incident of its own.
  std::string segment{};
  auto operator<=>(const AlertKey&) const = default;
  std::string to_string() const;  // "monitor/feature/statistic", then "/segment" for a segment
};

struct Alert {
  std::int64_t id = 0;  // assigned by the store
  AlertKey key;
  AlertState state = AlertState::inactive;
  Severity severity = Severity::medium;
  double value = 0;
  double threshold = 0;
  bool below = false;                   // the threshold's direction
  int consecutive = 0;                  // breaching (or failing) evaluations in a row
  std::optional<Timestamp> started_at;  // first breach of the current incident
  std::optional<Timestamp> fired_at;
  std::optional<Timestamp> resolved_at;
  std::optional<Timestamp> last_notified_at;  // of the current incident; unset when silenced
  Timestamp last_evaluated_at{};
  std::vector<drift::Contributor> top_contributors;
  std::string message;  // for monitor-failing alerts: the last error
};

struct Silence {
  std::string id;
  std::string monitor;
  std::optional<std::string> feature;
  std::optional<std::string> statistic;
  Timestamp starts_at{};
  Timestamp ends_at{};
  std::string comment;
  std::string created_by;
  Timestamp created_at{};
  bool active(Timestamp now) const { return starts_at <= now && now < ends_at; }
  bool matches(const AlertKey& k) const;
};

enum class DeliveryState { pending, delivered, failed, dead };
std::string_view to_string(DeliveryState s);
std::optional<DeliveryState> parse_delivery_state(std::string_view s);

// One notification to one sink, rendered once when queued (the same body on every attempt).
struct Notification {
  std::string id;  // the delivery id: the receiver's idempotency key
  std::string sink;
  std::string monitor;
  std::string status;  // "firing" | "resolved"
  std::string body;    // the request body in the sink's format
  Timestamp created_at{};
  DeliveryState state = DeliveryState::pending;
  int attempts = 0;
  Timestamp next_attempt_at{};
  std::string last_error;
  std::optional<Timestamp> delivered_at;
};

// The result of one delivery attempt.
struct DeliveryResult {
  int http_status = 0;  // 0: no HTTP answer (connection refused, timeout, reset...)
  std::string error;    // transport error or a short excerpt of the answer
  std::optional<Duration> retry_after;
  // Refused before any request was made (host not allowed, bad URL, missing routing key):
  // retrying cannot help, so the notification fails permanently.
  bool permanent = false;
};

// Durable alert state and the notification outbox (implemented by storage).
class AlertStore {
 public:
  virtual ~AlertStore() = default;
  virtual std::vector<Alert> load_alerts(const std::string& monitor) = 0;
  virtual std::vector<Alert> all_alerts() = 0;
  // Writes the changed alerts and queues the notifications in ONE transaction; assigns ids to
  // new alerts. Throws std::runtime_error (nothing written then).
  virtual void commit(std::vector<Alert>& changed, const std::vector<Notification>& queued) = 0;
  // The notifications of a sink that may be attempted at `now`, oldest first (created_at): of
  // each monitor only its oldest pending notification, if it is due (so a monitor's
  // notifications are delivered in order, one at a time).
  virtual std::vector<Notification> due(const std::string& sink, Timestamp now,
                                        std::size_t limit) = 0;
  // When the first of those oldest pending notifications per monitor is due; nullopt when none is
  // pending.
  virtual std::optional<Timestamp> next_due(const std::string& sink) = 0;
  virtual void update_delivery(const Notification& n) = 0;
  virtual std::int64_t queue_depth(const std::string& sink) = 0;
  virtual std::vector<Silence> silences(bool include_expired) = 0;
  virtual void save_silence(const Silence& s) = 0;
  virtual bool expire_silence(const std::string& id, Timestamp now) = 0;
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  // One attempt; never throws.
  virtual DeliveryResult send(const config::SinkConfig& sink, const Notification& n,
                              Timestamp now) = 0;
};

}  // namespace driftd::alerts
