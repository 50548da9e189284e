// Valid configurations: every key lands in the right field, defaults fill the rest.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "support.hpp"

using namespace driftd;
using namespace driftd::config;
using namespace driftd::config::test;
using namespace std::chrono;

namespace {

Timestamp at(const char* rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  REQUIRE(t);
  return *t;
}

Duration dur(const char* text) {
  auto d = parse_duration(text);
  REQUIRE(d);
  return *d;
}

// Every key of the contract and of the extensions, none at its default. Line numbers matter.
constexpr const char* kComplete = R"([server]
listen = "[::1]:9000"
api_token_env = "DRIFTD_API_TOKEN"
external_url = "https://driftd.example.com/"
max_body_bytes = 65536
read_timeout = "5s"
write_timeout = "15s"

[scheduler]
workers = 3
shutdown_grace = "45s"

[database]
url = "postgresql://driftd:secret@db:5432/app"
state_schema = "drift_state"
statement_timeout = "2m"
connect_timeout = "3s"
read_connections = 4

[alerting]
initial_backoff = "2s"
max_backoff = "10m"
give_up_after = "2d"
allowed_hosts = ["hooks.slack.com", "127.0.0.1"]

[[monitors]]
name = "fraud-v2"
table = "public.predictions"
timestamp_column = "ts"
where = { model = "fraud", model_version = "v2.1.0" }
schedule = "5m"
window = "1h"
jitter = "20s"
reference = { from = "2026-01-01T00:00:00Z", to = 2026-01-08T01:00:00+01:00 }
min_rows = 50
max_rows = 200000
bins = 20
repeat_interval = "2h"
failing_after = 5

  [monitors.prediction]
  column = "prediction"
  kind = "categorical"

  [monitors.confidence]
  json = "scores"
  key = "confidence"
  low = 0.7

  [[monitors.features]]
  name = "amount"
  column = "amount"
  kind = "numerical"

  [[monitors.features]]
  name = "country"
  json = "features"
  key = "country"
  kind = "categorical"

  [monitors.thresholds]
  js_distance = { above = 0.1, resolve_below = 0.08, for = 2 }
  psi = 0.3
  ks_pvalue = { below = 0.01, resolve_above = 0.02, severity = "critical" }
  chi2_pvalue = 0.001

[[monitors]]
name = "churn"
table = "churn_scores"
timestamp_column = "scored_at"
schedule = "1h"
window = "1d"
reference = { offset = "7d" }
features = [{ name = "tenure", column = "tenure_days", kind = "numerical" }]

[[monitors]]
name = "ranker.v7"
table = "serving.requests"
timestamp_column = "requested_at"
schedule = "15m"
window = "6h"

  [monitors.reference]
  table = "ml.training_snapshot"
  where = { dataset = "2026-02", holdout = false }
  from = "2026-02-01T00:00:00Z"

  [monitors.prediction]
  column = "score"
  kind = "numerical"

[[sinks]]
name = "oncall"
type = "webhook"
url = "http://127.0.0.1:8080/hook"
secret_env = "DRIFTD_WEBHOOK_SECRET"
min_severity = "medium"
timeout = "5s"
monitors = ["fraud-v2", "churn"]

[[sinks]]
name = "slack"
type = "slack"
url = "https://hooks.slack.com/services/T/B/X"

[[sinks]]
name = "pd"
type = "pagerduty"
url = "https://events.pagerduty.com/v2/enqueue"
secret_env = "PD_ROUTING_KEY"
min_severity = "critical"

[[sinks]]
name = "am"
type = "alertmanager"
url = "http://alertmanager:9093"
)";

// The smallest valid file: everything else takes its default.
constexpr const char* kMinimal = R"([database]
url = "postgresql://localhost/app"

[[monitors]]
name = "m"
table = "t"
timestamp_column = "ts"
schedule = "5m"
window = "1h"
reference = { offset = "1d" }
features = [{ name = "x", column = "x", kind = "numerical" }]
)";

