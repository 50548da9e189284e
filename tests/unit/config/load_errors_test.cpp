// Invalid configurations: each validation reports FILE:LINE and a message naming key and value.

#include <catch2/catch.hpp>

#include <algorithm>

#include "support.hpp"

using namespace driftd::config;
using namespace driftd::config::test;

namespace {

// A valid file; each case below edits one line of it. Line numbers:
//   1 [server]        4 [database]     7 [[monitors]]    15 [[monitors.features]]  26 [[sinks]]
//   2 listen          5 url            8 name            16 name "amount"          27 name
//                                      9 table           17 column                 28 type
//                                     10 timestamp_col   18 kind                   29 url
//                                     11 schedule        20 [[monitors.features]]  30 (appended)
//                                     12 window          21 name "country"
//                                     13 reference       22 json, 23 key, 24 kind
constexpr const char* kBase = R"([server]
listen = "127.0.0.1:9464"

[database]
url = "postgresql://driftd@localhost/app"

[[monitors]]
name = "fraud-v2"
table = "public.predictions"
timestamp_column = "ts"
schedule = "5m"
window = "1h"
reference = { offset = "7d" }

[[monitors.features]]
name = "amount"
column = "amount"
kind = "numerical"

[[monitors.features]]
name = "country"
json = "features"
key = "country"
kind = "categorical"

[[sinks]]
name = "oncall"
type = "webhook"
url = "http://127.0.0.1:8080/hook"
)";

constexpr const char* kAppend = "";  // `from` of a case that appends `to` at line 30

struct Case {
  std::string from;       // a line of kBase (first occurrence), or kAppend
  std::string to;         // its replacement (may span several lines)
  int line;               // where the problem is reported
  std::string needle;     // a distinctive part of the message
  std::size_t count = 1;  // problems expected in all (guards against cascades)
};

// Shorthands for edits that add keys to a table without moving the lines of interest.
std::string monitor_key(const std::string& line) {  // lands on line 14
  return "reference = { offset = \"7d\" }\n" + line;
}
std::string subtable(const std::string& body) {  // header on line 15, first key on line 16
  return body + "\n\n[[monitors.features]]";
}
std::string section(const std::string& body) {  // header on line 4, first key on line 5
  return body + "\n\n[database]";
}

void check_case(const Case& c) {
  std::string text = c.from.empty() ? kBase + c.to : replaced(kBase, c.from, c.to);
  CAPTURE(c.from, c.to);
  auto problems = problems_of(text);
  INFO("document:\n" << text << "\nproblems:\n" << dump(problems));
  auto it = std::find_if(problems.begin(), problems.end(), [&](const Problem& p) {
    return p.message.find(c.needle) != std::string::npos;
  });
  REQUIRE(it != problems.end());
  CHECK(it->file == "driftd.toml");
  CHECK(it->line == c.line);
  CHECK(problems.size() == c.count);
}

}  // namespace

TEST_CASE("the base document of the error cases is valid") {
  ScopedEnv env({});
  CHECK(dump(problems_of(kBase)).empty());
}

TEST_CASE("TOML syntax errors are reported with their line") {
  ScopedEnv env({});
  auto c = GENERATE(values<Case>({
      {"window = \"1h\"", "window = \"1h", 12, "TOML syntax error"},
      {"kind = \"numerical\"", "kind = ", 18, "TOML syntax error"},
      {"[[sinks]]", "[[sinks]]\nname = \"a\"\nname = \"b\"", 28, "TOML syntax error"},
  }));
  check_case(c);
}

TEST_CASE("top-level problems") {
  ScopedEnv env({});
  auto c = GENERATE(values<Case>({
      {"[server]", "[servr]", 1, "unknown top-level key 'servr' (did you mean 'server'?)"},
      {"[server]", "monitor_count = 3\n[server]", 1,
       "unknown top-level key 'monitor_count' (expected one of: server, database, scheduler"},
      {"[database]\nurl = \"postgresql://driftd@localhost/app\"\n", "", 1,
       "missing required table [database]"},
  }));
  check_case(c);
}

TEST_CASE("root documents without usable monitors") {
  ScopedEnv env({});
  const std::string db = "[database]\nurl = \"postgresql://x/app\"\n";
  struct Doc {
    std::string text;
    int line;
    const char* needle;
  };
  auto d = GENERATE_COPY(values<Doc>({
      {db, 1, "no monitors: add at least one [[monitors]] table"},
      {"monitors = []\n" + db, 1, "monitors: is empty; add at least one [[monitors]]"},
      {db + "[monitors]\nname = \"m\"\n", 3,
       "monitors: expected an array of tables ([[monitors]]), got a table"},
      {"monitors = [\"m\"]\n" + db, 1, "monitors[0]: expected a table, got string \"m\""},
      {"server = \"x\"\n" + db, 1, "server: expected a table, got string \"x\""},
      {"[sinks]\nname = \"s\"\n" + db, 1, "sinks: expected an array of tables ([[sinks]])"},
  }));
  auto problems = problems_of(d.text);
  INFO(dump(problems));
  auto it = std::find_if(problems.begin(), problems.end(), [&](const Problem& p) {
    return p.message.find(d.needle) != std::string::npos;
  });
  REQUIRE(it != problems.end());
  CHECK(it->line == d.line);
}

