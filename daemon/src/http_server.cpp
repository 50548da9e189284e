#include "http_server.hpp"

#include <zlib.h>
#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <cctype>
#include <future>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "driftd/common/log.hpp"

namespace driftd::daemon::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(
      a.begin(), a.end(), b.begin(), b.end(),
      [](unsigned char x, unsigned char y) { return std::tolower(x) < std::tolower(y); });
}

namespace {

template <typename Map>
std::string first_of(const Map& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? std::string() : it->second;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void parse_query(const std::string& query, Params& params) {
  std::size_t pos = 0;
  while (pos <= query.size()) {
    auto amp = query.find('&', pos);
    std::string part = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    if (!part.empty()) {
      auto eq = part.find('=');
      std::string key = part.substr(0, eq);
      std::string value = eq == std::string::npos ? std::string() : part.substr(eq + 1);
      params.emplace(percent_decode(key, true), percent_decode(value, true));
    }
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
}

std::string error_json(const std::string& message) {
  // Only the transport's own messages, which are ASCII: no JSON library needed.
  std::string out = "{\"error\":\"";
  for (char c : message) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"}";
}

// At most one log line a minute per kind of trouble, saying how many were not logged: a flood of
// slow or refused clients must not flood the log too.
class LogThrottle {
 public:
  // True when a line may be written now; `suppressed` is how many were dropped since the last.
  bool admit(std::int64_t& suppressed) {
    const auto now = SteadyClock::now();
    std::lock_guard lock(mutex_);
    if (logged_ && now - last_ < std::chrono::minutes(1)) {
      ++dropped_;
      return false;
    }
    suppressed = dropped_;
    dropped_ = 0;
    last_ = now;
    logged_ = true;
    return true;
  }

 private:
  std::mutex mutex_;
  SteadyClock::time_point last_{};
  bool logged_ = false;
  std::int64_t dropped_ = 0;
};

// Open connections, in all and per client address. Shared with every connection, so that one
// destroyed late (while the server is being torn down) can still give its slot back.
class Slots {
 public:
  enum class Verdict { ok, over_total, over_client };

  Verdict acquire(const std::string& client, int max_total, int max_per_client) {
    std::lock_guard lock(mutex_);
    if (open_ >= max_total) return Verdict::over_total;
    int& mine = per_client_[client];
    if (mine >= max_per_client) {
      if (mine == 0) per_client_.erase(client);
      return Verdict::over_client;
    }
    ++mine;
    ++open_;
    return Verdict::ok;
  }

  void release(const std::string& client) {
    std::lock_guard lock(mutex_);
    auto it = per_client_.find(client);
    if (it != per_client_.end() && --it->second <= 0) per_client_.erase(it);
    --open_;
  }

  int open() const {
    std::lock_guard lock(mutex_);
    return open_;
  }

  int of(const std::string& client) const {
    std::lock_guard lock(mutex_);
    auto it = per_client_.find(client);
    return it == per_client_.end() ? 0 : it->second;
  }

 private:
  mutable std::mutex mutex_;
  int open_ = 0;
  std::unordered_map<std::string, int> per_client_;
};

// Refusals being written at once; beyond this, a refused connection is closed without an answer.
constexpr int kMaxRefusalsInFlight = 64;
// After a closing answer, what the client still sends is read and dropped for this long (or this
// many bytes), so that closing does not reset the connection before the client read the answer.
constexpr auto kLinger = std::chrono::seconds(1);
constexpr std::size_t kMaxLingerBytes = 1 << 20;
// The longest request target (path and query) accepted.
constexpr std::size_t kMaxTargetBytes = 8192;
// Answers shorter than this are sent as they are: compressing them saves nothing worth the time.
constexpr std::size_t kMinCompressBytes = 1024;

bool compressible(const std::string& content_type) {
  const std::string type = content_type.substr(0, content_type.find(';'));
  return type.rfind("text/", 0) == 0 || type == "application/json" ||
         type == "application/javascript" || type == "image/svg+xml" ||
         (type.size() > 5 && type.compare(type.size() - 5, 5, "+json") == 0);
}

// Whether Accept-Encoding allows gzip (`gzip`, `gzip;q=0.5`, `*`; not `gzip;q=0`).
bool accepts_gzip(const std::string& accept_encoding) {
  std::size_t pos = 0;
  while (pos < accept_encoding.size()) {
    auto comma = accept_encoding.find(',', pos);
    std::string item =
        accept_encoding.substr(pos, comma == std::string::npos ? comma : comma - pos);
    pos = comma == std::string::npos ? accept_encoding.size() : comma + 1;
    item.erase(std::remove(item.begin(), item.end(), ' '), item.end());
    std::string coding = item.substr(0, item.find(';'));
    for (auto& c : coding) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (coding != "gzip" && coding != "*") continue;
    const auto q = item.find(";q=");
    if (q == std::string::npos) return true;
    const std::string weight = item.substr(q + 3);
    return weight.find_first_not_of("0.") != std::string::npos;  // q=0, q=0.0, q=0.000: refused
  }
  return false;
}

// gzip of `in` (fastest level: /metrics is megabytes at scale, scraped every few seconds).
std::optional<std::string> gzip(const std::string& in) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return std::nullopt;
  }
  std::string out;
  out.resize(deflateBound(&z, static_cast<uLong>(in.size())));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

// Compresses an answer when the client accepts gzip (Prometheus does) and it is worth it. Runs on
// the handler's lane, never on the I/O thread.
void compress_for(const Request& req, Response& res) {
  if (res.body.size() < kMinCompressBytes || res.body.size() > (1u << 31)) return;
  if (res.has_header("Content-Encoding") || !compressible(res.get_header_value("Content-Type"))) {
    return;
  }
  res.set_header("Vary", "Accept-Encoding");
  if (!accepts_gzip(req.get_header_value("Accept-Encoding"))) return;
  if (auto z = gzip(res.body)) {
    res.body = std::move(*z);
    res.set_header("Content-Encoding", "gzip");
  }
}

}  // namespace

class Connection;

struct Server::Impl {
  ServerOptions options;
  Handlers handlers;
  // Declared first, destroyed last: everything below may hold sockets of this context.
  net::io_context io{1};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  tcp::acceptor acceptor{io};
  net::steady_timer accept_retry{io};
  net::thread_pool workers;
  net::thread_pool probes;
  std::thread io_thread;
  std::shared_ptr<Slots> slots = std::make_shared<Slots>();
  std::shared_ptr<std::atomic<int>> refusing = std::make_shared<std::atomic<int>>(0);
  std::list<std::weak_ptr<Connection>> live;  // I/O thread only
  LogThrottle refused_log, timeout_log, accept_log, write_log;
  int bound_port = 0;
  bool started = false;
  bool stopped = false;

