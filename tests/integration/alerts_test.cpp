// Alerts end to end with real processes: the outbox in PostgreSQL, a real HTTP receiver, driftd
// killed with SIGKILL while a receiver is down, run-once delivery, silences through the API.

#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "driftd/common/time.hpp"
#include "support.hpp"

using namespace driftd;
using json = nlohmann::json;
using driftd::testing::DaemonProcess;
using driftd::testing::TestSchema;

namespace {

// A webhook receiver on 127.0.0.1 that records what arrives and answers `status`.
class Receiver {
 public:
  explicit Receiver(int port = 0) {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      ids_.push_back(req.get_header_value("webhook-id"));
      bodies_.push_back(req.body);
      res.status = status_;
      res.set_content("{}", "application/json");
    });
    port_ = port == 0 ? server_.bind_to_any_port("127.0.0.1") : (server_.bind_to_port("127.0.0.1", port) ? port : -1);
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  void set_status(int s) {
    std::lock_guard lock(mutex_);
    status_ = s;
  }
  std::vector<std::string> ids() {
    std::lock_guard lock(mutex_);
    return ids_;
  }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  bool wait_for(std::size_t n, double seconds) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      if (ids().size() >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  int status_ = 200;
  std::vector<std::string> ids_;
  std::vector<std::string> bodies_;
};

int free_port() {
  httplib::Server s;
  int p = s.bind_to_any_port("127.0.0.1");
  return p;  // closed when s goes away
}

void load_drifted(TestSchema& s) {
  s.sql().exec("CREATE TABLE " + s.table("p") + " (ts timestamptz, x float8)");
  s.sql().exec("INSERT INTO " + s.table("p") +
               " SELECT now() - interval '7 days' - i * interval '1 s', (i % 100)::float8 FROM generate_series(1, 600) i");
  s.sql().exec("INSERT INTO " + s.table("p") +
               " SELECT now() - i * interval '1 s', (i % 100)::float8 + 80 FROM generate_series(1, 600) i");
}

std::string config(TestSchema& s, const std::string& state, int receiver_port, const std::string& schedule = "1s") {
  return "[server]\nlisten = \"127.0.0.1:0\"\n\n[database]\nurl = \"" + testing::database_url() +
         "\"\nstate_schema = \"" + state +
         "\"\n\n[alerting]\ninitial_backoff = \"200ms\"\nmax_backoff = \"1s\"\n"
         "allowed_hosts = [\"127.0.0.1\"]\n\n"
         "[[sinks]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"http://127.0.0.1:" +
         std::to_string(receiver_port) +
         "/hook\"\ntimeout = \"2s\"\n\n[[monitors]]\nname = \"m\"\ntable = \"" + s.table("p") +
         "\"\ntimestamp_column = \"ts\"\nschedule = \"" + schedule +
         "\"\nwindow = \"1h\"\nreference = { offset = \"7d\" }\n"
         "  [[monitors.features]]\n  name = \"x\"\n  column = \"x\"\n  kind = \"numerical\"\n";
}

}  // namespace

TEST_CASE("a notification queued while the receiver is down survives SIGKILL and arrives once", "[alerts]") {
  TestSchema s("alerts");
  load_drifted(s);
  std::string state = s.name() + "_state";
  int port = free_port();  // nothing listens here yet
  std::string path = testing::write_temp_file("driftd.toml", config(s, state, port));
  std::string queued_id;
  {
    DaemonProcess d({"--config", path});
    REQUIRE(d.wait_for_log("notification queued monitor=m sink=hook status=firing"));
    REQUIRE(d.wait_for_log("will retry", 20));
    d.signal(SIGKILL);
    d.wait_exit(10);
    queued_id = s.sql().scalar("SELECT id FROM " + state + ".notifications WHERE state = 'pending'");
    CHECK(s.sql().scalar("SELECT attempts > 0 FROM " + state + ".notifications WHERE id = '" + queued_id + "'") == "t");
  }
  Receiver receiver(port);
  DaemonProcess again({"--config", path});
  REQUIRE(receiver.wait_for(1, 30));
  // a few more evaluations: the alert keeps firing, nothing is sent twice
  REQUIRE(again.wait_for_log("evaluation finished monitor=m", 10));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  auto ids = receiver.ids();
  REQUIRE(ids.size() == 1);
  CHECK(ids[0] == queued_id);
  auto body = json::parse(receiver.bodies()[0]);
  CHECK(body["id"] == queued_id);
  CHECK(body["status"] == "firing");
  CHECK(body["monitor"] == "m");
  CHECK(body["alerts"][0]["feature"] == "x");
  CHECK(body["alerts"][0]["statistic"] == "psi");
  CHECK(body["links"]["drift"].get<std::string>().find("/api/v1/monitors/m/drift") != std::string::npos);
  CHECK(s.sql().scalar("SELECT state FROM " + state + ".notifications WHERE id = '" + queued_id + "'") == "delivered");
  // the alerts API shows it firing
  auto alerts = json::parse(testing::http_get(again.port(), "/api/v1/alerts").second);
  bool firing = false;
  for (const auto& a : alerts["alerts"])
    if (a["feature"] == "x" && a["statistic"] == "psi" && a["state"] == "firing") firing = true;
  CHECK(firing);
  auto metrics = testing::http_get(again.port(), "/metrics").second;
  CHECK(metrics.find("driftd_notifications_total{result=\"delivered\",sink=\"hook\"} 1") != std::string::npos);
  CHECK(metrics.find("driftd_alerts_firing{monitor=\"m\"} 1") != std::string::npos);
  again.signal(SIGTERM);
  CHECK(again.wait_exit(30) == 0);
  s.sql().exec("DROP SCHEMA " + state + " CASCADE");
}