TEST_CASE("[database] problems") {
  ScopedEnv env({});
  const char* url = "url = \"postgresql://driftd@localhost/app\"";
  auto with = [&](const std::string& line) { return std::string(url) + "\n" + line; };  // on line 6
  auto c = GENERATE_COPY(values<Case>({
      {url, "statement_timeout = \"60s\"", 4,
       "database: missing required key 'url' (or set DRIFTD_DATABASE_URL)"},
      {url, "url = \"mysql://root:hunter2@db/app\"", 5,
       "database.url: \"mysql://root:***@db/app\" is neither a postgresql:// URI nor a key=value"},
      {url, "url = 5432", 5, "database.url: expected a string, got integer 5432"},
      {url, with("state_schema = \"drift-d\""), 6,
       "database.state_schema: \"drift-d\" is not a plain identifier"},
      {url, with("state_schema = \"1st\""), 6, "\"1st\" is not a plain identifier"},
      {url, with(("state_schema = \"" + std::string(64, 's') + "\"")), 6, "at most 63 characters"},
      {url, with("statement_timeout = 60"), 6,
       "database.statement_timeout: expected a duration string such as \"5m\", got integer 60"},
      {url, with("connect_timeout = \"10 s\""), 6,
       "database.connect_timeout: \"10 s\" is not a positive duration (e.g. \"30s\""},
      {url, with("read_connections = 9"), 6,
       "database.read_connections: 9 is out of range (expected 1 to 8)"},
      {url, with("read_connections = 0"), 6,
       "database.read_connections: 0 is out of range (expected 1 to 8)"},
      {url, with("statment_timeout = \"1s\""), 6,
       "database: unknown key 'statment_timeout' (did you mean 'statement_timeout'?)"},
  }));
  check_case(c);
}

TEST_CASE("[server] problems") {
  ScopedEnv env({});
  const char* listen = "listen = \"127.0.0.1:9464\"";
  auto with = [&](const std::string& line) {
    return std::string(listen) + "\n" + line;
  };  // on line 3
  auto c = GENERATE_COPY(values<Case>({
      {listen, "listen = \"localhost\"", 2, "server.listen: \"localhost\" has no port"},
      {listen, "listen = \"127.0.0.1:70000\"", 2, "has a port above 65535"},
      {listen, "listen = \"127.0.0.1:http\"", 2, "has a bad port"},
      {listen, "listen = \"127.0.0.1:\"", 2, "has an empty port"},
      {listen, "listen = \"::1:9464\"", 2, "needs brackets around an IPv6 address"},
      {listen, "listen = \"[::1:9464\"", 2, "has an unclosed '['"},
      {listen, "listen = \"[::g]:9464\"", 2, "has a bad IPv6 address"},
      {listen, "listen = \"[::1]9464\"", 2, "\"[::1]9464\" has no port"},
      {listen, "listen = \":9464\"", 2, "has no host (use \"0.0.0.0:PORT\""},
      {listen, "listen = \"300.1.1.1:80\"", 2, "has a bad IPv4 address"},
      {listen, "listen = \"my_host:80\"", 2, "has a bad host name"},
      {listen, "listen = 9464", 2, "server.listen: expected a string, got integer 9464"},
      {listen, with("api_token_env = \"my token\""), 3,
       "server.api_token_env: is not an environment variable name"},
      {listen, with("external_url = \"ftp://driftd\""), 3,
       "server.external_url: \"ftp://driftd\" is not an http:// or https:// URL"},
      {listen, with("external_url = \"https://\""), 3, "\"https://\" has no host"},
      {listen, with("max_body_bytes = 0"), 3,
       "server.max_body_bytes: 0 is out of range (expected at least 1)"},
      {listen, with("read_timeout = \"0s\""), 3,
       "server.read_timeout: \"0s\" is not a positive duration"},
      {listen, with("write_timeout = true"), 3,
       "server.write_timeout: expected a duration string such as \"5m\", got boolean true"},
      {listen, with("max_connections = 0"), 3,
       "server.max_connections: 0 is out of range (expected 1 to 65535)"},
      {listen, with("max_connections_per_client = 70000"), 3,
       "server.max_connections_per_client: 70000 is out of range (expected 1 to 65535)"},
      {listen, with("max_connections = 16\nmax_connections_per_client = 32"), 4,
       "server.max_connections_per_client: 32 is above server.max_connections (16)"},
      {listen, with("max_connections_per_client = 300"), 3,
       "server.max_connections_per_client: 300 is above server.max_connections (256)"},
      {listen, "listn = \"127.0.0.1:9464\"", 2,
       "server: unknown key 'listn' (did you mean 'listen'?)"},
  }));
  check_case(c);
}

