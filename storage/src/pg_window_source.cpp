#include "driftd/storage/pg_window_source.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "driftd/storage/copy_decoder.hpp"
#include "pg_util.hpp"

namespace driftd::storage {

using drift::SourceError;

namespace {

// Quotes with the connection's own escaping (its encoding and standard_conforming_strings).
class ConnectionQuoter final : public Quoter {
 public:
  explicit ConnectionQuoter(PgConnection& conn) : conn_(conn) {}
  std::string identifier(std::string_view name) const override {
    return conn_.quote_identifier(name);
  }
  std::string literal(std::string_view value) const override { return conn_.quote_literal(value); }

 private:
  PgConnection& conn_;
};

}  // namespace

struct PgWindowSource::Impl {
  PgOptions options;
  ConnectionPool pool;

  explicit Impl(PgOptions o) : options(std::move(o)), pool(options_to_pool(options)) {}

  static ConnectionPool::Options options_to_pool(const PgOptions& o) {
    ConnectionPool::Options p;
    p.url = o.url;
    p.statement_timeout = o.statement_timeout;
    p.connect_timeout = o.connect_timeout;
    p.max_idle = o.max_idle_connections;
    p.read_only = true;
    return p;
  }

  std::vector<ColumnInfo> describe(PgConnection& conn, const std::string& table,
                                   std::stop_token stop) {
    TableName t = split_table(table);
    std::string regclass = quoted_table(t, ConnectionQuoter(conn));
    PgResult r = conn.exec_params("SELECT to_regclass($1)::oid", {regclass}, stop);
    if (PQntuples(r.get()) != 1 || PQgetisnull(r.get(), 0, 0))
      throw SourceError("table \"" + table + "\" does not exist (or is not visible to this user)");
    std::string oid = PQgetvalue(r.get(), 0, 0);
    PgResult cols = conn.exec_params(
        "SELECT a.attname, format_type(a.atttypid, NULL), t.typcategory,"
        " has_column_privilege(a.attrelid, a.attnum, 'SELECT') "
        "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        {oid}, stop);
    std::vector<ColumnInfo> out;
    for (int i = 0; i < PQntuples(cols.get()); ++i) {
      ColumnInfo c;
      c.name = PQgetvalue(cols.get(), i, 0);
      c.type = PQgetvalue(cols.get(), i, 1);
      const char* cat = PQgetvalue(cols.get(), i, 2);
      c.category = cat[0] != '\0' ? cat[0] : 'X';
      c.readable = PQgetvalue(cols.get(), i, 3)[0] == 't';
      out.push_back(std::move(c));
    }
    return out;
  }

  // The COPY of `req` as the catalog describes its tables; problems instead of throwing, so
  // that `check` can report them all.
  WindowQuery plan(PgConnection& conn, const drift::WindowRequest& req, std::stop_token stop) {
    std::vector<ColumnInfo> cols = describe(conn, req.table, stop);
    std::vector<ColumnInfo> joined;
    std::optional<QueryProblem> join_problem;
    if (req.join) {
      try {
        joined = describe(conn, req.join->table, stop);
      } catch (const SourceError& e) {
        if (conn.broken() || stop.stop_requested()) throw;
        // The rest of the request is still checked: every problem at once.
        join_problem =
            QueryProblem{std::string("labels: ") + e.what(), {{RequestPart::Kind::join_table, 0}}};
      }
    }
    WindowQuery p = window_query(req, cols, joined, ConnectionQuoter(conn), !join_problem);
    if (join_problem) {
      p.copy_sql.clear();
      p.problems.insert(p.problems.begin(), std::move(*join_problem));
    }
    return p;
  }

  // Reads one slice into `builder` on its own connection. A pooled connection that turns out to
  // be dead before any row arrived is replaced once by a fresh one; one that does not answer at
  // all fails the read (a fresh connection over the same stuck path would only add its
  // connect_timeout to the statement_timeout + grace already spent), and the idle connections
  // are dropped with it, so the next evaluation starts on fresh ones.
  void read_slice(const drift::WindowRequest& req, WindowBuilder& builder, std::stop_token stop) {
    PooledConnection conn = pool.acquire(stop);
    try {
      read_slice_on(conn, req, builder, stop);
    } catch (const SourceError&) {
      if (conn.has_connection() && conn->timed_out()) pool.drop_idle();
      throw;
    }
  }

  void read_slice_on(PooledConnection& conn, const drift::WindowRequest& req,
                     WindowBuilder& builder, std::stop_token stop) {
    if (conn.reused()) {
      try {
        conn->exec("SELECT 1", stop);
      } catch (const SourceError&) {
        if (stop.stop_requested() || conn->timed_out()) throw;
        conn = pool.fresh(stop);
      }
    }
    WindowQuery p = plan(*conn, req, stop);
    if (!p.problems.empty()) {
      std::string msg = p.problems.front().message;
      for (std::size_t k = 1; k < p.problems.size(); ++k) msg += "; " + p.problems[k].message;
      throw SourceError(msg);
    }
    conn->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", stop);
    for (const auto& [name, value] : p.settings)
      conn->exec_params("SELECT set_config($1, $2, true)", {name, value}, stop);
    CopyBinaryDecoder decoder(req.columns.size());
    conn->copy_out(p.copy_sql, stop, [&](std::string_view bytes) { decoder.feed(bytes, builder); });
    decoder.finish();
    conn->exec("COMMIT", stop);
    conn.release_healthy();
  }
};

PgWindowSource::PgWindowSource(PgOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
PgWindowSource::~PgWindowSource() = default;

drift::WindowData PgWindowSource::read(const drift::WindowRequest& request, std::stop_token stop) {
  int n = std::max(1, request.parallelism);
  if (!request.from || !request.to) n = 1;
  std::vector<drift::WindowRequest> slices;
  if (n == 1) {
    slices.push_back(request);
  } else {
    Duration span = *request.to - *request.from;
    Timestamp lo = *request.from;
    for (int i = 0; i < n; ++i) {
      drift::WindowRequest s = request;
      s.from = lo;
      s.to = i + 1 == n ? *request.to : *request.from + span * (i + 1) / n;
      lo = *s.to;
      slices.push_back(std::move(s));
    }
  }
  std::vector<std::unique_ptr<WindowBuilder>> builders;
  for (int i = 0; i < n; ++i)
    builders.push_back(
        std::make_unique<WindowBuilder>(request.columns, request.max_rows, request.sample_seed));
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(n));
  {
    std::vector<std::jthread> threads;
    for (int i = 1; i < n; ++i) {
      threads.emplace_back([&, i] {
        try {
          impl_->read_slice(slices[i], *builders[i], stop);
        } catch (...) {
          errors[i] = std::current_exception();
        }
      });
    }
    try {
      impl_->read_slice(slices[0], *builders[0], stop);
    } catch (...) {
      errors[0] = std::current_exception();
    }
  }
  for (auto& e : errors) {
    if (!e) continue;
    try {
      std::rethrow_exception(e);
    } catch (const SourceError&) {
      throw;
    } catch (const std::exception& ex) {
      throw SourceError(ex.what());
    }
  }
  for (int i = 1; i < n; ++i) builders[0]->merge(std::move(*builders[i]));
  drift::WindowData data = builders[0]->take();
  data.from = request.from.value_or(Timestamp{});
  data.to = request.to.value_or(Timestamp{});
  return data;
}

drift::AggregateResult PgWindowSource::aggregate(const drift::AggregateRequest& request,
                                                 std::stop_token stop) {
  PooledConnection conn = impl_->pool.acquire(stop);
  try {
    if (conn.reused()) {
      try {
        conn->exec("SELECT 1", stop);
      } catch (const SourceError&) {
        if (stop.stop_requested() || conn->timed_out()) throw;
        conn = impl_->pool.fresh(stop);
      }
    }
    AggregateQuery p = aggregate_query(request, impl_->describe(*conn, request.table, stop),
                                       ConnectionQuoter(*conn));
    if (!p.problems.empty()) {
      std::string msg = p.problems.front();
      for (std::size_t k = 1; k < p.problems.size(); ++k) msg += "; " + p.problems[k];
      throw SourceError(msg);
    }
    drift::AggregateResult out;
    // One snapshot for every statement; READ ONLY whatever the SQL of an expression says.
    conn->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", stop);
    if (!p.sql.empty()) {
      PgResult r = conn->exec_params(p.sql, p.params, stop);
      const int rows = PQntuples(r.get());
      const int fields = PQnfields(r.get());
      if (rows != static_cast<int>(request.windows.size()) || fields < 1)
        throw SourceError("aggregate read: unexpected result shape");
      for (int i = 0; i < rows; ++i) {
        std::vector<std::optional<double>> values;
        for (int f = 1; f < fields; ++f) {
          if (PQgetisnull(r.get(), i, f)) {
            values.emplace_back(std::nullopt);
          } else {
            values.emplace_back(std::strtod(PQgetvalue(r.get(), i, f), nullptr));
          }
        }
        out.values.push_back(std::move(values));
      }
    }
    if (!p.newest_sql.empty()) {
      PgResult r = conn->exec_params(p.newest_sql, p.newest_params, stop);
      const int fields = PQnfields(r.get());
      if (PQntuples(r.get()) != 1 ||
          fields != 1 + static_cast<int>(request.newest_earlier.size())) {
        throw SourceError("newest row read: unexpected result shape");
      }
      auto at = [&](int f) -> std::optional<Timestamp> {
        if (PQgetisnull(r.get(), 0, f)) return std::nullopt;
        const long long us = std::strtoll(PQgetvalue(r.get(), 0, f), nullptr, 10);
        return Timestamp{std::chrono::duration_cast<Duration>(std::chrono::microseconds(us))};
      };
      out.newest = at(0);
      for (int f = 1; f < fields; ++f) out.newest_earlier.push_back(at(f));
    }
    conn->exec("COMMIT", stop);
    conn.release_healthy();
    return out;
  } catch (const SourceError&) {
    if (conn.has_connection() && conn->timed_out()) impl_->pool.drop_idle();
    throw;
  }
}

std::vector<std::string> PgWindowSource::check_aggregate(const drift::AggregateRequest& request) {
  PooledConnection conn = impl_->pool.acquire({});
  AggregateQuery p;
  try {
    p = aggregate_query(request, impl_->describe(*conn, request.table, {}),
                        ConnectionQuoter(*conn));
    // The expressions of `sql` metrics are the operator's: only the server can say whether they
    // parse, so they are prepared (never run) here.
    if (p.problems.empty() && !p.sql.empty()) {
      conn->exec_params("PREPARE driftd_check_aggregate AS " + p.sql, {}, {});
      conn->exec("DEALLOCATE driftd_check_aggregate", {});
    }
  } catch (const SourceError& e) {
    return {e.what()};
  }
  conn.release_healthy();
  return p.problems;
}

std::vector<ColumnInfo> PgWindowSource::describe_table(const std::string& table) {
  PooledConnection conn = impl_->pool.acquire({});
  auto cols = impl_->describe(*conn, table, {});
  conn.release_healthy();
  return cols;
}

std::vector<QueryProblem> PgWindowSource::check(const drift::WindowRequest& request) {
  PooledConnection conn = impl_->pool.acquire({});
  WindowQuery p;
  try {
    p = impl_->plan(*conn, request, {});
  } catch (const SourceError& e) {
    // A connection that failed is not the table's fault: the caller says the database failed.
    if (!conn.has_connection() || conn->broken()) throw;
    conn.release_healthy();
    return {{e.what(), {{RequestPart::Kind::table, 0}}}};
  }
  conn.release_healthy();
  return p.problems;
}

void PgWindowSource::ping() {
  PooledConnection conn = impl_->pool.acquire({});
  conn->exec("SELECT 1", {});
  conn.release_healthy();
}

}  // namespace driftd::storage
