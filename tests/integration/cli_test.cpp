// The commands of CONTRACT section 1 as a user runs them: exit codes, output, stored results.

#include <signal.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>

#include "driftd/alerts/notifier.hpp"
#include "driftd/common/time.hpp"
#include "support.hpp"

using namespace driftd;
using json = nlohmann::json;
using driftd::testing::TestSchema;

namespace {

std::string config_for(TestSchema& s, const std::string& state,
                       const std::string& extra_monitor = "") {
  return "[database]\nurl = \"" + testing::database_url() + "\"\nstate_schema = \"" + state +
         "\"\n\n[[monitors]]\nname = \"m\"\ntable = \"" + s.table("p") +
         "\"\ntimestamp_column = \"ts\"\nschedule = \"1h\"\nwindow = \"1h\"\nmin_rows = 10\n"
         "reference = { from = \"2026-01-01T00:00:00Z\", to = \"2026-01-02T00:00:00Z\" }\n"
         "  [[monitors.features]]\n  name = \"x\"\n  column = \"x\"\n  kind = \"numerical\"\n"
         "  [[monitors.features]]\n  name = \"j\"\n  json = \"f\"\n  key = \"x\"\n  kind = "
         "\"numerical\"\n" +
         extra_monitor;
}

void load(TestSchema& s) {
  s.sql().exec("CREATE TABLE " + s.table("p") + " (ts timestamptz, x float8, f jsonb)");
  // reference day: uniform 0..99; then hourly rows shifted by the hour number
  s.sql().exec("INSERT INTO " + s.table("p") +
               " SELECT '2026-01-01T00:00:00Z'::timestamptz + i * interval '1 min', i % 100, "
               "jsonb_build_object('x', i % 100)"
               " FROM generate_series(1, 1400) i");
  s.sql().exec(
      "INSERT INTO " + s.table("p") +
      " SELECT '2026-01-03T00:00:00Z'::timestamptz + i * interval '10 s', (i % 100) + (i / 360) * "
      "20,"
      " jsonb_build_object('x', (i % 100) + (i / 360) * 20) FROM generate_series(1, 2159) i");
}

std::vector<json> lines(const std::string& out) {
  std::vector<json> v;
  std::istringstream in(out);
  std::string l;
  while (std::getline(in, l))
    if (!l.empty()) v.push_back(json::parse(l));
  return v;
}

}  // namespace

TEST_CASE("driftd --version", "[cli]") {
  auto r = testing::run_driftd({"--version"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("driftd ", 0) == 0);
}

TEST_CASE("run-once prints, stores and is reproducible with --at", "[cli]") {
  TestSchema s("cli");
  load(s);
  std::string state = s.name() + "_state";
  std::string path = testing::write_temp_file("driftd.toml", config_for(s, state));
  auto a = testing::run_driftd({"run-once", "--config", path, "--at", "2026-01-03T02:00:00Z"});
  INFO(a.err);
  REQUIRE(a.exit_code == 0);
  auto ev = lines(a.out);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0]["monitor"] == "m");
  CHECK(ev[0]["evaluated_at"] == "2026-01-03T02:00:00Z");
  CHECK(ev[0]["current_window"]["rows"] == 360);
  // the column and the jsonb key carry the same numbers: the same statistics
  CHECK(ev[0]["features"][0]["statistics"] == ev[0]["features"][1]["statistics"]);
  auto b = testing::run_driftd(
      {"run-once", "--config", path, "--monitor", "m", "--at", "2026-01-03T02:00:00Z"});
  CHECK(b.out == a.out);  // byte-identical
  CHECK(s.sql().scalar("SELECT count(*) FROM " + state + ".evaluations") == "1");

  SECTION("usage errors exit 2") {
    CHECK(testing::run_driftd({"run-once", "--config", path, "--monitor", "nope"}).exit_code == 2);
    CHECK(testing::run_driftd({"run-once", "--config", path, "--at", "yesterday"}).exit_code == 2);
    CHECK(testing::run_driftd({"run-once"}).exit_code == 2);
    CHECK(testing::run_driftd({"run-once", "--config", path, "--bogus", "1"}).exit_code == 2);
  }
  SECTION("a failed evaluation exits 1 and still prints it") {
    s.sql().exec("ALTER TABLE " + s.table("p") + " RENAME COLUMN x TO y");
    auto r = testing::run_driftd({"run-once", "--config", path, "--at", "2026-01-03T02:00:00Z"});
    CHECK(r.exit_code == 1);
    auto e = lines(r.out);
    REQUIRE(e.size() == 1);
    CHECK(e[0]["status"] == "error");
    CHECK(e[0]["error"].get<std::string>().find("column \"x\" does not exist") !=
          std::string::npos);
  }
  testing::Sql sql;
  sql.exec("DROP SCHEMA IF EXISTS " + state + " CASCADE");
}

