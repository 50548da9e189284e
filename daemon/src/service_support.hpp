#pragma once
// Small pieces shared by the commands and the service: option mapping from the config and the
// database health tracker (logs once per transition).

#include <functional>
#include <mutex>
#include <string>

#include "driftd/common/log.hpp"
#include "driftd/config/config.hpp"
#include "driftd/daemon/evaluator.hpp"
#include "driftd/storage/pg_result_store.hpp"
#include "driftd/storage/pg_window_source.hpp"

namespace driftd::daemon {

// config::load_file, then what the config module cannot check alone: that libpq parses the
// database URL (storage::database_url_problem), so that every command refuses a URL it could
// never connect with, with the same message. Throws config::ConfigError with every problem.
config::Config load_config_file(const std::string& path);

storage::StateOptions state_options(const config::Config& c);
storage::PgOptions pg_options(const config::Config& c);
EvaluatorOptions evaluator_options(const config::Config& c);

class DatabaseHealth {
 public:
  // Runs the probe; records and logs a change of state. Returns whether the database is up.
  bool check(const std::function<void()>& probe);
  bool up() const;
  std::string reason() const;

 private:
  mutable std::mutex mutex_;
  bool known_ = false;
  bool up_ = false;
  std::string reason_;
};

}  // namespace driftd::daemon
