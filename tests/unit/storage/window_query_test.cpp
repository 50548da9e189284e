// The SQL of a window read: built without a database from what the catalog would say.

#include "driftd/storage/window_query.hpp"

#include <catch2/catch.hpp>

using namespace driftd;
using namespace driftd::storage;

namespace {

// Quotes as PostgreSQL's rules say (doubled quote characters), and remembers what it quoted.
struct RecordingQuoter final : Quoter {
  mutable std::vector<std::string> identifiers;
  mutable std::vector<std::string> literals;
  std::string identifier(std::string_view name) const override {
    identifiers.emplace_back(name);
    std::string out = "\"";
    for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  }
  std::string literal(std::string_view value) const override {
    literals.emplace_back(value);
    std::string out = "'";
    for (char c : value) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
  }
};

ColumnInfo col(std::string name, std::string type, char category, bool readable = true) {
  return {std::move(name), std::move(type), category, readable};
}

const std::vector<ColumnInfo> kTable = {col("ts", "timestamp with time zone", 'D'),
                                        col("amount", "double precision", 'N'),
                                        col("country", "text", 'S'),
                                        col("features", "jsonb", 'U'),
                                        col("model", "text", 'S'),
                                        col("flag", "boolean", 'B'),
                                        col("id", "bigint", 'N'),
                                        col("secret", "text", 'S', false)};

drift::ColumnRequest request_column(std::string c, drift::FeatureKind kind, std::string key = "") {
  drift::ColumnRequest r;
  r.column = std::move(c);
  r.kind = kind;
  r.json_key = std::move(key);
  return r;
}

drift::WindowRequest window() {
  drift::WindowRequest r;
  r.table = "ml.predictions";
  r.timestamp_column = "ts";
  r.from = *parse_rfc3339("2026-01-01T00:00:00Z");
  r.to = *parse_rfc3339("2026-01-01T01:00:00Z");
  r.where = {{"model", "fraud'; DROP TABLE x; --"}};
  r.columns = {request_column("amount", drift::FeatureKind::numerical),
               request_column("country", drift::FeatureKind::categorical),
               request_column("features", drift::FeatureKind::numerical, "income"),
               request_column("flag", drift::FeatureKind::numerical)};
  return r;
}

}  // namespace

TEST_CASE("a window's COPY: quoted identifiers, bounds and filter values as settings") {
  RecordingQuoter q;
  const WindowQuery w = window_query(window(), kTable, {}, q);
  REQUIRE(w.problems.empty());
  CHECK(w.copy_sql ==
        "COPY (SELECT m.\"amount\"::float8, m.\"country\"::text, (m.\"features\"->>'income'), "
        "m.\"flag\"::int::float8 FROM \"ml\".\"predictions\" AS m WHERE "
        "m.\"ts\" > CAST((SELECT current_setting('driftd.window_from')) AS timestamp with time "
        "zone) AND m.\"ts\" <= CAST((SELECT current_setting('driftd.window_to')) AS timestamp with "
        "time zone) AND m.\"model\" = CAST((SELECT current_setting('driftd.where_0')) AS text)) TO "
        "STDOUT (FORMAT binary)");
  // The filter's value never reaches the statement: it is a setting, bound as a parameter.
  CHECK(w.copy_sql.find("DROP") == std::string::npos);
  using Settings = std::vector<std::pair<std::string, std::string>>;
  CHECK(w.settings == Settings{{"driftd.window_from", "2026-01-01T00:00:00Z"},
                               {"driftd.window_to", "2026-01-01T01:00:00Z"},
                               {"driftd.where_0", "fraud'; DROP TABLE x; --"}});
  CHECK(w.timestamp_is_tz);
  CHECK(q.literals == std::vector<std::string>{"income"});
}

TEST_CASE("hostile identifiers go through the quoter") {
  RecordingQuoter q;
  auto r = window();
  r.table = "we\"ird";
  r.columns = {request_column("a\"); DROP TABLE t; --", drift::FeatureKind::categorical)};
  r.where.clear();
  std::vector<ColumnInfo> table = kTable;
  table.push_back(col("a\"); DROP TABLE t; --", "text", 'S'));
  const WindowQuery w = window_query(r, table, {}, q);
  REQUIRE(w.problems.empty());
  CHECK(w.copy_sql.find("m.\"a\"\"); DROP TABLE t; --\"::text") != std::string::npos);
  CHECK(w.copy_sql.find("FROM \"we\"\"ird\" AS m") != std::string::npos);
}

