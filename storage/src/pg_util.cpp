#include "pg_util.hpp"

#include <poll.h>

#include <cerrno>
#include <chrono>

#include "driftd/drift/sources.hpp"

namespace driftd::storage {

using drift::SourceError;

namespace {

constexpr auto kGrace = std::chrono::seconds(5);  // beyond statement_timeout, client side

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (auto& c : s)
    if (c == '\n') c = ' ';
  return s;
}

Timestamp now() { return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()); }

}  // namespace

std::string with_connection_params(const std::string& url,
                                   const std::vector<std::pair<std::string, std::string>>& params) {
  bool uri = url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
  std::string out = url;
  for (const auto& [k, v] : params) {
    if (uri) {
      out += (out.find('?') == std::string::npos ? '?' : '&') + k + "=" + v;
    } else {
      out += " " + k + "='" + v + "'";
    }
  }
  return out;
}

std::string error_text(const PGresult* r, PGconn* conn) {
  if (r != nullptr) {
    const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    if (primary != nullptr) return trim(primary);
    const char* msg = PQresultErrorMessage(r);
    if (msg != nullptr && msg[0] != '\0') return trim(msg);
  }
  return conn != nullptr ? trim(PQerrorMessage(conn)) : "unknown database error";
}

PgConnection::PgConnection(const Options& o) : statement_timeout_(o.statement_timeout) {
  std::string timeout = std::to_string(
      std::max<long long>(1, std::chrono::duration_cast<std::chrono::seconds>(o.connect_timeout).count()));
  const char* keys[] = {"dbname",   "connect_timeout", "application_name", "keepalives",
                        "keepalives_idle", "keepalives_interval", "keepalives_count", nullptr};
  const char* values[] = {o.url.c_str(), timeout.c_str(), "driftd", "1", "30", "10", "3", nullptr};
  conn_ = PQconnectdbParams(keys, values, 1);
  if (conn_ == nullptr) throw SourceError("cannot connect to the database: out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = trim(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    throw SourceError("cannot connect to the database: " + msg);
  }
  long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(o.statement_timeout).count();
  std::string setup = "SET statement_timeout = " + std::to_string(ms) +
                      "; SET TimeZone = 'UTC'; SET DateStyle = 'ISO'; "
                      "SET idle_in_transaction_session_timeout = " + std::to_string(ms * 2);
  if (o.read_only) setup += "; SET default_transaction_read_only = on";
  exec(setup, {});
}

PgConnection::~PgConnection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

bool PgConnection::healthy() const {
  return !broken_ && conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK &&
         PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

std::string PgConnection::quote_identifier(std::string_view name) {
  char* q = PQescapeIdentifier(conn_, name.data(), name.size());
  if (q == nullptr) fail("cannot quote identifier");
  std::string out(q);
  PQfreemem(q);
  return out;
}

std::string PgConnection::quote_literal(std::string_view value) {
  char* q = PQescapeLiteral(conn_, value.data(), value.size());
  if (q == nullptr) fail("cannot quote literal");
  std::string out(q);
  PQfreemem(q);
  return out;
}

void PgConnection::fail(const std::string& what) {
  broken_ = true;
  throw SourceError(what);
}

void PgConnection::cancel() {
  PGcancel* c = PQgetCancel(conn_);
  if (c == nullptr) return;
  char err[256];
  PQcancel(c, err, sizeof err);
  PQfreeCancel(c);
}

void PgConnection::wait_readable(Timestamp deadline, std::stop_token stop) {
  int fd = PQsocket(conn_);
  if (fd < 0) fail("lost the database connection");
  bool cancelled = false;
  while (true) {
    if (!cancelled && (stop.stop_requested() || now() >= deadline)) {
      // Ask the server to stop, then give it a moment to answer before giving up on the socket.
      bool stopping = stop.stop_requested();
      cancel();
      cancelled = true;
      deadline = now() + kGrace;
      if (stopping) {
        broken_ = true;
      }
    } else if (cancelled && now() >= deadline) {
      broken_ = true;
      throw SourceError(stop.stop_requested() ? "cancelled"
                                              : "the database did not answer within statement_timeout");
    }
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, 100);
    if (r > 0) {
      if (PQconsumeInput(conn_) == 0) fail("lost the database connection: " + trim(PQerrorMessage(conn_)));
      if (!PQisBusy(conn_)) return;
    } else if (r < 0 && errno != EINTR) {
      fail("lost the database connection (poll failed)");
    }
  }
}

