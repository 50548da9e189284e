// The state schema: migrations (idempotent, concurrent starts), evaluations stored whole and as
// one row per feature x statistic, history, reconnection after the server restarts.

#include <catch2/catch.hpp>
#include <cstdio>
#include <future>

#include "driftd/drift/evaluation.hpp"
#include "driftd/storage/pg_result_store.hpp"
#include "driftd/storage/pg_window_source.hpp"
#include "support.hpp"

using namespace driftd;

namespace {

storage::StateOptions options(const std::string& schema) {
  storage::StateOptions o;
  o.url = testing::database_url();
  o.schema = schema;
  return o;
}

drift::Evaluation sample_evaluation(const std::string& monitor, const char* at, double psi) {
  drift::Evaluation e;
  e.monitor = monitor;
  e.evaluated_at = *parse_rfc3339(at);
  e.status = psi > 0.2 ? drift::Status::drift : drift::Status::ok;
  e.current_window = {*parse_rfc3339("2026-01-01T00:00:00Z"), e.evaluated_at, 500, false, 500};
  e.reference_window = {*parse_rfc3339("2025-12-01T00:00:00Z"),
                        *parse_rfc3339("2025-12-08T00:00:00Z"), 900, false, 900};
  drift::FeatureResult f;
  f.name = "amount";
  f.kind = drift::FeatureKind::numerical;
  f.status = e.status;
  f.statistics.values = {{"psi", psi}, {"missing_rate", 0.01}};
  f.statistics.distribution_defined = true;
  if (psi > 0.2) f.breaches = {"psi"};
  e.features.push_back(f);
  drift::ConfidenceResult c;
  c.statistics.values = {
      {"mean", 0.8}, {"p10", 0.5}, {"p50", 0.8}, {"p90", 0.95}, {"low_confidence_rate", 0.1}};
  c.statistics.count = 500;
  e.confidence = c;
  return e;
}

}  // namespace

TEST_CASE("migrations are idempotent and safe when two processes start at once", "[storage]") {
  std::string schema = testing::unique_name("state");
  auto o = options(schema);
  auto f1 = std::async(std::launch::async, [&] { return storage::migrate(o); });
  auto f2 = std::async(std::launch::async, [&] { return storage::migrate(o); });
  auto a = f1.get();
  auto b = f2.get();
  // exactly one of them applied everything
  CHECK(a.size() + b.size() == static_cast<std::size_t>(storage::latest_schema_version()));
  CHECK(storage::migrate(o).empty());
  testing::Sql sql;
  CHECK(sql.scalar("SELECT max(version) FROM " + schema + ".schema_migrations") ==
        std::to_string(storage::latest_schema_version()));
  sql.exec("DROP SCHEMA " + schema + " CASCADE");
}

TEST_CASE("evaluations are stored whole and per statistic, history newest first", "[storage]") {
  std::string schema = testing::unique_name("state");
  storage::migrate(options(schema));
  storage::PgResultStore store(options(schema));
  store.save(sample_evaluation("m1", "2026-01-01T01:00:00Z", 0.1));
  store.save(sample_evaluation("m1", "2026-01-01T02:00:00Z", 0.3));
  store.save(sample_evaluation("m2", "2026-01-01T02:00:00Z", 0.05));
  // replacing the evaluation of the same instant
  store.save(sample_evaluation("m1", "2026-01-01T02:00:00Z", 0.35));

  auto latest = store.latest("m1");
  REQUIRE(latest);
  CHECK(latest->features[0].statistics.get("psi") == 0.35);
  CHECK(drift::to_json(*latest) ==
        drift::to_json(sample_evaluation("m1", "2026-01-01T02:00:00Z", 0.35)));
  auto h = store.history("m1", {});
  REQUIRE(h.size() == 2);
  CHECK(h[0].evaluated_at > h[1].evaluated_at);
  drift::HistoryQuery q;
  q.from = *parse_rfc3339("2026-01-01T01:30:00Z");
  CHECK(store.history("m1", q).size() == 1);
  q.limit = 0;
  CHECK(store.history("m1", q).empty());
  CHECK_FALSE(store.latest("nobody").has_value());

  testing::Sql sql;
  CHECK(sql.scalar("SELECT count(*) FROM " + schema + ".evaluations") == "3");
  CHECK(sql.scalar("SELECT value FROM " + schema +
                   ".statistics WHERE monitor = 'm1' AND feature = 'amount'"
                   " AND statistic = 'psi' AND evaluated_at = '2026-01-01T02:00:00Z'") == "0.35");
  CHECK(sql.scalar("SELECT count(*) FROM " + schema +
                   ".statistics WHERE monitor = 'm1' AND "
                   "evaluated_at = '2026-01-01T02:00:00Z'") == "7");  // 2 feature + 5 confidence
  CHECK(sql.scalar("SELECT value FROM " + schema +
                   ".statistics WHERE feature = '__confidence__' AND "
                   "statistic = 'low_confidence_rate' AND monitor = 'm2'") == "0.1");
  CHECK(store.prune(*parse_rfc3339("2026-01-01T01:30:00Z")) == 1);
  sql.exec("DROP SCHEMA " + schema + " CASCADE");
}