TEST_CASE("every problem of a request at once, and no statement") {
  RecordingQuoter q;
  auto r = window();
  r.timestamp_column = "created";
  r.where.push_back({"region", "eu"});
  r.columns = {request_column("amount", drift::FeatureKind::categorical),  // fine as text
               request_column("nope", drift::FeatureKind::numerical),
               request_column("country", drift::FeatureKind::numerical),
               request_column("amount", drift::FeatureKind::numerical, "k"),
               request_column("secret", drift::FeatureKind::categorical)};
  const WindowQuery w = window_query(r, kTable, {}, q);
  CHECK(w.copy_sql.empty());
  const std::vector<std::string> expected = {
      "column \"nope\" does not exist in table \"ml.predictions\"",
      "column \"country\" has type text; a numerical feature needs a numeric type (or use kind = "
      "\"categorical\")",
      "column \"amount\" has type double precision; a json key needs a json or jsonb column",
      "timestamp column \"created\" does not exist in table \"ml.predictions\"",
      "filter column \"region\" does not exist in table \"ml.predictions\"",
      "no SELECT privilege on column \"secret\" of table \"ml.predictions\" for this database "
      "user (GRANT SELECT ON ml.predictions TO ...)"};
  CHECK(messages(w.problems) == expected);
  // Each says what of the request it is about, so that `check` can point at the config.
  using K = RequestPart::Kind;
  CHECK(w.problems[0].about == std::vector<RequestPart>{{K::column, 1}});
  CHECK(w.problems[1].about == std::vector<RequestPart>{{K::column, 2}});
  CHECK(w.problems[2].about == std::vector<RequestPart>{{K::column, 3}});
  CHECK(w.problems[3].about == std::vector<RequestPart>{{K::timestamp_column, 0}});
  CHECK(w.problems[4].about == std::vector<RequestPart>{{K::filter, 1}});
  CHECK(w.problems[5].about == std::vector<RequestPart>{{K::column, 4}});
}

TEST_CASE("one problem of several parts is said once, about all of them") {
  RecordingQuoter q;
  auto r = window();
  // five features read keys of one column that is not json; a column without privilege that is
  // read and filtered on; the timestamp column of another type
  r.timestamp_column = "country";
  r.columns.clear();
  for (const char* key : {"a", "b", "c", "d", "e"})
    r.columns.push_back(request_column("amount", drift::FeatureKind::numerical, key));
  r.columns.push_back(request_column("secret", drift::FeatureKind::categorical));
  r.where = {{"secret", "x"}};
  const WindowQuery w = window_query(r, kTable, {}, q);
  using K = RequestPart::Kind;
  REQUIRE(w.problems.size() == 3);
  CHECK(w.problems[0].message ==
        "column \"amount\" has type double precision; a json key needs a json or jsonb column");
  CHECK(w.problems[0].about ==
        std::vector<RequestPart>{
            {K::column, 0}, {K::column, 1}, {K::column, 2}, {K::column, 3}, {K::column, 4}});
  CHECK(w.problems[1].message ==
        "timestamp column \"country\" has type text; expected timestamptz or timestamp");
  CHECK(w.problems[2].message.rfind("no SELECT privilege on column \"secret\"", 0) == 0);
  CHECK(w.problems[2].about == std::vector<RequestPart>{{K::column, 5}, {K::filter, 0}});
}

TEST_CASE("a label table that could not be described: the rest is still checked") {
  RecordingQuoter q;
  drift::WindowRequest r;
  r.table = "preds";
  r.timestamp_column = "nope";
  r.to = *parse_rfc3339("2026-01-01T01:00:00Z");
  auto label = request_column("label", drift::FeatureKind::categorical);
  label.joined = true;
  r.columns = {label, request_column("missing", drift::FeatureKind::numerical)};
  r.join = drift::JoinRequest{"ml.labels", "prediction_id", "id"};
  const std::vector<ColumnInfo> preds = {col("at", "timestamp with time zone", 'D'),
                                         col("id", "bigint", 'N')};
  const WindowQuery w = window_query(r, preds, {}, q, false);
  // nothing about the joined table's columns (the caller says why it could not be described)
  CHECK(messages(w.problems) ==
        std::vector<std::string>{"column \"missing\" does not exist in table \"preds\"",
                                 "timestamp column \"nope\" does not exist in table \"preds\""});
}

TEST_CASE("a joined label table, timestamps without time zone, epoch columns") {
  RecordingQuoter q;
  drift::WindowRequest r;
  r.table = "preds";
  r.timestamp_column = "at";
  r.to = *parse_rfc3339("2026-01-01T01:00:00Z");
  auto label = request_column("label", drift::FeatureKind::categorical);
  label.joined = true;
  auto when = request_column("at", drift::FeatureKind::numerical);
  when.epoch = true;
  r.columns = {label, when};
  r.join = drift::JoinRequest{"ml.labels", "prediction_id", "id"};
  const std::vector<ColumnInfo> preds = {col("at", "timestamp without time zone", 'D'),
                                         col("id", "bigint", 'N')};
  const std::vector<ColumnInfo> labels = {col("prediction_id", "bigint", 'N'),
                                          col("label", "text", 'S')};
  const WindowQuery w = window_query(r, preds, labels, q);
  REQUIRE(w.problems.empty());
  CHECK(w.copy_sql ==
        "COPY (SELECT l.\"label\"::text, extract(epoch from m.\"at\")::float8 FROM \"preds\" AS m "
        "LEFT JOIN \"ml\".\"labels\" AS l ON l.\"prediction_id\" = m.\"id\" WHERE m.\"at\" <= "
        "CAST((SELECT current_setting('driftd.window_to')) AS timestamp without time zone)) TO "
        "STDOUT (FORMAT binary)");
  CHECK_FALSE(w.timestamp_is_tz);
}

TEST_CASE("table names: schema.table or table") {
  CHECK(split_table("t").schema.empty());
  CHECK(split_table("s.t").schema == "s");
  CHECK(split_table("s.t").name == "t");
  for (const char* bad : {"", "a.b.c", ".t", "s."}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(split_table(bad), drift::SourceError);
  }
}
