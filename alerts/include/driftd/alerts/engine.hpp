#pragma once
// Alert rules and the state machine (docs/alerts.md). Pure: no I/O, no clock, no threads; the
// caller loads the monitor's alerts and silences, calls process() once per evaluation, and commits
// the result (AlertStore::commit) in one transaction.

#include <functional>
#include <string>
#include <vector>

#include "driftd/alerts/rules.hpp"
#include "driftd/alerts/types.hpp"
#include "driftd/config/config.hpp"
#include "driftd/drift/evaluation.hpp"

namespace driftd::alerts {

struct EngineResult {
  // Alerts whose stored record must be written: transitions, value updates of pending and firing
  // alerts, notification stamps. New alerts have id 0 (the store assigns one).
  std::vector<Alert> changed;
  // At most one per sink: the alerts of this monitor that changed state, filtered for that sink.
  std::vector<Notification> notifications;
  int firing = 0;  // alerts of the monitor firing after this evaluation (driftd_alerts_firing)
};

// Where notifications go: the sinks, the base of links, delivery ids and the secrets renderers
// read (PagerDuty routing keys).
struct Routing {
  std::vector<config::SinkConfig> sinks;
  std::string external_url;
  std::function<std::string()> new_id;  // delivery ids (uuid_v4 in production)
  SecretLookup secrets = env_secret;
};

// Applies `e` to the monitor's alerts.
// - `current`: the monitor's stored alerts (AlertStore::load_alerts); others are ignored.
// - `now`: wall-clock time of the call; silences, repeat_interval and notification times use it,
//   alert times (started_at, fired_at, resolved_at) use e.evaluated_at.
EngineResult process(const MonitorRules& rules, const drift::Evaluation& e,
                     std::vector<Alert> current, const std::vector<Silence>& silences,
                     Timestamp now, const Routing& routing);

// Whether `sink` takes alerts of `monitor` with `severity` (its min_severity and monitors list).
bool sink_accepts(const config::SinkConfig& sink, const std::string& monitor, Severity severity);

}  // namespace driftd::alerts
