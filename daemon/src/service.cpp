#include "driftd/daemon/service.hpp"

#include <signal.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/system_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "alerting.hpp"
#include "database_check.hpp"
#include "driftd/common/log.hpp"
#include "driftd/daemon/evaluator.hpp"
#include "driftd/daemon/plan.hpp"
#include "driftd/daemon/scheduler.hpp"
#include "driftd/metrics/metrics.hpp"
#include "driftd/storage/pg_result_store.hpp"
#include "driftd/storage/pg_window_source.hpp"
#include "monitor_run.hpp"
#include "service_state.hpp"
#include "service_support.hpp"

namespace driftd::daemon {

namespace {

int worker_count(const config::Config& c) {
  if (c.scheduler.workers > 0) return c.scheduler.workers;
  long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  return static_cast<int>(std::max(1L, cores));
}

}  // namespace

struct Service::Impl {
  const Clock& clock;
  std::shared_ptr<const CompiledConfig> compiled;  // replaced whole on reload
  mutable std::mutex config_mutex;

  metrics::Metrics metrics{DRIFTD_VERSION};
  storage::PgWindowSource source;
  storage::PgResultStore store;
  Evaluator evaluator;
  Scheduler scheduler;
  Alerting alerting;
  MonitorRun runs{evaluator, store, &alerting};
  MonitorRun reevaluations{evaluator, store, nullptr};  // the look-back: stored, never alerted
  std::unique_ptr<ApiServer> api;
  boost::asio::thread_pool workers;
  std::stop_source stopping;  // cancels in-flight evaluations

  // Held while an evaluation's results are published (metrics, latest results) and while a
  // reload swaps the config: a monitor removed by a reload never gets its series back from an
  // evaluation that was still running.
  std::mutex publish_mutex;
  LatestResults results;
  OutcomeLog outcomes;

  DatabaseHealth health;
  std::atomic<bool> schema_ready{false};
  std::atomic<bool> stopped{false};
  std::atomic<bool> shut_down{false};
  std::thread health_thread;
  std::mutex health_mutex;
  std::condition_variable health_cv;

  boost::asio::io_context io;
  boost::asio::system_timer timer{io};

  std::mutex reload_mutex;  // one SIGHUP reload at a time
  // The latest reload's rejection, for /readyz (empty once one is applied).
  mutable std::mutex reload_state_mutex;
  std::string reload_error;
  std::vector<std::string> reload_problems;
  // A reload applied while the database was unreachable: its database checks run once it is back.
  std::atomic<bool> recheck_when_up{false};

  Impl(config::Config c, const Clock& clk)
      : clock(clk),
        compiled(compile(std::move(c))),
        source(pg_options(config())),
        store(state_options(config())),
        evaluator(source, &store, evaluator_options(config())),
        scheduler(clock,
                  Scheduler::Hooks{[this](const std::string& n, Timestamp at) { dispatch(n, at); },
                                   [this](const std::string& n, Timestamp at) { skipped(n, at); }}),
        alerting(config(), clock, &metrics),
        workers(static_cast<std::size_t>(worker_count(config()))) {}

  std::shared_ptr<const CompiledConfig> snapshot() const {
    std::lock_guard lock(config_mutex);
    return compiled;
  }
  // The configuration of the latest load (only for settings that cannot change while running).
  const config::Config& config() const { return compiled->config(); }

  void dispatch(const std::string& name, Timestamp at) {
    boost::asio::post(workers, [this, name, at] {
      try {
        evaluate_and_record(name, at);
        reevaluate_lookback(name, at);
      } catch (const std::exception& e) {
        log::error("evaluation task failed", {{"monitor", name}, {"error", e.what()}});
      }
      scheduler.finished(name);
      outcomes.finished(name);
    });
  }