void check_threshold(const ThresholdConfig& t, const char* statistic,
                     drift::Threshold::Direction direction, double level, double resolve_level,
                     int for_count, std::optional<Severity> severity, int line) {
  CAPTURE(statistic);
  CHECK(t.statistic == statistic);
  CHECK(t.direction == direction);
  CHECK(t.level == level);
  CHECK(t.resolve_level == resolve_level);
  CHECK(t.for_count == for_count);
  CHECK(t.severity == severity);
  CHECK(t.line == line);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("a complete config fills every field") {
  ScopedEnv env({});
  Config c = load(kComplete);
  CHECK(c.path == "driftd.toml");

  CHECK(c.server.listen == "[::1]:9000");
  CHECK(c.server.api_token_env == "DRIFTD_API_TOKEN");
  CHECK(c.server.external_url == "https://driftd.example.com");  // trailing '/' trimmed
  CHECK(c.server.max_body_bytes == 65536);
  CHECK(c.server.read_timeout == dur("5s"));
  CHECK(c.server.write_timeout == dur("15s"));

  CHECK(c.scheduler.workers == 3);
  CHECK(c.scheduler.shutdown_grace == dur("45s"));

  CHECK(c.database.url == "postgresql://driftd:secret@db:5432/app");
  CHECK(c.database.state_schema == "drift_state");
  CHECK(c.database.statement_timeout == dur("2m"));
  CHECK(c.database.connect_timeout == dur("3s"));
  CHECK(c.database.read_connections == 4);

  CHECK(c.alerting.initial_backoff == dur("2s"));
  CHECK(c.alerting.max_backoff == dur("10m"));
  CHECK(c.alerting.give_up_after == dur("2d"));
  CHECK(c.alerting.allowed_hosts == std::vector<std::string>{"hooks.slack.com", "127.0.0.1"});

  REQUIRE(c.monitors.size() == 3);
  const MonitorConfig& fraud = c.monitors[0];
  CHECK(fraud.name == "fraud-v2");
  CHECK(fraud.line == 26);
  CHECK(fraud.table == "public.predictions");
  CHECK(fraud.timestamp_column == "ts");
  REQUIRE(fraud.where.size() == 2);
  CHECK(fraud.where[0].column == "model");
  CHECK(fraud.where[0].value == "fraud");
  CHECK(fraud.where[0].line == 30);
  CHECK(fraud.where[1].column == "model_version");
  CHECK(fraud.where[1].value == "v2.1.0");
  CHECK(fraud.schedule == dur("5m"));
  CHECK(fraud.window == dur("1h"));
  CHECK(fraud.jitter == dur("20s"));
  CHECK(fraud.reference.kind == ReferenceConfig::Kind::fixed);
  CHECK(fraud.reference.from == at("2026-01-01T00:00:00Z"));
  CHECK(fraud.reference.to == at("2026-01-08T00:00:00Z"));  // a TOML date-time, offset applied
  CHECK(fraud.reference.table.empty());
  CHECK(fraud.reference.where.empty());
  CHECK(fraud.reference.line == 34);
  CHECK(fraud.min_rows == 50);
  CHECK(fraud.max_rows == 200000);
  CHECK(fraud.bins == 20);
  CHECK(fraud.repeat_interval == dur("2h"));
  CHECK(fraud.failing_after == 5);

  REQUIRE(fraud.prediction);
  CHECK(fraud.prediction->name == "__prediction__");
  CHECK(fraud.prediction->source.column == "prediction");
  CHECK_FALSE(fraud.prediction->source.is_json());
  CHECK(fraud.prediction->kind == FeatureKind::categorical);
  CHECK(fraud.prediction->line == 41);

  REQUIRE(fraud.confidence);
  CHECK(fraud.confidence->source.column.empty());
  CHECK(fraud.confidence->source.json == "scores");
  CHECK(fraud.confidence->source.key == "confidence");
  CHECK(fraud.confidence->source.is_json());
  CHECK(fraud.confidence->low == 0.7);
  CHECK(fraud.confidence->line == 45);

  REQUIRE(fraud.features.size() == 2);
  CHECK(fraud.features[0].name == "amount");
  CHECK(fraud.features[0].source.column == "amount");
  CHECK(fraud.features[0].source.json.empty());
  CHECK(fraud.features[0].kind == FeatureKind::numerical);
  CHECK(fraud.features[0].line == 50);
  CHECK(fraud.features[1].name == "country");
  CHECK(fraud.features[1].source.column.empty());
  CHECK(fraud.features[1].source.json == "features");
  CHECK(fraud.features[1].source.key == "country");
  CHECK(fraud.features[1].kind == FeatureKind::categorical);
  CHECK(fraud.features[1].line == 55);

  // The user's thresholds in file order, then the defaults not given (psi was given).
  using D = drift::Threshold::Direction;
  REQUIRE(fraud.thresholds.size() == 6);
  check_threshold(fraud.thresholds[0], "js_distance", D::above, 0.1, 0.08, 2, std::nullopt, 62);
  check_threshold(fraud.thresholds[1], "psi", D::above, 0.3, 0.3, 1, std::nullopt, 63);
  check_threshold(fraud.thresholds[2], "ks_pvalue", D::below, 0.01, 0.02, 1, Severity::critical,
                  64);
  check_threshold(fraud.thresholds[3], "chi2_pvalue", D::above, 0.001, 0.001, 1, std::nullopt, 65);
  check_threshold(fraud.thresholds[4], "missing_rate", D::above, 0.05, 0.05, 1, std::nullopt, 0);
  check_threshold(fraud.thresholds[5], "low_confidence_rate", D::above, 0.2, 0.2, 1, std::nullopt,
                  0);

  const MonitorConfig& churn = c.monitors[1];
  CHECK(churn.name == "churn");
  CHECK(churn.line == 67);
  CHECK(churn.table == "churn_scores");
  CHECK(churn.timestamp_column == "scored_at");
  CHECK(churn.where.empty());
  CHECK(churn.reference.kind == ReferenceConfig::Kind::offset);
  CHECK(churn.reference.offset == dur("7d"));
  CHECK_FALSE(churn.reference.from);
  CHECK_FALSE(churn.reference.to);
  CHECK(churn.jitter == Duration{0});
  CHECK_FALSE(churn.prediction);
  CHECK_FALSE(churn.confidence);
  REQUIRE(churn.features.size() == 1);
  CHECK(churn.features[0].name == "tenure");
  CHECK(churn.features[0].source.column == "tenure_days");
  CHECK(churn.features[0].line == 74);

  const MonitorConfig& ranker = c.monitors[2];
  CHECK(ranker.name == "ranker.v7");
  CHECK(ranker.features.empty());
  REQUIRE(ranker.prediction);
  CHECK(ranker.prediction->kind == FeatureKind::numerical);
  CHECK(ranker.prediction->source.column == "score");
  CHECK(ranker.reference.kind == ReferenceConfig::Kind::table);
  CHECK(ranker.reference.table == "ml.training_snapshot");
  CHECK(ranker.reference.line == 83);
  CHECK(ranker.reference.from == at("2026-02-01T00:00:00Z"));
  CHECK_FALSE(ranker.reference.to);
  CHECK(ranker.reference.timestamp_column == "requested_at");  // the monitor's, by default
  REQUIRE(ranker.reference.where.size() == 2);
  CHECK(ranker.reference.where[0].column == "dataset");
  CHECK(ranker.reference.where[0].value == "2026-02");
  CHECK(ranker.reference.where[1].column == "holdout");
  CHECK(ranker.reference.where[1].value == "false");
  CHECK(ranker.reference.where[1].line == 85);

  REQUIRE(c.sinks.size() == 4);
  const SinkConfig& oncall = c.sinks[0];
  CHECK(oncall.name == "oncall");
  CHECK(oncall.type == SinkConfig::Type::webhook);
  CHECK(oncall.url == "http://127.0.0.1:8080/hook");
  CHECK(oncall.secret_env == "DRIFTD_WEBHOOK_SECRET");
  CHECK(oncall.min_severity == Severity::medium);
  CHECK(oncall.timeout == dur("5s"));
  CHECK(oncall.monitors == std::vector<std::string>{"fraud-v2", "churn"});
  CHECK(oncall.line == 92);
  CHECK(c.sinks[1].type == SinkConfig::Type::slack);
  CHECK(c.sinks[1].secret_env.empty());
  CHECK(c.sinks[1].min_severity == Severity::low);
  CHECK(c.sinks[1].timeout == dur("10s"));
  CHECK(c.sinks[1].monitors.empty());
  CHECK(c.sinks[2].type == SinkConfig::Type::pagerduty);
  CHECK(c.sinks[2].secret_env == "PD_ROUTING_KEY");
  CHECK(c.sinks[2].min_severity == Severity::critical);
  CHECK(c.sinks[3].type == SinkConfig::Type::alertmanager);
  CHECK(c.sinks[3].url == "http://alertmanager:9093");

  CHECK(c.find_monitor("churn") == &c.monitors[1]);
  CHECK(c.find_monitor("ranker.v7") == &c.monitors[2]);
  CHECK(c.find_monitor("nope") == nullptr);
}

TEST_CASE("defaults fill what a minimal config leaves out") {
  ScopedEnv env({});
  Config c = load(kMinimal);
  ServerOptions server_defaults;
  CHECK(c.server.listen == "127.0.0.1:9464");
  CHECK(c.server.api_token_env.empty());
  CHECK(c.server.external_url == "http://127.0.0.1:9464");
  CHECK(c.server.max_body_bytes == server_defaults.max_body_bytes);
  CHECK(c.server.read_timeout == dur("10s"));
  CHECK(c.server.write_timeout == dur("10s"));
  CHECK(c.server.max_connections == 256);
  CHECK(c.server.max_connections_per_client == 32);
  CHECK(c.scheduler.workers == 0);
  CHECK(c.scheduler.shutdown_grace == dur("30s"));
  CHECK(c.database.url == "postgresql://localhost/app");
  CHECK(c.database.state_schema == "driftd");
  CHECK(c.database.statement_timeout == dur("60s"));
  CHECK(c.database.connect_timeout == dur("10s"));
  CHECK(c.database.read_connections == 2);
  CHECK(c.alerting.initial_backoff == dur("1s"));
  CHECK(c.alerting.max_backoff == dur("5m"));
  CHECK(c.alerting.give_up_after == dur("24h"));
  CHECK(c.alerting.allowed_hosts.empty());
  CHECK(c.alerting.allow_loopback);  // no allow-list: loopback sinks (CONTRACT's example) work
  CHECK(c.sinks.empty());

  REQUIRE(c.monitors.size() == 1);
  const MonitorConfig& m = c.monitors[0];
  CHECK(m.where.empty());
  CHECK(m.jitter == Duration{0});
  CHECK(m.min_rows == 100);
  CHECK(m.max_rows == 1000000);
  CHECK(m.bins == 10);
  CHECK(m.repeat_interval == dur("4h"));
  CHECK(m.failing_after == 3);
  CHECK_FALSE(m.prediction);
  CHECK_FALSE(m.confidence);

  using D = drift::Threshold::Direction;
  REQUIRE(m.thresholds.size() == 3);
  check_threshold(m.thresholds[0], "psi", D::above, 0.2, 0.2, 1, std::nullopt, 0);
  check_threshold(m.thresholds[1], "missing_rate", D::above, 0.05, 0.05, 1, std::nullopt, 0);
  check_threshold(m.thresholds[2], "low_confidence_rate", D::above, 0.2, 0.2, 1, std::nullopt, 0);
}

TEST_CASE("defaults are merged after the user's thresholds, never duplicated") {
  ScopedEnv env({});
  std::string text = std::string(kMinimal) +
                     "\n[monitors.thresholds]\n"
                     "missing_rate = 0.1\n"
                     "ks_pvalue = { below = 0.05 }\n"
                     "low_confidence_rate = { above = 0.5, for = 3, severity = \"low\" }\n";
  Config c = load(text);
  const auto& t = c.monitors[0].thresholds;
  REQUIRE(t.size() == 4);
  CHECK(t[0].statistic == "missing_rate");
  CHECK(t[0].level == 0.1);
  CHECK(t[0].line == 14);
  CHECK(t[1].statistic == "ks_pvalue");
  CHECK(t[1].direction == drift::Threshold::Direction::below);
  CHECK(t[1].level == 0.05);
  CHECK(t[1].resolve_level == 0.05);
  CHECK(t[2].statistic == "low_confidence_rate");
  CHECK(t[2].for_count == 3);
  CHECK(t[2].severity == Severity::low);
  CHECK(t[3].statistic == "psi");
  CHECK(t[3].level == 0.2);
}

TEST_CASE("an integer threshold is a level") {
  ScopedEnv env({});
  Config c = load(std::string(kMinimal) + "thresholds = { mean_shift_sigmas = 3 }\n");
  CHECK(c.monitors[0].thresholds[0].statistic == "mean_shift_sigmas");
  CHECK(c.monitors[0].thresholds[0].level == 3.0);
}

TEST_CASE("where values are kept as text") {
  ScopedEnv env({});
  struct Case {
    const char* toml;
    const char* text;
  };
  auto c = GENERATE(values<Case>({
      {R"("fraud")", "fraud"},
      {R"("")", ""},
      {"42", "42"},
      {"-7", "-7"},
      {"9223372036854775807", "9223372036854775807"},
      {"0.1", "0.1"},
      {"2.5", "2.5"},
      {"3.0", "3"},
      {"-0.000123", "-0.000123"},
      {"1e20", "1e+20"},
      {"0.30000000000000004", "0.30000000000000004"},
      {"true", "true"},
      {"false", "false"},
      {"inf", "Infinity"},
      {"-inf", "-Infinity"},
      {"nan", "NaN"},
  }));
  CAPTURE(c.toml);
  Config cfg = load(replaced(kMinimal, "window = \"1h\"",
                             std::string("window = \"1h\"\nwhere = { v = ") + c.toml + " }"));
  REQUIRE(cfg.monitors[0].where.size() == 1);
  CHECK(cfg.monitors[0].where[0].column == "v");
  CHECK(cfg.monitors[0].where[0].value == c.text);
  CHECK(cfg.monitors[0].where[0].line == 10);
}

TEST_CASE("where filters keep the order of the file") {
  ScopedEnv env({});
  Config cfg = load(replaced(kMinimal, "window = \"1h\"",
                             "window = \"1h\"\nwhere = { zeta = 1, alpha = 2, \"mid dle\" = 3 }"));
  const auto& w = cfg.monitors[0].where;
  REQUIRE(w.size() == 3);
  CHECK(w[0].column == "zeta");
  CHECK(w[1].column == "alpha");
  CHECK(w[2].column == "mid dle");
}

TEST_CASE("reference times accept RFC 3339 strings and TOML date-times with offsets") {
  ScopedEnv env({});
  Config c = load(replaced(kMinimal, R"(reference = { offset = "1d" })",
                           R"(reference = { from = 2026-01-01T00:30:00.25-02:00, )"
                           R"(to = "2026-01-02t00:00:00z" })"));
  CHECK(c.monitors[0].reference.from == at("2026-01-01T02:30:00.25Z"));
  CHECK(c.monitors[0].reference.to == at("2026-01-02T00:00:00Z"));
}

TEST_CASE("a table reference takes its own timestamp column and bounds") {
  ScopedEnv env({});
  Config c = load(replaced(kMinimal, R"(reference = { offset = "1d" })",
                           R"(reference = { table = "snap", timestamp_column = "event_time", )"
                           R"(to = "2026-03-01T00:00:00Z" })"));
  const ReferenceConfig& r = c.monitors[0].reference;
  CHECK(r.kind == ReferenceConfig::Kind::table);
  CHECK(r.table == "snap");
  CHECK(r.timestamp_column == "event_time");
  CHECK_FALSE(r.from);
  CHECK(r.to == at("2026-03-01T00:00:00Z"));
}

TEST_CASE("a prediction alone is enough to monitor") {
  ScopedEnv env({});
  Config c =
      load(replaced(kMinimal, R"(features = [{ name = "x", column = "x", kind = "numerical" }])",
                    "prediction = { json = \"out\", key = \"label\", kind = \"categorical\" }"));
  REQUIRE(c.monitors[0].prediction);
  CHECK(c.monitors[0].prediction->source.json == "out");
  CHECK(c.monitors[0].prediction->source.key == "label");
  CHECK(c.monitors[0].features.empty());
}

TEST_CASE("listen accepts IPv4, bracketed IPv6, names and port 0") {
  ScopedEnv env({});
  auto listen = GENERATE("127.0.0.1:9464", "0.0.0.0:0", "[::]:9464", "[::1]:65535", "localhost:80",
                         "driftd.internal.example.com:9464", "my-host.:1");
  CAPTURE(listen);
  Config c = load(std::string("[server]\nlisten = \"") + listen + "\"\n" + kMinimal);
  CHECK(c.server.listen == listen);
  CHECK(c.server.external_url == std::string("http://") + listen);
}

TEST_CASE("sink urls: http and https, names, IPv4, IPv6, ports, user info, paths") {
  ScopedEnv env({});
  auto url = GENERATE("http://127.0.0.1:8080/hook", "https://hooks.slack.com/services/T/B/X",
                      "HTTPS://Example.COM", "http://[::1]:9093", "http://alertmanager:9093/",
                      "https://user:pw@hooks.example.com/x?a=b#frag", "http://h");
  CAPTURE(url);
  Config c = load(std::string(kMinimal) +
                  "\n[[sinks]]\nname = \"s\"\ntype = \"alertmanager\"\nurl = \"" + url + "\"\n");
  CHECK(c.sinks.at(0).url == url);
}

TEST_CASE("range limits are inclusive where the reference says so") {
  ScopedEnv env({});
  auto edit = GENERATE(
      "min_rows = 1", "min_rows = 500\nmax_rows = 500", "max_rows = 100", "bins = 2", "bins = 1000",
      "failing_after = 1", "jitter = \"4m59s\"", "confidence = { column = \"c\", low = 0.001 }",
      "confidence = { column = \"c\", low = 0.999 }",
      "thresholds = { js_distance = { above = 0.1, resolve_below = 0.1, for = 1 } }",
      "thresholds = { ks_pvalue = { below = 0.01, resolve_above = 0.01 } }",
      "thresholds = { psi = 0, mean = -1.5 }");
  CAPTURE(edit);
  Config c =
      load(replaced(kMinimal, "schedule = \"5m\"", std::string("schedule = \"5m\"\n") + edit));
  CHECK(c.monitors.size() == 1);
}

TEST_CASE("extension limits are inclusive") {
  ScopedEnv env({});
  auto head = GENERATE("[scheduler]\nworkers = 0", "[scheduler]\nworkers = 1024",
                       "[server]\nmax_body_bytes = 1", "[alerting]\ninitial_backoff = \"5m\"",
                       "[alerting]\ninitial_backoff = \"1m\"\nmax_backoff = \"1m\"");
  CAPTURE(head);
  CHECK(load(std::string(head) + "\n" + kMinimal).monitors.size() == 1);
  for (const char* n : {"1", "8"}) {
    CHECK(load(replaced(kMinimal, "[database]", std::string("[database]\nread_connections = ") + n))
              .database.read_connections == std::stoi(n));
  }
}

TEST_CASE("allow_loopback: true without an allow-list, false with one, unless set") {
  ScopedEnv env({});
  CHECK(load(kMinimal).alerting.allow_loopback);
  CHECK_FALSE(load(std::string("[alerting]\nallowed_hosts = [\"hooks.example.com\"]\n") + kMinimal)
                  .alerting.allow_loopback);
  CHECK(load(std::string(
                 "[alerting]\nallowed_hosts = [\"hooks.example.com\"]\nallow_loopback = true\n") +
             kMinimal)
            .alerting.allow_loopback);
  CHECK(
      load(std::string("[alerting]\nallow_loopback = true\n") + kMinimal).alerting.allow_loopback);
  CHECK_FALSE(
      load(std::string("[alerting]\nallow_loopback = false\n") + kMinimal).alerting.allow_loopback);
}

TEST_CASE("DRIFTD_DATABASE_URL overrides [database].url") {
  SECTION("over a url in the file") {
    ScopedEnv env({{"DRIFTD_DATABASE_URL", "postgresql://prod:pw@db/app"}});
    CHECK(load(kMinimal).database.url == "postgresql://prod:pw@db/app");
  }
  SECTION("when the file has no url") {
    ScopedEnv env({{"DRIFTD_DATABASE_URL", "host=db dbname=app"}});
    Config c = load(replaced(kMinimal, "url = \"postgresql://localhost/app\"", ""));
    CHECK(c.database.url == "host=db dbname=app");
  }
  SECTION("when the file has no [database] at all") {
    ScopedEnv env({{"DRIFTD_DATABASE_URL", "postgres://db/app"}});
    Config c = load(replaced(kMinimal, "[database]\nurl = \"postgresql://localhost/app\"\n", ""));
    CHECK(c.database.url == "postgres://db/app");
    CHECK(c.database.state_schema == "driftd");
  }
  SECTION("a url in the file that the variable replaces is not checked") {
    ScopedEnv env({{"DRIFTD_DATABASE_URL", "postgresql://db/app"}});
    Config c = load(replaced(kMinimal, "postgresql://localhost/app", "set-by-env"));
    CHECK(c.database.url == "postgresql://db/app");
  }
  SECTION("an empty variable counts as unset") {
    ScopedEnv env({{"DRIFTD_DATABASE_URL", ""}});
    CHECK(load(kMinimal).database.url == "postgresql://localhost/app");
  }
}

TEST_CASE("a null getenv_fn reads the process environment") {
  ::setenv("DRIFTD_DATABASE_URL", "postgresql://from-process-env/app", 1);
  Config c = load_string(kMinimal, "driftd.toml", nullptr);
  ::unsetenv("DRIFTD_DATABASE_URL");
  CHECK(c.database.url == "postgresql://from-process-env/app");
  CHECK(load_string(kMinimal, "driftd.toml").database.url == "postgresql://localhost/app");
}

TEST_CASE("secret and token variables are kept as names, not resolved") {
  ScopedEnv env({{"DRIFTD_API_TOKEN", "tok"}, {"HOOK_SECRET", "sec"}});
  Config c = load(std::string("[server]\napi_token_env = \"DRIFTD_API_TOKEN\"\n") + kMinimal +
                  "\n[[sinks]]\nname = \"s\"\ntype = \"webhook\"\nurl = \"http://h/\"\n"
                  "secret_env = \"HOOK_SECRET\"\n");
  CHECK(c.server.api_token_env == "DRIFTD_API_TOKEN");
  CHECK(c.sinks[0].secret_env == "HOOK_SECRET");
}

TEST_CASE("docs/examples/driftd.toml is valid") {
  ScopedEnv env({});
  const std::string path = std::string(DRIFTD_SOURCE_DIR) + "/docs/examples/driftd.toml";
  Config c;
  try {
    c = load_file(path, &fake_getenv);
  } catch (const ConfigError& e) {
    FAIL(e.what());
  }
  CHECK(c.path == path);
  CHECK(c.monitors.size() == 3);
  CHECK(c.sinks.size() == 3);
  REQUIRE(c.find_monitor("ranker.v7"));
  CHECK(c.find_monitor("ranker.v7")->reference.kind == ReferenceConfig::Kind::table);
}

TEST_CASE("the complete example in docs/configuration.md is valid") {
  ScopedEnv env({});
  const std::string doc = read_text(std::string(DRIFTD_SOURCE_DIR) + "/docs/configuration.md");
  const std::string marker = "<!-- complete example: loaded by tests/unit/config -->";
  auto pos = doc.find(marker);
  REQUIRE(pos != std::string::npos);
  auto begin = doc.find("```toml\n", pos);
  REQUIRE(begin != std::string::npos);
  begin += 8;
  auto end = doc.find("```", begin);
  REQUIRE(end != std::string::npos);
  try {
    Config c = load_string(doc.substr(begin, end - begin), "configuration.md", &fake_getenv);
    CHECK_FALSE(c.monitors.empty());
  } catch (const ConfigError& e) {
    FAIL(e.what());
  }
}

TEST_CASE("the champion / challenger example in docs/configuration.md is valid") {
  ScopedEnv env({});
  const std::string doc = read_text(std::string(DRIFTD_SOURCE_DIR) + "/docs/configuration.md");
  const auto at = doc.find("name = \"fraud-shadow\"");
  REQUIRE(at != std::string::npos);
  auto begin = doc.rfind("```toml\n", at);
  REQUIRE(begin != std::string::npos);
  begin += 8;
  const auto end = doc.find("```", begin);
  REQUIRE(end != std::string::npos);
  const std::string text = "[database]\nurl = \"postgresql://driftd@localhost/app\"\n\n" +
                           doc.substr(begin, end - begin);
  try {
    Config c = load_string(text, "configuration.md", &fake_getenv);
    REQUIRE(c.monitors.size() == 1);
    REQUIRE(c.monitors[0].challenger);
    CHECK(c.monitors[0].challenger->key == "request_id");
    CHECK(c.monitors[0].challenger->alpha == 0.01);
  } catch (const ConfigError& e) {
    FAIL(e.what());
  }
}

TEST_CASE("[server] connection caps") {
  ScopedEnv env({});
  const std::string text = std::string(kMinimal) +
                           "\n[server]\nmax_connections = 1000\nmax_connections_per_client = 8\n";
  Config c = load(text);
  CHECK(c.server.max_connections == 1000);
  CHECK(c.server.max_connections_per_client == 8);
}
