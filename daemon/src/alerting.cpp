#include "alerting.hpp"

#include "driftd/alerts/json.hpp"
#include "driftd/alerts/uuid.hpp"
#include "driftd/common/log.hpp"
#include "driftd/daemon/api.hpp"
#include "service_support.hpp"

namespace driftd::daemon {

Alerting::Alerting(const config::Config& config, const Clock& clock, metrics::Metrics* metrics)
    : clock_(clock), metrics_(metrics), store_(state_options(config)) {
  routing_.external_url = config.server.external_url;
  routing_.new_id = alerts::uuid_v4;
  build_dispatcher(config);
}

Alerting::~Alerting() { stop(); }

void Alerting::build_dispatcher(const config::Config& config) {
  alerts::NotifierOptions no;
  no.allowed_hosts = config.alerting.allowed_hosts;
  no.allow_loopback = config.alerting.allow_loopback;
  // Said once at start and reload, not only in every failed attempt: after an upgrade a sink on
  // 127.0.0.1 stops receiving until the config allows it.
  for (const auto& sink : config.sinks) {
    const auto url = alerts::parse_url(sink.url);
    if (!url) continue;
    std::string why =
        alerts::destination_refusal(url->host, {}, {no.allowed_hosts, no.allow_loopback});
    if (!why.empty())
      log::warn("sink refused: its notifications will fail",
                {{"sink", sink.name}, {"reason", why}});
  }
  auto notifier = std::make_unique<alerts::HttpNotifier>(no);
  alerts::DispatcherOptions options;
  options.alerting = config.alerting;
  alerts::DispatcherHooks hooks;
  hooks.count = [this](const std::string& sink, std::string_view result) {
    if (metrics_ != nullptr) metrics_->count_notification(sink, std::string(result));
  };
  hooks.queue_depth = [this](const std::string& sink, std::int64_t n) {
    if (metrics_ != nullptr) metrics_->set_queue_depth(sink, n);
  };
  // The dispatcher logs every attempt itself (sink, type, host, id, outcome, next attempt).
  auto dispatcher =
      std::make_unique<alerts::Dispatcher>(store_, *notifier, clock_, config.sinks, options, hooks);
  std::lock_guard lock(mutex_);
  if (dispatcher_) dispatcher_->stop();
  dispatcher_ = std::move(dispatcher);
  notifier_ = std::move(notifier);
  routing_.sinks = config.sinks;
}

void Alerting::start() {
  std::lock_guard lock(mutex_);
  started_ = true;
  dispatcher_->start();
}

void Alerting::reload(const config::Config& config) {
  bool was_started;
  {
    std::lock_guard lock(mutex_);
    was_started = started_;
    if (dispatcher_) dispatcher_->stop();
  }
  build_dispatcher(config);
  if (was_started) {
    std::lock_guard lock(mutex_);
    dispatcher_->start();
  }
}

void Alerting::stop() {
  std::lock_guard lock(mutex_);
  if (dispatcher_) dispatcher_->stop();
  started_ = false;
}

void Alerting::set_external_url(const std::string& url) {
  std::lock_guard lock(mutex_);
  routing_.external_url = url;
}

bool Alerting::on_evaluation(const alerts::MonitorRules& rules, const drift::Evaluation& e) {
  alerts::Routing routing;
  {
    std::lock_guard lock(mutex_);
    routing = routing_;
  }
  try {
    auto result = alerts::process(rules, e, store_.load_alerts(rules.monitor),
                                  store_.silences(false), clock_.now(), routing);
    store_.commit(result.changed, result.notifications);
    if (metrics_ != nullptr) metrics_->set_alerts_firing(rules.monitor, result.firing);
    for (const auto& n : result.notifications)
      log::info("notification queued",
                {{"monitor", n.monitor}, {"sink", n.sink}, {"status", n.status}, {"id", n.id}});
    if (!result.notifications.empty()) {
      std::lock_guard lock(mutex_);
      if (dispatcher_) dispatcher_->wake();
    }
    std::lock_guard lock(failures_mutex_);
    if (last_failure_.erase(rules.monitor) > 0)
      log::info("alert state updated again", {{"monitor", rules.monitor}});
    return true;
  } catch (const std::exception& ex) {
    std::lock_guard lock(failures_mutex_);
    auto level = last_failure_.count(rules.monitor) ? log::Level::debug : log::Level::error;
    log::write(level, "cannot update the alert state; the next evaluation will try again",
               {{"monitor", rules.monitor}, {"error", ex.what()}});
    last_failure_[rules.monitor] = ex.what();
    return false;
  }
}

std::int64_t Alerting::drain(Timestamp deadline) {
  alerts::DrainResult r;
  {
    std::lock_guard lock(mutex_);
    r = dispatcher_->drain(deadline);
  }
  return r.pending;
}

std::string Alerting::alerts_json() {
  try {
    return alerts::alerts_to_json(store_.all_alerts());
  } catch (const std::exception& e) {
    throw Unavailable(std::string("alerts are unavailable: ") + e.what());
  }
}

std::string Alerting::silences_json() {
  try {
    return alerts::silences_to_json(store_.silences(false), clock_.now());
  } catch (const std::exception& e) {
    throw Unavailable(std::string("silences are unavailable: ") + e.what());
  }
}

std::string Alerting::create_silence(const std::function<bool(const std::string&)>& known,
                                     const std::string& body) {
  alerts::Silence s;
  try {
    s = alerts::parse_silence_request(body, clock_.now(), alerts::uuid_v4());
  } catch (const std::invalid_argument& e) {
    throw BadRequest(e.what());
  }
  if (!known(s.monitor)) throw NotFound("no monitor named \"" + s.monitor + "\"");
  try {
    store_.save_silence(s);
  } catch (const std::exception& e) {
    throw Unavailable(std::string("cannot store the silence: ") + e.what());
  }
  log::info("silence created", {{"id", s.id},
                                {"monitor", s.monitor},
                                {"ends_at", format_rfc3339(s.ends_at)},
                                {"comment", s.comment}});
  return alerts::silence_to_json(s, clock_.now());
}

void Alerting::expire_silence(const std::string& id) {
  bool found;
  try {
    found = store_.expire_silence(id, clock_.now());
  } catch (const std::exception& e) {
    throw Unavailable(std::string("cannot expire the silence: ") + e.what());
  }
  if (!found) throw NotFound("no silence with id \"" + id + "\"");
  log::info("silence expired", {{"id", id}});
}

}  // namespace driftd::daemon