  // Labels arrive after their predictions: at each tick of a monitor with a look-back, re-evaluate
  // up to lookback_per_tick earlier instants within it whose labels were incomplete, the least
  // recently evaluated first, and replace their stored evaluations (history fills in). Alerts and
  // metrics follow the latest instant only, so they are left alone.
  void reevaluate_lookback(const std::string& name, Timestamp at) {
    auto cfg = snapshot();
    const MonitorPlan* plan = cfg->find(name);
    if (plan == nullptr || !plan->config->labels || !schema_ready) return;
    const config::LabelsConfig& labels = *plan->config->labels;
    if (labels.lookback <= Duration::zero()) return;
    std::vector<drift::ResultStore::WaitingInstant> instants;
    try {
      instants = store.instants_missing_labels(name, at - labels.lookback, at,
                                               static_cast<std::size_t>(labels.lookback_per_tick));
    } catch (const std::exception& e) {
      log::debug("cannot look up instants waiting for labels",
                 {{"monitor", name}, {"error", e.what()}});
      return;
    }
    // The monitor stays busy meanwhile, so the look-back gives way to the next scheduled tick:
    // a re-evaluation starts only when one as long as the longest so far still ends before it.
    Duration longest = results.duration(name);
    std::size_t done = 0;
    // Labels that did not change over this long (since the instant was stored) are final.
    const Duration settle = std::max(labels.delay, plan->config->window);
    const drift::ResultStore::WaitingInstant* waiting = nullptr;
    RunHooks hooks;
    hooks.evaluated = [&](RunOutcome& o) {
      if (o.evaluation.status == drift::Status::error) {
        // The stored evaluation stays; the next tick tries again.
        log::debug("re-evaluation failed", {{"monitor", name},
                                            {"at", format_rfc3339(o.evaluation.evaluated_at)},
                                            {"error", o.evaluation.error.value_or("")}});
        return false;
      }
      // No label arrived over `settle`: the instant's labels are taken as final, so labels that
      // never come do not keep the look-back busy for ever.
      if (auto& p = o.evaluation.performance; p && p->rows > 0) {
        const Timestamp now = clock.now();
        p->labels_unchanged_since =
            p->labelled == waiting->labelled ? waiting->unchanged_since : now;
        if (now - *p->labels_unchanged_since >= settle) p->labels_settled = true;
      }
      return true;
    };
    for (const auto& instant : instants) {
      waiting = &instant;
      const Timestamp t = instant.at;
      if (stopping.stop_requested() || stopped) return;
      if (snapshot()->find(name) == nullptr) return;  // removed by a reload meanwhile
      if (!scheduler.ends_before_next(name, longest)) {
        log::debug("look-back paused until the next tick: it is due",
                   {{"monitor", name}, {"done", done}, {"waiting", instants.size() - done}});
        return;
      }
      ++done;
      RunOutcome o = reevaluations.run(*plan, t, stopping.get_token(), hooks);
      if (o.abandoned) continue;
      if (!o.stored) {
        log::debug("cannot store the re-evaluation", {{"monitor", name}, {"error", o.store_error}});
        return;
      }
      longest = std::max(longest, std::chrono::duration_cast<Duration>(
                                      std::chrono::duration<double>(o.timings.total_seconds)));
      results.note_performance(o.evaluation);
      metrics.count_reevaluation(name);
      const auto& p = o.evaluation.performance;
      log::info(p && p->labels_settled ? "re-evaluated: no new labels, taken as final"
                                       : "re-evaluated as labels arrive",
                {{"monitor", name},
                 {"at", format_rfc3339(t)},
                 {"label_coverage",
                  p ? drift::value_of(p->statistics, "label_coverage").value_or(0) : 0.0},
                 {"duration_s", o.timings.total_seconds}});
    }
  }

  // Counted every time; logged as a warning once per run of skips (a stalled database would
  // otherwise log one per tick).
  void skipped(const std::string& name, Timestamp at) {
    metrics.count_skipped_tick(name);
    outcomes.skipped(name, at);
  }

  bool ensure_schema() {
    if (schema_ready) return true;
    try {
      auto applied = storage::migrate(state_options(config()));
      for (int v : applied)
        log::info("state schema migrated",
                  {{"schema", config().database.state_schema}, {"version", v}});
      schema_ready = true;
      load_latest();
    } catch (const std::exception& e) {
      log::debug("state schema not ready", {{"error", e.what()}});
    }
    return schema_ready;
  }

  // The latest stored evaluation of every monitor, so the API answers at once after a restart.
  void load_latest() {
    auto cfg = snapshot();
    for (const auto& plan : cfg->monitors()) {
      try {
        if (auto e = store.latest(plan.name)) results.seed(*e);
        if (plan.performance) {
          if (auto e = store.latest_with_performance(plan.name, Timestamp{})) {
            results.note_performance(*e);
          }
        }
      } catch (const std::exception& e) {
        log::debug("cannot load the latest evaluation",
                   {{"monitor", plan.name}, {"error", e.what()}});
      }
    }
  }

