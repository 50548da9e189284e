#pragma once
// drift::WindowSource over PostgreSQL: binary COPY of one SELECT per window slice, streamed over
// libpq (libpqxx 6.4 cannot COPY a query in binary), decoded straight into columns.

#include <memory>
#include <string>

#include "driftd/common/time.hpp"
#include "driftd/drift/sources.hpp"
#include "driftd/storage/window_query.hpp"

namespace driftd::storage {

// Why libpq cannot parse `url` (a postgresql:// URI or a key=value connection string), e.g.
// "unterminated quoted string in connection info string"; "" when it can. Never holds the
// password. Every connection driftd makes parses the URL the same way.
std::string database_url_problem(const std::string& url);

struct PgOptions {
  std::string url;
  Duration statement_timeout = std::chrono::seconds(60);
  Duration connect_timeout = std::chrono::seconds(10);
  std::size_t max_idle_connections = 4;
};

class PgWindowSource final : public drift::WindowSource {
 public:
  explicit PgWindowSource(PgOptions options);
  ~PgWindowSource() override;
  drift::WindowData read(const drift::WindowRequest& request, std::stop_token stop = {}) override;
  drift::AggregateResult aggregate(const drift::AggregateRequest& request,
                                   std::stop_token stop = {}) override;

  // The columns of `table` ("schema.table" or "table"); throws SourceError if it does not exist.
  std::vector<ColumnInfo> describe_table(const std::string& table);
  // Checks that the request could be read (table, timestamp column, columns and types, filters)
  // without reading rows; returns every problem, each saying what of the request it is about.
  // Throws SourceError when the database itself fails (cannot connect, connection lost, timeout).
  std::vector<QueryProblem> check(const drift::WindowRequest& request);
  // Checks an aggregate read (business metrics, freshness) as check() does a window; `sql`
  // expressions are prepared by the server, never run. Returns one message per problem.
  std::vector<std::string> check_aggregate(const drift::AggregateRequest& request);
  // Connects and runs `SELECT 1`; throws SourceError with the reason on failure.
  void ping();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace driftd::storage
