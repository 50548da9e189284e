#pragma once
// The HTTP/1.1 transport of the API (private to daemon): Boost.Beast on one Asio I/O thread, with
// plain Request / Response structs so that the route table (api_server.cpp) knows nothing of Beast.
//
// Why not cpp-httplib 0.11 (what served the API before): it gives each connection a pool thread
// for the connection's whole life and applies its read timeout per socket read, so eight clients
// sending one header line every few seconds held all eight threads indefinitely and /healthz went
// unanswered. It has no total deadline per request, no cap per client address, and no way to
// answer a request while every thread waits on a slow client. Here connections are asynchronous
// (a slow client costs a socket and a buffer, no thread), a request's headers and body must
// arrive within one total deadline, connections are capped per client address and in all, and
// only complete requests reach a thread: /healthz on the I/O thread itself, /readyz and /metrics
// on threads of their own, everything else on the worker pool.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "driftd/common/time.hpp"

namespace driftd::daemon::http {

struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
// Header names compare case-insensitively; a name may repeat.
using Headers = std::multimap<std::string, std::string, CaseInsensitiveLess>;
// Query parameters, percent-decoded ('+' is a space); a name may repeat.
using Params = std::multimap<std::string, std::string>;

struct Request {
  std::string method;  // as sent: "GET", "POST", ...
  std::string target;  // as sent: "/api/v1/monitors/m/history?limit=5"
  std::string path;    // the target before '?', percent-decoded (not necessarily UTF-8)
  Params params;
  Headers headers;
  std::string body;
  // The body was over max_body_bytes and was not read (`body` is empty): the handler answers
  // what it would answer to the head alone (400 naming the expected content type, 401, 404...)
  // or 413; the connection closes after the answer.
  bool body_over_limit = false;
  std::string remote_address;  // the client's IP address ("127.0.0.1", "::1")

  bool has_header(const std::string& name) const;
  std::string get_header_value(const std::string& name) const;  // the first, or ""
  bool has_param(const std::string& name) const;
  std::string get_param_value(const std::string& name) const;  // the first, or ""
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  void set_header(const std::string& name, const std::string& value);  // replaces
  bool has_header(const std::string& name) const;
  std::string get_header_value(const std::string& name) const;
  void set_content(std::string content, const std::string& content_type);
  void set_content(const char* data, std::size_t size, const std::string& content_type);
};

// Where a complete request is handled.
enum class Lane {
  io,      // on the I/O thread itself: only for answers that take microseconds and never block
  probe,   // on the probe threads, which nothing else uses (readiness, metrics)
  worker,  // on the worker pool
};

struct ServerOptions {
  std::string host = "127.0.0.1";  // an address or a name; "::" listens on IPv6 and IPv4
  int port = 0;                    // 0: any free port
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_header_bytes = 32 << 10;  // request line and headers together
  // A request's headers and body must have arrived this long after its first byte (after the
  // connection was accepted, for a connection's first request): a total, not per read.
  Duration read_timeout = std::chrono::seconds(10);
  Duration write_timeout = std::chrono::seconds(10);      // to write one whole answer
  Duration keep_alive_timeout = std::chrono::seconds(5);  // idle wait for the next request
  int workers = 8;
  int probe_workers = 2;
  int max_connections = 256;
  int max_connections_per_client = 32;
};

class Connection;

class Server {
 public:
  struct Handlers {
    // Picks the lane of a complete request; runs on the I/O thread, so it must not block.
    std::function<Lane(const Request&)> lane;
    // Answers a request; runs on the request's lane. An exception answers 500.
    std::function<void(const Request&, Response&)> handle;
    // The transport answered or dropped a request itself: 400 (malformed), 408 (not complete
    // within read_timeout), 413 (a body over max_body_bytes whose head could not be parsed
    // either; otherwise the handler answers it, Request::body_over_limit), 414 (target over 8 KiB),
    // 431 (headers over max_header_bytes), 503 (connection over a cap, refused). Runs on a worker.
    std::function<void(int status)> rejected;
  };

  Server(ServerOptions options, Handlers handlers);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens (throws std::runtime_error naming the address when it cannot), then
  // serves on threads of its own.
  void start();
  int port() const;
  // Closes the listener and every connection, abandons queued requests, and waits for the
  // handlers already running. Idempotent.
  void stop();
  // Runs f soon on a worker thread: for work that must not delay an answer (counting it).
  void defer(std::function<void()> f);

 private:
  friend class Connection;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-decodes `s`; '+' becomes a space when plus_is_space (query strings). Malformed escapes
// are kept as they are.
std::string percent_decode(const std::string& s, bool plus_is_space);

}  // namespace driftd::daemon::http
