#pragma once
// The alerting side of the daemon: applies each evaluation to the monitor's alerts (state change
// and notifications committed together), delivers through the dispatcher, and answers the
// alerts/silences API. Private to daemon.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "driftd/alerts/dispatcher.hpp"
#include "driftd/alerts/engine.hpp"
#include "driftd/alerts/notifier.hpp"
#include "driftd/common/clock.hpp"
#include "driftd/config/config.hpp"
#include "driftd/drift/evaluation.hpp"
#include "driftd/metrics/metrics.hpp"
#include "driftd/storage/pg_alert_store.hpp"

namespace driftd::daemon {

class Alerting {
 public:
  Alerting(const config::Config& config, const Clock& clock, metrics::Metrics* metrics);
  ~Alerting();

  // Starts delivering in the background (the daemon). run-once uses drain() instead.
  void start();
  // New sinks or delivery options: the dispatcher is rebuilt.
  void reload(const config::Config& config);
  void stop();
  // The base of links in notifications (resolved once the API port is known).
  void set_external_url(const std::string& url);

  // Applies one evaluation to the alerts of `rules`' monitor; never throws (a failure is logged
  // and returned false: the next evaluation starts again from the stored state).
  bool on_evaluation(const alerts::MonitorRules& rules, const drift::Evaluation& e);
  // Delivers what is queued until `deadline`; returns the notifications still pending (-1 when
  // the store could not be read).
  std::int64_t drain(Timestamp deadline);

  std::string alerts_json();
  std::string silences_json();
  // `known`: whether a monitor of that name exists (a silence for another is refused).
  std::string create_silence(const std::function<bool(const std::string&)>& known,
                             const std::string& body);
  void expire_silence(const std::string& id);

 private:
  void build_dispatcher(const config::Config& config);
  const Clock& clock_;
  metrics::Metrics* metrics_;
  storage::PgAlertStore store_;
  std::unique_ptr<alerts::HttpNotifier> notifier_;
  std::unique_ptr<alerts::Dispatcher> dispatcher_;
  std::mutex mutex_;  // guards the dispatcher and the routing
  alerts::Routing routing_;
  bool started_ = false;
  std::mutex failures_mutex_;
  std::map<std::string, std::string>
      last_failure_;  // per monitor: log a failure once, not per tick
};

}  // namespace driftd::daemon
