// Security with real processes: the minimal GRANTs of docs/operations.md are enough and allow no
// write; no secret reaches any output of a run where everything fails; slow clients are cut off
// at a total deadline without blocking others (100 of them while probes are answered within
// 100 ms), connections over the per-client cap are refused; loopback and cloud-metadata sinks are
// refused by default.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "faults_support.hpp"
#include "scripted_receiver.hpp"
#include "support.hpp"

using namespace driftd;
using namespace std::chrono_literals;
using driftd::testing::DaemonProcess;
using driftd::testing::ScriptedReceiver;
using driftd::testing::TestSchema;
using json = nlohmann::json;
namespace ft = driftd::testing::faults;

namespace {

std::string random_hex(std::size_t n) {
  static std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += kHex[rng() % 16];
  return s;
}

// A role created for one test and dropped, with what it owns and its grants, at the end.
struct TestRole {
  std::string name = testing::unique_name("ro");
  TestRole() { testing::Sql().exec("CREATE ROLE " + name + " LOGIN"); }
  ~TestRole() {
    testing::Sql sql;
    sql.ok("DROP OWNED BY " + name + " CASCADE");
    sql.ok("DROP ROLE " + name);
  }
  std::string url() const {
    std::string u = testing::database_url();  // postgresql://driftd@host:port/db
    return "postgresql://" + name + u.substr(u.find('@'));
  }
};

int connect_api(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

// A connection to the API on 127.0.0.1 from another loopback address (all of 127.0.0.0/8 is
// loopback on Linux): distinct client addresses for the per-client cap. -1 if it failed.
int connect_api_from(int port, const std::string& from) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, from.c_str(), &local.sin_addr);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One request on a fresh connection, as a prober (kubelet) sends it; the whole answer, "" if
// none came within 2 s.
std::string probe_once(int port, const std::string& path) {
  const int fd = connect_api_from(port, "127.0.0.1");
  if (fd < 0) return "";
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::string answer;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
      static_cast<ssize_t>(request.size())) {
    const auto until = std::chrono::steady_clock::now() + 2s;
    char buf[8192];
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      answer.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return answer;
}

}  // namespace

TEST_CASE("a read-only role with the documented GRANTs runs check and run-once, and writes nothing",
          "[security]") {
  TestSchema s("sec");
  ft::load_drifted(s);
  TestRole role;
  const std::string state = s.name() + "_state";
  // docs/operations.md, "Database access": exactly these statements.
  testing::Sql admin;
  admin.exec("GRANT USAGE ON SCHEMA " + s.name() + " TO " + role.name);
  admin.exec("GRANT SELECT ON " + s.table("p") + " TO " + role.name);
  admin.exec("CREATE SCHEMA " + state + " AUTHORIZATION " + role.name);
  ft::ConfigOptions o;
  o.state_schema = state;
  o.table = s.table("p");
  o.schedule = "1h";
  const std::string path = testing::write_temp_file("driftd.toml", ft::config(o));
  const std::vector<std::string> env = {"DRIFTD_DATABASE_URL=" + role.url()};

  auto check = testing::run_driftd({"check", "--config", path}, env);
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  auto once = testing::run_driftd({"run-once", "--config", path}, env);
  INFO(once.out << once.err);
  REQUIRE(once.exit_code == 0);
  CHECK(json::parse(once.out)["status"] == "drift");
  CHECK(admin.scalar("SELECT count(*) FROM " + state + ".evaluations") == "1");
  CHECK(admin.scalar("SELECT schema_owner FROM information_schema.schemata WHERE schema_name = '" +
                     state + "'") == role.name);

  // The same role cannot change the data it reads.
  testing::Sql as_role(role.url());
  for (const std::string& write :
       {"INSERT INTO " + s.table("p") + " VALUES (now(), 1)",
        "UPDATE " + s.table("p") + " SET x = 0", "DELETE FROM " + s.table("p"),
        "TRUNCATE " + s.table("p"), "ALTER TABLE " + s.table("p") + " ADD COLUMN y int",
        "DROP TABLE " + s.table("p"), "CREATE TABLE " + s.table("q") + " (a int)",
        std::string("CREATE TABLE public.driftd_probe (a int)")}) {
    CAPTURE(write);
    std::string error;
    CHECK_FALSE(as_role.ok(write, &error));
    CHECK((error.find("permission denied") != std::string::npos ||
           error.find("must be owner") != std::string::npos));
  }
  CHECK(admin.scalar("SELECT count(*) FROM " + s.table("p")) == "1200");

  // Without SELECT, check names the column and the grant instead of passing.
  admin.exec("REVOKE SELECT ON " + s.table("p") + " FROM " + role.name);
  check = testing::run_driftd({"check", "--config", path}, env);
  CHECK(check.exit_code == 1);
  CHECK(check.out.find("no SELECT privilege on column \"x\" of table \"" + s.table("p") + "\"") !=
        std::string::npos);
}

