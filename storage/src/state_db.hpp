#pragma once
// One libpqxx connection to the state database, shared by the stores behind a mutex, with
// reconnection and backoff. Private to storage.

#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <thread>

#include "driftd/common/log.hpp"
#include "driftd/common/redact.hpp"
#include "driftd/common/text.hpp"
#include "driftd/storage/pg_result_store.hpp"
#include "pg_util.hpp"

namespace driftd::storage {

class StateUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Shuts down a socket whose work overran its deadline. libpq (under libpqxx) waits for an answer
// without a timeout, and a peer that takes our bytes but never answers (a hung pooler or proxy,
// a stopped server process) would hold the state connection, its mutex and every caller forever.
// Shutting the socket down makes the blocked call fail at once. One thread, started on first use.
class SocketWatchdog {
 public:
  SocketWatchdog() = default;
  SocketWatchdog(const SocketWatchdog&) = delete;
  SocketWatchdog& operator=(const SocketWatchdog&) = delete;
  ~SocketWatchdog() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  void arm(int fd, std::chrono::steady_clock::time_point deadline) {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    fd_ = fd;
    deadline_ = deadline;
    armed_ = fd >= 0;
    fired_ = false;
    ++generation_;
    cv_.notify_all();
  }
  // Once this returns the socket is no longer touched (it may then be closed). True when the
  // deadline passed and the socket was shut down.
  bool disarm() {
    std::lock_guard lock(mutex_);
    armed_ = false;
    fd_ = -1;
    return fired_;
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
      if (!armed_) {
        cv_.wait(lock);
        continue;
      }
      const auto generation = generation_;
      const auto deadline = deadline_;
      if (cv_.wait_until(lock, deadline,
                         [&] { return stop_ || !armed_ || generation_ != generation; }))
        continue;
      ::shutdown(fd_, SHUT_RDWR);  // under the mutex: disarm() cannot have let the fd be closed
      fired_ = true;
      armed_ = false;
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::thread thread_;
  int fd_ = -1;
  std::chrono::steady_clock::time_point deadline_{};
  bool armed_ = false;
  bool fired_ = false;
  bool stop_ = false;
  std::uint64_t generation_ = 0;
};

class StateDb {
 public:
  explicit StateDb(StateOptions options) : options_(std::move(options)) {}

  const StateOptions& options() const { return options_; }

  // Runs `f(pqxx::work&)` in a transaction and commits; retries once on a connection that turned
  // out to be dead (a server restart between two calls). The whole transaction gets
  // statement_timeout + 5 s, like every query of driftd; past that its connection is shut down.
  // Throws StateUnavailable when the database cannot be reached or does not answer in time,
  // std::runtime_error for other failures.
  template <typename F>
  auto transact(F&& f) -> decltype(f(std::declval<pqxx::work&>())) {
    std::lock_guard lock(mutex_);
    for (int attempt = 0;; ++attempt) {
      pqxx::connection& c = connection_locked();
      try {
        Armed armed(*this, c.sock(), deadline());  // destroyed after tx (and its ROLLBACK)
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
      } catch (const pqxx::in_doubt_error& e) {
        conn_.reset();
        if (timed_out_) note_failure(timeout_text());
        throw StateUnavailable(std::string("state database connection lost during commit: ") +
                               (timed_out_ ? timeout_text() : first_line(e.what())));
      } catch (const pqxx::broken_connection& e) {
        conn_.reset();
        if (timed_out_) {  // the server is alive enough to accept bytes: a retry would hang too
          note_failure(timeout_text());
          throw StateUnavailable("state database unavailable: " + timeout_text());
        }
        if (attempt == 0) continue;  // the idle connection was stale; one fresh try
        note_failure(e.what());
        throw StateUnavailable(std::string("state database unavailable: ") + first_line(e.what()));
      } catch (const pqxx::sql_error& e) {
        if (timed_out_) {
          conn_.reset();
          note_failure(timeout_text());
          throw StateUnavailable("state database unavailable: " + timeout_text());
        }
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

  // libpqxx's what() is libpq's message, on one line: its first line with the hints libpq
  // indents by a tab ("\n\tIs the server running..."), without what follows an SQL error (the
  // statement, a caret).
  static std::string first_line(const std::string& s) {
    std::size_t end = s.find('\n');
    while (end != std::string::npos && end + 1 < s.size() && s[end + 1] == '\t')
      end = s.find('\n', end + 1);
    return one_line(end == std::string::npos ? s : s.substr(0, end));
  }

 private:
  pqxx::connection& connection_locked() {
    if (conn_ && conn_->is_open()) return *conn_;
    auto now = std::chrono::steady_clock::now();
    if (now < retry_at_)
      throw StateUnavailable(
          "state database unavailable (" + last_error_ + "); retrying in " +
          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(retry_at_ - now).count() +
                         1) +
          "s");
    try {
      long long ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(options_.statement_timeout).count();
      const std::string conninfo =
          connection_params(
              options_.url,
              {{"connect_timeout",
                std::to_string(std::max<long long>(
                    1, std::chrono::duration_cast<std::chrono::seconds>(options_.connect_timeout)
                           .count()))},
               {"application_name", "driftd"},
               {"keepalives", "1"},
               {"keepalives_idle", "30"},
               {"keepalives_interval", "10"},
               {"keepalives_count", "3"},
               {"tcp_user_timeout", std::to_string(ms + 5000)}})
              .conninfo();
      conn_ = std::make_unique<pqxx::connection>(conninfo);
      {
        Armed armed(*this, conn_->sock(), deadline());
        conn_->set_variable("statement_timeout", std::to_string(ms));
        conn_->set_variable("TimeZone", "'UTC'");
      }
      if (timed_out_) throw std::runtime_error(timeout_text());
      backoff_ = std::chrono::seconds(0);
      return *conn_;
    } catch (const std::exception& e) {
      conn_.reset();
      note_failure(timed_out_ ? timeout_text() : without_password(e.what(), options_.url));
      throw StateUnavailable("state database unavailable: " + last_error_);
    }
  }

  // Arms the watchdog for a block; records in timed_out_ whether it fired.
  class Armed {
   public:
    Armed(StateDb& db, int fd, std::chrono::steady_clock::time_point deadline) : db_(db) {
      db_.timed_out_ = false;
      db_.watchdog_.arm(fd, deadline);
    }
    ~Armed() { db_.timed_out_ = db_.watchdog_.disarm(); }
    Armed(const Armed&) = delete;
    Armed& operator=(const Armed&) = delete;

   private:
    StateDb& db_;
  };

  std::chrono::steady_clock::time_point deadline() const {
    return std::chrono::steady_clock::now() +
           std::chrono::duration_cast<std::chrono::steady_clock::duration>(
               options_.statement_timeout) +
           std::chrono::seconds(5);
  }

  std::string timeout_text() const {
    return "no answer within statement_timeout (" + format_duration(options_.statement_timeout) +
           ") + 5s";
  }

  void note_failure(const std::string& what) {
    last_error_ = first_line(what);
    backoff_ = backoff_.count() == 0
                   ? std::chrono::seconds(1)
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
  SocketWatchdog watchdog_;
  bool timed_out_ = false;  // the last armed block overran its deadline (guarded by mutex_)
  std::unique_ptr<pqxx::connection> conn_;
  std::chrono::seconds backoff_{0};
  std::chrono::steady_clock::time_point retry_at_{};
  std::string last_error_;
};

// Replaces every "{schema}" in a SQL template by the quoted schema name.
std::string with_schema(std::string sql, const std::string& quoted_schema);

}  // namespace driftd::storage
