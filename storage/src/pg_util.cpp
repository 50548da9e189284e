#include "pg_util.hpp"

#include <poll.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <regex>
#include <system_error>
#include <thread>

#include "driftd/common/redact.hpp"
#include "driftd/common/text.hpp"
#include "driftd/drift/sources.hpp"
#include "driftd/storage/pg_window_source.hpp"

namespace driftd::storage {

using drift::SourceError;

namespace {

constexpr auto kGrace = std::chrono::seconds(5);  // beyond statement_timeout, client side
constexpr int kMaxPendingCancels = 4;
std::atomic<int> pending_cancels{0};

// libpq's messages end in a newline and carry "\n\t" before hints: one line for driftd's output.
std::string trim(std::string_view s) { return one_line(s); }

// Deadlines are measured on the steady clock: a wall-clock step (NTP, a VM resumed) must neither
// cut a statement short nor let it run past its bound.
Deadline now() { return std::chrono::steady_clock::now(); }

}  // namespace

namespace {

// libpq's reason for not parsing `url`, with nothing of the password: messages about URIs quote
// the whole URI or a token of it (masked by without_password), and 'missing "=" after "<word>"'
// quotes a stray word, such as the second half of a password with a space left unquoted.
std::string parse_error_text(const std::string& why, const std::string& url) {
  static const std::regex kStrayWord(R"re(missing "=" after "[^"]*")re");
  return without_password(
      std::regex_replace(why, kStrayWord,
                         "missing \"=\" after a word (a value with spaces must be quoted, "
                         "key='a b')"),
      url);
}

}  // namespace

std::string database_url_problem(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options != nullptr) {
    PQconninfoFree(options);
    return "";
  }
  std::string why = error != nullptr ? trim(error) : "out of memory";
  if (error != nullptr) PQfreemem(error);
  return parse_error_text(why, url);
}

ConnectionParams connection_params(
    const std::string& url, const std::vector<std::pair<std::string, std::string>>& settings) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    std::string why = error != nullptr ? trim(error) : "out of memory";
    if (error != nullptr) PQfreemem(error);
    throw SourceError("invalid database URL: " + parse_error_text(why, url));
  }
  ConnectionParams out;
  for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    // libpq ignores empty values in PQconnectdbParams (the environment's default applies).
    if (o->val == nullptr || o->val[0] == '\0') continue;
    out.keys.emplace_back(o->keyword);
    out.values.emplace_back(o->val);
  }
  PQconninfoFree(options);
  for (const auto& [key, value] : settings) {
    auto it = std::find(out.keys.begin(), out.keys.end(), key);
    if (it == out.keys.end()) {
      out.keys.push_back(key);
      out.values.push_back(value);
    } else if (key != "application_name") {  // the URL may name the application, not the rest
      out.values[static_cast<std::size_t>(it - out.keys.begin())] = value;
    }
  }
  return out;
}

