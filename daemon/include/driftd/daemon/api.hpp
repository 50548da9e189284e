#pragma once
// The HTTP API of CONTRACT section 3 (plus /healthz, /readyz, /metrics) on one port. The route
// table is api_server.cpp; the HTTP transport (Boost.Beast, asynchronous, with a total deadline
// per request and caps on connections) is http_server.cpp, private to daemon. The server speaks
// to the rest of driftd only through ApiBackend, so its contract can be tested against a fake
// backend.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "driftd/daemon/retrain.hpp"
#include "driftd/drift/evaluation.hpp"
#include "driftd/drift/sources.hpp"

namespace driftd::daemon {

struct MonitorSummary {
  std::string name;
  std::string status;  // the latest evaluation's status, or "pending" before the first
  std::optional<drift::Evaluation> last_evaluation;
  std::optional<Timestamp> next_run_at;
};

// A failure the client cannot fix (database down): answered 503 with the message.
class Unavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// A request that conflicts with the current state (monitor busy): answered 409.
class Conflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// A request the client got wrong: answered 400.
class BadRequest : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// Something that does not exist: answered 404.
class NotFound : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Readiness {
  bool ready = false;
  std::string reason;  // why not
  // The latest SIGHUP reload was rejected and the previous configuration keeps running: why, and
  // each problem as "FILE:LINE: message". Empty when it was applied (or there was none). It does
  // not make the daemon unready: it serves what it served before.
  std::string reload_error;
  std::vector<std::string> reload_problems;
};

class ApiBackend {
 public:
  virtual ~ApiBackend() = default;
  virtual std::vector<MonitorSummary> monitors() = 0;
  virtual bool has_monitor(const std::string& name) = 0;
  virtual std::optional<drift::Evaluation> latest(const std::string& name) = 0;
  virtual std::vector<drift::Evaluation> history(const std::string& name,
                                                 const drift::HistoryQuery& q) = 0;
  virtual RetrainDecision retrain(const std::string& name) = 0;
  virtual drift::Evaluation run_now(const std::string& name) = 0;  // throws Conflict when busy
  virtual Readiness readiness() = 0;
  virtual std::string metrics_text() = 0;
  // Alerts and silences (JSON documents of CONTRACT section 3).
  virtual std::string alerts_json() = 0;
  virtual std::string silences_json() = 0;
  virtual std::string create_silence(const std::string& body_json) = 0;  // throws BadRequest
  virtual void expire_silence(const std::string& id) = 0;                // throws NotFound
  virtual void observe_request(const std::string& handler, int status, double seconds) = 0;
  // For the status pages (docs/ui.md). A monitor's thresholds as configured (none by default).
  virtual std::vector<drift::Threshold> thresholds(const std::string& name);
  // Statistics over time (the state schema's statistics table); by default read from history().
  // Throws Unavailable.
  virtual std::vector<drift::StatisticSeries> series(const std::vector<drift::StatisticKey>& keys,
                                                     const drift::SeriesQuery& q);
};

struct ApiOptions {
  std::string host = "127.0.0.1";
  int port = 9464;  // 0: any free port
  std::size_t max_body_bytes = 1 << 20;
  // A request's headers and body must arrive within this, in total (from its first byte; from
  // the connection's accept for its first request). Else the connection is closed.
  Duration read_timeout = std::chrono::seconds(10);
  Duration write_timeout = std::chrono::seconds(10);  // to write one whole answer
  std::string bearer_token;                           // empty: POST/DELETE need no token
  int threads = 8;  // handlers of requests other than the probes run on these
  // Connections beyond these are answered 503 and closed.
  int max_connections = 256;
  int max_connections_per_client = 32;  // per client IP address
};

class ApiServer {
 public:
  ApiServer(ApiBackend& backend, ApiOptions options);
  ~ApiServer();
  // Binds (throws std::runtime_error if the address is unusable) and serves on threads of its own.
  void start();
  int port() const;
  // Closes the listener and every connection and waits for the handlers running. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string to_json(const RetrainDecision& d);

// The answer of GET /api/v1/monitors/{name}/challenger from the monitor's latest evaluation:
// {"monitor", "evaluated_at", "verdict", "significantly_better", "significantly_worse", "metric",
//  "test", "alpha", "champion", "challenger", "difference", "p_value", "champion_labelled_rows",
//  "challenger_labelled_rows", "min_rows", "status"}. Throws Unavailable when that evaluation
// failed and NotFound when it has no champion / challenger section.
std::string challenger_decision_json(const drift::Evaluation& e);

// Splits "host:port" / "[v6]:port"; throws std::invalid_argument.
std::pair<std::string, int> split_listen(const std::string& listen);

// Compares secrets in time independent of where they differ.
bool constant_time_equals(const std::string& a, const std::string& b);

}  // namespace driftd::daemon