  Impl(ServerOptions o, Handlers h)
      : options(std::move(o)),
        handlers(std::move(h)),
        workers(static_cast<std::size_t>(std::max(1, options.workers))),
        probes(static_cast<std::size_t>(std::max(1, options.probe_workers))) {}

  void accept();
  void on_accepted(tcp::socket socket);
  void reject(int status) {
    if (!handlers.rejected) return;
    net::post(workers, [f = handlers.rejected, status] { f(status); });
  }
};

// One accepted connection: reads requests one after the other (each within read_timeout in
// total), hands each complete request to its lane and writes the answer. Lives as long as an
// operation or a handler holds it; every member is touched on the I/O thread only.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Server::Impl& server, tcp::socket socket, std::string client,
             std::shared_ptr<Slots> slots)
      : server_(server),
        stream_(std::move(socket)),
        client_(std::move(client)),
        slots_(std::move(slots)) {}

  ~Connection() {
    if (slots_) slots_->release(client_);
    if (refusing_) --*refusing_;
  }

  void start() {
    stream_.expires_after(server_.options.read_timeout);  // the first request counts from now
    next_request(true);
  }

  // Answers 503 without reading a request: the connection is over a cap (it holds no slot).
  void refuse(const std::string& message, std::shared_ptr<std::atomic<int>> refusing) {
    refusing_ = std::move(refusing);
    version_ = 11;
    head_ = false;
    Response res;
    res.status = 503;
    res.set_header("Retry-After", "5");
    res.set_content(error_json(message), "application/json");
    keep_alive_ = false;
    respond(std::move(res), std::chrono::seconds(1));
  }

  void close() {
    error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

 private:
  void next_request(bool first) {
    parser_.emplace();
    // The body's size is judged in on_header, after the handlers had a chance to refuse the
    // request for what its head says (a JSON endpoint and another content type: 400, not 413).
    // (Not boost::none: Beast 1.74 compares the Content-Length with the optional limit, and any
    // length is "greater" than none.)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    if (first) return read_header();
    if (buffer_.size() > 0) {  // a pipelined request has begun already
      stream_.expires_after(server_.options.read_timeout);
      return read_header();
    }
    // Idle between requests: the deadline of the next one starts with its first byte.
    stream_.expires_after(server_.options.keep_alive_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](error_code ec, std::size_t n) {
                              if (ec)
                                return self->close();  // idle too long, or closed: nothing lost
                              self->buffer_.commit(n);
                              self->stream_.expires_after(self->server_.options.read_timeout);
                              self->read_header();
                            });
  }

  void read_header() {
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(error_code ec) {
    if (ec) return failed_read(ec);
    if (parser_->get().target().size() > kMaxTargetBytes) {
      // As long as cpp-httplib allowed; routes are matched by std::regex, whose recursion
      // depth grows with the length of the path.
      return answer_and_close(414, "request target too long: the limit is " +
                                       std::to_string(kMaxTargetBytes) + " bytes");
    }
    if (parser_->is_done()) return on_request();
    // A body over the limit is not read: the request goes on without it, marked, so that the
    // endpoint answers what it would answer to its head (400 for a JSON endpoint sent another
    // type) or 413, and the connection closes after the answer.
    if (const auto length = parser_->content_length();
        length && *length > server_.options.max_body_bytes) {
      return on_request(true);
    }
    parser_->body_limit(server_.options.max_body_bytes);  // a chunked body is counted as it comes
    auto& req = parser_->get();
    if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
      // The client waits for this before sending its body (curl does, for bodies over 1 KiB).
      auto go_on = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                        req.version());
      bhttp::async_write(stream_, *go_on,
                         [self = shared_from_this(), go_on](error_code ec2, std::size_t) {
                           if (ec2) return self->close();
                           self->read_body();
                         });
      return;
    }
    read_body();
  }

  void read_body() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](error_code ec, std::size_t) {
                        if (ec) return self->failed_read(ec);
                        self->on_request();
                      });
  }

  void failed_read(error_code ec) {
    const auto& o = server_.options;
    if (ec == beast::error::timeout) {
      // The connection is closed already; a client that did not send a whole request in time
      // gets no answer (it is not reading one). One that sent nothing at all is closed quietly,
      // like an idle keep-alive connection: browsers open spare connections they may not use.
      if (!parser_->got_some()) return close();
      server_.reject(408);
      std::int64_t dropped = 0;
      if (server_.timeout_log.admit(dropped)) {
        log::warn("HTTP client did not send a whole request within read_timeout: disconnected",
                  {{"client", client_},
                   {"read_timeout", format_duration(o.read_timeout)},
                   {"more_not_logged", dropped}});
      }
      return close();
    }
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::eof || ec == net::error::broken_pipe) {
      return close();  // the client went away
    }
    if (ec == bhttp::error::body_limit && parser_->is_header_done()) {
      return on_request(true);  // a chunked body grew over the limit: handled as above
    }
    if (ec == bhttp::error::body_limit) {
      return answer_and_close(413, "request body too large: the limit is " +
                                       std::to_string(o.max_body_bytes) +
                                       " bytes ([server] max_body_bytes)");
    }
    if (ec == bhttp::error::header_limit) {
      return answer_and_close(431, "request line and headers too large: the limit is " +
                                       std::to_string(o.max_header_bytes) + " bytes");
    }
    answer_and_close(400, "malformed HTTP request: " + ec.message());
  }

  // The transport's own answer to a request it will not hand on; the connection closes after it.
  void answer_and_close(int status, const std::string& message) {
    version_ = 11;
    head_ = false;
    keep_alive_ = false;
    Response res;
    res.status = status;
    res.set_content(error_json(message), "application/json");
    server_.reject(status);
    respond(std::move(res), server_.options.write_timeout);
  }

  void on_request(bool body_over_limit = false) {
    stream_.expires_never();  // a handler may take long (POST /run); its answer gets a deadline
    auto& msg = parser_->get();
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    const auto q = req.target.find('?');
    req.path = percent_decode(req.target.substr(0, q), false);
    if (q != std::string::npos) parse_query(req.target.substr(q + 1), req.params);
    for (const auto& field : msg) {
      req.headers.emplace(std::string(field.name_string()), std::string(field.value()));
    }
    if (!body_over_limit) req.body = std::move(msg.body());
    req.body_over_limit = body_over_limit;
    req.remote_address = client_;
    version_ = msg.version();
    keep_alive_ = msg.keep_alive() && !body_over_limit;  // the rest of the body is not read
    head_ = msg.method() == bhttp::verb::head;
    parser_.reset();

    Lane lane = Lane::worker;
    try {
      lane = server_.handlers.lane(req);
    } catch (...) {
    }
    if (lane == Lane::io) {
      Response res;
      run_handler(server_.handlers, req, res);
      return respond(std::move(res), server_.options.write_timeout);
    }
    auto& pool = lane == Lane::probe ? server_.probes : server_.workers;
    net::post(pool,
              [self = shared_from_this(), ex = stream_.get_executor(), handlers = &server_.handlers,
               timeout = server_.options.write_timeout, req = std::move(req)]() mutable {
                Response res;
                run_handler(*handlers, req, res);
                compress_for(req, res);
                net::post(ex, [self = std::move(self), res = std::move(res), timeout]() mutable {
                  self->respond(std::move(res), timeout);
                });
              });
  }

  static void run_handler(const Server::Handlers& handlers, const Request& req, Response& res) {
    try {
      handlers.handle(req, res);
    } catch (const std::exception& e) {
      log::error("api request failed", {{"path", req.path}, {"error", e.what()}});
      res = Response{};
      res.status = 500;
      res.set_content(error_json("internal error"), "application/json");
    } catch (...) {
      log::error("api request failed", {{"path", req.path}, {"error", "unknown exception"}});
      res = Response{};
      res.status = 500;
      res.set_content(error_json("internal error"), "application/json");
    }
  }

  void respond(Response res, Duration timeout) {
    answer_ = {};
    answer_.version(version_);
    answer_.result(static_cast<unsigned>(res.status));
    for (const auto& [name, value] : res.headers) answer_.insert(name, value);
    const bool no_body =
        res.status == 204 || res.status == 304 || (res.status >= 100 && res.status < 200);
    if (head_) {
      answer_.content_length(res.body.size());  // what a GET would carry, without it
    } else if (!no_body) {
      answer_.body() = std::move(res.body);
      answer_.content_length(answer_.body().size());
    }
    answer_.keep_alive(keep_alive_);
    stream_.expires_after(timeout);
    bhttp::async_write(stream_, answer_, [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec) {
        if (ec == beast::error::timeout) {
          std::int64_t dropped = 0;
          if (self->server_.write_log.admit(dropped)) {
            log::warn("HTTP client did not read its answer within write_timeout: disconnected",
                      {{"client", self->client_},
                       {"write_timeout", format_duration(self->server_.options.write_timeout)},
                       {"more_not_logged", dropped}});
          }
        }
        return self->close();
      }
      if (!self->keep_alive_) return self->linger();
      self->next_request(false);
    });
  }

  // Closes after a last answer: half-close, then read and drop what the client still sends
  // until it closes too (or kLinger / kMaxLingerBytes), so that the kernel does not reset the
  // connection, which can destroy the answer before the client read it.
  void linger() {
    error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close();
    buffer_.clear();
    stream_.expires_after(kLinger);
    drain();
  }

  void drain() {
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](error_code ec, std::size_t n) {
                              self->lingered_ += n;
                              if (ec || self->lingered_ > kMaxLingerBytes) return self->close();
                              self->drain();
                            });
  }

  Server::Impl& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> answer_;
  std::string client_;
  std::shared_ptr<Slots> slots_;                // null for a refused connection
  std::shared_ptr<std::atomic<int>> refusing_;  // set for a refused connection
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;
  std::size_t lingered_ = 0;
};