TEST_CASE("the alternative GRANT: CREATE on the database lets driftd make its own schema",
          "[security]") {
  TestSchema s("sec");
  ft::load_drifted(s);
  TestRole role;
  const std::string state = s.name() + "_state";
  testing::Sql admin;
  const std::string db = admin.scalar("SELECT current_database()");
  admin.exec("GRANT USAGE ON SCHEMA " + s.name() + " TO " + role.name);
  admin.exec("GRANT SELECT ON " + s.table("p") + " TO " + role.name);
  admin.exec("GRANT CREATE ON DATABASE " + db + " TO " + role.name);
  ft::ConfigOptions o;
  o.state_schema = state;
  o.table = s.table("p");
  o.schedule = "1h";
  const std::string path = testing::write_temp_file("driftd.toml", ft::config(o));
  auto once =
      testing::run_driftd({"run-once", "--config", path}, {"DRIFTD_DATABASE_URL=" + role.url()});
  INFO(once.err);
  CHECK(once.exit_code == 0);
  CHECK(admin.scalar("SELECT schema_owner FROM information_schema.schemata WHERE schema_name = '" +
                     state + "'") == role.name);
  admin.exec("DROP SCHEMA " + state + " CASCADE");
  admin.exec("REVOKE CREATE ON DATABASE " + db + " FROM " + role.name);
}