TEST_CASE("[scheduler] and [alerting] problems") {
  ScopedEnv env({});
  auto c = GENERATE(values<Case>({
      {"[database]", section("[scheduler]\nworkers = -1"), 5,
       "scheduler.workers: -1 is out of range (expected 0 to 1024)"},
      {"[database]", section("[scheduler]\nworkers = 1.5"), 5,
       "scheduler.workers: expected an integer, got float 1.5"},
      {"[database]", section("[scheduler]\nshutdown_grace = 30"), 5,
       "scheduler.shutdown_grace: expected a duration string"},
      {"[database]", section("[scheduler]\nworker = 2"), 5,
       "scheduler: unknown key 'worker' (did you mean 'workers'?)"},
      {"[database]", section("[alerting]\ninitial_backoff = \"10s\"\nmax_backoff = \"5s\""), 6,
       "alerting.max_backoff: 5s is shorter than initial_backoff (10s)"},
      {"[database]", section("[alerting]\ninitial_backoff = \"10m\""), 5,
       "alerting.initial_backoff: 10m exceeds max_backoff (5m, the default)"},
      {"[database]", section("[alerting]\ngive_up_after = \"1 day\""), 5,
       "alerting.give_up_after: \"1 day\" is not a positive duration"},
      {"[database]", section("[alerting]\nallowed_hosts = \"hooks.slack.com\""), 5,
       "alerting.allowed_hosts: expected an array of host names, got string"},
      {"[database]", section("[alerting]\nallowed_hosts = [\"a\", 3]"), 5,
       "alerting.allowed_hosts[1]: expected a host name string, got integer 3"},
      {"[database]", section("[alerting]\nallowed_hosts = [\"\"]"), 5,
       "alerting.allowed_hosts[0]: is empty"},
      {"[database]", section("[alerting]\nallow_loopback = \"yes\""), 5,
       "alerting.allow_loopback: expected true or false, got string \"yes\""},
      {"[database]", section("[alerting]\nallow_loopback = 1"), 5,
       "alerting.allow_loopback: expected true or false, got integer 1"},
      {"[database]", section("[alerting]\nmax_backof = \"1m\""), 5,
       "alerting: unknown key 'max_backof' (did you mean 'max_backoff'?)"},
  }));
  check_case(c);
}

TEST_CASE("monitor key problems") {
  ScopedEnv env({});
  const std::string long_name(64, 'x');
  const std::string second_monitor =
      "[[monitors]]\nname = \"fraud-v2\"\ntable = \"t\"\ntimestamp_column = \"ts\"\n"
      "schedule = \"5m\"\nwindow = \"1h\"\nreference = { offset = \"7d\" }\n"
      "features = [{ name = \"x\", column = \"x\", kind = \"numerical\" }]\n";
  const std::string empty_monitor =
      "[[monitors]]\nname = \"m2\"\ntable = \"t\"\ntimestamp_column = \"ts\"\n"
      "schedule = \"5m\"\nwindow = \"1h\"\nreference = { offset = \"7d\" }\n";
  auto c = GENERATE_COPY(values<Case>({
      {"name = \"fraud-v2\"", "# unnamed", 7, "monitors[0]: missing required key 'name'"},
      {"name = \"fraud-v2\"", "name = \"Fraud V2\"", 8,
       "monitors[0] (Fraud V2).name: \"Fraud V2\" may only contain lowercase letters, digits, "
       "'_', '.' and '-'"},
      {"name = \"fraud-v2\"", "name = \"Fraud-V2\"", 8, "(did you mean \"fraud-v2\"?)"},
      {"name = \"fraud-v2\"", "name = 7", 8, "monitors[0].name: expected a string, got integer 7"},
      {kAppend, second_monitor, 31,
       "monitors[1] (fraud-v2).name: \"fraud-v2\" is already used by monitors[0] (line 7)"},
      {"table = \"public.predictions\"", "# no table", 7,
       "monitors[0] (fraud-v2): missing required key 'table'"},
      {"table = \"public.predictions\"", "table = \"a.b.c\"", 9,
       "monitors[0] (fraud-v2).table: \"a.b.c\" has more than one '.'"},
      {"table = \"public.predictions\"", "table = \".predictions\"", 9,
       "has an empty schema or table name"},
      {"table = \"public.predictions\"", ("table = \"public." + long_name + "\""), 9,
       "has a table name that is longer than 63 bytes"},
      {"timestamp_column = \"ts\"", "timestamp_column = \"\"", 10,
       "monitors[0] (fraud-v2).timestamp_column: \"\" is empty"},
      {"timestamp_column = \"ts\"", "# no timestamp", 7, "missing required key 'timestamp_column'"},
      {"schedule = \"5m\"", "# no schedule", 7,
       "monitors[0] (fraud-v2): missing required key 'schedule' (a duration such as \"5m\")"},
      {"schedule = \"5m\"", "schedule = \"5 minutes\"", 11,
       "monitors[0] (fraud-v2).schedule: \"5 minutes\" is not a positive duration"},
      {"schedule = \"5m\"", "schedule = 300", 11,
       "monitors[0] (fraud-v2).schedule: expected a duration string such as \"5m\", got integer "
       "300"},
      {"window = \"1h\"", "window = \"0h\"", 12, "window: \"0h\" is not a positive duration"},
      {"window = \"1h\"", "# no window", 7, "missing required key 'window'"},
      {"reference = { offset = \"7d\" }", monitor_key("jitter = \"5m\""), 14,
       "monitors[0] (fraud-v2).jitter: 5m must be shorter than schedule (5m)"},
      {"reference = { offset = \"7d\" }", monitor_key("jitter = \"0s\""), 14,
       "jitter: \"0s\" is not a positive duration"},
      {"reference = { offset = \"7d\" }", monitor_key("min_rows = 0"), 14,
       "monitors[0] (fraud-v2).min_rows: 0 is out of range (expected at least 1)"},
      {"reference = { offset = \"7d\" }", monitor_key("min_rows = 500\nmax_rows = 100"), 15,
       "monitors[0] (fraud-v2).max_rows: 100 is less than min_rows (500)"},
      {"reference = { offset = \"7d\" }", monitor_key("max_rows = 50"), 14,
       "max_rows: 50 is less than min_rows (100, the default)"},
      {"reference = { offset = \"7d\" }", monitor_key("max_rows = 99"), 14,
       "max_rows: 99 is less than min_rows (100, the default)"},
      {"reference = { offset = \"7d\" }", monitor_key("min_rows = 2000000"), 14,
       "min_rows: 2000000 exceeds max_rows (1000000, the default)"},
      // The floor of max_rows is min_rows, not 1.
      {"reference = { offset = \"7d\" }", monitor_key("max_rows = 0"), 14,
       "monitors[0] (fraud-v2).max_rows: 0 is less than min_rows (100, the default)"},
      {"reference = { offset = \"7d\" }", monitor_key("min_rows = 10\nmax_rows = -5"), 15,
       "monitors[0] (fraud-v2).max_rows: -5 is less than min_rows (10)"},
      {"reference = { offset = \"7d\" }", monitor_key("min_rows = 0\nmax_rows = 0"), 14,
       "min_rows: 0 is out of range (expected at least 1)", 2},
      {"reference = { offset = \"7d\" }", monitor_key("min_rows = 0\nmax_rows = 0"), 15,
       "max_rows: 0 is out of range (expected at least min_rows)", 2},
      {"window = \"1h\"", "window = \"99999999999w\"", 12,
       "monitors[0] (fraud-v2).window: \"99999999999w\" is too large (at most 100 years: "
       "\"36600d\""},
      {"window = \"1h\"", "window = \"36601d\"", 12, "window: \"36601d\" is too large"},
      {"window = \"1h\"", "window = \"1h99999999999999999999s\"", 12,
       "window: \"1h99999999999999999999s\" is too large"},
      {"window = \"1h\"", "window = \"99999999999x\"", 12,
       "window: \"99999999999x\" is not a positive duration"},
      {"reference = { offset = \"7d\" }", monitor_key("bins = 1"), 14,
       "monitors[0] (fraud-v2).bins: 1 is out of range (expected 2 to 1000)"},
      {"reference = { offset = \"7d\" }", monitor_key("bins = 1001"), 14,
       "bins: 1001 is out of range (expected 2 to 1000)"},
      {"reference = { offset = \"7d\" }", monitor_key("bins = 10.5"), 14,
       "bins: expected an integer, got float 10.5"},
      {"reference = { offset = \"7d\" }", monitor_key("repeat_interval = \"forever\""), 14,
       "repeat_interval: \"forever\" is not a positive duration"},
      {"reference = { offset = \"7d\" }", monitor_key("failing_after = 0"), 14,
       "failing_after: 0 is out of range (expected 1 to 1000000)"},
      {"reference = { offset = \"7d\" }", monitor_key("windw = \"1h\""), 14,
       "monitors[0] (fraud-v2): unknown key 'windw' (did you mean 'window'?)"},
      {"reference = { offset = \"7d\" }", monitor_key("threshold = { psi = 0.1 }"), 14,
       "unknown key 'threshold' (did you mean 'thresholds'?)"},
      {"reference = { offset = \"7d\" }", monitor_key("colour = \"red\""), 14,
       "unknown key 'colour' (expected one of: name, table, timestamp_column, where,"},
      {kAppend, empty_monitor, 30,
       "monitors[1] (m2): nothing to monitor: add [[monitors.features]] or [monitors.prediction]"},
      {kAppend, (empty_monitor + "features = []\n"), 30, "nothing to monitor"},
      {kAppend, (empty_monitor + "features = \"amount\"\n"), 37,
       "monitors[1] (m2).features: expected an array of tables ([[monitors.features]]), got "
       "string"},
      {kAppend, (empty_monitor + "features = [\"amount\"]\n"), 37,
       "monitors[1] (m2).features[0]: expected a table, got string \"amount\""},
  }));
  check_case(c);
}

