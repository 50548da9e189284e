// The delivery policy, driven by a fake clock through pump(): retries, backoff, Retry-After,
// permanent failures, dead-lettering, ordering; then the threads (wake, stop, a hanging receiver
// beside a healthy one) and drain().

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "driftd/alerts/dispatcher.hpp"
#include "driftd/alerts/notifier.hpp"
#include "driftd/common/log.hpp"
#include "fakes/fake_clock.hpp"
#include "support.hpp"

using namespace driftd;
using namespace driftd::alerts;
using namespace driftd::alerts::test;
using driftd::testing::FakeClock;

namespace {

// Answers from a script; records every call.
class ScriptedNotifier final : public Notifier {
 public:
  using Script = std::function<DeliveryResult(const config::SinkConfig&, const Notification&)>;
  explicit ScriptedNotifier(Script s) : script_(std::move(s)) {}
  // The script runs outside the lock: attempts of one sink may be in flight together.
  DeliveryResult send(const config::SinkConfig& sink, const Notification& n,
                      Timestamp now) override {
    {
      std::lock_guard lk(mu_);
      calls_.push_back({sink.name, n.id, now});
    }
    return script_(sink, n);
  }
  struct Call {
    std::string sink;
    std::string id;
    Timestamp at;
  };
  std::vector<Call> calls() {
    std::lock_guard lk(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  Script script_;
  std::vector<Call> calls_;
};

DeliveryResult answer(int status, std::optional<Duration> retry_after = std::nullopt) {
  DeliveryResult r;
  r.http_status = status;
  r.retry_after = retry_after;
  return r;
}

DispatcherOptions options(Duration initial = 1s, Duration max = 5min, Duration give_up = 24h) {
  DispatcherOptions o;
  o.alerting.initial_backoff = initial;
  o.alerting.max_backoff = max;
  o.alerting.give_up_after = give_up;
  o.random = [] { return 0.5; };  // equal jitter with u = 0.5: 3/4 of the base
  return o;
}

struct Counts {
  std::mutex mu;
  std::map<std::string, int> by;  // "sink/result"
  std::map<std::string, std::int64_t> depth;
  std::vector<AttemptRecord> attempts;
  DispatcherHooks hooks() {
    DispatcherHooks h;
    h.count = [this](const std::string& sink, std::string_view result) {
      std::lock_guard lk(mu);
      ++by[sink + "/" + std::string(result)];
    };
    h.queue_depth = [this](const std::string& sink, std::int64_t d) {
      std::lock_guard lk(mu);
      depth[sink] = d;
    };
    h.attempted = [this](const AttemptRecord& r) {
      std::lock_guard lk(mu);
      attempts.push_back(r);
    };
    return h;
  }
  int of(const std::string& key) {
    std::lock_guard lk(mu);
    return by.count(key) ? by[key] : 0;
  }
};

// Log lines captured while a test runs.
struct LogCapture {
  static inline std::mutex mu;
  static inline std::vector<std::string> lines;
  LogCapture() {
    {
      std::lock_guard lk(mu);
      lines.clear();
    }
    // Not under `mu`: the log holds its own lock while calling the sink, which takes `mu`.
    driftd::log::set_sink(
        [](void*, std::string_view line) {
          std::lock_guard lk2(mu);
          lines.emplace_back(line);
        },
        nullptr);
  }
  ~LogCapture() { driftd::log::set_sink(nullptr, nullptr); }
  std::vector<std::string> get() {
    std::lock_guard lk(mu);
    return lines;
  }
  int count(std::string_view needle) {
    int n = 0;
    for (const auto& l : get()) n += l.find(needle) != std::string::npos;
    return n;
  }
};

template <typename Pred>
bool eventually(Pred p, std::chrono::milliseconds limit = 3000ms) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (p()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return p();
}

}  // namespace

TEST_CASE("classify: 2xx delivered; no answer, 408, 429, 5xx retried; the rest failed") {
  struct Case {
    int status;
    bool permanent;
    Outcome outcome;
  };
  auto c = GENERATE(values<Case>({
      {200, false, Outcome::delivered},
      {202, false, Outcome::delivered},
      {299, false, Outcome::delivered},
      {0, false, Outcome::retry},
      {408, false, Outcome::retry},
      {429, false, Outcome::retry},
      {500, false, Outcome::retry},
      {503, false, Outcome::retry},
      {599, false, Outcome::retry},
      {301, false, Outcome::failed},
      {307, false, Outcome::failed},
      {400, false, Outcome::failed},
      {401, false, Outcome::failed},
      {404, false, Outcome::failed},
      {410, false, Outcome::failed},
      {0, true, Outcome::failed},
      {100, false, Outcome::failed},
  }));
  DeliveryResult r = answer(c.status);
  r.permanent = c.permanent;
  CHECK(classify(r) == c.outcome);
}

TEST_CASE("backoff doubles from initial_backoff, caps at max_backoff, equal jitter") {
  config::AlertingOptions o;
  o.initial_backoff = 1s;
  o.max_backoff = 5min;
  CHECK(backoff(1, o, 0.0) == 500ms);
  CHECK(backoff(1, o, 0.5) == 750ms);
  CHECK(backoff(2, o, 0.0) == 1s);
  CHECK(backoff(3, o, 0.0) == 2s);
  CHECK(backoff(9, o, 0.0) == 128s);
  CHECK(backoff(10, o, 0.0) == 150s);  // 512s capped at 300s, halved
  CHECK(backoff(10, o, 0.999999) < 5min);
  CHECK(backoff(10, o, 0.999999) > 299s);
  CHECK(backoff(1000, o, 0.0) == 150s);  // no overflow
  CHECK(backoff(1, o, 7.0) == 1s);       // u clamped
}

TEST_CASE("503 for a while then 200: delivered once after recovery, the same id every time") {
  Receiver r;
  std::atomic<int> hits{0};
  r.respond([&](const httplib::Request&, httplib::Response& res) {
    if (++hits <= 3) {
      res.status = 503;
      res.set_content("maintenance", "text/plain");
    }
  });
  FakeClock clock(kT0);
  FakeAlertStore store;
  HttpNotifier notifier(local_receivers());
  Counts counts;
  Dispatcher d(store, notifier, clock, {sink("hook", config::SinkConfig::Type::webhook, r.url())},
               options(), counts.hooks());
  store.queue(notification("id-1", "hook", kT0));

  CHECK(d.pump("hook") == 1);
  auto n = store.get("id-1");
  CHECK(n.state == DeliveryState::pending);
  CHECK(n.attempts == 1);
  CHECK(n.last_error == "HTTP 503: maintenance");
  CHECK(n.next_attempt_at == kT0 + 750ms);
  CHECK(d.paused_until("hook") == kT0 + 750ms);
  CHECK(d.pump("hook") == 0);  // backing off
  clock.advance(749ms);
  CHECK(d.pump("hook") == 0);
  clock.advance(1ms);
  CHECK(d.pump("hook") == 1);
  CHECK(store.get("id-1").next_attempt_at == kT0 + 750ms + 1500ms);
  clock.set(kT0 + 2250ms);
  CHECK(d.pump("hook") == 1);
  CHECK(store.get("id-1").next_attempt_at == kT0 + 2250ms + 3s);
  clock.set(kT0 + 5250ms);
  CHECK(d.pump("hook") == 1);

  n = store.get("id-1");
  CHECK(n.state == DeliveryState::delivered);
  CHECK(n.attempts == 4);
  CHECK(n.delivered_at == kT0 + 5250ms);
  CHECK(n.last_error.empty());
  CHECK_FALSE(d.paused_until("hook"));
  const auto got = r.received();
  REQUIRE(got.size() == 4);
  for (const auto& g : got) CHECK(g.header("webhook-id") == "id-1");
  CHECK(got[0].body == got[3].body);
  CHECK(counts.of("hook/retried") == 3);
  CHECK(counts.of("hook/delivered") == 1);
  CHECK(counts.depth["hook"] == 0);

  clock.advance(1h);
  CHECK(d.pump("hook") == 0);
  CHECK(r.received().size() == 4);
}

TEST_CASE("400: failed for good, kept with its error, never retried") {
  FakeClock clock(kT0);
  FakeAlertStore store;
  ScriptedNotifier notifier([](auto&, auto&) {
    DeliveryResult r = answer(400);
    r.error = "HTTP 400: invalid payload";
    return r;
  });
  Counts counts;
  Dispatcher d(store, notifier, clock, {sink("hook")}, options(), counts.hooks());
  store.queue(notification("id-1", "hook", kT0));
  CHECK(d.pump("hook") == 1);
  const auto n = store.get("id-1");
  CHECK(n.state == DeliveryState::failed);
  CHECK(n.last_error == "HTTP 400: invalid payload");
  CHECK(n.attempts == 1);
  CHECK_FALSE(d.paused_until("hook"));  // one bad notification does not hold the others
  CHECK(counts.of("hook/failed") == 1);
  clock.advance(24h);
  CHECK(d.pump("hook") == 0);
  CHECK(notifier.calls().size() == 1);
}

TEST_CASE("a refusal (host not allowed, no routing key) fails without retry") {
  FakeClock clock(kT0);
  FakeAlertStore store;
  ScriptedNotifier notifier([](auto&, auto&) {
    DeliveryResult r;
    r.permanent = true;
    r.error = "sink hook: host x is not in alerting.allowed_hosts";
    return r;
  });
  Dispatcher d(store, notifier, clock, {sink("hook")}, options());
  store.queue(notification("id-1", "hook", kT0));
  d.pump("hook");
  CHECK(store.get("id-1").state == DeliveryState::failed);
  CHECK(store.get("id-1").last_error == "sink hook: host x is not in alerting.allowed_hosts");
}

TEST_CASE("429 with Retry-After: honoured when longer than the backoff") {
  FakeClock clock(kT0);
  FakeAlertStore store;
  std::optional<Duration> retry_after;
  ScriptedNotifier notifier([&](auto&, auto&) { return answer(429, retry_after); });
  Dispatcher d(store, notifier, clock, {sink("hook")}, options());
  store.queue(notification("id-1", "hook", kT0));

  SECTION("longer") {
    retry_after = 120s;
    d.pump("hook");
    CHECK(store.get("id-1").next_attempt_at == kT0 + 120s);
    clock.advance(119s);
    CHECK(d.pump("hook") == 0);
    clock.advance(1s);
    CHECK(d.pump("hook") == 1);
  }
  SECTION("shorter: the backoff wins") {
    retry_after = 0s;
    d.pump("hook");
    CHECK(store.get("id-1").next_attempt_at == kT0 + 750ms);
  }
  SECTION("absent") {
    d.pump("hook");
    CHECK(store.get("id-1").next_attempt_at == kT0 + 750ms);
  }
}

TEST_CASE("a notification undelivered after give_up_after is dead-lettered") {
  FakeClock clock(kT0);
  FakeAlertStore store;
  ScriptedNotifier notifier([](auto&, auto&) { return answer(0); });
  Counts counts;
  Dispatcher d(store, notifier, clock, {sink("hook")}, options(1s, 2min, 10min), counts.hooks());
  store.queue(notification("id-1", "hook", kT0));
  std::vector<Timestamp> attempts;
  for (int i = 0; i < 100 && store.get("id-1").state == DeliveryState::pending; ++i) {
    clock.set(store.get("id-1").next_attempt_at);
    attempts.push_back(clock.now());
    REQUIRE(d.pump("hook") == 1);
  }
  const auto n = store.get("id-1");
  CHECK(n.state == DeliveryState::dead);
  CHECK(n.last_error == "no answer (undelivered after 10m: gave up)");
  CHECK(attempts.front() == kT0);
  CHECK(attempts.back() == kT0 + 10min);  // one last attempt exactly at the give-up time
  for (std::size_t i = 1; i < attempts.size(); ++i) {
    CHECK(attempts[i] - attempts[i - 1] <= 2min);  // capped
    CHECK(attempts[i] > attempts[i - 1]);
  }
  CHECK(n.attempts == static_cast<int>(attempts.size()));
  CHECK(counts.of("hook/dropped") == 1);
  CHECK(counts.of("hook/retried") == n.attempts - 1);
}

TEST_CASE("a notification found after its give-up time gets one attempt before dying") {
  FakeClock clock(kT0 + 48h);  // driftd was down for two days
  FakeAlertStore store;
  int status = 200;
  ScriptedNotifier notifier([&](auto&, auto&) { return answer(status); });
  Dispatcher d(store, notifier, clock, {sink("hook")}, options());
  store.queue(notification("late", "hook", kT0));
  d.pump("hook");
  CHECK(store.get("late").state == DeliveryState::delivered);
  status = 503;
  store.queue(notification("late-503", "hook", kT0));
  d.pump("hook");
  CHECK(store.get("late-503").state == DeliveryState::dead);
  CHECK(store.get("late-503").attempts == 1);
}

TEST_CASE("after a failure the sink waits; the oldest notification goes first again") {
  FakeClock clock(kT0);
  FakeAlertStore store;
  bool down = true;
  ScriptedNotifier notifier([&](auto&, auto&) { return answer(down ? 503 : 200); });
  Dispatcher d(store, notifier, clock, {sink("hook")}, options());
  store.queue(notification("fire", "hook", kT0));
  clock.advance(100ms);
  store.queue(notification("resolve", "hook", kT0 + 100ms));
  CHECK(d.pump("hook") == 1);  // "fire" fails; "resolve" must not overtake it
  CHECK(store.get("resolve").attempts == 0);
  down = false;
  clock.set(store.get("fire").next_attempt_at);
  CHECK(d.pump("hook") == 2);
  const auto calls = notifier.calls();
  REQUIRE(calls.size() == 3);
  CHECK(calls[0].id == "fire");
  CHECK(calls[1].id == "fire");
  CHECK(calls[2].id == "resolve");
}

TEST_CASE("one sink's failures do not hold another sink") {
  FakeClock clock(kT0);
  FakeAlertStore store;
  ScriptedNotifier notifier(
      [](const config::SinkConfig& s, auto&) { return answer(s.name == "dead" ? 503 : 200); });
  Dispatcher d(store, notifier, clock, {sink("dead"), sink("alive")}, options());
  store.queue(notification("a", "dead", kT0));
  store.queue(notification("b", "alive", kT0));
  d.pump("dead");
  CHECK(d.paused_until("dead"));
  CHECK(d.pump("alive") == 1);
  CHECK(store.get("b").state == DeliveryState::delivered);
  CHECK_FALSE(d.paused_until("alive"));
  CHECK(d.pump("unknown-sink") == 0);
}

TEST_CASE("many due notifications are delivered in batches, oldest first") {
  FakeClock clock(kT0);
  FakeAlertStore store;
  ScriptedNotifier notifier([](auto&, auto&) { return answer(204); });
  auto o = options();
  o.batch = 3;
  Counts counts;
  Dispatcher d(store, notifier, clock, {sink("hook")}, o, counts.hooks());
  for (int i = 0; i < 10; ++i) store.queue(notification("n" + std::to_string(i), "hook", kT0));
  CHECK(d.pump("hook") == 10);
  const auto calls = notifier.calls();
  for (int i = 0; i < 10; ++i) CHECK(calls[i].id == "n" + std::to_string(i));
  CHECK(counts.depth["hook"] == 0);
}

TEST_CASE("a throwing notifier counts as a failed attempt, not a crash") {
  FakeClock clock(kT0);
  FakeAlertStore store;
  ScriptedNotifier notifier(
      [](auto&, auto&) -> DeliveryResult { throw std::runtime_error("boom"); });
  Dispatcher d(store, notifier, clock, {sink("hook")}, options());
  store.queue(notification("id", "hook", kT0));
  CHECK(d.pump("hook") == 1);
  CHECK(store.get("id").state == DeliveryState::pending);
  CHECK(store.get("id").last_error == "notifier error: boom");
}

TEST_CASE("attempts are reported to the hooks and logged without secrets") {
  LogCapture logs;
  FakeClock clock(kT0);
  FakeAlertStore store;
  int status = 503;
  ScriptedNotifier notifier([&](auto&, auto&) { return answer(status); });
  Counts counts;
  auto s = sink("chat", config::SinkConfig::Type::slack,
                "https://user:s3cr3t@hooks.slack.com/services/T0/B0/SECRETPATH?token=abc");
  Dispatcher d(store, notifier, clock, {s}, options(), counts.hooks());
  store.queue(notification("id-1", "chat", kT0, R"({"routing_key":"ROUTINGKEY"})"));
  d.pump("chat");
  status = 200;
  clock.advance(1s);
  d.pump("chat");

  REQUIRE(counts.attempts.size() == 2);
  CHECK(counts.attempts[0].sink == "chat");
  CHECK(counts.attempts[0].notification_id == "id-1");
  CHECK(counts.attempts[0].monitor == "fraud-v2");
  CHECK(counts.attempts[0].attempt == 1);
  CHECK(counts.attempts[0].result == "retried");
  CHECK(counts.attempts[0].http_status == 503);
  CHECK(counts.attempts[0].error == "HTTP 503");
  CHECK(counts.attempts[0].next_attempt_at == kT0 + 750ms);
  CHECK(counts.attempts[1].attempt == 2);
  CHECK(counts.attempts[1].result == "delivered");

  const auto lines = logs.get();
  REQUIRE(logs.count("notification delivery failed, will retry") == 1);
  REQUIRE(logs.count("notification delivered") == 1);
  for (const auto& l : lines) {
    CHECK(l.find("s3cr3t") == std::string::npos);
    CHECK(l.find("SECRETPATH") == std::string::npos);
    CHECK(l.find("token") == std::string::npos);
    CHECK(l.find("ROUTINGKEY") == std::string::npos);
  }
  bool named = false;
  for (const auto& l : lines) {
    named = named || (l.find("sink=chat") != std::string::npos &&
                      l.find("host=hooks.slack.com") != std::string::npos &&
                      l.find("notification=id-1") != std::string::npos &&
                      l.find("attempt=1") != std::string::npos &&
                      l.find("next_attempt_at=2026-11-27T12:00:00.75Z") != std::string::npos);
  }
  CHECK(named);
}

// ---- concurrency within a sink, order per monitor ----------------------------------------

namespace {

Notification of_monitor(std::string id, std::string monitor, Timestamp created) {
  Notification n = notification(std::move(id), "hook", created);
  n.monitor = std::move(monitor);
  return n;
}

// Holds the attempts of one monitor until released; answers the others at once.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  int held = 0;
  void wait() {
    std::unique_lock lk(mu);
    ++held;
    cv.notify_all();
    // Bounded, so that a broken dispatcher fails the test instead of hanging it.
    cv.wait_for(lk, 10s, [&] { return open; });
  }
  void release() {
    {
      std::lock_guard lk(mu);
      open = true;
    }
    cv.notify_all();
  }
  bool wait_held(int n) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, 5s, [&] { return held >= n; });
  }
};

}  // namespace

