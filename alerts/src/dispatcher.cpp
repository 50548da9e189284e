// The delivery loop: one worker per sink pulling due notifications from the outbox and attempting
// up to `concurrency` of them at once, one per monitor.

#include "driftd/alerts/dispatcher.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "driftd/alerts/notifier.hpp"
#include "driftd/common/log.hpp"

namespace driftd::alerts {

Outcome classify(const DeliveryResult& r) {
  if (r.permanent) return Outcome::failed;
  const int s = r.http_status;
  if (s == 0) return Outcome::retry;  // timeouts, refused or reset connections
  if (s >= 200 && s < 300) return Outcome::delivered;
  if (s == 408 || s == 429 || (s >= 500 && s < 600)) return Outcome::retry;
  return Outcome::failed;  // 3xx (redirects are not followed) and other 4xx: retrying won't help
}

Duration backoff(int failures, const config::AlertingOptions& o, double u) {
  Duration base = std::max(o.initial_backoff, Duration(1));
  const Duration cap = std::max(o.max_backoff, base);
  for (int i = 1; i < failures && base < cap; ++i) base *= 2;
  base = std::min(base, cap);
  u = std::clamp(u, 0.0, 1.0);
  const Duration half = base / 2;
  return half +
         Duration(static_cast<Duration::rep>(u * static_cast<double>((base - half).count())));
}

namespace {

// A retryable answer that speaks for the receiver as a whole: it is overloaded (429), down for
// maintenance (503) or said when to come back (Retry-After). Every notification would get the
// same answer, so the whole sink waits; after any other failure (no answer in time, another 5xx)
// only that notification and the later ones of its monitor do.
bool receiver_wide(const DeliveryResult& r) {
  return r.http_status == 429 || r.http_status == 503 || r.retry_after.has_value();
}

struct SinkState {
  config::SinkConfig config;
  std::string host;    // what logs name: never the path or query (tokens live there)
  std::mutex pump_mu;  // one round at a time per sink
  std::optional<Timestamp> paused_until;  // guarded by Impl::mu
};

}  // namespace

struct Dispatcher::Impl {
  AlertStore& store;
  Notifier& notifier;
  const Clock& clock;
  DispatcherOptions options;
  DispatcherHooks hooks;
  std::map<std::string, std::unique_ptr<SinkState>> sinks;

  std::mutex store_mu;  // serialises our AlertStore calls
  mutable std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::uint64_t wake_gen = 0;
  std::vector<std::thread> workers;

  std::mutex random_mu;
  std::mt19937_64 prng{std::random_device{}()};

  Impl(AlertStore& s, Notifier& n, const Clock& c, DispatcherOptions o, DispatcherHooks h)
      : store(s), notifier(n), clock(c), options(std::move(o)), hooks(std::move(h)) {}

  double random01() {
    if (options.random) return options.random();
    std::lock_guard lk(random_mu);
    return std::uniform_real_distribution<double>(0.0, 1.0)(prng);
  }

  bool is_stopping() const {
    std::lock_guard lk(mu);
    return stopping;
  }

  std::optional<Timestamp> pause_of(const SinkState& s, Timestamp now) const {
    std::lock_guard lk(mu);
    if (s.paused_until && *s.paused_until > now) return s.paused_until;
    return std::nullopt;
  }

  // When there is something to do for `s` next: its pause, else the store's next due time.
  std::optional<Timestamp> next_wakeup(SinkState& s) {
    const Timestamp now = clock.now();
    if (auto p = pause_of(s, now)) return p;
    std::lock_guard lk(store_mu);
    return store.next_due(s.config.name);
  }