TEST_CASE("no secret appears in any output of a run where everything fails", "[security]") {
  TestSchema s("sec");
  ft::load_drifted(s);
  TestRole role;
  const std::string state = s.name() + "_state";
  const std::string db_password = "dbpw-" + random_hex(20);
  const std::string signing_secret = "whsig-" + random_hex(20);
  const std::string routing_key = "pdkey-" + random_hex(20);
  const std::string api_token = "apitok-" + random_hex(20);
  const std::string slack_token = "slacktok" + random_hex(20);
  const std::string am_password = "ampw-" + random_hex(20);
  const std::vector<std::string> secrets = {db_password, signing_secret, routing_key,
                                            api_token,   slack_token,    am_password};
  testing::Sql admin;
  admin.exec("ALTER ROLE " + role.name + " PASSWORD '" + db_password +
             "'");  // trust: accepted, unchecked
  admin.exec("GRANT USAGE ON SCHEMA " + s.name() + " TO " + role.name);
  admin.exec("GRANT SELECT ON " + s.table("p") + " TO " + role.name);
  admin.exec("CREATE SCHEMA " + state + " AUTHORIZATION " + role.name);
  std::string url = role.url();
  url.insert(url.find('@'), ":" + db_password);
  const int port = ft::database_port();
  const std::string wrong_port_url = ft::url_with_port(url, port == 1 ? 2 : 1);

  // Every receiver fails with 500 and echoes the whole request it got.
  ScriptedReceiver echo([](int, const std::string& request) {
    auto r = ScriptedReceiver::Reply::with_status(500);
    r.body = request;
    return r;
  });
  const std::string base = "http://127.0.0.1:" + std::to_string(echo.port());
  ft::ConfigOptions o;
  o.state_schema = state;
  o.table = s.table("p");
  o.server = "api_token_env = \"SEC_API_TOKEN\"\n";
  o.sinks =
      ft::sink_toml("hook", base + "/hook", "1s", "webhook", "secret_env = \"SEC_SIGNING\"\n") +
      ft::sink_toml("chat", base + "/services/T0001/B0001/" + slack_token, "1s", "slack") +
      ft::sink_toml("pager", base + "/v2/enqueue", "1s", "pagerduty",
                    "secret_env = \"SEC_PD_KEY\"\n") +
      ft::sink_toml("am",
                    "http://driftd:" + am_password + "@127.0.0.1:" + std::to_string(echo.port()),
                    "1s", "alertmanager");
  const std::string path = testing::write_temp_file("driftd.toml", ft::config(o));
  const std::vector<std::string> env_base = {
      "SEC_SIGNING=" + signing_secret, "SEC_PD_KEY=" + routing_key, "SEC_API_TOKEN=" + api_token};
  auto with_db = [&](const std::string& u) {
    auto e = env_base;
    e.push_back("DRIFTD_DATABASE_URL=" + u);
    return e;
  };

  std::string seen;  // everything any part of driftd said
  auto keep = [&](const std::string& what, const std::string& text) {
    seen += "\n--- " + what + "\n" + text;
  };
  auto api = [&](int p, const std::string& method, const std::string& target,
                 const std::string& body = "", const std::string& token = "") {
    httplib::Client c("127.0.0.1", p);
    c.set_read_timeout(30);
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    httplib::Result r = method == "GET"    ? c.Get(target.c_str(), h)
                        : method == "POST" ? c.Post(target.c_str(), h, body, "application/json")
                                           : c.Delete(target.c_str(), h);
    REQUIRE(r);
    std::string all = std::to_string(r->status) + "\n";
    for (const auto& [k, v] : r->headers) all += k + ": " + v + "\n";
    keep(method + " " + target, all + r->body);
    return r->status;
  };
  const std::vector<std::string> reads = {"/healthz",
                                          "/readyz",
                                          "/metrics",
                                          "/api/v1/monitors",
                                          "/api/v1/monitors/m/drift",
                                          "/api/v1/monitors/m/history",
                                          "/api/v1/monitors/m/retrain",
                                          "/api/v1/alerts",
                                          "/api/v1/silences"};

  {  // Phase 1: the database works; every receiver fails, echoing the secrets it was sent.
    DaemonProcess d({"--config", path}, with_db(url));
    REQUIRE(d.wait_for_log("notification delivery failed, will retry sink=pager"));
    REQUIRE(d.wait_for_log("notification delivery failed, will retry sink=chat"));
    REQUIRE(d.wait_for_log("notification delivery failed, will retry sink=am"));
    REQUIRE(d.wait_for_log("notification delivery failed, will retry sink=hook"));
    REQUIRE(echo.wait_received(4, 10));
    for (const auto& target : reads) api(d.port(), "GET", target);
    CHECK(api(d.port(), "POST", "/api/v1/monitors/m/run") == 401);
    CHECK(api(d.port(), "POST", "/api/v1/monitors/m/run", "", "wrong-" + api_token.substr(0, 10)) ==
          401);
    CHECK(api(d.port(), "DELETE", "/api/v1/silences/x", "", api_token + "x") == 401);
    CHECK(api(d.port(), "POST", "/api/v1/silences", R"({"monitor":"m","bogus":1})", api_token) ==
          400);
    // The schedule is 1s: a scheduled evaluation may be running, which the API answers with 409
    // ("try again when it is done"); a client with the right token gets its run on a retry.
    int run_status = 0;
    for (int i = 0; i < 50; ++i) {
      run_status = api(d.port(), "POST", "/api/v1/monitors/m/run", "", api_token);
      if (run_status != 409) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(run_status == 200);
    d.signal(SIGTERM);
    CHECK(d.wait_exit(30) == 0);
    keep("daemon log, database up", d.log());
  }
  // The receiver did get the secrets it needs (so the masking below is what protects them).
  std::string requests;
  for (const auto& r : echo.received()) requests += r.request;
  CHECK(requests.find(routing_key) != std::string::npos);
  CHECK(requests.find(slack_token) != std::string::npos);
  const auto errors = admin.column("SELECT last_error FROM " + state + ".notifications");
  REQUIRE(errors.size() >= 4);  // one per sink, and Alertmanager re-posts at every evaluation
  for (const auto& e : errors) {
    if (!e.empty()) CHECK(e.rfind("HTTP 500: ", 0) == 0);  // empty: queued, not yet attempted
    keep("stored last_error", e);
  }
  keep("stored alert messages",
       admin.scalar("SELECT string_agg(message, '|') FROM " + state + ".alerts"));

  {  // Phase 2: the database is unreachable (wrong port, same password).
    DaemonProcess d({"--config", path}, with_db(wrong_port_url));
    REQUIRE(d.wait_for_log("driftd started"));
    REQUIRE(d.wait_for_log("ERROR evaluation failed monitor=m", 10));
    for (const auto& target : reads) api(d.port(), "GET", target);
    CHECK(api(d.port(), "POST", "/api/v1/monitors/m/run", "", api_token) == 200);
    CHECK(api(d.port(), "POST", "/api/v1/silences",
              R"({"monitor":"m","ends_at":"2999-01-01T00:00:00Z","comment":"x"})",
              api_token) == 503);
    d.signal(SIGTERM);
    CHECK(d.wait_exit(30) == 0);
    keep("daemon log, database down", d.log());
  }
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"check", "--config", path},
           {"run-once", "--config", path},
           {"backfill", "--config", path, "--monitor", "m", "--from", "2026-01-01T00:00:00Z",
            "--to", "2026-01-01T00:05:00Z"}}) {
    auto r = testing::run_driftd(args, with_db(wrong_port_url));
    CHECK(r.exit_code != 0);
    keep(args[0] + " with the database down", r.out + r.err);
  }
  // URLs libpq cannot parse: its messages quote the offending token, or the whole URL.
  const std::string bad_escape = "postgresql://" + role.name + ":" + db_password +
                                 "%ZZ@127.0.0.1:" + std::to_string(port) + "/x";
  const std::string bad_host = "postgresql://" + role.name + ":" + db_password +
                               "@[127.0.0.1:" + std::to_string(port) + "/x";
  for (const auto& bad : {bad_escape, bad_host}) {
    auto r = testing::run_driftd({"check", "--config", path}, with_db(bad));
    CHECK(r.exit_code != 0);
    keep("check with a malformed URL", r.out + r.err);
  }
  {  // A URL libpq cannot parse is a config problem: the daemon does not start half-working.
    DaemonProcess d({"--config", path}, with_db(bad_escape));
    CHECK(d.wait_exit(30) == 2);
    CHECK(d.count_in_log("DRIFTD_DATABASE_URL (overrides database.url): ") == 1);
    keep("daemon log, malformed URL", d.log());
  }

  // The failures did say something useful...
  CHECK(seen.find("database unreachable") != std::string::npos);
  CHECK(seen.find("HTTP 500") != std::string::npos);
  CHECK(seen.find("401") != std::string::npos);
  CHECK(seen.find("invalid percent-encoded token") != std::string::npos);
  // ... and no secret, whole or any 10 characters of its random part.
  for (const auto& secret : secrets) {
    CAPTURE(secret);
    const std::string core = secret.substr(secret.size() - 20);
    std::size_t leaks = 0;
    for (std::size_t i = 0; i + 10 <= core.size(); ++i) {
      const auto p = seen.find(core.substr(i, 10));
      if (p != std::string::npos) {
        ++leaks;
        const auto from = seen.rfind('\n', p);
        const auto to = seen.find('\n', p);
        UNSCOPED_INFO("leaked in: " << seen.substr(
                          from == std::string::npos ? 0 : from + 1,
                          to == std::string::npos ? std::string::npos : to - from - 1));
      }
    }
    CHECK(leaks == 0);
  }
}

