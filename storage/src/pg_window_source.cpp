#include "driftd/storage/pg_window_source.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <exception>
#include <mutex>
#include <regex>
#include <thread>

#include "driftd/storage/copy_decoder.hpp"
#include "pg_util.hpp"

namespace driftd::storage {

using drift::SourceError;

std::string redact_url(const std::string& url) {
  // postgresql://user:password@host/db -> postgresql://user:***@host/db
  static const std::regex kUriPassword(R"(^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@?#]*:)[^@/?#]*@)");
  std::string out = std::regex_replace(url, kUriPassword, "$1***@");
  // key=value form and ?password= query parameters
  static const std::regex kKeyword(R"((password\s*=\s*)('[^']*'|[^\s&]*))", std::regex::icase);
  return std::regex_replace(out, kKeyword, "$1***");
}

namespace {

struct TableName {
  std::string schema;  // empty: resolved through search_path
  std::string name;
};

TableName split_table(const std::string& table) {
  auto dots = std::count(table.begin(), table.end(), '.');
  if (table.empty()) throw SourceError("table name is empty");
  if (dots == 0) return {"", table};
  if (dots > 1) throw SourceError("table \"" + table + "\" must be written as schema.table or table");
  auto p = table.find('.');
  if (p == 0 || p + 1 == table.size())
    throw SourceError("table \"" + table + "\" must be written as schema.table or table");
  return {table.substr(0, p), table.substr(p + 1)};
}

struct ResolvedColumn {
  std::string expression;  // SQL producing the wire value
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

  std::string quoted_table(PgConnection& conn, const TableName& t) {
    std::string q;
    if (!t.schema.empty()) q = conn.quote_identifier(t.schema) + ".";
    return q + conn.quote_identifier(t.name);
  }

