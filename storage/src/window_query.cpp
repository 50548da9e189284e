#include "driftd/storage/window_query.hpp"

#include <algorithm>
#include <charconv>

namespace driftd::storage {

using drift::SourceError;

namespace {

const ColumnInfo* find(const std::vector<ColumnInfo>& cols, const std::string& name) {
  for (const auto& c : cols)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace

std::vector<std::string> messages(const std::vector<QueryProblem>& problems) {
  std::vector<std::string> out;
  out.reserve(problems.size());
  for (const auto& p : problems) out.push_back(p.message);
  return out;
}

TableName split_table(const std::string& table) {
  auto dots = std::count(table.begin(), table.end(), '.');
  if (table.empty()) throw SourceError("table name is empty");
  if (dots == 0) return {"", table};
  if (dots > 1)
    throw SourceError("table \"" + table + "\" must be written as schema.table or table");
  auto p = table.find('.');
  if (p == 0 || p + 1 == table.size())
    throw SourceError("table \"" + table + "\" must be written as schema.table or table");
  return {table.substr(0, p), table.substr(p + 1)};
}

std::string quoted_table(const TableName& t, const Quoter& q) {
  std::string out;
  if (!t.schema.empty()) out = q.identifier(t.schema) + ".";
  return out + q.identifier(t.name);
}

WindowQuery window_query(const drift::WindowRequest& req, const std::vector<ColumnInfo>& cols,
                         const std::vector<ColumnInfo>& joined_cols, const Quoter& q,
                         bool joined_described) {
  using Kind = RequestPart::Kind;
  WindowQuery p;
  // The same message about several parts (a column read as two features) is one problem.
  auto problem = [&](std::string message, RequestPart part) {
    for (auto& existing : p.problems) {
      if (existing.message == message) {
        if (std::find(existing.about.begin(), existing.about.end(), part) == existing.about.end())
          existing.about.push_back(part);
        return;
      }
    }
    p.problems.push_back({std::move(message), {part}});
  };
  // The window's table is `m`, a joined table `l`: every column is qualified.
  auto ident_of = [&](bool joined, const std::string& col) {
    return std::string(joined ? "l." : "m.") + q.identifier(col);
  };
  auto missing = [&](const std::string& what, const std::string& col, RequestPart part,
                     bool joined = false) {
    problem(what + " \"" + col + "\" does not exist in table \"" +
                (joined ? req.join->table : req.table) + "\"",
            part);
  };
  auto is_timestamp = [](const ColumnInfo& c) {
    return c.type == "timestamp with time zone" || c.type == "timestamp without time zone";
  };
  std::vector<std::string> exprs;
  for (std::size_t i = 0; i < req.columns.size(); ++i) {
    const auto& c = req.columns[i];
    const RequestPart part{Kind::column, i};
    if (c.joined && !joined_described) continue;
    const ColumnInfo* info = find(c.joined ? joined_cols : cols, c.column);
    if (info == nullptr) {
      missing(c.is_json() ? "json column" : "column", c.column, part, c.joined);
      continue;
    }
    std::string ident = ident_of(c.joined, c.column);
    if (c.epoch) {
      if (!is_timestamp(*info)) {
        problem("column \"" + c.column + "\" has type " + info->type +
                    "; expected timestamptz or timestamp",
                part);
        continue;
      }
      exprs.push_back("extract(epoch from " + ident + ")::float8");
    } else if (c.is_json()) {
      if (info->type != "jsonb" && info->type != "json") {
        problem("column \"" + c.column + "\" has type " + info->type +
                    "; a json key needs a json or jsonb column",
                part);
        continue;
      }
      exprs.push_back("(" + ident + "->>" + q.literal(c.json_key) + ")");
    } else if (c.kind == drift::FeatureKind::numerical) {
      if (info->type == "boolean") {
        exprs.push_back(ident + "::int::float8");
      } else if (info->type == "money") {
        exprs.push_back(ident + "::numeric::float8");
      } else if (info->category == 'N') {
        exprs.push_back(ident + "::float8");
      } else {
        problem("column \"" + c.column + "\" has type " + info->type +
                    "; a numerical feature needs a numeric type (or use kind = "
                    "\"categorical\")",
                part);
      }
    } else {
      if (info->category == 'A' || info->category == 'C' || info->type == "json" ||
          info->type == "jsonb") {
        problem("column \"" + c.column + "\" has type " + info->type +
                    "; a categorical feature needs a text, boolean, enum or integer "
                    "type (for a json key use json + key)",
                part);
        continue;
      }
      exprs.push_back(ident + "::text");
    }
  }
  std::string join_sql;
  if (req.join) {
    const ColumnInfo* key = joined_described ? find(joined_cols, req.join->key) : nullptr;
    const ColumnInfo* pkey = find(cols, req.join->prediction_key);
    if (key == nullptr && joined_described)
      missing("label key column", req.join->key, {Kind::join_key, 0}, true);
    if (pkey == nullptr)
      missing("prediction key column", req.join->prediction_key, {Kind::prediction_key, 0});
    if (key != nullptr && pkey != nullptr && key->type != pkey->type &&
        key->category != pkey->category) {
      p.problems.push_back({"label key \"" + req.join->key + "\" has type " + key->type +
                                ", prediction key \"" + req.join->prediction_key + "\" has type " +
                                pkey->type + "; they cannot be compared",
                            {{Kind::join_key, 0}, {Kind::prediction_key, 0}}});
    }
    if (key != nullptr && pkey != nullptr) {
      TableName jt = split_table(req.join->table);
      join_sql = " LEFT JOIN " + quoted_table(jt, q) + " AS l ON " + ident_of(true, req.join->key) +
                 " = " + ident_of(false, req.join->prediction_key);
    }
  }
  std::vector<std::string> conds;
  if (req.from || req.to) {
    const ColumnInfo* ts = find(cols, req.timestamp_column);
    const RequestPart part{Kind::timestamp_column, 0};
    if (req.timestamp_column.empty()) {
      problem("no timestamp column given", part);
    } else if (ts == nullptr) {
      missing("timestamp column", req.timestamp_column, part);
    } else if (!is_timestamp(*ts)) {
      problem("timestamp column \"" + req.timestamp_column + "\" has type " + ts->type +
                  "; expected timestamptz or timestamp",
              part);
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
  for (std::size_t k = 0; k < req.where.size(); ++k) {
    const auto& [col, value] = req.where[k];
    const ColumnInfo* info = find(cols, col);
    if (info == nullptr) {
      missing("filter column", col, {Kind::filter, k});
      continue;
    }
    std::string name = "driftd.where_" + std::to_string(i++);
    conds.push_back(ident_of(false, col) + " = CAST((SELECT current_setting('" + name + "')) AS " +
                    info->type + ")");
    p.settings.emplace_back(name, value);
  }
  // Said by `check` and before the COPY: "permission denied" from inside it names no column.
  // One problem per column, about every part that uses it.
  auto note_unreadable = [&](const std::string& col, RequestPart part, bool joined = false) {
    if (joined && !joined_described) return;
    const ColumnInfo* info = find(joined ? joined_cols : cols, col);
    if (info == nullptr || info->readable) return;
    const std::string& table = joined ? req.join->table : req.table;
    problem("no SELECT privilege on column \"" + col + "\" of table \"" + table +
                "\" for this database user (GRANT SELECT ON " + table + " TO ...)",
            part);
  };
  for (std::size_t k = 0; k < req.columns.size(); ++k)
    note_unreadable(req.columns[k].column, {Kind::column, k}, req.columns[k].joined);
  if (req.from || req.to) note_unreadable(req.timestamp_column, {Kind::timestamp_column, 0});
  for (std::size_t k = 0; k < req.where.size(); ++k)
    note_unreadable(req.where[k].first, {Kind::filter, k});
  if (req.join) {
    note_unreadable(req.join->key, {Kind::join_key, 0}, true);
    note_unreadable(req.join->prediction_key, {Kind::prediction_key, 0});
  }
  if (exprs.empty() && p.problems.empty())
    p.problems.push_back({"nothing to read: no columns", {}});
  if (!p.problems.empty()) return p;
  TableName t = split_table(req.table);
  std::string sql = "COPY (SELECT ";
  for (std::size_t k = 0; k < exprs.size(); ++k) sql += (k ? ", " : "") + exprs[k];
  sql += " FROM " + quoted_table(t, q) + " AS m" + join_sql;
  for (std::size_t k = 0; k < conds.size(); ++k) sql += (k ? " AND " : " WHERE ") + conds[k];
  sql += ") TO STDOUT (FORMAT binary)";
  p.copy_sql = std::move(sql);
  return p;
}

}  // namespace driftd::storage

namespace driftd::storage {

namespace {

bool is_timestamp_type(const ColumnInfo& c) {
  return c.type == "timestamp with time zone" || c.type == "timestamp without time zone";
}

// The bound parameters of one statement: each value once, named $1, $2, ...
struct Params {
  std::vector<std::string> values;
  std::string add(std::string value) {
    values.push_back(std::move(value));
    return "$" + std::to_string(values.size());
  }
};

// A JSON value or text that reads as a number, as the window read parses json keys
// (copy_decoder's parse_number_text); at most a three-digit exponent so that numeric holds it.
constexpr const char* kNumberPattern =
    "'^[[:space:]]*[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]{1,3})?[[:space:]]*$'";
constexpr const char* kMaxDouble = "'1.7976931348623157e308'";

// Shortest text that reads back as the same double.
std::string number_text(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  return std::string(buf, end);
}

std::string finite(const std::string& x) {
  return "(" + x + ") BETWEEN -" + std::string(kMaxDouble) + "::float8 AND " + kMaxDouble +
         "::float8";
}

}  // namespace

AggregateQuery aggregate_query(const drift::AggregateRequest& req,
                               const std::vector<ColumnInfo>& cols, const Quoter& q) {
  using F = drift::Aggregate::Function;
  AggregateQuery out;
  auto missing = [&](const std::string& what, const std::string& col) {
    out.problems.push_back(what + " \"" + col + "\" does not exist in table \"" + req.table + "\"");
  };
  auto ident = [&](const std::string& col) { return "m." + q.identifier(col); };
  const ColumnInfo* ts = find(cols, req.timestamp_column);
  if (req.timestamp_column.empty()) {
    out.problems.push_back("no timestamp column given");
  } else if (ts == nullptr) {
    missing("timestamp column", req.timestamp_column);
  } else if (!is_timestamp_type(*ts)) {
    out.problems.push_back("timestamp column \"" + req.timestamp_column + "\" has type " +
                           ts->type + "; expected timestamptz or timestamp");
    ts = nullptr;
  }
  // Equality filters: `m.col = CAST($n AS <type>)`.
  auto filters = [&](const std::vector<std::pair<std::string, std::string>>& where, Params& p,
                     std::vector<std::string>& conds) {
    for (const auto& [col, value] : where) {
      const ColumnInfo* info = find(cols, col);
      if (info == nullptr) {
        missing("filter column", col);
        continue;
      }
      conds.push_back(ident(col) + " = CAST(" + p.add(value) + " AS " + info->type + ")");
    }
  };
  // The value of an aggregate as SQL: float8 (numerical) or text (categorical); "" on a problem.
  auto value_of = [&](const drift::ColumnRequest& c, Params& p) -> std::string {
    const ColumnInfo* info = find(cols, c.column);
    if (info == nullptr) {
      missing(c.is_json() ? "json column" : "column", c.column);
      return "";
    }
    if (c.is_json()) {
      if (info->type != "jsonb" && info->type != "json") {
        out.problems.push_back("column \"" + c.column + "\" has type " + info->type +
                               "; a json key needs a json or jsonb column");
        return "";
      }
      const std::string text = "(" + ident(c.column) + "->>" + p.add(c.json_key) + ")";
      if (c.kind == drift::FeatureKind::categorical) return text;
      // CASE keeps the casts from ever seeing text that is not a number.
      return "CASE WHEN " + text + " ~ " + kNumberPattern + " THEN CASE WHEN " + text +
             "::numeric BETWEEN -" + kMaxDouble + "::numeric AND " + kMaxDouble +
             "::numeric THEN " + text + "::numeric::float8 END END";
    }
    const std::string x = ident(c.column);
    if (c.kind == drift::FeatureKind::categorical) {
      if (info->category == 'A' || info->category == 'C' || info->type == "json" ||
          info->type == "jsonb") {
        out.problems.push_back("column \"" + c.column + "\" has type " + info->type +
                               "; compared as text it needs a text, boolean, enum or integer "
                               "type (for a json key use json + key)");
        return "";
      }
      return x + "::text";
    }
    if (info->type == "boolean") return x + "::int::float8";
    if (info->type == "money") return x + "::numeric::float8";
    if (info->category == 'N') return x + "::float8";
    out.problems.push_back("column \"" + c.column + "\" has type " + info->type +
                           "; a number is needed here (a numeric or boolean column)");
    return "";
  };
  auto filtered = [](const std::string& aggregate, const std::vector<std::string>& conds) {
    if (conds.empty()) return aggregate;
    std::string sql = aggregate + " FILTER (WHERE ";
    for (std::size_t k = 0; k < conds.size(); ++k) sql += (k ? " AND " : "") + conds[k];
    return sql + ")";
  };

  const TableName t = split_table(req.table);
  const std::string table = quoted_table(t, q) + " AS m";
  if (!req.windows.empty() && ts != nullptr) {
    Params p;
    std::string values;
    for (std::size_t w = 0; w < req.windows.size(); ++w) {
      const std::string from = p.add(format_rfc3339(req.windows[w].from));
      const std::string to = p.add(format_rfc3339(req.windows[w].to));
      values +=
          (w ? ", (" : "(") + std::to_string(w + 1) + ", " + from + "::text, " + to + "::text)";
    }
    std::vector<std::string> exprs;
    for (const auto& a : req.aggregates) {
      std::vector<std::string> conds;
      filters(a.where, p, conds);
      std::string x;
      const bool numerical = a.value && a.value->kind == drift::FeatureKind::numerical;
      if (a.value) {
        x = value_of(*a.value, p);
        if (x.empty()) continue;
        conds.push_back(numerical ? finite(x) : "(" + x + ") IS NOT NULL");
      } else if (a.function != F::rows && a.function != F::expression) {
        out.problems.push_back("an aggregate needs a value to compute");
        continue;
      }
      switch (a.function) {
        case F::rows:
          exprs.push_back(filtered("count(*)", conds) + "::float8");
          break;
        case F::matches:
          if (numerical) {
            if (!a.greater_than) {
              out.problems.push_back("a numerical match needs a level");
              continue;
            }
            conds.push_back("(" + x + ") > " + p.add(number_text(*a.greater_than)) + "::float8");
          } else {
            if (a.equals.empty()) {
              out.problems.push_back("a match needs the values that count");
              continue;
            }
            std::string in = "(" + x + ") IN (";
            for (std::size_t k = 0; k < a.equals.size(); ++k)
              in += (k ? ", " : "") + p.add(a.equals[k]) + "::text";
            conds.push_back(in + ")");
          }
          exprs.push_back(filtered("count(*)", conds) + "::float8");
          break;
        case F::sum:
        case F::mean:
        case F::variance: {
          if (!numerical) {
            out.problems.push_back("sum, mean and variance need a numerical value");
            continue;
          }
          const char* fn = a.function == F::sum    ? "sum"
                           : a.function == F::mean ? "avg"
                                                   : "var_samp";
          exprs.push_back(filtered(std::string(fn) + "(" + x + ")", conds) + "::float8");
          break;
        }
        case F::expression:
          if (a.sql.empty()) {
            out.problems.push_back("an expression aggregate needs its SQL");
            continue;
          }
          // The operator's own expression, checked by the config loader to be one expression;
          // it runs in a read-only transaction under statement_timeout.
          exprs.push_back("(" + a.sql + ")::float8");
          break;
      }
    }
    if (exprs.empty() && out.problems.empty()) out.problems.push_back("no aggregate to compute");
    std::vector<std::string> conds;
    conds.push_back(ident(req.timestamp_column) + " > CAST(w.f AS " + ts->type + ")");
    conds.push_back(ident(req.timestamp_column) + " <= CAST(w.t AS " + ts->type + ")");
    filters(req.where, p, conds);
    std::string sql = "SELECT w.i";
    for (std::size_t k = 0; k < exprs.size(); ++k) sql += ", a.v" + std::to_string(k);
    sql += " FROM (VALUES " + values + ") AS w(i, f, t) CROSS JOIN LATERAL (SELECT ";
    for (std::size_t k = 0; k < exprs.size(); ++k)
      sql += (k ? ", " : "") + exprs[k] + " AS v" + std::to_string(k);
    sql += " FROM " + table;
    for (std::size_t k = 0; k < conds.size(); ++k) sql += (k ? " AND " : " WHERE ") + conds[k];
    sql += ") AS a ORDER BY w.i";
    out.sql = std::move(sql);
    out.params = std::move(p.values);
  }
  if (req.newest_until && ts != nullptr) {
    Params p;
    const std::string col = ident(req.timestamp_column);
    std::vector<std::string> conds;
    filters(req.where, p, conds);
    std::string rest;
    for (const auto& c : conds) rest += " AND " + c;
    // The recent range first: an index range scan whatever the index (BRIN too); the whole
    // table only when nothing is that recent (COALESCE evaluates it only then).
    auto newest = [&](Timestamp until_at) {
      const std::string until = p.add(format_rfc3339(until_at));
      const std::string since = p.add(format_rfc3339(until_at - req.newest_lookback));
      const std::string upper = col + " <= CAST(" + until + " AS " + ts->type + ")";
      return "(extract(epoch from COALESCE((SELECT max(" + col + ") FROM " + table + " WHERE " +
             col + " > CAST(" + since + " AS " + ts->type + ") AND " + upper + rest +
             "), (SELECT max(" + col + ") FROM " + table + " WHERE " + upper + rest +
             "))) * 1000000)::int8";
    };
    out.newest_sql = "SELECT " + newest(*req.newest_until);
    for (const Timestamp& t : req.newest_earlier) out.newest_sql += ", " + newest(t);
    out.newest_params = std::move(p.values);
  }
  if (!out.problems.empty()) {
    out.sql.clear();
    out.params.clear();
    out.newest_sql.clear();
    out.newest_params.clear();
  }
  return out;
}

}  // namespace driftd::storage