TEST_CASE(
    "a client sending its headers slower than read_timeout is cut off without blocking others",
    "[security]") {
  TestSchema s("sec");
  ft::load_drifted(s);
  const std::string state = s.name() + "_state";
  ft::ConfigOptions o;
  o.state_schema = state;
  o.table = s.table("p");
  o.schedule = "1h";
  o.server = "read_timeout = \"1s\"\n";
  DaemonProcess d({"--config", testing::write_temp_file("driftd.toml", ft::config(o))});
  REQUIRE(d.wait_for_log("driftd started"));
  const int port = d.port();

  const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  constexpr int kSlowClients = 4;
  std::vector<std::thread> clients;
  std::vector<double> cut_after(kSlowClients, -1);  // seconds after its last byte
  std::vector<std::size_t> bytes_sent(kSlowClients, 0);
  for (int i = 0; i < kSlowClients; ++i) {
    clients.emplace_back([&, i] {
      int fd = connect_api(port);
      for (char c : request) {
        if (::send(fd, &c, 1, MSG_NOSIGNAL) != 1) break;
        ++bytes_sent[i];
        const auto sent = std::chrono::steady_clock::now();
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 1500) > 0) {  // slower than read_timeout: expect the server to hang up
          char buf[256];
          if (::recv(fd, buf, sizeof buf, 0) <= 0) {
            cut_after[i] =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
            break;
          }
        }
      }
      ::close(fd);
    });
  }
  std::this_thread::sleep_for(300ms);  // the slow clients are connected and trickling
  std::vector<double> answered_in;
  for (int i = 0; i < 3; ++i) {
    const auto asked = std::chrono::steady_clock::now();
    CHECK(testing::http_get(port, "/healthz").first == 200);
    answered_in.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count());
    std::this_thread::sleep_for(200ms);
  }
  for (auto& t : clients) t.join();
  for (double t : answered_in) CHECK(t < 0.5);
  for (int i = 0; i < kSlowClients; ++i) {
    CAPTURE(i);
    CHECK(bytes_sent[i] < request.size());  // never got to send a whole request
    CHECK(cut_after[i] >= 0.8);             // cut by the read timeout ...
    CHECK(cut_after[i] <= 1.0 + 0.5);       // ... not later
  }
  CHECK(testing::http_get(port, "/healthz").first == 200);
  d.signal(SIGTERM);
  CHECK(d.wait_exit(30) == 0);
  testing::Sql().ok("DROP SCHEMA IF EXISTS " + state + " CASCADE");
}

