#pragma once
// The HTTP API of CONTRACT section 3 (plus /healthz, /readyz, /metrics) on one port, served by
// cpp-httplib (kept inside api_server.cpp). The server speaks to the rest of driftd only through
// ApiBackend, so its contract can be tested against a fake backend.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "driftd/drift/evaluation.hpp"
#include "driftd/drift/sources.hpp"

namespace driftd::daemon {

struct MonitorSummary {
  std::string name;
  std::string status;  // the latest evaluation's status, or "pending" before the first
  std::optional<drift::Evaluation> last_evaluation;
  std::optional<Timestamp> next_run_at;
};

struct RetrainReason {
  std::string feature;  // a feature, "__prediction__", or "__performance__"
  std::string statistic;
  double value = 0;
  double threshold = 0;
  // Reasons taken from another evaluation than the decision's (realised performance, whose labels
  // arrive later) say which.
  std::optional<Timestamp> evaluated_at;
};

struct RetrainDecision {
  std::string monitor;
  bool should_retrain = false;
  std::vector<RetrainReason> reasons;
  std::optional<Timestamp> evaluated_at;  // of the evaluation the decision is based on
  std::string status;                     // that evaluation's status, or "pending"
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
};

class ApiBackend {
 public:
  virtual ~ApiBackend() = default;
  virtual std::vector<MonitorSummary> monitors() = 0;
  virtual bool has_monitor(const std::string& name) = 0;
  virtual std::optional<drift::Evaluation> latest(const std::string& name) = 0;
  virtual std::vector<drift::Evaluation> history(const std::string& name, const drift::HistoryQuery& q) = 0;
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
  virtual std::vector<drift::ThresholdSpec> thresholds(const std::string& name);
  // Statistics over time (the state schema's statistics table); by default read from history().
  // Throws Unavailable.
  virtual std::vector<drift::StatisticSeries> series(const std::vector<drift::StatisticKey>& keys,
                                                     const drift::SeriesQuery& q);
};

struct ApiOptions {
  std::string host = "127.0.0.1";
  int port = 9464;  // 0: any free port
  std::size_t max_body_bytes = 1 << 20;
  Duration read_timeout = std::chrono::seconds(10);
  Duration write_timeout = std::chrono::seconds(10);
  std::string bearer_token;  // empty: POST/DELETE need no token
  int threads = 8;
};

class ApiServer {
 public:
  ApiServer(ApiBackend& backend, ApiOptions options);
  ~ApiServer();
  // Binds (throws std::runtime_error if the address is unusable) and serves on a thread of its own.
  void start();
  int port() const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The retrain decision from a monitor's latest usable evaluation (`ok` or `drift`): retrain when
// any feature's or the prediction's statistic in `statistics` breaches its threshold, or when
// `performance` (the newest evaluation whose labels sufficed, see Service::retrain) has a
// performance statistic or change beyond its threshold (e.g. roc_auc_drop > 0.02).
RetrainDecision decide_retrain(const std::string& monitor,
                               const std::optional<drift::Evaluation>& e,
                               const std::vector<drift::ThresholdSpec>& thresholds,
                               const std::vector<std::string>& statistics = {"psi"},
                               const std::optional<drift::Evaluation>& performance = std::nullopt);

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
