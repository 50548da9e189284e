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
#include "driftd/common/log.hpp"
#include "driftd/daemon/evaluator.hpp"
#include "driftd/daemon/monitor_plan.hpp"
#include "driftd/daemon/scheduler.hpp"
#include "driftd/metrics/metrics.hpp"
#include "driftd/storage/pg_result_store.hpp"
#include "driftd/storage/pg_window_source.hpp"
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
  std::shared_ptr<const config::Config> config;  // replaced whole on reload
  mutable std::mutex config_mutex;

  metrics::Metrics metrics{DRIFTD_VERSION};
  storage::PgWindowSource source;
  storage::PgResultStore store;
  Evaluator evaluator;
  Scheduler scheduler;
  Alerting alerting;
  std::unique_ptr<ApiServer> api;
  boost::asio::thread_pool workers;
  std::stop_source stopping;  // cancels in-flight evaluations

  // Held while an evaluation's results are published (metrics, latest results) and while a
  // reload swaps the config: a monitor removed by a reload never gets its series back from an
  // evaluation that was still running.
  std::mutex publish_mutex;

  // Latest results, served by the API without touching the database.
  std::mutex results_mutex;
  std::map<std::string, drift::Evaluation> last;       // latest of any status
  std::map<std::string, drift::Evaluation> last_good;  // latest that is not `error`
  std::map<std::string, std::string> last_error;       // for logging once per transition
  // Per monitor with labels: the newest evaluation whose performance had enough labelled rows
  // (labels arrive late, so it is often older than `last`); the retrain decision reads it.
  std::map<std::string, drift::Evaluation> last_performance;
  std::set<std::string> store_failing;               // monitors whose results cannot be stored
  std::map<std::string, std::size_t> skipped_ticks;  // ticks skipped since the running one began
  std::map<std::string, Duration> durations;         // of each monitor's latest evaluation

  DatabaseHealth health;
  std::atomic<bool> schema_ready{false};
  std::atomic<bool> stopped{false};
  std::atomic<bool> shut_down{false};
  std::thread health_thread;
  std::mutex health_mutex;
  std::condition_variable health_cv;

  boost::asio::io_context io;
  boost::asio::system_timer timer{io};

  Impl(config::Config c, const Clock& clk)
      : clock(clk),
        config(std::make_shared<const config::Config>(std::move(c))),
        source(pg_options(*config)),
        store(state_options(*config)),
        evaluator(source, &store, evaluator_options(*config)),
        scheduler(clock,
                  Scheduler::Hooks{[this](const std::string& n, Timestamp at) { dispatch(n, at); },
                                   [this](const std::string& n, Timestamp at) { skipped(n, at); }}),
        alerting(*config, clock, &metrics),
        workers(static_cast<std::size_t>(worker_count(*config))) {}

  std::shared_ptr<const config::Config> snapshot() const {
    std::lock_guard lock(config_mutex);
    return config;
  }

  void dispatch(const std::string& name, Timestamp at) {
    boost::asio::post(workers, [this, name, at] {
      try {
        evaluate_and_record(name, at);
        reevaluate_lookback(name, at);
      } catch (const std::exception& e) {
        log::error("evaluation task failed", {{"monitor", name}, {"error", e.what()}});
      }
      scheduler.finished(name);
      std::size_t skips = 0;
      {
        std::lock_guard lock(results_mutex);
        if (auto it = skipped_ticks.find(name); it != skipped_ticks.end()) {
          skips = it->second;
          skipped_ticks.erase(it);
        }
      }
      if (skips > 1)
        log::info("evaluation no longer running late", {{"monitor", name}, {"skipped", skips}});
    });
  }

  // Keeps the newest evaluation whose performance can be trusted (enough labelled rows).
  void note_performance(const drift::Evaluation& e) {
    if (!e.performance || e.performance->status == drift::Status::insufficient_data) return;
    std::lock_guard lock(results_mutex);
    auto it = last_performance.find(e.monitor);
    if (it == last_performance.end() || it->second.evaluated_at <= e.evaluated_at)
      last_performance[e.monitor] = e;
  }

  Duration last_duration(const std::string& name) {
    std::lock_guard lock(results_mutex);
    auto it = durations.find(name);
    return it == durations.end() ? Duration::zero() : it->second;
  }

  // Labels arrive after their predictions: at each tick of a monitor with a look-back, re-evaluate
  // up to lookback_per_tick earlier instants within it whose labels were incomplete, the least
  // recently evaluated first, and replace their stored evaluations (history fills in). Alerts and
  // metrics follow the latest instant only, so they are left alone.
  void reevaluate_lookback(const std::string& name, Timestamp at) {
    auto cfg = snapshot();
    const config::MonitorConfig* m = cfg->find_monitor(name);
    if (m == nullptr || !m->labels || m->labels->lookback <= Duration::zero() || !schema_ready)
      return;
    std::vector<Timestamp> instants;
    try {
      instants =
          store.instants_missing_labels(name, at - m->labels->lookback, at,
                                        static_cast<std::size_t>(m->labels->lookback_per_tick));
    } catch (const std::exception& e) {
      log::debug("cannot look up instants waiting for labels",
                 {{"monitor", name}, {"error", e.what()}});
      return;
    }
    // The monitor stays busy meanwhile, so the look-back gives way to the next scheduled tick:
    // a re-evaluation starts only when one as long as the longest so far still ends before it.
    Duration longest = last_duration(name);
    std::size_t done = 0;
    for (Timestamp t : instants) {
      if (stopping.stop_requested() || stopped) return;
      if (snapshot()->find_monitor(name) == nullptr) return;  // removed by a reload meanwhile
      if (!scheduler.ends_before_next(name, longest)) {
        log::debug("look-back paused until the next tick: it is due",
                   {{"monitor", name}, {"done", done}, {"waiting", instants.size() - done}});
        return;
      }
      ++done;
      EvaluationTimings timings;
      drift::Evaluation e = evaluator.evaluate(*m, t, stopping.get_token(), &timings);
      if (e.status == drift::Status::error) {
        // The stored evaluation stays; the next tick tries again.
        log::debug("re-evaluation failed",
                   {{"monitor", name}, {"at", format_rfc3339(t)}, {"error", e.error.value_or("")}});
        continue;
      }
      try {
        store.save(e);
      } catch (const std::exception& ex) {
        log::debug("cannot store the re-evaluation", {{"monitor", name}, {"error", ex.what()}});
        return;
      }
      longest = std::max(longest, std::chrono::duration_cast<Duration>(
                                      std::chrono::duration<double>(timings.total_seconds)));
      note_performance(e);
      metrics.count_reevaluation(name);
      log::info(
          "re-evaluated as labels arrive",
          {{"monitor", name},
           {"at", format_rfc3339(t)},
           {"label_coverage",
            e.performance ? drift::value_of(e.performance->statistics, "label_coverage").value_or(0)
                          : 0.0},
           {"duration_s", timings.total_seconds}});
    }
  }

  // Counted every time; logged as a warning once per run of skips (a stalled database would
  // otherwise log one per tick).
  void skipped(const std::string& name, Timestamp at) {
    metrics.count_skipped_tick(name);
    std::size_t skips;
    {
      std::lock_guard lock(results_mutex);
      skips = ++skipped_ticks[name];
    }
    log::write(skips == 1 ? log::Level::warn : log::Level::debug,
               "evaluation skipped: the previous one is still running",
               {{"monitor", name}, {"at", format_rfc3339(at)}});
  }

  bool ensure_schema() {
    if (schema_ready) return true;
    try {
      auto applied = storage::migrate(state_options(*snapshot()));
      for (int v : applied)
        log::info("state schema migrated",
                  {{"schema", snapshot()->database.state_schema}, {"version", v}});
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
    std::vector<Scheduler::Entry> entries;
    for (const auto& m : cfg->monitors) {
      try {
        if (auto e = store.latest(m.name)) {
          std::lock_guard lock(results_mutex);
          if (!last.count(m.name)) last[m.name] = *e;
          if (e->status != drift::Status::error && !last_good.count(m.name)) last_good[m.name] = *e;
        }
        if (m.labels) {
          if (auto e = store.latest_with_performance(m.name, Timestamp{})) note_performance(*e);
        }
      } catch (const std::exception& e) {
        log::debug("cannot load the latest evaluation", {{"monitor", m.name}, {"error", e.what()}});
      }
    }
  }

  drift::Evaluation evaluate_and_record(const std::string& name, Timestamp at) {
    auto cfg = snapshot();
    const config::MonitorConfig* m = cfg->find_monitor(name);
    if (m == nullptr) throw NotFound("no monitor named \"" + name + "\"");
    EvaluationTimings t;
    drift::Evaluation e = evaluator.evaluate(*m, at, stopping.get_token(), &t);
    {
      std::lock_guard lock(results_mutex);
      durations[name] =
          std::chrono::duration_cast<Duration>(std::chrono::duration<double>(t.total_seconds));
    }
    if (stopping.stop_requested() && e.status == drift::Status::error) {
      log::warn("evaluation abandoned at shutdown",
                {{"monitor", name}, {"at", format_rfc3339(at)}});
      return e;
    }
    // Published (metrics, the API's latest result) and logged before it is stored: a state
    // database that hangs must not delay them.
    {
      std::lock_guard publish(publish_mutex);
      if (snapshot()->find_monitor(name) != nullptr) {  // else a reload removed it meanwhile
        metrics.record_evaluation(e, t.total_seconds);
        metrics.set_frozen_cache_bytes(static_cast<double>(evaluator.frozen_cache().bytes()));
        std::lock_guard lock(results_mutex);
        last[name] = e;
        if (e.status != drift::Status::error) last_good[name] = e;
      }
    }
    log_outcome(e, t);
    bool stored = false;
    std::string store_error;
    if (ensure_schema()) {
      try {
        store.save(e);
        stored = true;
      } catch (const std::exception& ex) {
        store_error = ex.what();
      }
    } else {
      store_error = "state schema not ready (database unreachable)";
    }
    log_store_outcome(e.monitor, store_error);
    if (stored) alerting.on_evaluation(*cfg, *m, e);
    note_performance(e);
    if (auto next = scheduler.next_run(name)) metrics.set_next_run(name, to_unix_seconds(*next));
    return e;
  }

  // Every evaluation is logged; a failure is logged at error level once per transition (the
  // same failure again, tick after tick, only at debug level) and its end once.
  void log_outcome(const drift::Evaluation& e, const EvaluationTimings& t) {
    std::string key = e.status == drift::Status::error ? e.error.value_or("error") : "";
    std::string previous;
    {
      std::lock_guard lock(results_mutex);
      previous = last_error[e.monitor];
      last_error[e.monitor] = key;
    }
    if (e.status == drift::Status::error) {
      // The first failure is an error; the next ones (the same outage seen tick after tick, maybe
      // with another wording) only at debug level, until the evaluations recover.
      auto level = previous.empty() ? log::Level::error : log::Level::debug;
      log::write(level, "evaluation failed",
                 {{"monitor", e.monitor},
                  {"at", format_rfc3339(e.evaluated_at)},
                  {"duration_s", t.total_seconds},
                  {"error", key}});
    } else {
      if (!previous.empty())
        log::info("evaluations recovered", {{"monitor", e.monitor}, {"after", previous}});
      std::size_t drifted = 0;
      for (const auto& f : e.features)
        if (f.status == drift::Status::drift) ++drifted;
      log::info("evaluation finished", {{"monitor", e.monitor},
                                        {"at", format_rfc3339(e.evaluated_at)},
                                        {"status", std::string(drift::to_string(e.status))},
                                        {"current_rows", e.current_window.rows},
                                        {"reference_rows", e.reference_window.rows},
                                        {"drifted_features", drifted},
                                        {"frozen_reference", t.frozen_reference_used},
                                        {"duration_s", t.total_seconds}});
    }
  }

  // Storing fails for as long as the state database is away: logged at error level once when it
  // starts (per monitor) and once when it ends.
  void log_store_outcome(const std::string& monitor, const std::string& store_error) {
    bool was_failing;
    {
      std::lock_guard lock(results_mutex);
      was_failing = store_failing.count(monitor) > 0;
      if (store_error.empty()) {
        store_failing.erase(monitor);
      } else {
        store_failing.insert(monitor);
      }
    }
    if (!store_error.empty()) {
      log::write(was_failing ? log::Level::debug : log::Level::error, "cannot store the evaluation",
                 {{"monitor", monitor}, {"error", store_error}});
    } else if (was_failing) {
      log::info("evaluations stored again", {{"monitor", monitor}});
    }
  }

  void apply_schedule(const config::Config& cfg) {
    std::vector<Scheduler::Entry> entries;
    std::set<std::string> names;
    for (const auto& m : cfg.monitors) {
      std::optional<Timestamp> done;
      {
        std::lock_guard lock(results_mutex);
        if (auto it = last.find(m.name); it != last.end()) done = it->second.evaluated_at;
      }
      entries.push_back({m.name, m.schedule, m.jitter, done});
      names.insert(m.name);
    }
    scheduler.set_monitors(entries);
    metrics.retain_monitors(names);
    std::set<std::string> sinks;
    for (const auto& s : cfg.sinks) sinks.insert(s.name);
    metrics.retain_sinks(sinks);
    for (const auto& m : cfg.monitors)
      if (auto next = scheduler.next_run(m.name))
        metrics.set_next_run(m.name, to_unix_seconds(*next));
  }

  void health_loop() {
    while (!stopped) {
      bool up = health.check([this] {
        source.ping();
        store.ping();
      });
      metrics.set_database_up(up);
      if (up) ensure_schema();
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
  auto cfg = m.snapshot();
  m.health.check([&m] {
    m.source.ping();
    m.store.ping();
  });
  m.metrics.set_database_up(m.health.up());
  m.ensure_schema();
  m.apply_schedule(*cfg);
  ApiOptions api;
  auto [host, port] = split_listen(cfg->server.listen);
  api.host = host;
  api.port = port;
  api.max_body_bytes = cfg->server.max_body_bytes;
  api.read_timeout = cfg->server.read_timeout;
  api.write_timeout = cfg->server.write_timeout;
  if (!cfg->server.api_token_env.empty()) {
    if (const char* token = std::getenv(cfg->server.api_token_env.c_str());
        token != nullptr && *token != '\0')
      api.bearer_token = token;
  }
  m.api = std::make_unique<ApiServer>(*this, api);
  m.api->start();
  // Links in notifications: the configured base URL, with the real port when listening on port 0.
  std::string external = cfg->server.external_url;
  if (external.empty() ||
      (external.size() > 2 && external.compare(external.size() - 2, 2, ":0") == 0))
    external = "http://" + (host == "0.0.0.0" ? std::string("127.0.0.1") : host) + ":" +
               std::to_string(m.api->port());
  m.alerting.set_external_url(external);
  m.alerting.start(*cfg);
  m.health_thread = std::thread([&m] { m.health_loop(); });
  log::info("driftd started", {{"version", DRIFTD_VERSION},
                               {"listen", host + ":" + std::to_string(m.api->port())},
                               {"monitors", cfg->monitors.size()},
                               {"workers", worker_count(*cfg)},
                               {"database", m.health.up() ? "reachable" : "unreachable"}});
}

int Service::run() {
  auto& m = *impl_;
  boost::asio::signal_set signals(m.io, SIGINT, SIGTERM, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        if (sig == SIGHUP) {
          auto path = m.snapshot()->path;
          log::info("reloading the configuration", {{"path", path}});
          try {
            reload(config::load_file(path));
          } catch (const config::ConfigError& e) {
            for (const auto& p : e.problems())
              log::error("config problem", {{"problem", p.to_string()}});
            log::error("new configuration rejected; the previous one keeps running",
                       {{"path", path}, {"problems", e.problems().size()}});
          } catch (const std::exception& e) {
            log::error("new configuration rejected; the previous one keeps running",
                       {{"error", e.what()}});
          }
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
  auto current = m.snapshot();
  if (next.database.url != current->database.url ||
      next.database.state_schema != current->database.state_schema ||
      next.server.listen != current->server.listen)
    log::warn(
        "changes to [database] url/state_schema and [server] listen take effect at the next "
        "restart");
  // Keep the settings that cannot change while running.
  next.database = current->database;
  next.server = current->server;
  auto fresh = std::make_shared<const config::Config>(std::move(next));
  std::lock_guard publish(m.publish_mutex);
  {
    std::lock_guard lock(m.config_mutex);
    m.config = fresh;
  }
  {
    // Results of monitors that are gone are forgotten.
    std::lock_guard lock(m.results_mutex);
    for (auto it = m.last.begin(); it != m.last.end();)
      it = fresh->find_monitor(it->first) == nullptr ? m.last.erase(it) : std::next(it);
    for (auto it = m.last_good.begin(); it != m.last_good.end();)
      it = fresh->find_monitor(it->first) == nullptr ? m.last_good.erase(it) : std::next(it);
    for (auto it = m.last_performance.begin(); it != m.last_performance.end();) {
      const auto* mon = fresh->find_monitor(it->first);
      it = mon == nullptr || !mon->labels ? m.last_performance.erase(it) : std::next(it);
    }
  }
  m.apply_schedule(*fresh);
  m.alerting.reload(*fresh);
  log::info("configuration reloaded",
            {{"monitors", fresh->monitors.size()}, {"sinks", fresh->sinks.size()}});
}

void Service::stop() {
  if (!impl_) return;
  auto& m = *impl_;
  m.stopped = true;
  if (m.shut_down.exchange(true)) return;
  m.timer.cancel();
  m.io.stop();
  // Give in-flight evaluations the grace period, then cancel what is left.
  auto grace = m.snapshot()->scheduler.shutdown_grace;
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
  std::lock_guard lock(m.results_mutex);
  for (const auto& mon : cfg->monitors) {
    MonitorSummary s;
    s.name = mon.name;
    s.status = "pending";
    if (auto it = m.last.find(mon.name); it != m.last.end()) {
      s.status = std::string(drift::to_string(it->second.status));
      s.last_evaluation = it->second;
    }
    s.next_run_at = m.scheduler.next_run(mon.name);
    out.push_back(std::move(s));
  }
  return out;
}

bool Service::has_monitor(const std::string& name) {
  return impl_->snapshot()->find_monitor(name) != nullptr;
}

std::optional<drift::Evaluation> Service::latest(const std::string& name) {
  auto& m = *impl_;
  std::lock_guard lock(m.results_mutex);
  // During an outage the last good result stays served; the monitor list shows the error.
  if (auto it = m.last_good.find(name); it != m.last_good.end()) return it->second;
  if (auto it = m.last.find(name); it != m.last.end()) return it->second;
  return std::nullopt;
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
  auto cfg = impl_->snapshot();
  const auto* m = cfg->find_monitor(name);
  std::optional<drift::Evaluation> e;
  {
    std::lock_guard lock(impl_->results_mutex);
    if (auto it = impl_->last_good.find(name); it != impl_->last_good.end()) e = it->second;
  }
  // Performance counts while it is recent: within the labels' look-back of the latest evaluation
  // (without a look-back, only the latest evaluation's own).
  std::optional<drift::Evaluation> performance;
  if (m->labels && e) {
    std::lock_guard lock(impl_->results_mutex);
    if (auto it = impl_->last_performance.find(name);
        it != impl_->last_performance.end() &&
        it->second.evaluated_at >= e->evaluated_at - m->labels->lookback) {
      performance = it->second;
    }
  }
  return decide_retrain(name, e, evaluation_spec(*m).thresholds, {"psi"}, performance);
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
  if (!m.health.up()) return {false, "database unreachable: " + m.health.reason()};
  if (!m.schema_ready) return {false, "state schema not migrated yet"};
  return {true, ""};
}

std::string Service::metrics_text() { return impl_->metrics.exposition(); }

std::string Service::alerts_json() { return impl_->alerting.alerts_json(); }
std::string Service::silences_json() { return impl_->alerting.silences_json(); }
std::string Service::create_silence(const std::string& body) {
  return impl_->alerting.create_silence(*impl_->snapshot(), body);
}
void Service::expire_silence(const std::string& id) { impl_->alerting.expire_silence(id); }

void Service::observe_request(const std::string& handler, int status, double seconds) {
  impl_->metrics.count_http_request(handler, status, seconds);
}

std::vector<drift::ThresholdSpec> Service::thresholds(const std::string& name) {
  auto cfg = impl_->snapshot();
  const auto* m = cfg->find_monitor(name);
  if (m == nullptr) return {};
  return evaluation_spec(*m).thresholds;
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
    cfg = config::load_file(config_path);
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