TEST_CASE("a slow notification of one monitor does not hold the other monitors' notifications") {
  FakeClock clock(kT0);
  FakeAlertStore store;
  Gate gate;
  ScriptedNotifier notifier([&](auto&, const Notification& n) {
    if (n.monitor == "slow") gate.wait();
    return answer(200);
  });
  Dispatcher d(store, notifier, clock, {sink("hook")}, options());
  // Queued in this order, all due.
  store.queue(of_monitor("slow-1", "slow", kT0 - 10ms));
  store.queue(of_monitor("slow-2", "slow", kT0 - 9ms));
  for (int i = 1; i <= 5; ++i) {
    store.queue(
        of_monitor("fast-" + std::to_string(i), "fast", kT0 - 9ms + std::chrono::milliseconds(i)));
  }
  std::size_t attempts = 0;
  std::thread pump([&] { attempts = d.pump("hook"); });
  REQUIRE(gate.wait_held(1));
  // While slow-1 is in flight, everything of the other monitor is delivered, in order.
  CHECK(store.wait_settled("fast-5", 5000ms));
  for (int i = 1; i <= 5; ++i) {
    CHECK(store.get("fast-" + std::to_string(i)).state == DeliveryState::delivered);
  }
  CHECK(store.get("slow-1").attempts == 0);  // still in flight
  CHECK(store.get("slow-2").attempts == 0);  // waits for the one before it
  gate.release();
  pump.join();
  CHECK(attempts == 7);
  CHECK(store.get("slow-1").state == DeliveryState::delivered);
  CHECK(store.get("slow-2").state == DeliveryState::delivered);
  std::vector<std::string> fast, slow;
  for (const auto& c : notifier.calls()) {
    (c.id.starts_with("fast") ? fast : slow).push_back(c.id);
  }
  CHECK(fast == std::vector<std::string>{"fast-1", "fast-2", "fast-3", "fast-4", "fast-5"});
  CHECK(slow == std::vector<std::string>{"slow-1", "slow-2"});
}

