#pragma once
// The long-running daemon: schedules evaluations on a worker pool, keeps the latest results,
// serves the API and metrics, tracks the database's health and reloads its configuration.

#include <memory>
#include <string>

#include "driftd/common/clock.hpp"
#include "driftd/config/config.hpp"
#include "driftd/daemon/api.hpp"

namespace driftd::daemon {

class Service final : public ApiBackend {
 public:
  Service(config::Config config, const Clock& clock);
  ~Service() override;

  // Starts the API server, the health checker and the workers; scheduling starts with run().
  void start();
  // Runs the scheduler (Boost.Asio timer) and waits for SIGTERM/SIGINT (stop) and SIGHUP
  // (reload from the config file) until stopped. Returns the exit code.
  int run();
  // Applies a new configuration (monitors, thresholds, sinks); the old one keeps running on error.
  void reload(config::Config config);
  // Stops: in-flight evaluations get `grace` to finish, then are cancelled.
  void stop();
  int api_port() const;

  // ApiBackend
  std::vector<MonitorSummary> monitors() override;
  bool has_monitor(const std::string& name) override;
  std::optional<drift::Evaluation> latest(const std::string& name) override;
  std::vector<drift::Evaluation> history(const std::string& name,
                                         const drift::HistoryQuery& q) override;
  RetrainDecision retrain(const std::string& name) override;
  drift::Evaluation run_now(const std::string& name) override;
  Readiness readiness() override;
  std::string metrics_text() override;
  std::string alerts_json() override;
  std::string silences_json() override;
  std::string create_silence(const std::string& body_json) override;
  void expire_silence(const std::string& id) override;
  void observe_request(const std::string& handler, int status, double seconds) override;
  std::vector<drift::Threshold> thresholds(const std::string& name) override;
  std::vector<drift::StatisticSeries> series(const std::vector<drift::StatisticKey>& keys,
                                             const drift::SeriesQuery& q) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `driftd run --config FILE`: loads the config (exit 2 on problems) and runs the service.
int run_daemon(const std::string& config_path);

}  // namespace driftd::daemon