  std::vector<ColumnInfo> describe(PgConnection& conn, const std::string& table, std::stop_token stop) {
    TableName t = split_table(table);
    std::string regclass = quoted_table(conn, t);
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

  static const ColumnInfo* find(const std::vector<ColumnInfo>& cols, const std::string& name) {
    for (const auto& c : cols)
      if (c.name == name) return &c;
    return nullptr;
  }

  // Builds the COPY statement and the values for its settings; collects problems instead of
  // throwing so that `check` can report them all.
  struct Plan {
    std::string copy_sql;
    std::vector<std::pair<std::string, std::string>> settings;  // name -> value (bound)
    bool timestamp_is_tz = true;
    std::vector<std::string> problems;
  };

  Plan plan(PgConnection& conn, const drift::WindowRequest& req, std::stop_token stop) {
    Plan p;
    std::vector<ColumnInfo> cols = describe(conn, req.table, stop);
    std::vector<ColumnInfo> joined_cols;
    if (req.join) {
      try {
        joined_cols = describe(conn, req.join->table, stop);
      } catch (const SourceError& e) {
        p.problems.push_back(std::string("labels: ") + e.what());
        return p;
      }
    }
    // The window's table is `m`, a joined table `l`: every column is qualified.
    auto ident_of = [&](bool joined, const std::string& col) {
      return std::string(joined ? "l." : "m.") + conn.quote_identifier(col);
    };
    auto missing = [&](const std::string& what, const std::string& col, bool joined = false) {
      p.problems.push_back(what + " \"" + col + "\" does not exist in table \"" +
                           (joined ? req.join->table : req.table) + "\"");
    };
    auto is_timestamp = [](const ColumnInfo& c) {
      return c.type == "timestamp with time zone" || c.type == "timestamp without time zone";
    };
    std::vector<std::string> exprs;
    for (const auto& c : req.columns) {
      const ColumnInfo* info = find(c.joined ? joined_cols : cols, c.column);
      if (info == nullptr) {
        missing(c.is_json() ? "json column" : "column", c.column, c.joined);
        continue;
      }
      std::string ident = ident_of(c.joined, c.column);
      if (c.epoch) {
        if (!is_timestamp(*info)) {
          p.problems.push_back("column \"" + c.column + "\" has type " + info->type +
                               "; expected timestamptz or timestamp");
          continue;
        }
        exprs.push_back("extract(epoch from " + ident + ")::float8");
      } else if (c.is_json()) {
        if (info->type != "jsonb" && info->type != "json") {
          p.problems.push_back("column \"" + c.column + "\" has type " + info->type +
                               "; a json key needs a json or jsonb column");
          continue;
        }
        exprs.push_back("(" + ident + "->>" + conn.quote_literal(c.json_key) + ")");
      } else if (c.kind == drift::FeatureKind::numerical) {
        if (info->type == "boolean") {
          exprs.push_back(ident + "::int::float8");
        } else if (info->type == "money") {
          exprs.push_back(ident + "::numeric::float8");
        } else if (info->category == 'N') {
          exprs.push_back(ident + "::float8");
        } else {
          p.problems.push_back("column \"" + c.column + "\" has type " + info->type +
                               "; a numerical feature needs a numeric type (or use kind = "
                               "\"categorical\")");
        }
      } else {
        if (info->category == 'A' || info->category == 'C' || info->type == "json" ||
            info->type == "jsonb") {
          p.problems.push_back("column \"" + c.column + "\" has type " + info->type +
                               "; a categorical feature needs a text, boolean, enum or integer "
                               "type (for a json key use json + key)");
          continue;
        }
        exprs.push_back(ident + "::text");
      }
    }
    std::string join_sql;
    if (req.join) {
      const ColumnInfo* key = find(joined_cols, req.join->key);
      const ColumnInfo* pkey = find(cols, req.join->prediction_key);
      if (key == nullptr) missing("label key column", req.join->key, true);
      if (pkey == nullptr) missing("prediction key column", req.join->prediction_key);
      if (key != nullptr && pkey != nullptr && key->type != pkey->type &&
          key->category != pkey->category) {
        p.problems.push_back("label key \"" + req.join->key + "\" has type " + key->type +
                             ", prediction key \"" + req.join->prediction_key + "\" has type " +
                             pkey->type + "; they cannot be compared");
      }
      if (key != nullptr && pkey != nullptr) {
        TableName jt = split_table(req.join->table);
        join_sql = " LEFT JOIN " + quoted_table(conn, jt) + " AS l ON " +
                   ident_of(true, req.join->key) + " = " +
                   ident_of(false, req.join->prediction_key);
      }
    }
    std::vector<std::string> conds;
    if (req.from || req.to) {
      const ColumnInfo* ts = find(cols, req.timestamp_column);
      if (req.timestamp_column.empty()) {
        p.problems.push_back("no timestamp column given");
      } else if (ts == nullptr) {
        missing("timestamp column", req.timestamp_column);
      } else if (!is_timestamp(*ts)) {
        p.problems.push_back("timestamp column \"" + req.timestamp_column + "\" has type " +
                             ts->type + "; expected timestamptz or timestamp");
      } else {
        std::string ident = ident_of(false, req.timestamp_column);
        p.timestamp_is_tz = ts->type == "timestamp with time zone";
        if (req.from) {
          conds.push_back(ident + " > CAST((SELECT current_setting('driftd.window_from')) AS " +
                          ts->type + ")");
          p.settings.emplace_back("driftd.window_from", format_rfc3339(*req.from));
        }
        if (req.to) {
          conds.push_back(ident + " <= CAST((SELECT current_setting('driftd.window_to')) AS " +
                          ts->type + ")");
          p.settings.emplace_back("driftd.window_to", format_rfc3339(*req.to));
        }
      }
    }
    int i = 0;
    for (const auto& [col, value] : req.where) {
      const ColumnInfo* info = find(cols, col);
      if (info == nullptr) {
        missing("filter column", col);
        continue;
      }
      std::string name = "driftd.where_" + std::to_string(i++);
      conds.push_back(ident_of(false, col) + " = CAST((SELECT current_setting('" + name +
                      "')) AS " + info->type + ")");
      p.settings.emplace_back(name, value);
    }
    // Said by `check` and before the COPY: "permission denied" from inside it names no column.
    std::vector<std::pair<std::string, bool>> unreadable;  // column, in the joined table
    auto note_unreadable = [&](const std::string& col, bool joined = false) {
      const ColumnInfo* info = find(joined ? joined_cols : cols, col);
      std::pair<std::string, bool> key{col, joined};
      if (info != nullptr && !info->readable &&
          std::find(unreadable.begin(), unreadable.end(), key) == unreadable.end())
        unreadable.push_back(key);
    };
    for (const auto& c : req.columns) note_unreadable(c.column, c.joined);
    if (req.from || req.to) note_unreadable(req.timestamp_column);
    for (const auto& [col, value] : req.where) note_unreadable(col);
    if (req.join) {
      note_unreadable(req.join->key, true);
      note_unreadable(req.join->prediction_key);
    }
    for (const auto& [col, joined] : unreadable) {
      const std::string& table = joined ? req.join->table : req.table;
      p.problems.push_back("no SELECT privilege on column \"" + col + "\" of table \"" + table +
                           "\" for this database user (GRANT SELECT ON " + table + " TO ...)");
    }
    if (exprs.empty() && p.problems.empty()) p.problems.push_back("nothing to read: no columns");
    if (!p.problems.empty()) return p;
    TableName t = split_table(req.table);
    std::string sql = "COPY (SELECT ";
    for (std::size_t k = 0; k < exprs.size(); ++k) sql += (k ? ", " : "") + exprs[k];
    sql += " FROM " + quoted_table(conn, t) + " AS m" + join_sql;
    for (std::size_t k = 0; k < conds.size(); ++k) sql += (k ? " AND " : " WHERE ") + conds[k];
    sql += ") TO STDOUT (FORMAT binary)";
    p.copy_sql = std::move(sql);
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
    Plan p = plan(*conn, req, stop);
    if (!p.problems.empty()) {
      std::string msg = p.problems.front();
      for (std::size_t k = 1; k < p.problems.size(); ++k) msg += "; " + p.problems[k];
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

PgWindowSource::PgWindowSource(PgOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
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

std::vector<ColumnInfo> PgWindowSource::describe_table(const std::string& table) {
  PooledConnection conn = impl_->pool.acquire({});
  auto cols = impl_->describe(*conn, table, {});
  conn.release_healthy();
  return cols;
}

std::vector<std::string> PgWindowSource::check(const drift::WindowRequest& request) {
  PooledConnection conn = impl_->pool.acquire({});
  Impl::Plan p;
  try {
    p = impl_->plan(*conn, request, {});
  } catch (const SourceError& e) {
    return {e.what()};
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