TEST_CASE(
    "100 slow clients: probes are still answered within 100 ms, trickling requests are cut at "
    "read_timeout in total, connections over the per-client cap are refused",
    "[security]") {
  TestSchema s("sec");
  ft::load_drifted(s);
  const std::string state = s.name() + "_state";
  ft::ConfigOptions o;
  o.state_schema = state;
  o.table = s.table("p");
  o.schedule = "1h";
  o.server = "read_timeout = \"3s\"\nmax_connections_per_client = 30\n";
  DaemonProcess d({"--config", testing::write_temp_file("driftd.toml", ft::config(o))});
  REQUIRE(d.wait_for_log("driftd started"));
  const int port = d.port();
  constexpr double kReadTimeout = 3.0;

  // 100 slow clients from 127.0.0.2-5 (25 each, under the cap of 30): 70 send their headers a
  // line a second, 30 send whole headers and then their body a byte a second. Every piece comes
  // well within read_timeout; only a total deadline cuts them. Each reconnects when cut.
  struct Slow {
    std::string from;
    bool body = false;
    int fd = -1;
    std::chrono::steady_clock::time_point connected, next_send;
    std::size_t answered_bytes = 0;
  };
  using Clock = std::chrono::steady_clock;
  const std::string header_start = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  const std::string body_start =
      "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 1000\r\n\r\n{";
  std::vector<Slow> slow(100);
  std::vector<double> held;  // seconds from connect to the server's close, per cut connection
  std::size_t answered = 0;  // bytes any slow client was answered (none should be)
  auto open = [&](Slow& c, Clock::time_point now) {
    c.fd = connect_api_from(port, c.from);
    REQUIRE(c.fd >= 0);
    c.connected = now;
    c.next_send = now + 1s;
    const std::string& first = c.body ? body_start : header_start;
    REQUIRE(::send(c.fd, first.data(), first.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(first.size()));
  };
  const auto begin = Clock::now();
  for (std::size_t i = 0; i < slow.size(); ++i) {
    slow[i].from = "127.0.0." + std::to_string(2 + i % 4);
    slow[i].body = i % 10 < 3;
    open(slow[i], Clock::now());
  }

  // Meanwhile a prober from 127.0.0.1, ten times a second for 10 s, each on a new connection.
  std::atomic<bool> probing{true};
  std::vector<std::pair<std::string, double>> probes;  // status line, seconds
  std::thread prober([&] {
    int n = 0;
    auto next = Clock::now();
    while (probing) {
      const std::string path = n % 10 == 5 ? "/readyz" : n % 10 == 9 ? "/metrics" : "/healthz";
      const auto asked = Clock::now();
      const std::string answer = probe_once(port, path);
      const double took = std::chrono::duration<double>(Clock::now() - asked).count();
      probes.emplace_back(path + " " + answer.substr(0, answer.find("\r\n")), took);
      ++n;
      next += 100ms;
      std::this_thread::sleep_until(next);
    }
  });

  // Then 35 connections from 127.0.0.6: the 5 beyond max_connections_per_client are refused.
  std::vector<int> crowd;
  std::vector<std::string> crowd_answers;
  while (Clock::now() - begin < 10s) {
    const auto now = Clock::now();
    if (crowd.empty() && now - begin > 2s) {
      for (int i = 0; i < 35; ++i) {
        const int fd = connect_api_from(port, "127.0.0.6");
        REQUIRE(fd >= 0);
        ::send(fd, "GET /healthz HTTP/1.1\r\n", 23, MSG_NOSIGNAL);
        crowd.push_back(fd);
      }
      crowd_answers.resize(crowd.size());
    }
    std::vector<pollfd> fds;
    for (const auto& c : slow) fds.push_back({c.fd, POLLIN, 0});
    for (int fd : crowd) fds.push_back({fd, POLLIN, 0});
    ::poll(fds.data(), fds.size(), 20);
    char buf[4096];
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (i >= slow.size()) {  // a crowd connection: a refusal's answer, then its close
        int& fd = crowd[i - slow.size()];
        const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
          crowd_answers[i - slow.size()].append(buf, static_cast<std::size_t>(n));
        } else {
          ::close(fd);
          fd = -1;  // poll skips it from now on
        }
        continue;
      }
      Slow& c = slow[i];
      const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        c.answered_bytes += static_cast<std::size_t>(n);
        answered += static_cast<std::size_t>(n);
        continue;
      }
      held.push_back(std::chrono::duration<double>(Clock::now() - c.connected).count());
      ::close(c.fd);
      open(c, Clock::now());
    }
    for (auto& c : slow) {
      if (Clock::now() < c.next_send) continue;
      const char piece[] = "X-Slow: 1\r\n";
      ::send(c.fd, c.body ? " " : piece, c.body ? 1 : sizeof piece - 1, MSG_NOSIGNAL);
      c.next_send += 1s;
    }
  }
  probing = false;
  prober.join();

  // Every probe was answered, and fast: the slow clients hold sockets, not threads.
  REQUIRE(probes.size() >= 90);
  std::size_t slow_probes = 0;
  double slowest = 0;
  for (const auto& [what, seconds] : probes) {
    CAPTURE(what, seconds);
    CHECK(what.find(" HTTP/1.1 200 OK") != std::string::npos);
    if (seconds >= 0.1) ++slow_probes;
    slowest = std::max(slowest, seconds);
  }
  INFO("slowest probe " << slowest << " s");
  CHECK(slow_probes == 0);
  // Each slow client was cut at read_timeout in total, never answered, then came back.
  CHECK(answered == 0);
  CHECK(held.size() >= 200);  // 100 clients, ~10 s, cut every 3 s
  for (double h : held) {
    CAPTURE(h);
    CHECK(h >= kReadTimeout - 0.1);
    CHECK(h <= kReadTimeout + 1.0);
  }
  // 30 of 127.0.0.6's connections are held (their requests are incomplete), 5 were refused.
  int refused = 0;
  for (const auto& a : crowd_answers) {
    if (a.rfind("HTTP/1.1 503", 0) == 0) {
      ++refused;
      CHECK(a.find("too many connections from 127.0.0.6") != std::string::npos);
    } else {
      CHECK(a.empty());
    }
  }
  CHECK(refused == 5);
  for (int fd : crowd) {
    if (fd >= 0) ::close(fd);
  }
  for (auto& c : slow) ::close(c.fd);

  // Said in the log (once, not once per connection) and counted in the metrics.
  CHECK(d.wait_for_log("HTTP client did not send a whole request within read_timeout", 5));
  CHECK(d.wait_for_log(
      "HTTP connection refused: too many connections from this client client=127.0.0.6", 5));
  const std::string metrics = testing::http_get(port, "/metrics").second;
  CHECK(metrics.find("driftd_http_requests_total{code=\"408\",handler=\"rejected\"}") !=
        std::string::npos);
  CHECK(metrics.find("driftd_http_requests_total{code=\"503\",handler=\"rejected\"} 5") !=
        std::string::npos);
  d.signal(SIGTERM);
  CHECK(d.wait_exit(30) == 0);
  testing::Sql().ok("DROP SCHEMA IF EXISTS " + state + " CASCADE");
}