TEST_CASE("a receiver answering 503 then 200 gets the same delivery id once", "[alerts]") {
  TestSchema s("alerts");
  load_drifted(s);
  std::string state = s.name() + "_state";
  Receiver receiver;
  receiver.set_status(503);
  std::string path = testing::write_temp_file("driftd.toml", config(s, state, receiver.port()));
  DaemonProcess d({"--config", path});
  REQUIRE(receiver.wait_for(3, 30));  // three refused attempts
  receiver.set_status(200);
  REQUIRE(d.wait_for_log("notification delivered", 30));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto ids = receiver.ids();
  REQUIRE(ids.size() >= 4);
  for (const auto& id : ids) CHECK(id == ids.front());
  CHECK(s.sql().scalar("SELECT count(*) FROM " + state + ".notifications") == "1");
  CHECK(s.sql().scalar("SELECT state FROM " + state + ".notifications") == "delivered");
  d.signal(SIGTERM);
  CHECK(d.wait_exit(30) == 0);
  s.sql().exec("DROP SCHEMA " + state + " CASCADE");
}

TEST_CASE("run-once delivers what it queued; a second run-once sends nothing new", "[alerts]") {
  TestSchema s("alerts");
  load_drifted(s);
  std::string state = s.name() + "_state";
  Receiver receiver;
  std::string path = testing::write_temp_file("driftd.toml", config(s, state, receiver.port(), "1h"));
  auto r = testing::run_driftd({"run-once", "--config", path, "--deliver-timeout", "10s"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  REQUIRE(receiver.ids().size() == 1);
  auto r2 = testing::run_driftd({"run-once", "--config", path});
  CHECK(r2.exit_code == 0);
  CHECK(receiver.ids().size() == 1);  // still firing: no new notification before repeat_interval
  s.sql().exec("DROP SCHEMA " + state + " CASCADE");
}

TEST_CASE("silences through the API: alerts change state but notify nothing", "[alerts]") {
  TestSchema s("alerts");
  load_drifted(s);
  std::string state = s.name() + "_state";
  Receiver receiver;
  // Evaluations only on demand (a daily schedule, aligned far away), so the test decides when.
  std::string path = testing::write_temp_file("driftd.toml", config(s, state, receiver.port(), "1d"));
  DaemonProcess d({"--config", path});
  REQUIRE(d.wait_for_log("driftd started"));
  int port = d.port();
  d.wait_for_log("evaluation finished monitor=m", 10);
  std::string ends = format_rfc3339(std::chrono::time_point_cast<Duration>(
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + std::chrono::hours(1)));
  auto [code, body] = testing::http_post(port, "/api/v1/silences",
                                         R"({"monitor":"m","statistic":"psi","ends_at":")" + ends +
                                             R"(","comment":"known incident"})");
  // the first evaluation may have notified already; what matters is what happens after
  REQUIRE(code == 201);
  std::string id = json::parse(body)["id"];
  CHECK(testing::http_post(port, "/api/v1/silences", R"({"monitor":"nope","ends_at":")" + ends +
                                                         R"(","comment":"x"})").first == 404);
  CHECK(testing::http_post(port, "/api/v1/silences", R"({"monitor":"m"})").first == 400);
  auto listed = json::parse(testing::http_get(port, "/api/v1/silences").second);
  REQUIRE(listed["silences"].size() == 1);
  CHECK(listed["silences"][0]["id"] == id);
  // resolve then fire again under the silence: no notification
  std::size_t before = receiver.ids().size();
  s.sql().exec("UPDATE " + s.table("p") + " SET x = x - 80 WHERE ts > now() - interval '1 hour'");
  CHECK(testing::http_post(port, "/api/v1/monitors/m/run").first == 200);
  s.sql().exec("UPDATE " + s.table("p") + " SET x = x + 80 WHERE ts > now() - interval '1 hour'");
  CHECK(testing::http_post(port, "/api/v1/monitors/m/run").first == 200);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  std::size_t after = receiver.ids().size();
  // only a resolve of what was notified before the silence may have gone out
  CHECK(after - before <= 1);
  httplib::Client c("127.0.0.1", port);
  CHECK(c.Delete(("/api/v1/silences/" + id).c_str())->status == 204);
  CHECK(c.Delete("/api/v1/silences/does-not-exist")->status == 404);
  d.signal(SIGTERM);
  CHECK(d.wait_exit(30) == 0);
  s.sql().exec("DROP SCHEMA " + state + " CASCADE");
}
