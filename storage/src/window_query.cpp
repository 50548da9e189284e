#include "driftd/storage/window_query.hpp"

#include <algorithm>

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