PgResult PgConnection::exec(const std::string& sql, std::stop_token stop) {
  return exec_params(sql, {}, stop);
}

PgResult PgConnection::exec_params(const std::string& sql, const std::vector<std::string>& params,
                                   std::stop_token stop, bool binary_result) {
  if (broken_) throw SourceError("database connection is broken");
  int ok;
  if (params.empty() && !binary_result) {
    ok = PQsendQuery(conn_, sql.c_str());
  } else {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p.c_str());
    ok = PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                           values.data(), nullptr, nullptr, binary_result ? 1 : 0);
  }
  if (ok == 0) fail("lost the database connection: " + trim(PQerrorMessage(conn_)));
  Timestamp deadline = now() + statement_timeout_ + kGrace;
  PgResult last;
  std::string error;
  while (true) {
    if (PQisBusy(conn_)) wait_readable(deadline, stop);
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) break;
    PgResult res(r);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE) {
      if (error.empty()) error = error_text(r, conn_);
    } else if (st == PGRES_COPY_OUT || st == PGRES_COPY_IN) {
      fail("unexpected COPY in a plain statement");
    }
    last = std::move(res);
  }
  if (!error.empty()) {
    if (PQstatus(conn_) != CONNECTION_OK || stop.stop_requested()) broken_ = true;
    if (stop.stop_requested()) throw SourceError("cancelled");
    throw SourceError(error);
  }
  return last;
}

void PgConnection::copy_out(const std::string& sql, std::stop_token stop,
                            const std::function<void(std::string_view)>& sink) {
  if (broken_) throw SourceError("database connection is broken");
  if (PQsendQuery(conn_, sql.c_str()) == 0)
    fail("lost the database connection: " + trim(PQerrorMessage(conn_)));
  Timestamp deadline = now() + statement_timeout_ + kGrace;
  // First result: COPY_OUT, or an error.
  if (PQisBusy(conn_)) wait_readable(deadline, stop);
  PGresult* first = PQgetResult(conn_);
  if (first == nullptr) fail("the database ended the COPY without a result");
  {
    PgResult res(first);
    if (PQresultStatus(first) != PGRES_COPY_OUT) {
      std::string error = error_text(first, conn_);
      while (PGresult* r = PQgetResult(conn_)) PQclear(r);
      if (stop.stop_requested()) {
        broken_ = true;
        throw SourceError("cancelled");
      }
      throw SourceError(error);
    }
  }
  while (true) {
    char* buf = nullptr;
    int n = PQgetCopyData(conn_, &buf, 1);
    if (n > 0) {
      struct Free {
        char* p;
        ~Free() { PQfreemem(p); }
      } guard{buf};
      try {
        sink(std::string_view(buf, static_cast<std::size_t>(n)));
      } catch (...) {
        // The rest of the stream is of no use: cancel it and drop the connection.
        cancel();
        broken_ = true;
        throw;
      }
      continue;
    }
    if (n == 0) {
      wait_readable(deadline, stop);
      continue;
    }
    if (n == -2) fail("lost the database connection during COPY: " + trim(PQerrorMessage(conn_)));
    break;  // -1: done
  }
  std::string error;
  while (true) {
    if (PQisBusy(conn_)) wait_readable(deadline, stop);
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) break;
    PgResult res(r);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && error.empty()) error = error_text(r, conn_);
  }
  if (!error.empty()) {
    if (stop.stop_requested()) {
      broken_ = true;
      throw SourceError("cancelled");
    }
    throw SourceError(error);
  }
}

void PooledConnection::release_healthy() {
  if (conn_ && pool_ != nullptr && conn_->healthy()) pool_->give_back(std::move(conn_));
  conn_.reset();
}

PooledConnection ConnectionPool::acquire(std::stop_token stop) {
  if (stop.stop_requested()) throw SourceError("cancelled");
  {
    std::lock_guard lock(mutex_);
    while (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      // An idle connection may have been closed by the server (restart, idle timeout): reading
      // what is pending tells.
      if (c->healthy() && PQconsumeInput(c->raw()) != 0 && c->healthy())
        return PooledConnection(this, std::move(c), true);
    }
  }
  return fresh(stop);
}

PooledConnection ConnectionPool::fresh(std::stop_token stop) {
  if (stop.stop_requested()) throw SourceError("cancelled");
  return PooledConnection(this, std::make_unique<PgConnection>(options_), false);
}

void ConnectionPool::give_back(std::unique_ptr<PgConnection> conn) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < options_.max_idle) idle_.push_back(std::move(conn));
}

}  // namespace driftd::storage