  drift::Evaluation evaluate_and_record(const std::string& name, Timestamp at) {
    auto cfg = snapshot();
    const MonitorPlan* plan = cfg->find(name);
    if (plan == nullptr) throw NotFound("no monitor named \"" + name + "\"");
    RunHooks hooks;
    hooks.evaluated = [&](RunOutcome& o) {
      const drift::Evaluation& e = o.evaluation;
      results.set_duration(name, std::chrono::duration_cast<Duration>(
                                     std::chrono::duration<double>(o.timings.total_seconds)));
      if (stopping.stop_requested() && e.status == drift::Status::error) {
        log::warn("evaluation abandoned at shutdown",
                  {{"monitor", name}, {"at", format_rfc3339(at)}});
        return false;
      }
      // Published (metrics, the API's latest result) and logged before it is stored: a state
      // database that hangs must not delay them.
      {
        std::lock_guard publish(publish_mutex);
        if (snapshot()->find(name) != nullptr) {  // else a reload removed it meanwhile
          metrics.record_evaluation(e, o.timings.total_seconds);
          metrics.set_frozen_cache_bytes(static_cast<double>(evaluator.frozen_cache().bytes()));
          results.record(e);
        }
      }
      outcomes.evaluation(e, o.timings);
      return true;
    };
    hooks.schema_ready = [this] { return ensure_schema(); };
    RunOutcome o = runs.run(*plan, at, stopping.get_token(), hooks);
    if (o.abandoned) return o.evaluation;
    outcomes.store(name, o.store_error);
    results.note_performance(o.evaluation);
    if (auto next = scheduler.next_run(name)) metrics.set_next_run(name, to_unix_seconds(*next));
    return o.evaluation;
  }

  void apply_schedule(const CompiledConfig& cfg) {
    std::vector<Scheduler::Entry> entries;
    std::set<std::string> names;
    for (const auto& plan : cfg.monitors()) {
      std::optional<Timestamp> done;
      if (auto last = results.last(plan.name)) done = last->evaluated_at;
      entries.push_back({plan.name, plan.config->schedule, plan.config->jitter, done});
      names.insert(plan.name);
    }
    scheduler.set_monitors(entries);
    metrics.retain_monitors(names);
    std::set<std::string> sinks;
    for (const auto& s : cfg.config().sinks) sinks.insert(s.name);
    metrics.retain_sinks(sinks);
    for (const auto& plan : cfg.monitors())
      if (auto next = scheduler.next_run(plan.name))
        metrics.set_next_run(plan.name, to_unix_seconds(*next));
  }

  void reloaded(bool applied, std::string error = "", std::vector<std::string> problems = {}) {
    metrics.record_reload(applied);
    std::lock_guard lock(reload_state_mutex);
    reload_error = std::move(error);
    reload_problems = std::move(problems);
  }

  // The problems of a database check, one log line each.
  static std::vector<std::string> log_problems(const DatabaseCheck& db) {
    std::vector<std::string> out;
    for (const auto& p : db.problems) {
      out.push_back(p.to_string());
      log::error("config problem: " + out.back());
    }
    return out;
  }

