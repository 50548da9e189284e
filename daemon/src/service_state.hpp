#pragma once
// What the daemon keeps between evaluations, split by concern: the latest results the API serves
// without touching the database, and the log of outcomes that says each failure once per
// transition. Each is thread-safe on its own. Private to daemon.

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "driftd/daemon/evaluator.hpp"
#include "driftd/daemon/plan.hpp"
#include "driftd/drift/evaluation.hpp"

namespace driftd::daemon {

class LatestResults {
 public:
  // The newest evaluation of its monitor, whatever its status.
  void record(const drift::Evaluation& e);
  // What the state schema holds after a restart: taken only where nothing newer is known.
  void seed(const drift::Evaluation& e);
  // The newest evaluation whose performance had enough labelled rows (labels arrive late, so it
  // is often older than the latest); the retrain decision reads it.
  void note_performance(const drift::Evaluation& e);
  std::optional<drift::Evaluation> last(const std::string& monitor) const;
  // During an outage the last good result (not `error`) stays served.
  std::optional<drift::Evaluation> last_good(const std::string& monitor) const;
  std::optional<drift::Evaluation> performance(const std::string& monitor) const;
  void set_duration(const std::string& monitor, Duration d);
  Duration duration(const std::string& monitor) const;  // of its latest evaluation
  // Forgets monitors a reload removed, and the performance of those that lost their labels.
  void retain(const CompiledConfig& config);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, drift::Evaluation> last_;
  std::map<std::string, drift::Evaluation> last_good_;
  std::map<std::string, drift::Evaluation> performance_;
  std::map<std::string, Duration> durations_;
};

// Says each degraded mode once when it starts and once when it ends, not at every tick.
class OutcomeLog {
 public:
  // An evaluation's line: a failure at error level the first time, then at debug level until
  // the evaluations recover ("evaluations recovered").
  void evaluation(const drift::Evaluation& e, const EvaluationTimings& t);
  // Storing fails for as long as the state database is away: said once per monitor when it
  // starts ("cannot store the evaluation") and once when it ends ("evaluations stored again").
  void store(const std::string& monitor, const std::string& error);
  // A tick skipped because the previous evaluation still runs: a warning for the first of a run
  // of skips, debug after.
  void skipped(const std::string& monitor, Timestamp at);
  // The running evaluation ended: says how many ticks it made skip, if more than one.
  void finished(const std::string& monitor);

 private:
  std::mutex mutex_;
  std::map<std::string, std::string> last_error_;
  std::set<std::string> store_failing_;
  std::map<std::string, std::size_t> skipped_ticks_;
};

}  // namespace driftd::daemon