TEST_CASE("a failed notification holds only its monitor: its resolve waits, others go") {
  const int status = GENERATE(0, 500, 502, 504);  // no answer in time, or a failing request
  CAPTURE(status);
  FakeClock clock(kT0);
  FakeAlertStore store;
  std::atomic<bool> down{true};
  ScriptedNotifier notifier([&](auto&, const Notification& n) {
    return answer(n.id == "a-fire" && down ? status : 200);
  });
  Dispatcher d(store, notifier, clock, {sink("hook")}, options());
  store.queue(of_monitor("a-fire", "a", kT0 - 3ms));
  store.queue(of_monitor("a-resolve", "a", kT0 - 2ms));
  store.queue(of_monitor("b-fire", "b", kT0 - 1ms));
  CHECK(d.pump("hook") == 2);
  CHECK(store.get("a-fire").state == DeliveryState::pending);
  CHECK(store.get("a-fire").next_attempt_at == kT0 + 750ms);
  CHECK(store.get("a-resolve").attempts == 0);  // never before the fire it follows
  CHECK(store.get("b-fire").state == DeliveryState::delivered);
  CHECK_FALSE(d.paused_until("hook"));
  clock.advance(500ms);
  CHECK(d.pump("hook") == 0);  // a-fire is not due, and a-resolve waits for it
  down = false;
  clock.set(kT0 + 750ms);
  CHECK(d.pump("hook") == 2);
  const auto calls = notifier.calls();
  REQUIRE(calls.size() == 4);
  CHECK(calls[2].id == "a-fire");
  CHECK(calls[3].id == "a-resolve");
  CHECK(store.get("a-resolve").state == DeliveryState::delivered);
}

