#pragma once
// The SQL of a window read, built from the request and what the catalog says of the tables'
// columns. Pure (no connection), so tests and `check` see exactly what would be sent: every
// identifier through the Quoter, every filter value and bound a setting read back with
// current_setting() and cast to the column's type, never text in the statement.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "driftd/drift/sources.hpp"

namespace driftd::storage {

// Describes a column of a user table as the catalog does.
struct ColumnInfo {
  std::string name;
  std::string type;      // format_type(), e.g. "double precision"
  char category = 'X';   // pg_type.typcategory: N numeric, S string, B bool, E enum, D datetime...
  bool readable = true;  // the connected role may SELECT it (table or column privilege)
};

// Quotes for the server: PQescapeIdentifier / PQescapeLiteral on a connection in production.
class Quoter {
 public:
  virtual ~Quoter() = default;
  virtual std::string identifier(std::string_view name) const = 0;
  virtual std::string literal(std::string_view value) const = 0;
};

// "table" or "schema.table"; throws drift::SourceError for anything else.
struct TableName {
  std::string schema;  // empty: resolved through search_path
  std::string name;
};
TableName split_table(const std::string& table);
std::string quoted_table(const TableName& t, const Quoter& q);

// The part of a request a problem is about, so that the caller can say where it was configured.
struct RequestPart {
  enum class Kind {
    table,             // request.table
    join_table,        // request.join->table
    column,            // request.columns[index]
    timestamp_column,  // request.timestamp_column
    filter,            // request.where[index]
    join_key,          // request.join->key
    prediction_key,    // request.join->prediction_key
  };
  Kind kind = Kind::table;
  std::size_t index = 0;
  bool operator==(const RequestPart&) const = default;
};

// One problem of a request: a complete message, and what it is about (several parts when they
// share it: a column read twice, a column without SELECT privilege used as a filter too).
struct QueryProblem {
  std::string message;
  std::vector<RequestPart> about;  // empty: the request as a whole
};
std::vector<std::string> messages(const std::vector<QueryProblem>& problems);

struct WindowQuery {
  std::string copy_sql;  // COPY (SELECT ...) TO STDOUT (FORMAT binary)
  // Set with set_config(name, value, true) in the read's transaction: the window's bounds and
  // the filters' values, which the statement reads back and casts.
  std::vector<std::pair<std::string, std::string>> settings;
  bool timestamp_is_tz = true;
  std::vector<QueryProblem> problems;  // copy_sql is empty when there are any
};

// The COPY of `request` from a table with `columns` (and `joined` for request.join). Collects
// every problem instead of throwing, so that `check` reports them all. `joined_described` false:
// the joined table could not be described (the caller reports why); what is read from it is not
// checked, the rest is.
WindowQuery window_query(const drift::WindowRequest& request,
                         const std::vector<ColumnInfo>& columns,
                         const std::vector<ColumnInfo>& joined, const Quoter& q,
                         bool joined_described = true);

// The statements of an aggregate read (business metrics, freshness), built as window_query is:
// identifiers through the Quoter, every value a bound parameter ($n, text, cast to the column's
// type on the server).
struct AggregateQuery {
  // One row per window of the request, in its order: the window's number (1...), then one float8
  // per aggregate. Empty when the request has no window.
  std::string sql;
  std::vector<std::string> params;
  // One row: the newest timestamp as microseconds since the Unix epoch (int8, or NULL), then one
  // such column per request.newest_earlier. Empty without request.newest_until.
  std::string newest_sql;
  std::vector<std::string> newest_params;
  std::vector<std::string> problems;  // each one complete; the statements are empty when any
};
AggregateQuery aggregate_query(const drift::AggregateRequest& request,
                               const std::vector<ColumnInfo>& columns, const Quoter& q);

}  // namespace driftd::storage