  void attempt(SinkState& s, Notification n) {
    const Timestamp now = clock.now();
    ++n.attempts;
    DeliveryResult r;
    try {
      r = notifier.send(s.config, n, now);
    } catch (const std::exception& e) {  // Notifier promises not to throw; be safe anyway
      r = DeliveryResult{};
      r.error = std::string("notifier error: ") + e.what();
    }
    if (r.error.empty() && r.http_status != 0 && classify(r) != Outcome::delivered) {
      r.error = "HTTP " + std::to_string(r.http_status);
    }

    AttemptRecord rec{s.config.name, n.id, n.monitor, n.attempts, "", r.http_status, r.error, {}};
    switch (classify(r)) {
      case Outcome::delivered:
        n.state = DeliveryState::delivered;
        n.delivered_at = now;
        n.last_error.clear();
        rec.result = "delivered";
        break;
      case Outcome::failed:
        n.state = DeliveryState::failed;
        n.last_error = r.error;
        rec.result = "failed";
        break;
      case Outcome::retry: {
        n.last_error = r.error.empty() ? "no answer" : r.error;
        const Timestamp give_up_at = n.created_at + options.alerting.give_up_after;
        if (now >= give_up_at) {
          n.state = DeliveryState::dead;
          n.last_error += " (undelivered after " + format_duration(options.alerting.give_up_after) +
                          ": gave up)";
          rec.result = "dropped";
          break;
        }
        Duration delay = backoff(n.attempts, options.alerting, random01());
        if (r.retry_after && *r.retry_after > delay) delay = *r.retry_after;
        // One last attempt at the give-up time rather than none: a receiver that asked for a
        // long Retry-After still gets the notification if it is back by then.
        n.next_attempt_at = std::min(now + delay, give_up_at);
        rec.next_attempt_at = n.next_attempt_at;
        rec.result = "retried";
        if (receiver_wide(r)) {
          std::lock_guard lk(mu);
          if (!s.paused_until || *s.paused_until < n.next_attempt_at) {
            s.paused_until = n.next_attempt_at;
          }
        }
        break;
      }
    }
    rec.error = n.last_error;
    {
      std::lock_guard lk(store_mu);
      store.update_delivery(n);
    }
    if (hooks.count) hooks.count(s.config.name, rec.result);
    if (hooks.attempted) hooks.attempted(rec);
    log_attempt(s, rec);
  }

  void log_attempt(const SinkState& s, const AttemptRecord& rec) {
    const log::Level level = rec.result == "delivered" ? log::Level::info
                             : rec.result == "retried" ? log::Level::warn
                                                       : log::Level::error;
    const char* message = rec.result == "delivered" ? "notification delivered"
                          : rec.result == "retried" ? "notification delivery failed, will retry"
                          : rec.result == "failed"  ? "notification failed permanently"
                                                    : "notification dead-lettered";
    log::write(level, message,
               {{"sink", rec.sink},
                {"type", config::to_string(s.config.type)},
                {"host", s.host},
                {"notification", rec.notification_id},
                {"monitor", rec.monitor},
                {"attempt", rec.attempt},
                {"http_status", rec.http_status},
                {"error", rec.error},
                {"next_attempt_at",
                 rec.next_attempt_at ? format_rfc3339(*rec.next_attempt_at) : std::string()}});
  }

  // The attempts of one pump in flight, each on its own thread; guarded by `mu`.
  struct Flights {
    std::set<std::string> monitors;  // at most one attempt per monitor at a time
    std::size_t running = 0;         // attempts in flight
    std::uint64_t finished = 0;      // attempts that ended
    std::exception_ptr error;        // the first store failure of an attempt
  };

  // Attempts `n` on a thread of its own; when it ends, its monitor is free again. The future
  // only joins the thread: it never holds an exception.
  std::future<void> launch(SinkState& s, Flights& f, Notification n) {
    return std::async(std::launch::async, [this, &s, &f, n = std::move(n)]() mutable {
      const std::string monitor = n.monitor;
      std::exception_ptr error;
      try {
        attempt(s, std::move(n));
      } catch (...) {
        error = std::current_exception();
      }
      {
        std::lock_guard lk(mu);
        f.monitors.erase(monitor);
        --f.running;
        ++f.finished;
        if (error && !f.error) f.error = error;
      }
      cv.notify_all();
    });
  }