TEST_CASE("where problems") {
  ScopedEnv env({});
  const char* ref = "reference = { offset = \"7d\" }";
  auto c = GENERATE_COPY(values<Case>({
      {ref, monitor_key("where = { model = [\"a\", \"b\"] }"), 14,
       "monitors[0] (fraud-v2).where.model: expected a string, integer, float or boolean, got an "
       "array"},
      {ref, monitor_key("where = { model = { eq = \"x\" } }"), 14,
       "where.model: expected a string, integer, float or boolean, got a table"},
      {ref, monitor_key("where = { day = 2026-01-01 }"), 14,
       "where.day: got date 2026-01-01; write dates and times as quoted strings"},
      {ref, monitor_key("where = \"model = 'fraud'\""), 14,
       "monitors[0] (fraud-v2).where: expected a table of column = value"},
      {ref, monitor_key("where = { \"\" = \"x\" }"), 14, "where: column \"\" is empty"},
      {ref, monitor_key("where = { at = 12:00:00 }"), 14, "where.at: got time 12:00:00; write"},
      {ref, monitor_key("where = { at = 2026-01-01T00:00:00Z }"), 14,
       "where.at: got date-time 2026-01-01T00:00:00Z; write dates and times as quoted strings"},
  }));
  check_case(c);
}