std::string ConnectionParams::conninfo() const {
  std::string out;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!out.empty()) out += ' ';
    out += keys[i] + "='";
    for (char c : values[i]) {
      if (c == '\\' || c == '\'') out += '\\';
      out += c;
    }
    out += '\'';
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
  std::string timeout = std::to_string(std::max<long long>(
      1, std::chrono::duration_cast<std::chrono::seconds>(o.connect_timeout).count()));
  const ConnectionParams params = connection_params(o.url, {{"connect_timeout", timeout},
                                                            {"application_name", "driftd"},
                                                            {"keepalives", "1"},
                                                            {"keepalives_idle", "30"},
                                                            {"keepalives_interval", "10"},
                                                            {"keepalives_count", "3"}});
  std::vector<const char*> keys, values;
  for (std::size_t i = 0; i < params.keys.size(); ++i) {
    keys.push_back(params.keys[i].c_str());
    values.push_back(params.values[i].c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  // expand_dbname = 0: the URL is parsed already; a dbname is a database name, nothing more.
  conn_ = PQconnectdbParams(keys.data(), values.data(), 0);
  if (conn_ == nullptr) throw SourceError("cannot connect to the database: out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = without_password(trim(PQerrorMessage(conn_)), o.url);
    PQfinish(conn_);
    conn_ = nullptr;
    throw SourceError("cannot connect to the database: " + msg);
  }
  // Non-blocking sends: a query (a frozen reference part is megabytes) is flushed under the same
  // deadline as its answer, so a peer that stops reading cannot hold us in send().
  if (PQsetnonblocking(conn_, 1) != 0) {
    std::string msg = trim(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    throw SourceError("cannot set up the database connection: " + msg);
  }
  long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(o.statement_timeout).count();
  std::string setup = "SET statement_timeout = " + std::to_string(ms) +
                      "; SET TimeZone = 'UTC'; SET DateStyle = 'ISO'; "
                      "SET idle_in_transaction_session_timeout = " +
                      std::to_string(ms * 2);
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
  // PQcancel blocks until the server closes the cancel connection, which a stalled network or a
  // hung pooler never does: it runs on a thread of its own so the caller keeps its deadline. At
  // most kMaxPendingCancels wait at a time; past that a connection is simply dropped (its server
  // process notices when it next talks to us, or at its own statement_timeout).
  PGcancel* c = PQgetCancel(conn_);
  if (c == nullptr) return;
  if (pending_cancels.fetch_add(1) >= kMaxPendingCancels) {
    pending_cancels.fetch_sub(1);
    PQfreeCancel(c);
    return;
  }
  try {
    std::thread([c] {
      char err[256];
      PQcancel(c, err, sizeof err);
      PQfreeCancel(c);
      pending_cancels.fetch_sub(1);
    }).detach();
  } catch (const std::system_error&) {
    pending_cancels.fetch_sub(1);
    PQfreeCancel(c);
  }
}

void PgConnection::check_deadline(Deadline deadline, const std::stop_token& stop) {
  if (!cancel_sent_ && stop.stop_requested()) {
    // Ask the server to stop, and give it a moment to answer before giving up on the socket.
    cancel();
    cancel_sent_ = true;
    broken_ = true;
    give_up_at_ = now() + kGrace;
  }
  if (now() >= (cancel_sent_ ? std::min(deadline, give_up_at_) : deadline)) {
    // The server did not honour its own statement_timeout within the grace: it or the network
    // is stuck, and waiting longer for a cancel to work would break the documented bound.
    broken_ = true;
    timed_out_ = !stop.stop_requested();
    if (!cancel_sent_) cancel();
    cancel_sent_ = true;
    throw SourceError(stop.stop_requested()
                          ? "cancelled"
                          : "the database did not answer within statement_timeout");
  }
}

void PgConnection::wait_readable(Deadline deadline, std::stop_token stop) {
  int fd = PQsocket(conn_);
  if (fd < 0) fail("lost the database connection");
  while (true) {
    check_deadline(deadline, stop);
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, 100);
    if (r > 0) {
      if (PQconsumeInput(conn_) == 0)
        fail("lost the database connection: " + trim(PQerrorMessage(conn_)));
      if (!PQisBusy(conn_)) return;
    } else if (r < 0 && errno != EINTR) {
      fail("lost the database connection (poll failed)");
    }
  }
}

void PgConnection::flush(Deadline deadline, std::stop_token stop) {
  while (true) {
    int pending = PQflush(conn_);
    if (pending == 0) return;
    if (pending < 0) fail("lost the database connection: " + trim(PQerrorMessage(conn_)));
    int fd = PQsocket(conn_);
    if (fd < 0) fail("lost the database connection");
    check_deadline(deadline, stop);
    // Readable too: the server may be answering already, and libpq wants that read first.
    pollfd p{fd, POLLIN | POLLOUT, 0};
    int r = ::poll(&p, 1, 100);
    if (r > 0 && (p.revents & POLLIN) != 0) {
      if (PQconsumeInput(conn_) == 0)
        fail("lost the database connection: " + trim(PQerrorMessage(conn_)));
    } else if (r < 0 && errno != EINTR) {
      fail("lost the database connection (poll failed)");
    }
  }
}

PgResult PgConnection::exec(const std::string& sql, std::stop_token stop) {
  return exec_params(sql, {}, stop);
}

PgResult PgConnection::exec_params(const std::string& sql, const std::vector<std::string>& params,
                                   std::stop_token stop, bool binary_result,
                                   const std::vector<bool>& binary_params) {
  if (broken_) throw SourceError("database connection is broken");
  int ok;
  if (params.empty() && !binary_result) {
    ok = PQsendQuery(conn_, sql.c_str());
  } else {
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    values.reserve(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
      values.push_back(params[i].c_str());
      lengths.push_back(static_cast<int>(params[i].size()));
      formats.push_back(i < binary_params.size() && binary_params[i] ? 1 : 0);
    }
    ok = PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                           values.data(), lengths.data(), formats.data(), binary_result ? 1 : 0);
  }
  if (ok == 0) fail("lost the database connection: " + trim(PQerrorMessage(conn_)));
  Deadline deadline = now() + statement_timeout_ + kGrace;
  flush(deadline, stop);
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
  Deadline deadline = now() + statement_timeout_ + kGrace;
  flush(deadline, stop);
  // First result: COPY_OUT, or an error.
  if (PQisBusy(conn_)) wait_readable(deadline, stop);
  PGresult* first = PQgetResult(conn_);
  if (first == nullptr) fail("the database ended the COPY without a result");
  {
    PgResult res(first);
    if (PQresultStatus(first) != PGRES_COPY_OUT) {
      std::string error = error_text(first, conn_);
      while (true) {  // PQgetResult blocks while busy: wait under the deadline instead
        if (PQisBusy(conn_)) wait_readable(deadline, stop);
        PGresult* r = PQgetResult(conn_);
        if (r == nullptr) break;
        PQclear(r);
      }
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

void ConnectionPool::drop_idle() {
  std::vector<std::unique_ptr<PgConnection>> dropped;
  {
    std::lock_guard lock(mutex_);
    dropped.swap(idle_);
  }
}  // closed here, outside the lock

}  // namespace driftd::storage
