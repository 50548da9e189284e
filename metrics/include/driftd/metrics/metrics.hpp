#pragma once
// The metrics driftd exports. Thread-safe; exposition() renders the Prometheus text format that
// /metrics serves. Series of monitors, features and sinks that are gone disappear (retain_*).

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "driftd/drift/evaluation.hpp"

namespace driftd::metrics {

class Metrics {
 public:
  explicit Metrics(const std::string& version);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Everything an evaluation says: statistics, confidence, status, rows, counters, duration.
  // An `error` evaluation keeps the last statistics (they are still the latest known values).
  void record_evaluation(const drift::Evaluation& e, double duration_seconds);
  // Declares the configured monitors (status series start at 0 with status "unknown"
  // absent); series of any other monitor are removed.
  void retain_monitors(const std::set<std::string>& monitors);
  void retain_sinks(const std::set<std::string>& sinks);

  void set_alerts_firing(const std::string& monitor, std::int64_t n);
  void count_notification(const std::string& sink,
                          const std::string& result);  // delivered|retried|failed|dropped
  void set_queue_depth(const std::string& sink, std::int64_t depth);
  void count_skipped_tick(const std::string& monitor);
  // A past instant evaluated again because its labels arrived (driftd_reevaluations_total).
  void count_reevaluation(const std::string& monitor);
  void set_next_run(const std::string& monitor, double unix_seconds);
  void set_database_up(bool up);
  void count_http_request(const std::string& handler, int status, double seconds);
  void set_frozen_cache_bytes(double bytes);
  // A SIGHUP reload: applied (driftd_config_last_reload_successful 1) or rejected (0, the previous
  // configuration keeps running); counted in driftd_config_reloads_total{result}.
  void record_reload(bool applied);

  // The text exposition, process metrics included.
  std::string exposition();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Process metrics read from /proc (exposed for tests).
struct ProcessStats {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double open_fds = 0;
  double max_fds = 0;
  double start_time_seconds = 0;
  double threads = 0;
};
ProcessStats read_process_stats();

}  // namespace driftd::metrics