TEST_CASE("reference problems") {
  ScopedEnv env({});
  const char* ref = "reference = { offset = \"7d\" }";
  auto c = GENERATE_COPY(values<Case>({
      {ref, "# no reference", 7, "monitors[0] (fraud-v2): missing required key 'reference'"},
      {ref, "reference = \"7d\"", 13,
       "monitors[0] (fraud-v2).reference: expected one of { from = \"...\", to = \"...\" }"},
      {ref, "reference = { offset = \"7d\", table = \"snap\" }", 13,
       "reference: give exactly one of { from = \"...\", to = \"...\" } (a fixed window), "
       "{ offset = \"7d\" } or { table = \"schema.table\" } (found offset, table)"},
      {ref, "reference = { offset = \"7d\", from = \"2026-01-01T00:00:00Z\" }", 13,
       "(found from, offset)"},
      {ref, "reference = {}", 13, "monitors[0] (fraud-v2).reference: give one of { from ="},
      {ref, "reference = { from = \"2026-01-01T00:00:00Z\" }", 13,
       "monitors[0] (fraud-v2).reference: missing required key 'to'"},
      {ref, "reference = { to = \"2026-01-01T00:00:00Z\" }", 13, "missing required key 'from'"},
      {ref, "reference = { from = \"2026-01-08T00:00:00Z\", to = \"2026-01-01T00:00:00Z\" }", 13,
       "reference.from (2026-01-08T00:00:00Z) must be before monitors[0] (fraud-v2).reference.to "
       "(2026-01-01T00:00:00Z)"},
      {ref, "reference = { from = \"2026-01-01T00:00:00Z\", to = \"2026-01-01T00:00:00Z\" }", 13,
       "must be before"},
      {ref, "reference = { from = \"2026-01-01\", to = \"2026-01-08T00:00:00Z\" }", 13,
       "reference.from: \"2026-01-01\" is not an RFC 3339 time with a UTC offset"},
      {ref, "reference = { from = 2026-01-01T00:00:00, to = 2026-01-08T00:00:00Z }", 13,
       "reference.from: date-time 2026-01-01T00:00:00 has no UTC offset"},
      {ref, "reference = { from = 2026-01-01, to = 2026-01-08T00:00:00Z }", 13,
       "reference.from: expected an RFC 3339 time such as \"2026-01-01T00:00:00Z\", got date"},
      {ref, "reference = { offset = \"-7d\" }", 13,
       "reference.offset: \"-7d\" is not a positive duration"},
      {ref, "reference = { offset = 7 }", 13, "reference.offset: expected a duration string"},
      {ref, "reference = { tabel = \"ml.snap\" }", 13,
       "monitors[0] (fraud-v2).reference: unknown key 'tabel' (did you mean 'table'?)", 2},
      {ref, "reference = { offset = \"7d\", where = { a = 1 } }", 13,
       "reference.where: only a { table = ... } reference takes its own 'where'"},
      {ref,
       "reference = { from = \"2026-01-01T00:00:00Z\", to = \"2026-01-02T00:00:00Z\", "
       "timestamp_column = \"t\" }",
       13, "reference.timestamp_column: only a { table = ... } reference takes its own"},
      {ref, "reference = { table = \"a.b.c\" }", 13,
       "reference.table: \"a.b.c\" has more than one '.'"},
      {ref, "reference = { table = 5 }", 13, "reference.table: expected a string, got integer 5"},
      {ref,
       "reference = { table = \"snap\", from = \"2026-01-08T00:00:00Z\", "
       "to = \"2026-01-01T00:00:00Z\" }",
       13, "must be before"},
      {ref, "reference = { table = \"snap\", where = { k = [1] } }", 13,
       "reference.where.k: expected a string, integer, float or boolean"},
      {ref, "reference = { table = \"snap\", timestamp_column = \"\" }", 13,
       "reference.timestamp_column: \"\" is empty"},
  }));
  check_case(c);
}

TEST_CASE("feature problems") {
  ScopedEnv env({});
  auto c = GENERATE(values<Case>({
      {"kind = \"numerical\"", "kind = \"numeric\"", 18,
       "monitors[0] (fraud-v2).features[0].kind: \"numeric\" is not one of \"numerical\", "
       "\"categorical\" (did you mean \"numerical\"?)"},
      {"kind = \"numerical\"", "kind = \"text\"", 18,
       "\"text\" is not one of \"numerical\", \"categorical\""},
      {"kind = \"numerical\"", "# kind?", 15,
       "monitors[0] (fraud-v2).features[0]: missing required key 'kind' (one of \"numerical\", "
       "\"categorical\")"},
      {"kind = \"numerical\"", "kind = 1", 18,
       "features[0].kind: expected a string, got integer 1"},
      {"column = \"amount\"", "column = \"amount\"\njson = \"features\"", 18,
       "monitors[0] (fraud-v2).features[0]: give either 'column' or 'json' + 'key', not both"},
      {"column = \"amount\"", "# no source", 15,
       "features[0]: missing required key 'column' (or 'json' + 'key' for a key of a jsonb "
       "column)"},
      {"key = \"country\"", "# no key", 22,
       "monitors[0] (fraud-v2).features[1].json: needs 'key' too"},
      {"json = \"features\"", "# no json", 23,
       "monitors[0] (fraud-v2).features[1].key: needs 'json' too"},
      {"key = \"country\"", "key = \"\"", 23, "features[1].key: is empty"},
      {"column = \"amount\"", "column = \"\"", 17, "features[0].column: \"\" is empty"},
      {"json = \"features\"", "json = 3", 22, "features[1].json: expected a string, got integer 3"},
      {"name = \"country\"", "name = \"amount\"", 21,
       "monitors[0] (fraud-v2).features[1].name: \"amount\" is already used by features[0] (line "
       "15)"},
      {"name = \"amount\"", "name = \"__prediction__\"", 16,
       "features[0].name: \"__prediction__\" is reserved"},
      {"name = \"amount\"", "name = \"__confidence__\"", 16, "\"__confidence__\" is reserved"},
      {"name = \"amount\"", "# no name", 15,
       "monitors[0] (fraud-v2).features[0]: missing required key 'name'"},
      {"name = \"amount\"", "name = \"\"", 16, "features[0].name: is empty"},
      {"column = \"amount\"", "colum = \"amount\"", 17,
       "features[0]: unknown key 'colum' (did you mean 'column'?)", 2},
  }));
  check_case(c);
}