TEST_CASE("429 and 503 speak for the whole receiver: the whole sink waits") {
  const int status = GENERATE(429, 503);
  CAPTURE(status);
  FakeClock clock(kT0);
  FakeAlertStore store;
  ScriptedNotifier notifier([&](auto&, auto&) { return answer(status); });
  auto o = options();
  o.concurrency = 1;  // one attempt, then the pause: nothing else is tried
  Dispatcher d(store, notifier, clock, {sink("hook")}, o);
  store.queue(of_monitor("a", "a", kT0 - 2ms));
  store.queue(of_monitor("b", "b", kT0 - 1ms));
  CHECK(d.pump("hook") == 1);
  CHECK(d.paused_until("hook") == kT0 + 750ms);
  CHECK(store.get("b").attempts == 0);
  clock.advance(750ms);
  CHECK(d.pump("hook") >= 1);
}

TEST_CASE("at most `concurrency` attempts of a sink in flight, never two of one monitor") {
  FakeClock clock(kT0);
  FakeAlertStore store;
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0, most = 0;
  std::map<std::string, int> per_monitor;
  bool overlap_of_one_monitor = false;
  ScriptedNotifier notifier([&](auto&, const Notification& n) {
    std::unique_lock lk(mu);
    ++in_flight;
    most = std::max(most, in_flight);
    if (++per_monitor[n.monitor] > 1) overlap_of_one_monitor = true;
    cv.notify_all();
    // Each attempt waits until four are in flight together (bounded for a broken dispatcher):
    // sequential attempts would each wait the full bound and leave `most` at 1.
    cv.wait_for(lk, 2s, [&] { return most >= 4; });
    --per_monitor[n.monitor];
    --in_flight;
    return answer(200);
  });
  auto o = options();
  o.concurrency = 4;
  o.batch = 3;  // fewer than the slots: the dispatcher asks for more as monitors are in flight
  Dispatcher d(store, notifier, clock, {sink("hook")}, o);
  for (int m = 0; m < 12; ++m) {
    for (int k = 0; k < 2; ++k) {
      const std::string id = "m" + std::to_string(m) + "-" + std::to_string(k);
      store.queue(
          of_monitor(id, "m" + std::to_string(m), kT0 - 2ms + std::chrono::milliseconds(k)));
    }
  }
  CHECK(d.pump("hook") == 24);
  CHECK(most == 4);
  CHECK_FALSE(overlap_of_one_monitor);
  // Per monitor, the first notification before the second.
  std::map<std::string, std::vector<std::string>> order;
  for (const auto& c : notifier.calls()) order[c.id.substr(0, c.id.find('-'))].push_back(c.id);
  for (const auto& [m, ids] : order) {
    CAPTURE(m);
    CHECK(ids == std::vector<std::string>{m + "-0", m + "-1"});
  }
}

