#include "database_check.hpp"

#include <algorithm>
#include <exception>

#include "driftd/storage/pg_window_source.hpp"

namespace driftd::daemon {

namespace {

using storage::QueryProblem;
using storage::RequestPart;

bool same(const ConfigOrigin& a, const ConfigOrigin& b) {
  return a.what == b.what && a.name == b.name && a.line == b.line;
}

ConfigOrigin origin_of(const RequestPart& part, const RequestOrigins& o) {
  switch (part.kind) {
    case RequestPart::Kind::table:
      return o.table;
    case RequestPart::Kind::join_table:
    case RequestPart::Kind::join_key:
    case RequestPart::Kind::prediction_key:
      return o.join;
    case RequestPart::Kind::timestamp_column:
      return o.timestamp_column;
    case RequestPart::Kind::column:
      return part.index < o.columns.size() ? o.columns[part.index] : ConfigOrigin{};
    case RequestPart::Kind::filter:
      return part.index < o.where.size() ? o.where[part.index] : ConfigOrigin{};
  }
  return {};
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string one(const ConfigOrigin& o) {
  return o.name.empty() ? o.what : o.what + " " + quoted(o.name);
}

// Parts whose messages name them already ("timestamp column \"ts\" does not exist ...", "filter
// column ...", "challenger: ...", "labels: ..."): their line is enough. The others are read as
// plain columns, which a feature, the prediction or a section may share.
bool self_describing(const ConfigOrigin& o) {
  return o.what == "table" || o.what == "reference.table" || o.what == "timestamp_column" ||
         o.what == "reference.timestamp_column" || o.what == "labels" || o.what == "where" ||
         o.what.rfind("challenger.", 0) == 0;
}

// `feature "a"`; `features "a" (line 13), "b" (line 18)`; `prediction (line 20), feature "a"
// (line 13)`; "" for a lone self-describing part.
std::string describe(const std::vector<ConfigOrigin>& origins) {
  if (origins.empty()) return "";
  if (origins.size() == 1) return self_describing(origins[0]) ? "" : one(origins[0]);
  const bool all_named_alike = std::all_of(
      origins.begin(), origins.end(),
      [&](const ConfigOrigin& o) { return o.what == origins[0].what && !o.name.empty(); });
  std::string out;
  for (std::size_t i = 0; i < origins.size(); ++i) {
    const auto& o = origins[i];
    if (i > 0) out += ", ";
    if (all_named_alike) {
      out += (i == 0 ? o.what + "s " : std::string()) + quoted(o.name);
    } else {
      out += one(o);
    }
    if (o.line > 0) out += " (line " + std::to_string(o.line) + ")";
  }
  return out;
}

struct Finding {
  std::string message;  // with its "reference: " / "challenger: " prefix
  std::string bare;     // without
  std::vector<ConfigOrigin> origins;
};

}  // namespace

DatabaseCheck check_database(const CompiledConfig& config, storage::PgWindowSource& source,
                             Timestamp now) {
  DatabaseCheck out;
  try {
    source.ping();
    for (const auto& plan : config.monitors()) {
      const config::MonitorConfig& m = *plan.config;
      std::vector<Finding> found;
      auto check = [&](const WindowPlan& w, const std::string& prefix, bool skip_seen) {
        for (const QueryProblem& p : source.check(w.at(now))) {
          // A model version reads the monitor's own columns: what is wrong with them is said
          // once, for the monitor.
          if (skip_seen && std::any_of(found.begin(), found.end(),
                                       [&](const Finding& f) { return f.bare == p.message; }))
            continue;
          std::vector<ConfigOrigin> origins;
          for (const auto& part : p.about) {
            ConfigOrigin o = origin_of(part, w.origins);
            if (std::none_of(origins.begin(), origins.end(),
                             [&](const ConfigOrigin& x) { return same(x, o); }))
              origins.push_back(std::move(o));
          }
          const std::string message = prefix + p.message;
          auto it = std::find_if(found.begin(), found.end(),
                                 [&](const Finding& f) { return f.message == message; });
          if (it == found.end()) {
            found.push_back({message, p.message, std::move(origins)});
            continue;
          }
          for (auto& o : origins)
            if (std::none_of(it->origins.begin(), it->origins.end(),
                             [&](const ConfigOrigin& x) { return same(x, o); }))
              it->origins.push_back(std::move(o));
        }
      };
      check(plan.current, "", false);
      if (m.reference.kind == config::ReferenceConfig::Kind::table)
        check(plan.reference, "reference: ", false);
      for (const auto* version : {&plan.champion, &plan.challenger}) {
        if (*version) check(**version, "challenger: ", true);
      }
      std::vector<config::Problem> problems;
      for (auto& f : found) {
        std::sort(f.origins.begin(), f.origins.end(),
                  [](const ConfigOrigin& a, const ConfigOrigin& b) { return a.line < b.line; });
        config::Problem p;
        p.file = config.config().path;
        p.line = m.line;
        for (const auto& o : f.origins) {
          if (o.line > 0) {
            p.line = o.line;
            break;
          }
        }
        const std::string what = describe(f.origins);
        p.message = "monitor " + m.name + ": " + (what.empty() ? "" : what + ": ") + f.message;
        problems.push_back(std::move(p));
      }
      // Freshness, volume and business metrics: their columns, filters and SQL expressions
      // (prepared by the server, never run), at the monitor's line; what the window reads
      // already said (a missing table) is not said again.
      if (plan.business && plan.business->reads()) {
        for (const auto& message :
             source.check_aggregate(plan.business->at(now, plan.reference.at(now)))) {
          if (std::any_of(found.begin(), found.end(),
                          [&](const Finding& f) { return f.bare == message; }))
            continue;
          problems.push_back(
              {config.config().path, m.line, "monitor " + m.name + ": metrics: " + message});
        }
      }
      std::stable_sort(
          problems.begin(), problems.end(),
          [](const config::Problem& a, const config::Problem& b) { return a.line < b.line; });
      for (auto& p : problems) out.problems.push_back(std::move(p));
    }
  } catch (const std::exception& e) {
    out.reachable = false;
    out.error = e.what();
    out.problems.clear();
  }
  return out;
}

}  // namespace driftd::daemon
