#pragma once
// libpq plumbing for the window readers: connections with deadlines and cancellation on every
// statement (a stalled network must not hang an evaluation past statement_timeout), and a small
// pool. Private to storage.

#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "driftd/common/time.hpp"

namespace driftd::storage {

using Deadline = std::chrono::steady_clock::time_point;

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

class PgConnection {
 public:
  struct Options {
    std::string url;
    Duration statement_timeout = std::chrono::seconds(60);
    Duration connect_timeout = std::chrono::seconds(10);
    bool read_only = false;
  };
  // Connects and applies session settings; throws drift::SourceError.
  explicit PgConnection(const Options& options);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one statement and returns its (last) result; throws drift::SourceError on any error,
  // on the deadline (statement_timeout + 5 s grace: never later, whatever the network does) or
  // when `stop` is requested (then after at most the grace).
  PgResult exec(const std::string& sql, std::stop_token stop);
  // Parameters are text, except those flagged in `binary_params` (sent as bytes, e.g. bytea);
  // with binary_result the result columns come in binary format.
  PgResult exec_params(const std::string& sql, const std::vector<std::string>& params,
                       std::stop_token stop, bool binary_result = false,
                       const std::vector<bool>& binary_params = {});
  // Runs a COPY ... TO STDOUT and hands every CopyData payload to `sink`.
  void copy_out(const std::string& sql, std::stop_token stop,
                const std::function<void(std::string_view)>& sink);

  std::string quote_identifier(std::string_view name);
  std::string quote_literal(std::string_view value);
  bool healthy() const;
  bool broken() const { return broken_; }
  // The last statement ran out of time (no answer within statement_timeout + grace): the server
  // or the path to it is stuck, not merely this connection.
  bool timed_out() const { return timed_out_; }
  PGconn* raw() { return conn_; }

 private:
  // Sends the cancel on a stop request; throws at the deadline (or the grace after a cancel).
  void check_deadline(Deadline deadline, const std::stop_token& stop);
  void wait_readable(Deadline deadline, std::stop_token stop);
  void flush(Deadline deadline, std::stop_token stop);  // what PQsend* left unsent
  void cancel();
  [[noreturn]] void fail(const std::string& what);

  PGconn* conn_ = nullptr;
  Duration statement_timeout_;
  bool broken_ = false;
  bool timed_out_ = false;
  bool cancel_sent_ = false;  // a cancel request went out (the connection is then broken)
  Deadline give_up_at_{};     // after a cancel: when to stop waiting for the server's answer
};

class ConnectionPool;

// A connection borrowed from the pool; returned on release_healthy(), dropped otherwise (a
// connection that saw an error is never reused).
class PooledConnection {
 public:
  PooledConnection(ConnectionPool* pool, std::unique_ptr<PgConnection> conn, bool reused)
      : pool_(pool), conn_(std::move(conn)), reused_(reused) {}
  PooledConnection(PooledConnection&&) = default;
  PooledConnection& operator=(PooledConnection&&) = default;
  ~PooledConnection() = default;
  PgConnection* operator->() { return conn_.get(); }
  bool has_connection() const { return conn_ != nullptr; }
  PgConnection& operator*() { return *conn_; }
  void release_healthy();
  // True when the connection came from the pool: a failure on it may just mean it went stale
  // while idle (server restart, terminated backend), which deserves one retry on a fresh one.
  bool reused() const { return reused_; }

 private:
  ConnectionPool* pool_;
  std::unique_ptr<PgConnection> conn_;
  bool reused_ = false;
};

class ConnectionPool {
 public:
  struct Options : PgConnection::Options {
    std::size_t max_idle = 4;
  };
  explicit ConnectionPool(Options options) : options_(std::move(options)) {}
  PooledConnection acquire(std::stop_token stop);
  // A new connection, never one from the pool.
  PooledConnection fresh(std::stop_token stop);
  void give_back(std::unique_ptr<PgConnection> conn);
  // Forgets the idle connections: after a timeout they are suspect (opened over the same stuck
  // path), and probing each one would cost the next evaluations a timeout apiece.
  void drop_idle();

 private:
  Options options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
};

// The primary message of a libpq error, one line, without "ERROR:" prefixes.
std::string error_text(const PGresult* r, PGconn* conn);

// (without_password, which masks connection URLs in messages, is in common/redact.hpp.)

// The parameters of a connection: `url` (a postgresql:// URI or a key=value string) as libpq
// parses it (PQconninfoParse), then driftd's `settings`, which replace the URL's value of the
// same key, except application_name, which the URL may choose. Never built by appending to the
// URL's text, where an unterminated quote would swallow what follows. Throws drift::SourceError
// "invalid database URL: <libpq's reason>" (see database_url_problem).
struct ConnectionParams {
  std::vector<std::string> keys;
  std::vector<std::string> values;
  // key='value' pairs, each value quoted and escaped: for libpqxx, which takes a string.
  std::string conninfo() const;
};
ConnectionParams connection_params(
    const std::string& url, const std::vector<std::pair<std::string, std::string>>& settings);

}  // namespace driftd::storage
