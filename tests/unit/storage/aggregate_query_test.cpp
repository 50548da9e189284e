// The SQL of an aggregate read (freshness, volume, business metrics): built without a database.

#include <catch2/catch.hpp>

#include "driftd/drift/business.hpp"
#include "driftd/storage/window_query.hpp"

using namespace driftd;
using namespace driftd::storage;

namespace {

struct Quotes final : Quoter {
  std::string identifier(std::string_view name) const override {
    std::string out = "\"";
    for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  }
  std::string literal(std::string_view value) const override {
    return "'" + std::string(value) + "'";
  }
};

const std::vector<ColumnInfo> kTable = {{"ts", "timestamp with time zone", 'D', true},
                                        {"amount", "double precision", 'N', true},
                                        {"converted", "boolean", 'B', true},
                                        {"payload", "jsonb", 'U', true},
                                        {"country", "text", 'S', true},
                                        {"model", "text", 'S', true}};

const Timestamp kAt = *parse_rfc3339("2026-03-02T10:00:00Z");

drift::AggregateRequest request() {
  drift::AggregateRequest r;
  r.table = "public.events";
  r.timestamp_column = "ts";
  r.where = {{"model", "m1"}};
  return r;
}

drift::ColumnRequest column(std::string name, drift::FeatureKind kind, std::string key = "") {
  drift::ColumnRequest c;
  c.column = std::move(name);
  c.json_key = std::move(key);
  c.kind = kind;
  return c;
}

}  // namespace

TEST_CASE("the newest row: the recent range first, the whole table only then") {
  auto r = request();
  r.newest_until = kAt;
  r.newest_lookback = std::chrono::hours(1);
  auto q = aggregate_query(r, kTable, Quotes());
  REQUIRE(q.problems.empty());
  CHECK(q.sql.empty());  // no window, no aggregate
  CHECK(q.newest_sql ==
        "SELECT (extract(epoch from COALESCE((SELECT max(m.\"ts\") FROM \"public\".\"events\" AS "
        "m WHERE m.\"ts\" > CAST($3 AS timestamp with time zone) AND m.\"ts\" <= CAST($2 AS "
        "timestamp with time zone) AND m.\"model\" = CAST($1 AS text)), (SELECT max(m.\"ts\") "
        "FROM \"public\".\"events\" AS m WHERE m.\"ts\" <= CAST($2 AS timestamp with time zone) "
        "AND m.\"model\" = CAST($1 AS text)))) * 1000000)::int8");
  CHECK(q.newest_params ==
        std::vector<std::string>{"m1", "2026-03-02T10:00:00Z", "2026-03-02T09:00:00Z"});
  // The same instant of earlier weeks: one column each, its own bounds.
  r.newest_earlier = {kAt - std::chrono::hours(168)};
  q = aggregate_query(r, kTable, Quotes());
  REQUIRE(q.problems.empty());
  CHECK(q.newest_sql.find("::int8, (extract(epoch from COALESCE((SELECT max(m.\"ts\") FROM "
                          "\"public\".\"events\" AS m WHERE m.\"ts\" > CAST($5 AS timestamp "
                          "with time zone) AND m.\"ts\" <= CAST($4 AS") != std::string::npos);
  CHECK(q.newest_params.size() == 5);
  CHECK(q.newest_params[3] == "2026-02-23T10:00:00Z");
}