TEST_CASE("check reports each problem on its own line", "[cli]") {
  TestSchema s("cli");
  load(s);
  std::string state = s.name() + "_state";
  std::string ok_path = testing::write_temp_file("ok.toml", config_for(s, state));
  auto ok = testing::run_driftd({"check", "--config", ok_path});
  INFO(ok.out << ok.err);
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("ok") != std::string::npos);
  std::string broken =
      config_for(s, state,
                 "\n[[monitors]]\nname = \"n\"\ntable = \"" + s.table("missing") +
                     "\"\ntimestamp_column = \"ts\"\nschedule = \"1h\"\nwindow = \"1h\"\n"
                     "reference = { offset = \"1d\" }\n  [[monitors.features]]\n  name = \"x\"\n"
                     "  column = \"x\"\n  kind = \"numerical\"\n");
  const std::string x_column = "column = \"x\"";
  broken.replace(broken.find(x_column), x_column.size(), "column = \"nope\"");
  std::string bad_path = testing::write_temp_file("bad.toml", broken);
  auto bad = testing::run_driftd({"check", "--config", bad_path});
  INFO(bad.out << bad.err);
  CHECK(bad.exit_code == 1);
  // At the line of the key concerned, naming the feature
  CHECK(bad.out.find(bad_path + ":15: monitor m: feature \"x\": column \"nope\" does not exist") !=
        std::string::npos);
  CHECK(bad.out.find(bad_path + ":25: monitor n: table \"" + s.table("missing") +
                     "\" does not exist") != std::string::npos);
  std::string syntax = testing::write_temp_file("syntax.toml", "[database\nurl = 1\n");
  auto r = testing::run_driftd({"check", "--config", syntax});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find(syntax + ":1:") != std::string::npos);
  auto down = testing::run_driftd({"check", "--config", ok_path},
                                  {"DRIFTD_DATABASE_URL=postgresql://driftd@127.0.0.1:1/x"});
  CHECK(down.exit_code == 1);
  CHECK(down.out.find("database: cannot connect") != std::string::npos);
}