  std::size_t pump(SinkState& s) {
    std::lock_guard round(s.pump_mu);
    const std::size_t slots = std::max<std::size_t>(1, options.concurrency);
    std::size_t attempts = 0;
    std::exception_ptr error;
    Flights f;
    std::vector<std::future<void>> threads;  // after `f`: joined before it goes
    auto join_finished = [&] {
      std::erase_if(threads, [](std::future<void>& t) {
        return t.wait_for(Duration(0)) == std::future_status::ready;
      });
    };
    try {
      for (;;) {
        std::uint64_t seen_finished, seen_wake;
        std::size_t in_flight;
        {
          std::lock_guard lk(mu);
          seen_finished = f.finished;
          seen_wake = wake_gen;
          in_flight = f.running;
          error = f.error;
        }
        if (error) break;
        join_finished();
        const Timestamp now = clock.now();
        const bool hold = is_stopping() || pause_of(s, now).has_value();
        bool more = false;  // the store may hold more due work than it handed out
        std::size_t launched = 0;
        if (!hold && in_flight < slots) {
          // The monitors in flight before the store is read: what it says of them may be stale
          // (an attempt ending meanwhile), so they are left for the next round even when their
          // attempt has ended by now. Only this thread launches attempts: every other monitor's
          // notifications are as read.
          std::set<std::string> busy;
          {
            std::lock_guard lk(mu);
            busy = f.monitors;
          }
          // The heads of the monitors' queues; those in flight come back too, so ask for more.
          const std::size_t limit = options.batch + busy.size();
          std::vector<Notification> batch;
          {
            std::lock_guard lk(store_mu);
            batch = store.due(s.config.name, now, limit);
          }
          more = batch.size() >= limit;
          for (auto& n : batch) {
            if (in_flight >= slots) break;
            if (busy.count(n.monitor) > 0) continue;
            {
              std::lock_guard lk(mu);
              f.monitors.insert(n.monitor);
              ++f.running;
            }
            threads.push_back(launch(s, f, std::move(n)));
            ++in_flight;
            ++launched;
            ++attempts;
          }
        }
        if (in_flight == 0) break;  // nothing in flight, nothing due (or stopping, or paused)
        if (more && launched > 0 && in_flight < slots) continue;
        // Wait for an attempt to end (its monitor's next notification may be due), for new work
        // (wake), for stop(), or for work that became due meanwhile (the poll). Stopping or
        // paused, only the attempts in flight are waited for.
        std::unique_lock lk(mu);
        cv.wait_for(lk, options.in_flight_poll, [&] {
          return f.finished != seen_finished || (!hold && (wake_gen != seen_wake || stopping));
        });
      }
    } catch (...) {
      error = std::current_exception();
    }
    for (auto& t : threads) t.wait();
    {
      std::lock_guard lk(mu);
      if (!error) error = f.error;
    }
    if (error) std::rethrow_exception(error);
    if (hooks.queue_depth) {
      std::int64_t depth;
      {
        std::lock_guard lk(store_mu);
        depth = store.queue_depth(s.config.name);
      }
      hooks.queue_depth(s.config.name, depth);
    }
    return attempts;
  }

  // Waits (real time) for `d` at most, or until stop() / wake() after generation `seen`.
  void wait(Duration d, std::optional<std::uint64_t> seen) {
    std::unique_lock lk(mu);
    cv.wait_for(lk, std::max(d, Duration(0)),
                [&] { return stopping || (seen && wake_gen != *seen); });
  }