TEST_CASE("aggregates over several windows: one row per window, values bound") {
  auto r = request();
  r.windows = {{kAt - std::chrono::hours(1), kAt},
               {kAt - std::chrono::hours(169), kAt - std::chrono::hours(168)}};
  drift::MetricQuery conversion;
  conversion.value = column("converted", drift::FeatureKind::categorical);
  conversion.equals = {"true"};
  conversion.where = {{"country", "DE"}};
  r.aggregates = drift::metric_aggregates(drift::MetricKind::rate, conversion);
  drift::MetricQuery revenue;
  revenue.value = column("payload", drift::FeatureKind::numerical, "revenue");
  for (auto& a : drift::metric_aggregates(drift::MetricKind::mean, revenue))
    r.aggregates.push_back(std::move(a));
  auto q = aggregate_query(r, kTable, Quotes());
  REQUIRE(q.problems.empty());
  const std::string number =
      "CASE WHEN (m.\"payload\"->>$9) ~ "
      "'^[[:space:]]*[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]{1,3})?[[:space:]]*$' THEN "
      "CASE WHEN (m.\"payload\"->>$9)::numeric BETWEEN -'1.7976931348623157e308'::numeric AND "
      "'1.7976931348623157e308'::numeric THEN (m.\"payload\"->>$9)::numeric::float8 END END";
  const std::string with_9 = "(" + number +
                             ") BETWEEN -'1.7976931348623157e308'::float8 AND "
                             "'1.7976931348623157e308'::float8";
  // Each aggregate binds its own parameters in order: $8..$10 are the three revenue aggregates'.
  // The shape, piece by piece (the full text is long): windows, filters, the metric's values.
  CHECK(q.sql.rfind("SELECT w.i, a.v0, a.v1, a.v2, a.v3, a.v4 FROM (VALUES (1, $1::text, "
                    "$2::text), (2, $3::text, $4::text)) AS w(i, f, t) CROSS JOIN LATERAL (SELECT "
                    "count(*) FILTER (WHERE m.\"country\" = CAST($5 AS text) AND "
                    "(m.\"converted\"::text) IS NOT NULL)::float8 AS v0, count(*) FILTER (WHERE "
                    "m.\"country\" = CAST($6 AS text) AND (m.\"converted\"::text) IS NOT NULL AND "
                    "(m.\"converted\"::text) IN ($7::text))::float8 AS v1, ",
                    0) == 0);
  CHECK(q.sql.find("avg(" + number + ") FILTER (WHERE " + with_9 + ")::float8 AS v3") !=
        std::string::npos);
  CHECK(q.sql.find("var_samp(") != std::string::npos);
  CHECK(q.sql.find(" FROM \"public\".\"events\" AS m WHERE m.\"ts\" > CAST(w.f AS timestamp with "
                   "time zone) AND m.\"ts\" <= CAST(w.t AS timestamp with time zone) AND "
                   "m.\"model\" = CAST($11 AS text)) AS a ORDER BY w.i") != std::string::npos);
  CHECK(q.params == std::vector<std::string>{"2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z",
                                             "2026-02-23T09:00:00Z", "2026-02-23T10:00:00Z", "DE",
                                             "DE", "true", "revenue", "revenue", "revenue", "m1"});
}

TEST_CASE("aggregate problems are reported, not sent") {
  auto r = request();
  r.windows = {{kAt - std::chrono::hours(1), kAt}};
  drift::MetricQuery q;
  q.value = column("nope", drift::FeatureKind::numerical);
  r.aggregates = drift::metric_aggregates(drift::MetricKind::sum, q);
  auto a = aggregate_query(r, kTable, Quotes());
  REQUIRE_FALSE(a.problems.empty());
  CHECK(a.problems.front() == "column \"nope\" does not exist in table \"public.events\"");
  CHECK(a.sql.empty());

  q.value = column("country", drift::FeatureKind::numerical);
  r.aggregates = drift::metric_aggregates(drift::MetricKind::mean, q);
  a = aggregate_query(r, kTable, Quotes());
  REQUIRE_FALSE(a.problems.empty());
  CHECK(a.problems.front().find("has type text; a number is needed") != std::string::npos);

  auto bad_ts = request();
  bad_ts.timestamp_column = "amount";
  bad_ts.newest_until = kAt;
  a = aggregate_query(bad_ts, kTable, Quotes());
  REQUIRE(a.problems.size() == 1);
  CHECK(a.problems.front().find("expected timestamptz or timestamp") != std::string::npos);
  CHECK(a.newest_sql.empty());
}