TEST_CASE("sinks on loopback or a cloud-metadata address are refused unless the config allows them",
          "[security]") {
  TestSchema s("sec");
  ft::load_drifted(s);
  const std::string state = s.name() + "_state";
  ScriptedReceiver receiver([](int, const std::string&) { return ScriptedReceiver::Reply::ok(); });
  ft::ConfigOptions o;
  o.state_schema = state;
  o.table = s.table("p");
  // An allow-list that does not name the local receiver: loopback is refused with it.
  o.alerting = "allowed_hosts = [\"hooks.example.com\"]\n";
  o.sinks =
      ft::sink_toml("local", receiver.url()) +
      ft::sink_toml("localname", "http://localhost:" + std::to_string(receiver.port()) + "/hook") +
      ft::sink_toml("imds", "http://169.254.169.254/latest/meta-data/") +
      ft::sink_toml("gce", "http://metadata.google.internal/computeMetadata/v1/");
  const std::string path = testing::write_temp_file("driftd.toml", ft::config(o));
  auto r = testing::run_driftd({"run-once", "--config", path, "--deliver-timeout", "3s"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(receiver.received().empty());
  testing::Sql admin;
  auto error_of = [&](const std::string& sink) {
    return admin.scalar("SELECT state || ': ' || last_error FROM " + state +
                        ".notifications WHERE sink = '" + sink + "'");
  };
  CHECK(error_of("local").rfind(
            "failed: sink local: host 127.0.0.1 is not in alerting.allowed_hosts", 0) == 0);
  CHECK(error_of("imds").rfind(
            "failed: sink imds: host 169.254.169.254 is not in alerting.allowed_hosts", 0) == 0);
  // said at start, before any attempt
  CHECK(r.err.find("WARN sink refused: its notifications will fail sink=imds") !=
        std::string::npos);

  // The default (no allow-list): loopback sinks work, as the contract's example sink does;
  // link-local and metadata addresses stay refused.
  admin.exec("DROP SCHEMA " + state + " CASCADE");
  o.alerting = "";
  const std::string by_default = testing::write_temp_file("driftd.toml", ft::config(o));
  r = testing::run_driftd({"run-once", "--config", by_default, "--deliver-timeout", "3s"});
  CHECK(r.exit_code == 0);
  CHECK(receiver.received().size() == 2);
  CHECK(error_of("local") == "delivered: ");
  CHECK(error_of("imds") ==
        "failed: sink imds: host 169.254.169.254 is a cloud metadata service address: refused "
        "unless the host is "
        "listed in [alerting] allowed_hosts");
  CHECK(error_of("gce").rfind("failed: sink gce: host metadata.google.internal is a cloud metadata",
                              0) == 0);
  // allow_loopback = false refuses loopback even without an allow-list
  admin.exec("DROP SCHEMA " + state + " CASCADE");
  o.alerting = "allow_loopback = false\n";
  const std::string closed = testing::write_temp_file("driftd.toml", ft::config(o));
  r = testing::run_driftd({"run-once", "--config", closed, "--deliver-timeout", "3s"});
  CHECK(receiver.received().size() == 2);
  CHECK(error_of("local") ==
        "failed: sink local: host 127.0.0.1 is a loopback address: refused unless [alerting] "
        "allow_loopback = true "
        "or the host is listed in [alerting] allowed_hosts");
  CHECK(error_of("localname")
            .rfind("failed: sink localname: host localhost is a loopback address", 0) == 0);

  // Listed explicitly, the local receiver gets its notification (the metadata ones stay refused).
  admin.exec("DROP SCHEMA " + state + " CASCADE");
  o.alerting = "allowed_hosts = [\"127.0.0.1\", \"localhost\", \"*.internal\"]\n";
  const std::string allowed = testing::write_temp_file("driftd.toml", ft::config(o));
  r = testing::run_driftd({"run-once", "--config", allowed, "--deliver-timeout", "3s"});
  CHECK(receiver.received().size() == 4);
  CHECK(error_of("local") == "delivered: ");
  CHECK(error_of("localname") == "delivered: ");
  CHECK(error_of("gce").rfind("failed: sink gce: host metadata.google.internal is a cloud metadata",
                              0) == 0);
  CHECK(error_of("imds").rfind(
            "failed: sink imds: host 169.254.169.254 is not in alerting.allowed_hosts", 0) == 0);
  admin.exec("DROP SCHEMA " + state + " CASCADE");
}