  void run_sink(SinkState& s) {
    bool store_ok = true;
    for (;;) {
      std::uint64_t seen;
      {
        std::lock_guard lk(mu);
        if (stopping) return;
        seen = wake_gen;
      }
      Duration d = options.idle_poll;
      try {
        pump(s);
        const auto next = next_wakeup(s);
        if (next) d = std::clamp(*next - clock.now(), Duration(0), options.idle_poll);
        if (!store_ok) log::info("alert store reachable again", {{"sink", s.config.name}});
        store_ok = true;
      } catch (const std::exception& e) {
        // Degraded mode: logged once when it starts, once when it ends.
        if (store_ok) {
          log::error("alert store failing; deliveries wait",
                     {{"sink", s.config.name}, {"error", e.what()}});
        }
        store_ok = false;
        d = options.store_retry;
      }
      // A floor keeps a store that reports work it then does not hand out from spinning us.
      wait(std::max(d, Duration(std::chrono::milliseconds(5))), seen);
    }
  }

  void drain_sink(SinkState& s, Timestamp deadline) {
    while (!is_stopping()) {
      std::size_t attempts;
      std::optional<Timestamp> next;
      try {
        attempts = pump(s);
        next = next_wakeup(s);
      } catch (const std::exception& e) {
        log::error("alert store failing; deliveries left queued",
                   {{"sink", s.config.name}, {"error", e.what()}});
        return;
      }
      const Timestamp now = clock.now();
      if (!next || *next >= deadline || now >= deadline) return;
      if (*next <= now && attempts == 0) return;  // due but not handed out: no progress possible
      wait(*next - now, std::nullopt);
    }
  }
};

Dispatcher::Dispatcher(AlertStore& store, Notifier& notifier, const Clock& clock,
                       std::vector<config::SinkConfig> sinks, DispatcherOptions options,
                       DispatcherHooks hooks)
    : impl_(std::make_unique<Impl>(store, notifier, clock, std::move(options), std::move(hooks))) {
  for (auto& c : sinks) {
    auto s = std::make_unique<SinkState>();
    const auto url = parse_url(c.url);
    s->host = url ? url->host : "<invalid URL>";
    s->config = std::move(c);
    const std::string name = s->config.name;
    impl_->sinks.emplace(name, std::move(s));
  }
}

Dispatcher::~Dispatcher() { stop(); }

void Dispatcher::start() {
  std::lock_guard lk(impl_->mu);
  if (!impl_->workers.empty() || impl_->stopping) return;
  for (auto& [name, s] : impl_->sinks) {
    SinkState* state = s.get();
    impl_->workers.emplace_back([this, state] { impl_->run_sink(*state); });
  }
}

void Dispatcher::stop() {
  {
    std::lock_guard lk(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  std::vector<std::thread> workers;
  {
    std::lock_guard lk(impl_->mu);
    workers.swap(impl_->workers);
  }
  for (auto& t : workers) t.join();
}

void Dispatcher::wake() {
  {
    std::lock_guard lk(impl_->mu);
    ++impl_->wake_gen;
  }
  impl_->cv.notify_all();
}

std::size_t Dispatcher::pump(const std::string& sink) {
  auto it = impl_->sinks.find(sink);
  if (it == impl_->sinks.end()) return 0;
  return impl_->pump(*it->second);
}

DrainResult Dispatcher::drain(Timestamp deadline) {
  std::vector<std::thread> threads;
  for (auto& [name, s] : impl_->sinks) {
    SinkState* state = s.get();
    threads.emplace_back([this, state, deadline] { impl_->drain_sink(*state, deadline); });
  }
  for (auto& t : threads) t.join();
  DrainResult r;
  try {
    std::lock_guard lk(impl_->store_mu);
    for (const auto& [name, s] : impl_->sinks) r.pending += impl_->store.queue_depth(name);
  } catch (const std::exception& e) {
    log::error("alert store failing; cannot count queued notifications", {{"error", e.what()}});
    r.pending = -1;
  }
  r.complete = r.pending == 0;
  return r;
}

std::optional<Timestamp> Dispatcher::paused_until(const std::string& sink) const {
  auto it = impl_->sinks.find(sink);
  if (it == impl_->sinks.end()) return std::nullopt;
  return impl_->pause_of(*it->second, impl_->clock.now());
}

}  // namespace driftd::alerts
