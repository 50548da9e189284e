#pragma once
// One libpqxx connection to the state database, shared by the stores behind a mutex, with
// reconnection and backoff. Private to storage.

#include <chrono>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>

#include "driftd/common/log.hpp"
#include "driftd/storage/pg_result_store.hpp"
#include "pg_util.hpp"

namespace driftd::storage {

class StateUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class StateDb {
 public:
  explicit StateDb(StateOptions options) : options_(std::move(options)) {}

  const StateOptions& options() const { return options_; }

  // Runs `f(pqxx::work&)` in a transaction and commits; retries once on a connection that turned
  // out to be dead (a server restart between two calls). Throws StateUnavailable when the database
  // cannot be reached, std::runtime_error for other failures.
  template <typename F>
  auto transact(F&& f) -> decltype(f(std::declval<pqxx::work&>())) {
    std::lock_guard lock(mutex_);
    for (int attempt = 0;; ++attempt) {
      pqxx::connection& c = connection_locked();
      try {
        pqxx::work tx(c);
        if constexpr (std::is_void_v<decltype(f(tx))>) {
          f(tx);
          tx.commit();
          return;
        } else {
          auto r = f(tx);
          tx.commit();
          return r;
        }
      } catch (const pqxx::broken_connection& e) {
        conn_.reset();
        if (attempt == 0) continue;  // the idle connection was stale; one fresh try
        note_failure(e.what());
        throw StateUnavailable(std::string("state database unavailable: ") + first_line(e.what()));
      } catch (const pqxx::in_doubt_error& e) {
        conn_.reset();
        throw StateUnavailable(std::string("state database connection lost during commit: ") +
                               first_line(e.what()));
      } catch (const pqxx::sql_error& e) {
        throw std::runtime_error(std::string("state database error: ") + first_line(e.what()));
      }
    }
  }

  std::string schema() {
    std::lock_guard lock(mutex_);
    return quoted_schema_locked();
  }

  // A libpq connection for binary transfers (frozen references); not pooled.
  std::unique_ptr<PgConnection> raw_connection() {
    PgConnection::Options o;
    o.url = options_.url;
    o.statement_timeout = options_.statement_timeout;
    o.connect_timeout = options_.connect_timeout;
    try {
      return std::make_unique<PgConnection>(o);
    } catch (const std::exception& e) {
      throw StateUnavailable(std::string("state database unavailable: ") + e.what());
    }
  }

  static std::string first_line(const std::string& s) {
    auto p = s.find('\n');
    return p == std::string::npos ? s : s.substr(0, p);
  }

 private:
  pqxx::connection& connection_locked() {
    if (conn_ && conn_->is_open()) return *conn_;
    auto now = std::chrono::steady_clock::now();
    if (now < retry_at_)
      throw StateUnavailable("state database unavailable (" + last_error_ + "); retrying in " +
                             std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                retry_at_ - now)
                                                .count() +
                                            1) +
                             "s");
    try {
      long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(options_.statement_timeout).count();
      std::string conninfo = with_connection_params(
          options_.url,
          {{"connect_timeout",
            std::to_string(std::max<long long>(
                1, std::chrono::duration_cast<std::chrono::seconds>(options_.connect_timeout).count()))},
           {"application_name", "driftd"},
           {"keepalives", "1"},
           {"keepalives_idle", "30"},
           {"keepalives_interval", "10"},
           {"keepalives_count", "3"},
           {"tcp_user_timeout", std::to_string(ms + 5000)}});
      conn_ = std::make_unique<pqxx::connection>(conninfo);
      conn_->set_variable("statement_timeout", std::to_string(ms));
      conn_->set_variable("TimeZone", "'UTC'");
      backoff_ = std::chrono::seconds(0);
      return *conn_;
    } catch (const std::exception& e) {
      conn_.reset();
      note_failure(e.what());
      throw StateUnavailable("state database unavailable: " + last_error_);
    }
  }

  void note_failure(const std::string& what) {
    last_error_ = first_line(what);
    backoff_ = backoff_.count() == 0 ? std::chrono::seconds(1)
                                     : std::min<std::chrono::seconds>(backoff_ * 2, std::chrono::seconds(30));
    retry_at_ = std::chrono::steady_clock::now() + backoff_;
  }

  std::string quoted_schema_locked() {
    // Quoting needs no server round trip: double any quote and wrap.
    std::string q = "\"";
    for (char ch : options_.schema) {
      if (ch == '"') q += '"';
      q += ch;
    }
    return q + "\"";
  }

  StateOptions options_;
  std::mutex mutex_;
  std::unique_ptr<pqxx::connection> conn_;
  std::chrono::seconds backoff_{0};
  std::chrono::steady_clock::time_point retry_at_{};
  std::string last_error_;
};

// Replaces every "{schema}" in a SQL template by the quoted schema name.
std::string with_schema(std::string sql, const std::string& quoted_schema);

}  // namespace driftd::storage