TEST_CASE("series of many statistics in one query: newest points, worst value per bucket",
          "[storage]") {
  std::string schema = testing::unique_name("state");
  storage::migrate(options(schema));
  storage::PgResultStore store(options(schema));
  // Every 10 minutes for two hours: psi rises, with a spike at 00:50.
  for (int i = 0; i < 12; ++i) {
    char at[32];
    std::snprintf(at, sizeof at, "2026-01-01T%02d:%02d:00Z", i / 6, (i % 6) * 10);
    store.save(sample_evaluation("m1", at, i == 5 ? 0.9 : 0.01 * i));
  }
  store.save(sample_evaluation("m2", "2026-01-01T00:00:00Z", 0.5));
  const drift::StatisticKey psi{"m1", "amount", "psi", false};
  const drift::StatisticKey low{"m1", "amount", "psi", true};  // as if small were bad
  const drift::StatisticKey other{"m2", "amount", "psi", false};
  const drift::StatisticKey none{"m1", "nothing", "psi", false};
  drift::SeriesQuery raw;
  raw.limit = 3;
  auto s = store.series({psi, none, other}, raw);
  REQUIRE(s.size() == 3);
  REQUIRE(s[0].points.size() == 3);  // the newest three, oldest first
  CHECK(s[0].points[0].at == *parse_rfc3339("2026-01-01T01:30:00Z"));
  CHECK(s[0].points[2].at == *parse_rfc3339("2026-01-01T01:50:00Z"));
  CHECK(s[0].points[2].value == Approx(0.11));
  CHECK(s[1].points.empty());
  REQUIRE(s[2].points.size() == 1);
  CHECK(s[2].points[0].value == 0.5);
  CHECK(s[2].key.monitor == "m2");

  drift::SeriesQuery hourly;
  hourly.bucket = std::chrono::hours(1);
  hourly.from = *parse_rfc3339("2026-01-01T00:00:00Z");
  hourly.to = *parse_rfc3339("2026-01-01T02:00:00Z");
  s = store.series({psi, low}, hourly);
  REQUIRE(s[0].points.size() == 2);
  // The first hour's worst psi is the spike, shown at the hour's last evaluation.
  CHECK(s[0].points[0].value == 0.9);
  CHECK(s[0].points[0].at == *parse_rfc3339("2026-01-01T00:50:00Z"));
  CHECK(s[0].points[1].value == Approx(0.11));
  REQUIRE(s[1].points.size() == 2);
  CHECK(s[1].points[0].value == 0);  // the smallest when small is bad
  CHECK(s[1].points[1].value == Approx(0.06));
  CHECK(store.series({}, hourly).empty());
  testing::Sql sql;
  sql.exec("DROP SCHEMA " + schema + " CASCADE");
}

