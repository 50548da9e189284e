#pragma once
// Delivery of queued notifications: at-least-once, one worker per sink with bounded concurrency
// (in order per monitor), exponential backoff with jitter, Retry-After, permanent failures and
// dead-lettering (docs/alerts.md, "Delivery").

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driftd/alerts/types.hpp"
#include "driftd/common/clock.hpp"
#include "driftd/config/config.hpp"

namespace driftd::alerts {

using namespace std::chrono_literals;

enum class Outcome { delivered, retry, failed };
// 2xx delivered; no answer, 408, 429 and 5xx retry; everything else (3xx, other 4xx, refusals)
// failed for good.
Outcome classify(const DeliveryResult& r);

// Delay before the attempt that follows `failures` (>= 1) failed attempts: base = initial_backoff
// × 2^(failures-1) capped at max_backoff, then "equal jitter": base/2 + u × base/2 with u in
// [0, 1). Half the base is kept so retries of a flaky receiver never come back-to-back; the
// random half spreads sinks that failed together.
Duration backoff(int failures, const config::AlertingOptions& options, double u);

// One delivery attempt, as logged (and handed to DispatcherHooks::attempted).
struct AttemptRecord {
  std::string sink;
  std::string notification_id;
  std::string monitor;
  int attempt = 0;          // 1 for the first attempt
  std::string_view result;  // "delivered" | "retried" | "failed" | "dropped" (dead-lettered)
  int http_status = 0;
  std::string error;                         // never holds a secret: see HttpNotifier
  std::optional<Timestamp> next_attempt_at;  // when retried
};

// Called from the sink threads, concurrently: must be thread-safe.
struct DispatcherHooks {
  // result: "delivered" | "retried" | "failed" | "dropped" (driftd_notifications_total).
  std::function<void(const std::string& sink, std::string_view result)> count;
  // Pending notifications of the sink after each round (driftd_notification_queue_depth).
  std::function<void(const std::string& sink, std::int64_t depth)> queue_depth;
  std::function<void(const AttemptRecord&)> attempted;
};

struct DispatcherOptions {
  config::AlertingOptions alerting;
  std::size_t batch = 32;  // notifications fetched per AlertStore::due call
  // A sink with nothing due looks at the store at least this often, so notifications queued by
  // another process (driftd run-once) or left by a previous run are found without a wake().
  Duration idle_poll = 30s;
  Duration store_retry = 5s;       // wait after the store failed
  std::function<double()> random;  // uniform in [0, 1) for the jitter; default: a seeded PRNG
  // Attempts of one sink in flight at once, each for a different monitor.
  std::size_t concurrency = 4;
  // While attempts are in flight, how often the outbox is looked at again for work that became
  // due meanwhile (an attempt ending, wake() and stop() act at once).
  Duration in_flight_poll = 1s;
};

struct DrainResult {
  bool complete = false;     // nothing left pending
  std::int64_t pending = 0;  // pending notifications of the sinks; -1 if the store failed
};

// Delivers what the engine queued. Each sink has its own worker thread, so a slow or dead
// receiver only delays its own notifications. Within a sink, up to `concurrency` attempts are in
// flight at once, oldest first, but never two of one monitor: a monitor's notifications to a
// sink go one at a time, in the order they were queued (AlertStore::due hands out only the
// oldest pending one of each monitor), so a receiver never sees a resolve before the fire it
// follows, while a slow or failing notification of one monitor does not hold the others.
// After a retryable failure that notification waits for its next attempt, and the later ones of
// its monitor with it; an answer that speaks for the whole receiver (429, 503, Retry-After)
// pauses the whole sink until then.
//
// Time comes from `clock`; waits are on a condition variable, so stop() and wake() act at once.
// Tests drive pump() with a fake clock; production calls start(). AlertStore calls are
// serialised by the dispatcher (one at a time), but run concurrently with the caller's own use;
// Notifier::send is called from several threads at once.
class Dispatcher {
 public:
  Dispatcher(AlertStore& store, Notifier& notifier, const Clock& clock,
             std::vector<config::SinkConfig> sinks, DispatcherOptions options = {},
             DispatcherHooks hooks = {});
  ~Dispatcher();  // stop()
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Starts one worker thread per sink. To apply a new sink list, stop and build a new one.
  void start();
  // Wakes every worker and joins them; an attempt in flight finishes first (at most the sink's
  // timeout). Idempotent.
  void stop();
  // New notifications were committed: workers look for due work now.
  void wake();

  // Makes every attempt of `sink` that is due, oldest first and up to `concurrency` at once,
  // until none is due and none is in flight, the sink is backing off, or stop() was called (the
  // attempts in flight finish first). Returns the number of attempts. Throws what the store
  // throws. Serialised per sink (safe to call while the workers run).
  std::size_t pump(const std::string& sink);

  // For `driftd run-once`: attempts what is due, waiting out backoffs, until nothing is pending
  // or clock.now() reaches `deadline`; one thread per sink. Use without start().
  DrainResult drain(Timestamp deadline);

  // When `sink` may be attempted again after a retryable failure; nullopt when not backing off.
  std::optional<Timestamp> paused_until(const std::string& sink) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace driftd::alerts