void Server::Impl::accept() {
  acceptor.async_accept([this](error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
      // Out of file descriptors, most likely: say so, and retry soon rather than spin.
      std::int64_t dropped = 0;
      if (accept_log.admit(dropped)) {
        log::error("cannot accept HTTP connections", {{"error", ec.message()},
                                                      {"open_connections", slots->open()},
                                                      {"more_not_logged", dropped}});
      }
      accept_retry.expires_after(std::chrono::milliseconds(100));
      accept_retry.async_wait([this](error_code e) {
        if (!e) accept();
      });
      return;
    }
    on_accepted(std::move(socket));
    accept();
  });
}

void Server::Impl::on_accepted(tcp::socket socket) {
  error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return;  // gone already
  auto address = remote.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
  }
  std::string client = address.to_string();
  // Small JSON answers must not wait for the peer's delayed ACK (Nagle): ~40 ms otherwise.
  socket.set_option(tcp::no_delay(true), ec);

  const auto verdict =
      slots->acquire(client, options.max_connections, options.max_connections_per_client);
  if (verdict != Slots::Verdict::ok) {
    reject(503);
    const bool per_client = verdict == Slots::Verdict::over_client;
    std::int64_t dropped = 0;
    if (refused_log.admit(dropped)) {
      log::warn(per_client ? "HTTP connection refused: too many connections from this client"
                           : "HTTP connection refused: too many connections",
                {{"client", client},
                 {"open_connections", slots->open()},
                 {"open_from_client", slots->of(client)},
                 {per_client ? "max_connections_per_client" : "max_connections",
                  per_client ? options.max_connections_per_client : options.max_connections},
                 {"more_not_logged", dropped}});
    }
    if (refusing->fetch_add(1) >= kMaxRefusalsInFlight) {
      --*refusing;
      socket.close(ec);
      return;
    }
    auto c = std::make_shared<Connection>(*this, std::move(socket), client, nullptr);
    c->refuse(per_client ? "too many connections from " + client +
                               " ([server] max_connections_per_client = " +
                               std::to_string(options.max_connections_per_client) + ")"
                         : "too many connections ([server] max_connections = " +
                               std::to_string(options.max_connections) + ")",
              refusing);
    live.push_back(c);
    return;
  }
  auto c = std::make_shared<Connection>(*this, std::move(socket), std::move(client), slots);
  c->start();
  live.push_back(c);
  if (live.size() > 64 && live.size() > 2 * static_cast<std::size_t>(slots->open())) {
    live.remove_if([](const std::weak_ptr<Connection>& w) { return w.expired(); });
  }
}

