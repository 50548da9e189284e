#include "service_support.hpp"

#include <unistd.h>

#include <algorithm>
#include <optional>
#include <vector>

namespace driftd::daemon {

namespace {

// The problem of a URL libpq cannot parse; nullopt when it can.
std::optional<config::Problem> url_problem(const config::Config& c) {
  const std::string why = storage::database_url_problem(c.database.url);
  if (why.empty()) return std::nullopt;
  const std::string what =
      c.database.url_line > 0 ? "database.url" : "DRIFTD_DATABASE_URL (overrides database.url)";
  config::Problem p;
  p.file = c.path;
  p.line = c.database.url_line;
  p.message = what + ": \"" + config::mask_password(c.database.url) + "\" cannot be parsed: " + why;
  return p;
}

}  // namespace

config::Config load_config_file(const std::string& path) {
  config::Config c;
  try {
    c = config::load_file(path);
  } catch (const config::ConfigError& e) {
    // The part still readable keeps its promise only with a URL libpq can parse.
    const config::Config* partial = e.partial();
    if (partial == nullptr) throw;
    auto p = url_problem(*partial);
    if (!p) throw;
    std::vector<config::Problem> all = e.problems();
    all.push_back(*p);
    std::stable_sort(
        all.begin(), all.end(),
        [](const config::Problem& a, const config::Problem& b) { return a.line < b.line; });
    throw config::ConfigError(std::move(all));
  }
  if (auto p = url_problem(c)) throw config::ConfigError({*p});
  return c;
}

storage::StateOptions state_options(const config::Config& c) {
  storage::StateOptions s;
  s.url = c.database.url;
  s.schema = c.database.state_schema;
  s.statement_timeout = c.database.statement_timeout;
  s.connect_timeout = c.database.connect_timeout;
  return s;
}

storage::PgOptions pg_options(const config::Config& c) {
  storage::PgOptions o;
  o.url = c.database.url;
  o.statement_timeout = c.database.statement_timeout;
  o.connect_timeout = c.database.connect_timeout;
  o.max_idle_connections = static_cast<std::size_t>(std::max(2, c.database.read_connections) * 2);
  return o;
}

EvaluatorOptions evaluator_options(const config::Config& c) {
  EvaluatorOptions o;
  o.read_connections = c.database.read_connections;
  long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  o.compute_threads = static_cast<int>(std::max(1L, cores));
  return o;
}

bool DatabaseHealth::check(const std::function<void()>& probe) {
  std::string error;
  try {
    probe();
  } catch (const std::exception& e) {
    error = e.what();
    if (error.empty()) error = "unknown error";
  }
  std::lock_guard lock(mutex_);
  bool now_up = error.empty();
  if (!known_ || now_up != up_) {
    if (now_up) {
      if (known_) log::info("database reachable again");
    } else {
      log::error("database unreachable", {{"error", error}});
    }
  }
  known_ = true;
  up_ = now_up;
  reason_ = error;
  return now_up;
}

bool DatabaseHealth::up() const {
  std::lock_guard lock(mutex_);
  return up_;
}

std::string DatabaseHealth::reason() const {
  std::lock_guard lock(mutex_);
  return reason_;
}

}  // namespace driftd::daemon