namespace {

// Lines of `text` (1-based) that contain `needle`.
int line_of(const std::string& text, const std::string& needle) {
  std::istringstream in(text);
  std::string l;
  for (int n = 1; std::getline(in, l); ++n)
    if (l.find(needle) != std::string::npos) return n;
  return 0;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE(
    "check: each database problem once, at its FILE:LINE, naming what it is about, with "
    "every other problem",
    "[cli]") {
  TestSchema s("cli");
  s.sql().exec("CREATE TABLE " + s.table("q") + " (ts timestamptz, x float8, t text, id bigint)");
  std::string state = s.name() + "_state";
  std::string text = "[database]\nurl = \"" + testing::database_url() + "\"\nstate_schema = \"" +
                     state + "\"\n\n[[monitors]]\nname = \"m\"\ntable = \"" + s.table("q") +
                     "\"\ntimestamp_column = \"tss\"\nschedule = \"1h\"\nwindow = \"1h\"\n"
                     "reference = { offset = \"1d\" }\n";
  // five features reading keys of a text column mistaken for a json one
  for (const char* key : {"a", "b", "c", "d", "e"}) {
    text += std::string("  [[monitors.features]]\n  name = \"") + key +
            "\"\n  json = \"t\"\n  key = \"" + key + "\"\n  kind = \"numerical\"\n";
  }
  text += "  [[monitors.features]]\n  name = \"ok\"\n  column = \"x\"\n  kind = \"numerical\"\n";
  const std::string path = testing::write_temp_file("driftd.toml", text);

  auto r = testing::run_driftd({"check", "--config", path});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  const int first_json = line_of(text, "json = \"t\"");
  const std::string json_problem =
      path + ":" + std::to_string(first_json) + ": monitor m: features \"a\" (line " +
      std::to_string(first_json) + "), \"b\" (line " + std::to_string(first_json + 5) +
      "), \"c\" (line " + std::to_string(first_json + 10) + "), \"d\" (line " +
      std::to_string(first_json + 15) + "), \"e\" (line " + std::to_string(first_json + 20) +
      "): column \"t\" has type text; a json key needs a json or jsonb column\n";
  CHECK(r.out.find(json_problem) != std::string::npos);
  CHECK(count_of(r.out, "a json key needs a json or jsonb column") == 1);
  const std::string ts_problem =
      path + ":" + std::to_string(line_of(text, "timestamp_column")) +
      ": monitor m: timestamp column \"tss\" does not exist in table \"" + s.table("q") + "\"\n";
  CHECK(r.out.find(ts_problem) != std::string::npos);
  CHECK(count_of(r.out, "\n") == 2);  // nothing else

  SECTION("problems of the file itself do not hide those of the database") {
    // a bad duration in the same monitor, and a sink with an unknown type
    std::string more = text;
    more.replace(more.find("window = \"1h\""), 13, "window = \"99999999999w\"");
    more += "\n[[sinks]]\nname = \"s\"\ntype = \"pager\"\nurl = \"http://127.0.0.1:1/\"\n";
    const std::string more_path = testing::write_temp_file("driftd.toml", more);
    auto m = testing::run_driftd({"check", "--config", more_path});
    INFO(m.out << m.err);
    CHECK(m.exit_code == 1);
    CHECK(m.out.find(more_path + ":" + std::to_string(line_of(more, "window =")) +
                     ": monitors[0] (m).window: \"99999999999w\" is too large") !=
          std::string::npos);
    CHECK(m.out.find("sinks[0] (s).type") != std::string::npos);
    CHECK(m.out.find(ts_problem.substr(path.size())) != std::string::npos);
    CHECK(m.out.find("a json key needs a json or jsonb column") != std::string::npos);
    // a feature with a problem of its own is not checked against the database (its kind is
    // unknown), the others are
    std::string kind = text;
    kind.replace(kind.find("kind = \"numerical\"\n", kind.find("name = \"ok\"")),
                 std::strlen("kind = \"numerical\"\n"), "kind = \"numeric\"\n");
    kind.replace(kind.find("column = \"x\""), 12, "column = \"y\"");
    const std::string kind_path = testing::write_temp_file("driftd.toml", kind);
    auto k = testing::run_driftd({"check", "--config", kind_path});
    INFO(k.out);
    CHECK(k.out.find("features[5].kind: \"numeric\" is not one of") != std::string::npos);
    CHECK(k.out.find("column \"y\"") == std::string::npos);
    CHECK(k.out.find(ts_problem.substr(path.size())) != std::string::npos);
  }
  SECTION("a label table that does not exist does not hide the rest") {
    std::string labels = text +
                         "  [monitors.labels]\n  task = \"regression\"\n"
                         "  table = \"" +
                         s.table("no_labels") +
                         "\"\n  key = \"id\"\n  prediction_key = \"id\"\n  column = \"y\"\n"
                         "  [monitors.prediction]\n  column = \"x\"\n  kind = \"numerical\"\n";
    const std::string labels_path = testing::write_temp_file("driftd.toml", labels);
    auto l = testing::run_driftd({"check", "--config", labels_path});
    INFO(l.out << l.err);
    CHECK(l.exit_code == 1);
    CHECK(l.out.find(labels_path + ":" + std::to_string(line_of(labels, "[monitors.labels]")) +
                     ": monitor m: labels: table \"" + s.table("no_labels") +
                     "\" does not exist") != std::string::npos);
    CHECK(l.out.find(ts_problem.substr(path.size())) != std::string::npos);
    CHECK(l.out.find("a json key needs a json or jsonb column") != std::string::npos);
  }
  SECTION("libpq's message is on one line") {
    auto down = testing::run_driftd({"check", "--config", path},
                                    {"DRIFTD_DATABASE_URL=postgresql://driftd@127.0.0.1:1/x"});
    CHECK(down.exit_code == 1);
    CHECK(down.out.rfind("database: cannot connect to the database: connection to server at", 0) ==
          0);
    CHECK(down.out.find('\t') == std::string::npos);
    CHECK(count_of(down.out, "\n") == 1);
    CHECK(down.out.find("Connection refused Is the server running") != std::string::npos);
  }
}

TEST_CASE("backfill evaluates every scheduled instant and stores them", "[cli]") {
  TestSchema s("cli");
  load(s);
  std::string state = s.name() + "_state";
  std::string path = testing::write_temp_file("driftd.toml", config_for(s, state));
  auto r = testing::run_driftd({"backfill", "--config", path, "--monitor", "m", "--from",
                                "2026-01-03T00:30:00Z", "--to", "2026-01-03T06:00:00Z"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  auto ev = lines(r.out);
  REQUIRE(ev.size() == 5);  // 01:00 .. 05:00
  CHECK(ev.front()["evaluated_at"] == "2026-01-03T01:00:00Z");
  CHECK(ev.back()["evaluated_at"] == "2026-01-03T05:00:00Z");
  CHECK(ev.front()["status"] == "ok");
  CHECK(ev.back()["status"] == "drift");
  CHECK(r.err.find("backfill finished monitor=m evaluations=5") != std::string::npos);
  CHECK(s.sql().scalar("SELECT count(*) FROM " + state + ".evaluations WHERE monitor = 'm'") ==
        "5");
  CHECK(testing::run_driftd({"backfill", "--config", path, "--monitor", "m", "--from",
                             "2026-01-03T06:00:00Z", "--to", "2026-01-03T00:00:00Z"})
            .exit_code == 2);
  testing::Sql sql;
  sql.exec("DROP SCHEMA IF EXISTS " + state + " CASCADE");
}

TEST_CASE("a DRIFTD_DATABASE_URL libpq cannot parse: check and run-once say the same, no password",
          "[cli]") {
  TestSchema s("cli");
  load(s);
  const std::string state = s.name() + "_state";
  const std::string path = testing::write_temp_file("driftd.toml", config_for(s, state));
  // The quote of the password is never closed: appending driftd's own options to this text
  // used to change what libpq saw, so each command failed differently.
  const std::string url = "host=127.0.0.1 dbname=driftd user=driftd password='hunter2-secret";
  const std::vector<std::string> env = {"DRIFTD_DATABASE_URL=" + url};
  const std::string expected =
      path +
      ": DRIFTD_DATABASE_URL (overrides database.url): \"host=127.0.0.1 dbname=driftd "
      "user=driftd password=***\" cannot be parsed: unterminated quoted string in connection "
      "info string";
  auto check = testing::run_driftd({"check", "--config", path}, env);
  INFO(check.out << check.err);
  CHECK(check.exit_code == 1);
  CHECK(check.out == expected + "\n");
  auto once = testing::run_driftd({"run-once", "--config", path}, env);
  INFO(once.out << once.err);
  CHECK(once.exit_code == 2);  // a config problem, as CONTRACT section 1 says
  CHECK(once.out.empty());
  CHECK(once.err == expected + "\n");
  auto daemon = testing::run_driftd({"--config", path}, env, 30);
  CHECK(daemon.exit_code == 2);
  CHECK(daemon.err.find(expected + "\n") != std::string::npos);
  for (const auto* r : {&check, &once, &daemon}) {
    CHECK((r->out + r->err).find("hunter2") == std::string::npos);
  }
  // The same URL written in the file is reported at its line.
  std::string in_file = config_for(s, state);
  const std::string good = "url = \"" + testing::database_url() + "\"";
  in_file.replace(in_file.find(good), good.size(), "url = \"" + url + "\"");
  const std::string file_path = testing::write_temp_file("driftd.toml", in_file);
  auto in = testing::run_driftd({"check", "--config", file_path});
  CHECK(in.exit_code == 1);
  CHECK(in.out.find(file_path + ":2: database.url: \"host=127.0.0.1") == 0);
  CHECK(in.out.find("unterminated quoted string") != std::string::npos);
  CHECK(in.out.find("hunter2") == std::string::npos);
  testing::Sql sql;
  sql.exec("DROP SCHEMA IF EXISTS " + state + " CASCADE");
}

TEST_CASE("driftd receive verifies driftd's own signatures, whsec_ secrets included", "[cli]") {
  // The Standard Webhooks test secret: its key is the base64-decoded rest, as the sender uses it.
  const std::string secret =
      GENERATE(as<std::string>{}, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "a plain secret");
  CAPTURE(secret);
  testing::DaemonProcess receiver(
      {"receive", "--listen", "127.0.0.1:0", "--secret-env", "HOOK_KEY"}, {"HOOK_KEY=" + secret});
  REQUIRE(receiver.wait_for_log("receiver listening"));
  const std::string log = receiver.log();
  const auto at = log.find("listen=127.0.0.1:");
  REQUIRE(at != std::string::npos);
  const int port = std::stoi(log.substr(at + 17));

  alerts::NotifierOptions o;
  o.allowed_hosts = {"127.0.0.1"};
  o.allow_loopback = true;
  o.secrets = [&](const std::string& name) -> std::optional<std::string> {
    return name == "HOOK_KEY" ? std::optional<std::string>(secret) : std::nullopt;
  };
  alerts::HttpNotifier notifier(o);
  config::SinkConfig sink;
  sink.name = "hook";
  sink.type = config::SinkConfig::Type::webhook;
  sink.url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  sink.secret_env = "HOOK_KEY";
  alerts::Notification n;
  n.id = "0b7f2c7e-1d2a-4c59-8f0e-2b9f4f1f7a10";
  n.sink = "hook";
  n.monitor = "m";
  n.status = "firing";
  n.body = R"({"id":"0b7f2c7e-1d2a-4c59-8f0e-2b9f4f1f7a10","status":"firing"})";
  const auto r = notifier.send(
      sink, n, std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()));
  REQUIRE(r.http_status == 200);
  REQUIRE(receiver.wait_for_log("\"webhook-id\":\"0b7f2c7e"));
  CHECK(receiver.count_in_log("\"signature_valid\":true") == 1);
  CHECK(receiver.count_in_log("\"signature_valid\":false") == 0);
  // Another key does not verify.
  o.secrets = [](const std::string&) -> std::optional<std::string> { return "some other key"; };
  alerts::HttpNotifier other(o);
  REQUIRE(
      other.send(sink, n, std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()))
          .http_status == 200);
  REQUIRE(receiver.wait_for_log("\"signature_valid\":false"));
  receiver.signal(SIGTERM);
  CHECK(receiver.wait_exit(10) == 0);
}

TEST_CASE("driftd receive refuses a whsec_ secret that is not base64", "[cli]") {
  auto r = testing::run_driftd({"receive", "--listen", "127.0.0.1:0", "--secret-env", "HOOK_KEY"},
                               {"HOOK_KEY=whsec_not base64!"}, 10);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--secret-env HOOK_KEY: the webhook secret starts with \"whsec_\"") !=
        std::string::npos);
  CHECK(r.err.find("not base64!") == std::string::npos);
}