// ---- threads -----------------------------------------------------------------------------

TEST_CASE("a hanging receiver does not delay a healthy sink") {
  Receiver hanging;
  hanging.respond([&](const httplib::Request&, httplib::Response&) { hanging.hold(10s); });
  Receiver healthy;
  SystemClock clock;
  FakeAlertStore store;
  HttpNotifier notifier(local_receivers());
  auto slow = sink("slow", config::SinkConfig::Type::webhook, hanging.url());
  slow.timeout = 2s;
  auto fast = sink("fast", config::SinkConfig::Type::webhook, healthy.url());
  Dispatcher d(store, notifier, clock, {slow, fast}, options());
  const Timestamp now = clock.now();
  store.queue(notification("stuck", "slow", now));
  store.queue(notification("quick", "fast", now));
  const auto start = std::chrono::steady_clock::now();
  d.start();
  d.wake();
  REQUIRE(store.wait_settled("quick", 1500ms));
  CHECK(std::chrono::steady_clock::now() - start < 1500ms);
  CHECK(store.get("quick").state == DeliveryState::delivered);
  CHECK(store.get("stuck").state == DeliveryState::pending);
  CHECK(store.get("stuck").attempts == 0);  // still in flight
  CHECK(eventually([&] { return hanging.received().size() == 1; }));
  hanging.release();
  d.stop();
}

