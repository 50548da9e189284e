// Names of the alerting enums and the small member functions of types.hpp.

#include <cstdlib>

#include "driftd/alerts/types.hpp"

namespace driftd::alerts {

std::string_view to_string(AlertState s) {
  switch (s) {
    case AlertState::inactive:
      return "inactive";
    case AlertState::pending:
      return "pending";
    case AlertState::firing:
      return "firing";
    case AlertState::resolved:
      return "resolved";
  }
  return "inactive";
}

std::optional<AlertState> parse_alert_state(std::string_view s) {
  for (AlertState st :
       {AlertState::inactive, AlertState::pending, AlertState::firing, AlertState::resolved}) {
    if (to_string(st) == s) return st;
  }
  return std::nullopt;
}

std::string_view to_string(DeliveryState s) {
  switch (s) {
    case DeliveryState::pending:
      return "pending";
    case DeliveryState::delivered:
      return "delivered";
    case DeliveryState::failed:
      return "failed";
    case DeliveryState::dead:
      return "dead";
  }
  return "pending";
}

std::optional<DeliveryState> parse_delivery_state(std::string_view s) {
  for (DeliveryState st : {DeliveryState::pending, DeliveryState::delivered, DeliveryState::failed,
                           DeliveryState::dead}) {
    if (to_string(st) == s) return st;
  }
  return std::nullopt;
}

std::string AlertKey::to_string() const {
  std::string s = monitor + "/" + feature + "/" + statistic;
  if (!segment.empty()) s += "/" + segment;
  return s;
}

bool Silence::matches(const AlertKey& k) const {
  return k.monitor == monitor && (!feature || *feature == k.feature) &&
         (!statistic || *statistic == k.statistic);
}

std::optional<std::string> env_secret(const std::string& env_name) {
  if (env_name.empty()) return std::nullopt;
  const char* v = std::getenv(env_name.c_str());
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

}  // namespace driftd::alerts