  // SIGHUP: the file is loaded and its monitors checked against the database as `driftd check`
  // checks them. A file with problems, or one whose tables and columns the database does not
  // have, is rejected: the running configuration stays, each problem is logged (FILE:LINE) and
  // /readyz says why. When the database cannot be asked, the file (valid on its own) is applied:
  // the running configuration cannot evaluate either meanwhile, and a reload must not wait for
  // the database; its checks run when the database is back, and say what they find.
  void reload_from_file(Service& service) {
    std::lock_guard serial(reload_mutex);
    if (stopped) return;
    const std::string path = config().path;
    log::info("reloading the configuration", {{"path", path}});
    config::Config next;
    try {
      next = load_config_file(path);
    } catch (const config::ConfigError& e) {
      std::vector<std::string> problems;
      for (const auto& p : e.problems()) {
        problems.push_back(p.to_string());
        log::error("config problem: " + problems.back());
      }
      log::error("new configuration rejected; the previous one keeps running",
                 {{"path", path}, {"problems", e.problems().size()}});
      std::string why = std::to_string(problems.size()) + " problem(s) in " + path;
      reloaded(false, std::move(why), std::move(problems));
      return;
    } catch (const std::exception& e) {
      log::error("new configuration rejected; the previous one keeps running",
                 {{"path", path}, {"error", e.what()}});
      reloaded(false, e.what());
      return;
    }
    // Checked as it will run: on the database it runs on ([database] changes need a restart).
    config::Config probe = next;
    probe.database = config().database;
    DatabaseCheck db = check_database(*compile(std::move(probe)), source, clock.now());
    if (db.reachable && !db.problems.empty()) {
      std::vector<std::string> problems = log_problems(db);
      log::error(
          "new configuration rejected: the database does not have what it reads; the previous "
          "one keeps running",
          {{"path", path}, {"problems", problems.size()}});
      std::string why = std::to_string(problems.size()) + " database problem(s) in " + path;
      reloaded(false, std::move(why), std::move(problems));
      return;
    }
    if (!db.reachable) {
      log::warn(
          "database unreachable: the new configuration is applied without its database checks; "
          "they run when the database is back",
          {{"path", path}, {"error", db.error}});
    }
    try {
      service.reload(std::move(next));
    } catch (const std::exception& e) {
      log::error("new configuration rejected; the previous one keeps running",
                 {{"path", path}, {"error", e.what()}});
      reloaded(false, e.what());
      return;
    }
    reloaded(true);
    recheck_when_up = !db.reachable;
  }

  // The database checks a reload could not run, once the database answers.
  void recheck_reload() {
    std::lock_guard serial(reload_mutex);
    if (!recheck_when_up.exchange(false)) return;
    DatabaseCheck db = check_database(*snapshot(), source, clock.now());
    if (!db.reachable) {
      recheck_when_up = true;  // next time
      return;
    }
    if (db.problems.empty()) {
      log::info("the reloaded configuration passed its database checks");
      return;
    }
    log_problems(db);
    log::error(
        "the configuration reloaded while the database was unreachable reads what the database "
        "does not have; its monitors fail until the file is fixed and reloaded",
        {{"problems", db.problems.size()}});
  }

  void health_loop() {
    while (!stopped) {
      bool up = health.check([this] {
        source.ping();
        store.ping();
      });
      metrics.set_database_up(up);
      if (up) ensure_schema();
      if (up && recheck_when_up) recheck_reload();
      std::unique_lock lock(health_mutex);
      health_cv.wait_for(lock, std::chrono::seconds(up ? 5 : 1), [this] { return stopped.load(); });
    }
  }

  void arm_timer() {
    Timestamp next = scheduler.poll();
    // Wake at least every second: picks up wall-clock jumps and reloads promptly.
    auto now = clock.now();
    Timestamp wake = std::min(next, now + std::chrono::seconds(1));
    timer.expires_at(std::chrono::time_point_cast<std::chrono::system_clock::duration>(wake));
    timer.async_wait([this](const boost::system::error_code& ec) {
      if (!ec && !stopped) arm_timer();
    });
  }
};

Service::Service(config::Config config, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(config), clock)) {}

Service::~Service() { stop(); }

void Service::start() {
  auto& m = *impl_;
  auto compiled = m.snapshot();
  const config::Config& cfg = compiled->config();
  m.health.check([&m] {
    m.source.ping();
    m.store.ping();
  });
  m.metrics.set_database_up(m.health.up());
  m.ensure_schema();
  m.apply_schedule(*compiled);
  ApiOptions api;
  auto [host, port] = split_listen(cfg.server.listen);
  api.host = host;
  api.port = port;
  api.max_body_bytes = cfg.server.max_body_bytes;
  api.read_timeout = cfg.server.read_timeout;
  api.write_timeout = cfg.server.write_timeout;
  api.max_connections = cfg.server.max_connections;
  api.max_connections_per_client = cfg.server.max_connections_per_client;
  if (!cfg.server.api_token_env.empty()) {
    if (const char* token = std::getenv(cfg.server.api_token_env.c_str());
        token != nullptr && *token != '\0')
      api.bearer_token = token;
  }
  m.api = std::make_unique<ApiServer>(*this, api);
  m.api->start();
  // Links in notifications: the configured base URL, with the real port when listening on port 0.
  std::string external = cfg.server.external_url;
  if (external.empty() ||
      (external.size() > 2 && external.compare(external.size() - 2, 2, ":0") == 0))
    external = "http://" + (host == "0.0.0.0" ? std::string("127.0.0.1") : host) + ":" +
               std::to_string(m.api->port());
  m.alerting.set_external_url(external);
  m.alerting.start();
  m.health_thread = std::thread([&m] { m.health_loop(); });
  log::info("driftd started", {{"version", DRIFTD_VERSION},
                               {"listen", host + ":" + std::to_string(m.api->port())},
                               {"monitors", cfg.monitors.size()},
                               {"workers", worker_count(cfg)},
                               {"database", m.health.up() ? "reachable" : "unreachable"}});
}