TEST_CASE("wake() makes idle workers deliver at once; stop() is prompt") {
  Receiver r;
  SystemClock clock;
  FakeAlertStore store;
  HttpNotifier notifier(local_receivers());
  auto o = options();
  o.idle_poll = 1h;
  Dispatcher d(store, notifier, clock, {sink("hook", config::SinkConfig::Type::webhook, r.url())},
               o);
  d.start();
  REQUIRE(eventually([&] { return store.due_calls() >= 1; }));  // the worker went idle
  store.queue(notification("id", "hook", clock.now()));
  d.wake();
  CHECK(store.wait_settled("id", 2000ms));
  CHECK(store.get("id").state == DeliveryState::delivered);
  const auto start = std::chrono::steady_clock::now();
  d.stop();
  CHECK(std::chrono::steady_clock::now() - start < 500ms);
  d.stop();  // idempotent
}

TEST_CASE("a failing store is logged once when it fails and once when it recovers") {
  LogCapture logs;
  FakeClock clock(kT0);
  FakeAlertStore store;
  ScriptedNotifier notifier([](auto&, auto&) { return answer(200); });
  auto o = options();
  o.store_retry = 1ms;
  store.set_failing(true);
  Dispatcher d(store, notifier, clock, {sink("hook")}, o);
  store.queue(notification("id", "hook", kT0));
  d.start();
  REQUIRE(eventually([&] { return store.due_calls() >= 5; }));
  CHECK(logs.count("alert store failing") == 1);
  store.set_failing(false);
  CHECK(store.wait_settled("id", 2000ms));
  d.stop();
  CHECK(logs.count("alert store failing") == 1);
  CHECK(logs.count("alert store reachable again") == 1);
}

