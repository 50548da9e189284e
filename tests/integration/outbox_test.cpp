// The notification outbox in PostgreSQL with the dispatcher and real receivers: a monitor's
// notifications are handed out one at a time, in order; a slow receiver for one monitor does not
// hold the other monitors' notifications of the same sink.

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "driftd/alerts/dispatcher.hpp"
#include "driftd/alerts/notifier.hpp"
#include "driftd/common/clock.hpp"
#include "driftd/common/time.hpp"
#include "driftd/storage/pg_alert_store.hpp"
#include "scripted_receiver.hpp"
#include "support.hpp"

using namespace driftd;
using namespace std::chrono_literals;
using driftd::testing::ScriptedReceiver;

namespace {

struct Outbox {
  std::string schema = testing::unique_name("outbox");
  storage::StateOptions options;
  Outbox() {
    options.url = testing::database_url();
    options.schema = schema;
    storage::migrate(options);
  }
  ~Outbox() {
    testing::Sql sql;
    sql.exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }
};

alerts::Notification notification(std::string id, std::string monitor, Timestamp created) {
  alerts::Notification n;
  n.id = std::move(id);
  n.sink = "hook";
  n.monitor = std::move(monitor);
  n.status = "firing";
  n.body = R"({"id":")" + n.id + R"(","monitor":")" + n.monitor + R"("})";
  n.created_at = created;
  n.next_attempt_at = created;
  return n;
}

std::vector<std::string> ids(const std::vector<alerts::Notification>& ns) {
  std::vector<std::string> out;
  for (const auto& n : ns) out.push_back(n.id);
  return out;
}

}  // namespace

TEST_CASE("the outbox hands out the oldest pending notification of each monitor", "[outbox]") {
  Outbox o;
  storage::PgAlertStore store(o.options);
  const Timestamp t0 = *parse_rfc3339("2026-11-27T12:00:00Z");
  std::vector<alerts::Alert> none;
  store.commit(none, {notification("a1", "a", t0), notification("b1", "b", t0 + 1s),
                      notification("a2", "a", t0 + 2s), notification("c1", "c", t0 + 3s)});
  CHECK(ids(store.due("hook", t0 + 1h, 10)) == std::vector<std::string>{"a1", "b1", "c1"});
  CHECK(ids(store.due("hook", t0 + 1h, 2)) == std::vector<std::string>{"a1", "b1"});
  CHECK(store.due("other", t0 + 1h, 10).empty());
  CHECK(store.next_due("hook") == t0);

  // a1 fails and backs off: a2 is not handed out before it, whatever its own time.
  auto a1 = store.due("hook", t0, 1).front();
  a1.attempts = 1;
  a1.next_attempt_at = t0 + 10min;
  store.update_delivery(a1);
  CHECK(ids(store.due("hook", t0 + 1h, 10)) == std::vector<std::string>{"a1", "b1", "c1"});
  CHECK(ids(store.due("hook", t0 + 5min, 10)) == std::vector<std::string>{"b1", "c1"});
  a1.state = alerts::DeliveryState::delivered;
  store.update_delivery(a1);
  CHECK(ids(store.due("hook", t0 + 5min, 10)) == std::vector<std::string>{"b1", "a2", "c1"});
  CHECK(store.next_due("hook") == t0 + 1s);
  CHECK(store.queue_depth("hook") == 3);
}

TEST_CASE("a receiver slow for one monitor does not hold the sink's other notifications",
          "[outbox]") {
  // Answers 200 long after the sink's timeout for monitor "slow" (each attempt times out and is
  // retried), at once for the others.
  ScriptedReceiver receiver([](int, const std::string& request) {
    return request.find(R"("monitor":"slow")") != std::string::npos
               ? ScriptedReceiver::Reply::after(5000ms)
               : ScriptedReceiver::Reply::ok();
  });
  Outbox o;
  storage::PgAlertStore store(o.options);
  SystemClock clock;
  const Timestamp t0 = clock.now() - 1min;
  std::vector<alerts::Alert> none;
  // The slow monitor's notification is the oldest: one attempt at a time would start with it.
  std::vector<alerts::Notification> queued = {notification("slow-1", "slow", t0)};
  for (int i = 1; i <= 3; ++i) {
    queued.push_back(
        notification("fast-" + std::to_string(i), "fast", t0 + std::chrono::seconds(i)));
    queued.push_back(
        notification("other-" + std::to_string(i), "other", t0 + std::chrono::seconds(i)));
  }
  store.commit(none, queued);

  alerts::NotifierOptions n;
  n.allowed_hosts = {"127.0.0.1"};
  alerts::HttpNotifier notifier(n);
  config::SinkConfig sink;
  sink.name = "hook";
  sink.type = config::SinkConfig::Type::webhook;
  sink.url = receiver.url();
  sink.timeout = 2s;
  // A retry waits longer than an attempt lasts (2.5 to 5 s after its start, against the 2 s
  // timeout): one attempt at a time, the sink would stand still until slow-1's next attempt.
  alerts::DispatcherOptions options;
  options.alerting.initial_backoff = 5s;
  options.alerting.max_backoff = 5s;
  alerts::Dispatcher d(store, notifier, clock, {sink}, options);
  d.start();
  d.wake();
  REQUIRE(receiver.wait_delivered(6, 30));
  REQUIRE(receiver.wait_received(8, 30));  // slow-1's second attempt
  d.stop();

  const auto got = receiver.received();
  std::vector<std::chrono::steady_clock::time_point> slow, fast;
  std::vector<std::string> order;
  for (const auto& r : got) {
    if (r.webhook_id == "slow-1") {
      slow.push_back(r.at);
    } else {
      fast.push_back(r.at);
      order.push_back(r.webhook_id);
    }
  }
  REQUIRE(slow.size() >= 2);
  REQUIRE(fast.size() == 6);
  // Everything else arrived while slow-1's first attempt was still waiting for its answer.
  for (const auto& at : fast) CHECK(at < slow[1]);
  // Each monitor's notifications in the order they were queued.
  std::vector<std::string> fast_order, other_order;
  for (const auto& id : order) (id.starts_with("fast") ? fast_order : other_order).push_back(id);
  CHECK(fast_order == std::vector<std::string>{"fast-1", "fast-2", "fast-3"});
  CHECK(other_order == std::vector<std::string>{"other-1", "other-2", "other-3"});
  CHECK(store.queue_depth("hook") == 1);  // slow-1 is still pending, nothing else
}