TEST_CASE("prediction and confidence problems") {
  ScopedEnv env({});
  const char* features = "[[monitors.features]]";
  auto c = GENERATE_COPY(values<Case>({
      {features, subtable("[monitors.prediction]\ncolumn = \"p\"\nkind = \"label\""), 17,
       "monitors[0] (fraud-v2).prediction.kind: \"label\" is not one of"},
      {features,
       subtable("[monitors.prediction]\nname = \"p\"\ncolumn = \"p\"\nkind = \"numerical\""), 16,
       "monitors[0] (fraud-v2).prediction: unknown key 'name' (expected one of: column, json"},
      {features, subtable("[monitors.prediction]\nkind = \"numerical\""), 15,
       "monitors[0] (fraud-v2).prediction: missing required key 'column'"},
      {features, subtable("[monitors.prediction]\ncolumn = \"p\""), 15,
       "prediction: missing required key 'kind'"},
      {"reference = { offset = \"7d\" }", monitor_key("prediction = \"p\""), 14,
       "monitors[0] (fraud-v2).prediction: expected a table such as { column = \"prediction\""},
      {features, subtable("[monitors.confidence]\ncolumn = \"c\"\nlow = 1.0"), 17,
       "monitors[0] (fraud-v2).confidence.low: 1 is out of range (expected strictly between 0 "
       "and 1)"},
      {features, subtable("[monitors.confidence]\ncolumn = \"c\"\nlow = 0"), 17,
       "confidence.low: 0 is out of range"},
      {features, subtable("[monitors.confidence]\ncolumn = \"c\"\nlow = -0.5"), 17,
       "confidence.low: -0.5 is out of range"},
      {features, subtable("[monitors.confidence]\ncolumn = \"c\"\nlow = \"high\""), 17,
       "confidence.low: expected a number, got string \"high\""},
      {features, subtable("[monitors.confidence]\ncolumn = \"c\"\nlow = nan"), 17,
       "confidence.low: NaN is not a finite number"},
      {features, subtable("[monitors.confidence]\nlow = 0.5"), 15,
       "monitors[0] (fraud-v2).confidence: missing required key 'column'"},
      {features, subtable("[monitors.confidence]\njson = \"j\""), 16,
       "confidence.json: needs 'key' too"},
      {features, subtable("[monitors.confidence]\ncolumn = \"c\"\nlo = 0.5"), 17,
       "confidence: unknown key 'lo' (did you mean 'low'?)"},
  }));
  check_case(c);
}

TEST_CASE("threshold problems") {
  ScopedEnv env({});
  const char* features = "[[monitors.features]]";
  auto th = [](const std::string& line) {
    return subtable(std::string("[monitors.thresholds]\n") + line);
  };
  auto c = GENERATE_COPY(values<Case>({
      {features, th("pis = 0.2"), 16,
       "monitors[0] (fraud-v2).thresholds: unknown statistic 'pis' (did you mean 'psi'?)"},
      {features, th("js_distanse = 0.2"), 16,
       "unknown statistic 'js_distanse' (did you mean 'js_distance'?)"},
      {features, th("bogus_stat = 1"), 16,
       "unknown statistic 'bogus_stat' (expected one of: psi, kl_divergence, js_distance"},
      {features, th("psi = \"0.2\""), 16,
       "monitors[0] (fraud-v2).thresholds.psi: expected a number or a table such as { above = "
       "0.1, resolve_below = 0.08, for = 2 }, got string \"0.2\""},
      {features, th("psi = true"), 16, "thresholds.psi: expected a number or a table"},
      {features, th("psi = nan"), 16, "thresholds.psi: NaN is not a finite number"},
      {features, th("psi = inf"), 16, "thresholds.psi: Infinity is not a finite number"},
      {features, th("js_distance = { above = 0.1, below = 0.05 }"), 16,
       "thresholds.js_distance: give either 'above' or 'below', not both"},
      {features, th("js_distance = { for = 2 }"), 16,
       "thresholds.js_distance: missing 'above' or 'below'"},
      {features, th("ks_pvalue = { below = 0.01, resolve_below = 0.02 }"), 16,
       "thresholds.ks_pvalue.resolve_below: goes with 'above'; with 'below' use 'resolve_above'"},
      {features, th("js_distance = { above = 0.1, resolve_above = 0.02 }"), 16,
       "thresholds.js_distance.resolve_above: goes with 'below'; with 'above' use "
       "'resolve_below'"},
      {features, th("js_distance = { above = 0.1, resolve_below = 0.12 }"), 16,
       "thresholds.js_distance.resolve_below: 0.12 must not exceed the 'above' level (0.1)"},
      {features, th("ks_pvalue = { below = 0.01, resolve_above = 0.005 }"), 16,
       "thresholds.ks_pvalue.resolve_above: 0.005 must be at least the 'below' level (0.01)"},
      {features, th("js_distance = { above = 0.1, for = 0 }"), 16,
       "thresholds.js_distance.for: 0 is out of range (expected 1 to 1000000)"},
      {features, th("js_distance = { above = 0.1, for = 1.5 }"), 16,
       "thresholds.js_distance.for: expected an integer, got float 1.5"},
      {features, th("js_distance = { above = 0.1, severity = \"urgent\" }"), 16,
       "thresholds.js_distance.severity: \"urgent\" is not one of \"low\", \"medium\", \"high\", "
       "\"critical\""},
      {features, th("js_distance = { above = 0.1, severity = \"hihg\" }"), 16,
       "(did you mean \"high\"?)"},
      {features, th("js_distance = { above = 0.1, fro = 2 }"), 16,
       "thresholds.js_distance: unknown key 'fro' (did you mean 'for'?)"},
      {features, th("js_distance = { above = \"0.1\" }"), 16,
       "thresholds.js_distance.above: expected a number, got string \"0.1\""},
      {"reference = { offset = \"7d\" }", monitor_key("thresholds = 5"), 14,
       "monitors[0] (fraud-v2).thresholds: expected a table of statistic = threshold"},
  }));
  check_case(c);
}