TEST_CASE("drain: delivers everything due across sinks") {
  Receiver a;
  Receiver b;
  FakeClock clock(kT0);
  FakeAlertStore store;
  HttpNotifier notifier(local_receivers());
  Dispatcher d(store, notifier, clock,
               {sink("a", config::SinkConfig::Type::webhook, a.url()),
                sink("b", config::SinkConfig::Type::slack, b.url())},
               options());
  store.queue(notification("1", "a", kT0));
  store.queue(notification("2", "b", kT0));
  store.queue(notification("3", "a", kT0));
  const auto r = d.drain(kT0 + 10s);
  CHECK(r.complete);
  CHECK(r.pending == 0);
  CHECK(a.received().size() == 2);
  CHECK(b.received().size() == 1);
}

TEST_CASE("drain: stops at the deadline and leaves the rest queued") {
  FakeClock clock(kT0);
  FakeAlertStore store;
  ScriptedNotifier notifier([](auto&, auto&) { return answer(503); });
  Dispatcher d(store, notifier, clock, {sink("hook")}, options());
  store.queue(notification("id", "hook", kT0));
  const auto r = d.drain(kT0 + 500ms);  // the retry would be at +750ms
  CHECK_FALSE(r.complete);
  CHECK(r.pending == 1);
  CHECK(notifier.calls().size() == 1);
  CHECK(store.get("id").state == DeliveryState::pending);
}

TEST_CASE("drain: waits out a short backoff before the deadline") {
  SystemClock clock;
  FakeAlertStore store;
  std::atomic<int> calls{0};
  ScriptedNotifier notifier([&](auto&, auto&) { return answer(++calls == 1 ? 503 : 200); });
  Dispatcher d(store, notifier, clock, {sink("hook")}, options(10ms, 10ms));
  store.queue(notification("id", "hook", clock.now()));
  const auto r = d.drain(clock.now() + 5s);
  CHECK(r.complete);
  CHECK(store.get("id").state == DeliveryState::delivered);
  CHECK(store.get("id").attempts == 2);
}

TEST_CASE("drain: a permanent failure counts as done") {
  FakeClock clock(kT0);
  FakeAlertStore store;
  ScriptedNotifier notifier([](auto&, auto&) { return answer(404); });
  Dispatcher d(store, notifier, clock, {sink("hook")}, options());
  store.queue(notification("id", "hook", kT0));
  const auto r = d.drain(kT0 + 10s);
  CHECK(r.complete);
  CHECK(store.get("id").state == DeliveryState::failed);
}