TEST_CASE("frozen reference parts round-trip through the state schema", "[storage]") {
  std::string schema = testing::unique_name("state");
  storage::migrate(options(schema));
  storage::PgResultStore store(options(schema));
  std::vector<std::string> parts;
  for (int p = 0; p < 3; ++p) {
    std::string bytes((1 << 20) + p, '\0');
    for (std::size_t i = 0; i < bytes.size(); ++i)
      bytes[i] = static_cast<char>((i * 131 + p) & 0xff);
    parts.push_back(bytes);
  }
  auto load = [&](const std::string& fp) {
    std::vector<std::string> got;
    bool ok = store.load_frozen("m", fp, [&](std::size_t i, std::size_t n, std::string_view b) {
      CHECK(i == got.size());
      CHECK(n == 3);
      got.emplace_back(b);
    });
    return ok ? std::optional(got) : std::nullopt;
  };
  CHECK_FALSE(store.has_frozen("m", "abc"));
  CHECK_FALSE(load("abc").has_value());
  store.save_frozen("m", "abc", parts.size(), [&](std::size_t i) { return parts[i]; });
  CHECK(store.has_frozen("m", "abc"));
  CHECK(load("abc") == parts);
  store.save_frozen("m", "def", 1, [](std::size_t) { return std::string("x"); });
  CHECK_FALSE(store.has_frozen("m", "abc"));  // older fingerprints go
  std::vector<std::string> one;
  CHECK(store.load_frozen(
      "m", "def", [&](std::size_t, std::size_t, std::string_view b) { one.emplace_back(b); }));
  CHECK(one == std::vector<std::string>{"x"});
  // an incomplete set of parts is not a frozen reference
  testing::Sql sql;
  store.save_frozen("m", "ghi", 3, [&](std::size_t i) { return parts[i]; });
  sql.exec("DELETE FROM " + schema + ".frozen_references WHERE part = 1");
  CHECK_FALSE(store.has_frozen("m", "ghi"));
  CHECK_FALSE(load("ghi").has_value());
  sql.exec("DROP SCHEMA " + schema + " CASCADE");
}

TEST_CASE(
    "connection strings are parsed, never appended to: quotes, backslashes, the URL's own "
    "application_name",
    "[storage]") {
  // postgresql://driftd@HOST:PORT/DB as a key=value string whose application_name needs quoting
  // and escaping; driftd's own settings must neither break it nor replace it.
  const std::string u = testing::database_url();
  const std::size_t at = u.find('@'), colon = u.find(':', at), slash = u.find('/', at);
  const std::string host = u.substr(at + 1, colon - at - 1);
  const std::string port = u.substr(colon + 1, slash - colon - 1);
  const std::string db = u.substr(slash + 1);
  const std::string tag = testing::unique_name("app");
  auto url_named = [&](const std::string& path) {
    // application_name = "o'brien \ <tag> <path>"
    return "host=" + host + " port=" + port + " dbname=" + db +
           " user=driftd application_name='o\\'brien \\\\ " + tag + " " + path + "'";
  };
  auto connected_as = [&](const std::string& path) {
    return testing::Sql().scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'o''brien \\ " + tag + " " +
        path + "'");
  };
  const std::string schema = testing::unique_name("state");
  storage::StateOptions o = options(schema);
  o.url = url_named("state");
  storage::migrate(o);
  storage::PgResultStore store(o);  // libpqxx, from the parameters written back as a string
  CHECK_FALSE(store.has_frozen("m", "abc"));
  CHECK(connected_as("state") == "1");
  storage::PgOptions p;
  p.url = url_named("windows");
  storage::PgWindowSource source(p);  // libpq, from the parameters as arrays
  source.ping();                      // its connection stays in the pool
  CHECK(connected_as("windows") == "1");
  CHECK(storage::database_url_problem(url_named("x")).empty());
  CHECK(storage::database_url_problem("host=h password='open") ==
        "unterminated quoted string in connection info string");
  CHECK(storage::database_url_problem("host=h se cret") ==
        "missing \"=\" after a word (a value with spaces must be quoted, key='a b') in connection "
        "info string");
  testing::Sql().exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
}