TEST_CASE("sink problems") {
  ScopedEnv env({});
  const char* url = "url = \"http://127.0.0.1:8080/hook\"";
  auto with = [&](const std::string& line) {
    return std::string(url) + "\n" + line;
  };  // on line 30
  auto c = GENERATE_COPY(values<Case>({
      {"type = \"webhook\"", "type = \"email\"", 28,
       "sinks[0] (oncall).type: \"email\" is not one of \"webhook\", \"slack\", \"pagerduty\", "
       "\"alertmanager\""},
      {"type = \"webhook\"", "type = \"webhok\"", 28, "(did you mean \"webhook\"?)"},
      {"type = \"webhook\"", "# no type", 26, "sinks[0] (oncall): missing required key 'type'"},
      {url, "url = \"hooks.example.com/x\"", 29,
       "sinks[0] (oncall).url: \"hooks.example.com/x\" is not an http:// or https:// URL"},
      {url, "url = \"https://user:s3cret@hooks.example.com:99999/x\"", 29,
       "\"https://user:***@hooks.example.com:99999/x\" has a port above 65535"},
      {url, "url = \"http:// spaced.example.com/\"", 29, "contains whitespace"},
      {url, "# no url", 26, "sinks[0] (oncall): missing required key 'url'"},
      {"name = \"oncall\"", "# no name", 26, "sinks[0]: missing required key 'name'"},
      {"name = \"oncall\"", "name = \"\"", 27, "sinks[0] ().name: is empty"},
      {kAppend,
       "[[sinks]]\nname = \"oncall\"\ntype = \"slack\"\nurl = \"https://hooks.slack.com/x\"\n", 31,
       "sinks[1] (oncall).name: \"oncall\" is already used by sinks[0] (line 26)"},
      {url, with("min_severity = \"urgent\""), 30,
       "sinks[0] (oncall).min_severity: \"urgent\" is not one of \"low\", \"medium\", \"high\", "
       "\"critical\""},
      {url, with("timeout = \"10\""), 30,
       "sinks[0] (oncall).timeout: \"10\" is not a positive duration"},
      {url, with("secret_env = \"whsec/abc+123=\""), 30,
       "sinks[0] (oncall).secret_env: is not an environment variable name"},
      {"type = \"webhook\"", "type = \"pagerduty\"", 26,
       "sinks[0] (oncall): missing required key 'secret_env' (type \"pagerduty\" needs"},
      {url, with("monitors = [\"fraud-v3\"]"), 30,
       "sinks[0] (oncall).monitors[0]: no monitor is named \"fraud-v3\" (did you mean "
       "\"fraud-v2\"?)"},
      {url, with("monitors = [\"fraud-v2\", \"churn\"]"), 30,
       "sinks[0] (oncall).monitors[1]: no monitor is named \"churn\""},
      {url, with("monitors = []"), 30,
       "sinks[0] (oncall).monitors: is empty; leave it out to send every monitor's alerts here"},
      {url, with("monitors = \"fraud-v2\""), 30,
       "sinks[0] (oncall).monitors: expected an array of monitor names, got string"},
      {url, with("monitors = [1]"), 30,
       "sinks[0] (oncall).monitors[0]: expected a monitor name, got integer 1"},
      {url, with("secret = \"x\""), 30,
       "sinks[0] (oncall): unknown key 'secret' (expected one of: name, type, url, secret_env"},
      {url, with("min_severty = \"low\""), 30,
       "unknown key 'min_severty' (did you mean 'min_severity'?)"},
  }));
  check_case(c);
}

TEST_CASE("a sink may name a monitor whose own definition is broken without a second error") {
  ScopedEnv env({});
  // The monitor's bad window is the only problem: the sink's reference to it is not one.
  auto problems =
      problems_of(replaced(replaced(kBase, "window = \"1h\"", "window = \"soon\""),
                           "url = \"http://127.0.0.1:8080/hook\"",
                           "url = \"http://127.0.0.1:8080/hook\"\nmonitors = [\"fraud-v2\"]"));
  INFO(dump(problems));
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].line == 12);
}