Server::Server(ServerOptions options, Handlers handlers)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handlers))) {}

Server::~Server() { stop(); }

void Server::start() {
  auto& m = *impl_;
  const auto& o = m.options;
  const std::string shown = (o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host) +
                            ":" + std::to_string(o.port);
  error_code ec;
  tcp::resolver resolver(m.io);
  auto results = resolver.resolve(o.host, std::to_string(o.port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) throw std::runtime_error("cannot listen on " + shown + ": " + ec.message());
  std::string why = "no address";
  for (const auto& entry : results) {
    const tcp::endpoint endpoint = entry.endpoint();
    error_code e;
    m.acceptor.open(endpoint.protocol(), e);
    if (!e) m.acceptor.set_option(tcp::acceptor::reuse_address(true), e);
    if (!e) m.acceptor.bind(endpoint, e);
    if (!e) m.acceptor.listen(net::socket_base::max_listen_connections, e);
    if (!e) break;
    why = e.message();
    error_code ignored;
    m.acceptor.close(ignored);
  }
  if (!m.acceptor.is_open()) {
    throw std::runtime_error("cannot listen on " + shown + ": " + why +
                             " (in use, or not an address of this machine)");
  }
  m.bound_port = m.acceptor.local_endpoint().port();
  m.work.emplace(m.io.get_executor());
  m.accept();
  m.started = true;
  m.io_thread = std::thread([&m] { m.io.run(); });
}

int Server::port() const { return impl_->bound_port; }

void Server::stop() {
  if (!impl_) return;
  auto& m = *impl_;
  if (!m.started || m.stopped) return;
  m.stopped = true;
  std::promise<void> closed;
  net::post(m.io, [&m, &closed] {
    error_code ec;
    m.acceptor.close(ec);
    m.accept_retry.cancel();
    for (auto& w : m.live) {
      if (auto c = w.lock()) c->close();
    }
    m.live.clear();
    closed.set_value();
  });
  closed.get_future().wait();
  // Queued requests are abandoned; running handlers finish (they may use the backend).
  m.workers.stop();
  m.probes.stop();
  m.work.reset();
  m.io.stop();
  if (m.io_thread.joinable()) m.io_thread.join();
  m.workers.join();
  m.probes.join();
}

void Server::defer(std::function<void()> f) { net::post(impl_->workers, std::move(f)); }

bool Request::has_header(const std::string& name) const { return headers.count(name) > 0; }
std::string Request::get_header_value(const std::string& name) const {
  return first_of(headers, name);
}
bool Request::has_param(const std::string& name) const { return params.count(name) > 0; }
std::string Request::get_param_value(const std::string& name) const {
  return first_of(params, name);
}

void Response::set_header(const std::string& name, const std::string& value) {
  headers.erase(name);
  headers.emplace(name, value);
}
bool Response::has_header(const std::string& name) const { return headers.count(name) > 0; }
std::string Response::get_header_value(const std::string& name) const {
  return first_of(headers, name);
}
void Response::set_content(std::string content, const std::string& content_type) {
  body = std::move(content);
  set_header("Content-Type", content_type);
}
void Response::set_content(const char* data, std::size_t size, const std::string& content_type) {
  set_content(std::string(data, size), content_type);
}

std::string percent_decode(const std::string& s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      const int hi = hex_digit(s[i + 1]);
      const int lo = hex_digit(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += plus_is_space && c == '+' ? ' ' : c;
  }
  return out;
}

}  // namespace driftd::daemon::http