int Service::run() {
  auto& m = *impl_;
  boost::asio::signal_set signals(m.io, SIGINT, SIGTERM, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        if (sig == SIGHUP) {
          // Off the I/O thread: the database checks may wait for the database.
          boost::asio::post(m.workers, [this, &m] {
            try {
              m.reload_from_file(*this);
            } catch (const std::exception& e) {
              log::error("reload failed", {{"error", e.what()}});
            }
          });
          signals.async_wait(on_signal);
          return;
        }
        log::info("stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
        m.stopped = true;
        m.timer.cancel();
        signals.cancel();
      };
  signals.async_wait(on_signal);
  m.arm_timer();
  m.io.run();
  stop();
  return 0;
}

void Service::reload(config::Config next) {
  auto& m = *impl_;
  const config::Config& current = m.config();
  if (next.database.url != current.database.url ||
      next.database.state_schema != current.database.state_schema ||
      next.server.listen != current.server.listen)
    log::warn(
        "changes to [database] url/state_schema and [server] listen take effect at the next "
        "restart");
  // Keep the settings that cannot change while running.
  next.database = current.database;
  next.server = current.server;
  auto fresh = compile(std::move(next));
  std::lock_guard publish(m.publish_mutex);
  {
    std::lock_guard lock(m.config_mutex);
    m.compiled = fresh;
  }
  // Results and frozen references of monitors that are gone (or whose reference changed) are
  // forgotten.
  m.results.retain(*fresh);
  std::set<std::string> frozen;
  for (const auto& plan : fresh->monitors()) frozen.insert(plan.frozen_key);
  m.evaluator.frozen_cache().retain(frozen);
  m.metrics.set_frozen_cache_bytes(static_cast<double>(m.evaluator.frozen_cache().bytes()));
  m.apply_schedule(*fresh);
  m.alerting.reload(fresh->config());
  log::info("configuration reloaded", {{"monitors", fresh->config().monitors.size()},
                                       {"sinks", fresh->config().sinks.size()}});
}

void Service::stop() {
  if (!impl_) return;
  auto& m = *impl_;
  m.stopped = true;
  if (m.shut_down.exchange(true)) return;
  m.timer.cancel();
  m.io.stop();
  // Give in-flight evaluations the grace period, then cancel what is left.
  auto grace = m.config().scheduler.shutdown_grace;
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (m.scheduler.in_flight() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (m.scheduler.in_flight() > 0) {
    log::warn("cancelling evaluations still running after the grace period",
              {{"in_flight", m.scheduler.in_flight()}});
    m.stopping.request_stop();
  }
  m.workers.join();
  m.alerting.stop();
  {
    std::lock_guard lock(m.health_mutex);
    m.health_cv.notify_all();
  }
  if (m.health_thread.joinable()) m.health_thread.join();
  if (m.api) m.api->stop();
  log::info("stopped");
}

int Service::api_port() const { return impl_->api ? impl_->api->port() : 0; }

std::vector<MonitorSummary> Service::monitors() {
  auto& m = *impl_;
  auto cfg = m.snapshot();
  std::vector<MonitorSummary> out;
  for (const auto& plan : cfg->monitors()) {
    MonitorSummary s;
    s.name = plan.name;
    s.status = "pending";
    if (auto last = m.results.last(plan.name)) {
      s.status = std::string(drift::to_string(last->status));
      s.last_evaluation = std::move(last);
    }
    s.next_run_at = m.scheduler.next_run(plan.name);
    out.push_back(std::move(s));
  }
  return out;
}

bool Service::has_monitor(const std::string& name) {
  return impl_->snapshot()->find(name) != nullptr;
}

std::optional<drift::Evaluation> Service::latest(const std::string& name) {
  auto& m = *impl_;
  // During an outage the last good result stays served; the monitor list shows the error.
  if (auto e = m.results.last_good(name)) return e;
  return m.results.last(name);
}

std::vector<drift::Evaluation> Service::history(const std::string& name,
                                                const drift::HistoryQuery& q) {
  try {
    return impl_->store.history(name, q);
  } catch (const std::exception& e) {
    throw Unavailable(std::string("history is unavailable: ") + e.what());
  }
}

RetrainDecision Service::retrain(const std::string& name) {
  auto& m = *impl_;
  auto cfg = m.snapshot();
  // The API checked the name, but a reload may have removed the monitor since.
  const MonitorPlan* plan = cfg->find(name);
  if (plan == nullptr) throw NotFound("no monitor named \"" + name + "\"");
  std::optional<drift::Evaluation> e = m.results.last_good(name);
  // Performance counts while it is recent: within the labels' look-back of the latest evaluation
  // (without a look-back, only the latest evaluation's own).
  std::optional<drift::Evaluation> performance;
  if (plan->config->labels && e) {
    if (auto p = m.results.performance(name);
        p && p->evaluated_at >= e->evaluated_at - plan->config->labels->lookback) {
      performance = std::move(p);
    }
  }
  return decide_retrain(name, e, plan->spec.thresholds, {"psi"}, performance,
                        plan->retrain_metrics);
}

drift::Evaluation Service::run_now(const std::string& name) {
  auto& m = *impl_;
  if (!m.scheduler.try_begin(name))
    throw Conflict("an evaluation of \"" + name +
                   "\" is already running; try again when it is done");
  struct Done {
    Scheduler& s;
    const std::string& n;
    ~Done() { s.finished(n); }
  } done{m.scheduler, name};
  return m.evaluate_and_record(name, std::chrono::floor<std::chrono::seconds>(m.clock.now()));
}

Readiness Service::readiness() {
  auto& m = *impl_;
  Readiness r;
  if (!m.health.up()) {
    r.reason = "database unreachable: " + m.health.reason();
  } else if (!m.schema_ready) {
    r.reason = "state schema not migrated yet";
  } else {
    r.ready = true;
  }
  std::lock_guard lock(m.reload_state_mutex);
  r.reload_error = m.reload_error;
  r.reload_problems = m.reload_problems;
  return r;
}

std::string Service::metrics_text() { return impl_->metrics.exposition(); }

std::string Service::alerts_json() { return impl_->alerting.alerts_json(); }
std::string Service::silences_json() { return impl_->alerting.silences_json(); }
std::string Service::create_silence(const std::string& body) {
  auto cfg = impl_->snapshot();
  return impl_->alerting.create_silence(
      [&cfg](const std::string& monitor) { return cfg->find(monitor) != nullptr; }, body);
}
void Service::expire_silence(const std::string& id) { impl_->alerting.expire_silence(id); }

void Service::observe_request(const std::string& handler, int status, double seconds) {
  impl_->metrics.count_http_request(handler, status, seconds);
}

std::vector<drift::Threshold> Service::thresholds(const std::string& name) {
  auto cfg = impl_->snapshot();
  const MonitorPlan* plan = cfg->find(name);
  if (plan == nullptr) return {};
  return plan->spec.thresholds;
}

std::vector<drift::StatisticSeries> Service::series(const std::vector<drift::StatisticKey>& keys,
                                                    const drift::SeriesQuery& q) {
  try {
    return impl_->store.series(keys, q);
  } catch (const std::exception& e) {
    throw Unavailable(std::string("history is unavailable: ") + e.what());
  }
}

int run_daemon(const std::string& config_path) {
  config::Config cfg;
  try {
    cfg = load_config_file(config_path);
  } catch (const config::ConfigError& e) {
    for (const auto& p : e.problems()) std::fprintf(stderr, "%s\n", p.to_string().c_str());
    std::fprintf(stderr, "driftd: not started: %zu problem(s) in %s\n", e.problems().size(),
                 config_path.c_str());
    return 2;
  }
  SystemClock clock;
  Service service(std::move(cfg), clock);
  try {
    service.start();
  } catch (const std::exception& e) {
    log::error("cannot start", {{"error", e.what()}});
    return 2;
  }
  return service.run();
}

}  // namespace driftd::daemon