TEST_CASE("every problem of a file is reported at once, in line order") {
  ScopedEnv env({});
  std::string text = kBase;
  text = replaced(text, "type = \"webhook\"", "type = \"email\"");                 // line 28
  text = replaced(text, "kind = \"numerical\"", "kind = \"numeric\"");             // line 18
  text = replaced(text, "schedule = \"5m\"", "schedule = \"5 min\"");              // line 11
  text = replaced(text, "listen = \"127.0.0.1:9464\"", "listen = \"localhost\"");  // line 2
  text = replaced(text, "reference = { offset = \"7d\" }",
                  "reference = { tabel = \"snap\" }");  // line 13, twice
  try {
    load(text);
    FAIL("loaded an invalid file");
  } catch (const ConfigError& e) {
    const auto& p = e.problems();
    INFO(dump(p));
    REQUIRE(p.size() == 6);
    std::vector<int> lines;
    for (const auto& problem : p) lines.push_back(problem.line);
    CHECK(lines == std::vector<int>{2, 11, 13, 13, 18, 28});
    const std::string what = e.what();
    CHECK(what.find("driftd.toml:2: server.listen: \"localhost\" has no port") !=
          std::string::npos);
    CHECK(what.find("driftd.toml:11: monitors[0] (fraud-v2).schedule:") != std::string::npos);
    CHECK(what.find("driftd.toml:18: monitors[0] (fraud-v2).features[0].kind: \"numeric\" is not "
                    "one of \"numerical\", \"categorical\" (did you mean \"numerical\"?)") !=
          std::string::npos);
    CHECK(what.find("driftd.toml:28: sinks[0] (oncall).type:") != std::string::npos);
    CHECK(std::count(what.begin(), what.end(), '\n') == 5);
  }
}

TEST_CASE("passwords never appear in database url problems") {
  SECTION("a bad url in the file") {
    ScopedEnv env({});
    auto problems = problems_of(replaced(kBase, "url = \"postgresql://driftd@localhost/app\"",
                                         "url = \"pg://u:hunter2@db/app\""));
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].message.find("hunter2") == std::string::npos);
    CHECK(problems[0].message.find("pg://u:***@db/app") != std::string::npos);
  }
  SECTION("a bad DRIFTD_DATABASE_URL: no line, named after the variable") {
    ScopedEnv env({{"DRIFTD_DATABASE_URL", "db.example.com password hunter2"}});
    auto problems = problems_of(kBase);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].line == 0);
    CHECK(problems[0].message.find("DRIFTD_DATABASE_URL (overrides database.url):") == 0);
    CHECK(problems[0].to_string().find("driftd.toml: DRIFTD_DATABASE_URL") == 0);
  }
  SECTION("a key=value url is accepted and a bad env url is masked") {
    ScopedEnv env({{"DRIFTD_DATABASE_URL", "mysql://root:hunter2@db/app"}});
    auto problems = problems_of(kBase);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].message.find("hunter2") == std::string::npos);
    CHECK(problems[0].message.find("mysql://root:***@db/app") != std::string::npos);
  }
}

TEST_CASE("secrets mistaken for variable names are not echoed") {
  ScopedEnv env({});
  auto problems = problems_of(replaced(kBase, "url = \"http://127.0.0.1:8080/hook\"",
                                       "url = \"http://127.0.0.1:8080/hook\"\n"
                                       "secret_env = \"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD\""));
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].message.find("whsec") == std::string::npos);
  problems = problems_of(replaced(kBase, "listen = \"127.0.0.1:9464\"",
                                  "listen = \"127.0.0.1:9464\"\napi_token_env = \"my token\""));
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].message.find("my token") == std::string::npos);
}

TEST_CASE("the url is required unless DRIFTD_DATABASE_URL is set") {
  const std::string no_url =
      replaced(kBase, "url = \"postgresql://driftd@localhost/app\"", "state_schema = \"s\"");
  {
    ScopedEnv env({});
    auto problems = problems_of(no_url);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].line == 4);
  }
  {
    ScopedEnv env({{"DRIFTD_DATABASE_URL", ""}});
    CHECK(problems_of(no_url).size() == 1);
  }
  {
    ScopedEnv env({{"DRIFTD_DATABASE_URL", "postgresql://db/app"}});
    CHECK(problems_of(no_url).empty());
  }
}

TEST_CASE("a file with problems: what is still readable, for check's database checks") {
  ScopedEnv env({});
  // kBase with: a bad duration in the monitor (not what the database is asked about), a bad kind
  // in its second feature, a second monitor whose table is missing, a sink of an unknown type.
  std::string text = replaced(kBase, "window = \"1h\"", "window = \"99999999999w\"");
  text = replaced(text, "kind = \"categorical\"", "kind = \"categoric\"");
  text = replaced(text, "[[sinks]]",
                  "[[monitors]]\nname = \"churn\"\ntimestamp_column = \"ts\"\nschedule = \"5m\"\n"
                  "window = \"1h\"\nreference = { offset = \"7d\" }\n"
                  "features = [{ name = \"x\", column = \"x\", kind = \"numerical\" }]\n\n"
                  "[[sinks]]");
  text = replaced(text, "type = \"webhook\"", "type = \"pager\"");
  try {
    load(text);
    FAIL("loaded");
  } catch (const ConfigError& e) {
    INFO(dump(e.problems()));
    CHECK(e.problems().size() == 4);
    const Config* partial = e.partial();
    REQUIRE(partial != nullptr);
    REQUIRE(partial->monitors.size() == 1);
    const MonitorConfig& m = partial->monitors[0];
    CHECK(m.name == "fraud-v2");
    CHECK(m.table == "public.predictions");
    CHECK(m.table_line == 9);
    CHECK(m.timestamp_column_line == 10);
    REQUIRE(m.features.size() == 1);  // "country" had a problem of its own
    CHECK(m.features[0].name == "amount");
    CHECK(m.features[0].source.line == 17);
    CHECK(partial->sinks.empty());
  }
  // A problem in [database]: nothing to check the database with.
  try {
    load(replaced(text, "url = \"postgresql://driftd@localhost/app\"", "url = 5"));
    FAIL("loaded");
  } catch (const ConfigError& e) {
    CHECK(e.partial() == nullptr);
  }
}
