#pragma once
// The evaluation pipeline of one monitor at one instant, from its plan: get the reference (frozen
// in memory, stored in the state schema, or read fresh, side by side with the current window),
// compare, then add each section the monitor has (performance, system, segments, champion /
// challenger). I/O failures come back as an Evaluation with status `error`; nothing here throws
// for them.

#include <cstddef>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stop_token>
#include <string>
#include <unordered_map>

#include "driftd/daemon/plan.hpp"
#include "driftd/drift/evaluation.hpp"
#include "driftd/drift/monitoring.hpp"
#include "driftd/drift/sources.hpp"

namespace driftd::daemon {

// Runs tasks on up to `threads` threads (the caller's included).
drift::ParallelFor thread_parallel_for(int threads);

// Frozen references kept in memory, least recently used evicted past a byte budget.
class FrozenCache {
 public:
  explicit FrozenCache(std::size_t budget_bytes) : budget_(budget_bytes) {}
  std::shared_ptr<const drift::FrozenReference> get(const std::string& key);
  void put(const std::string& key, std::shared_ptr<const drift::FrozenReference> ref);
  // Keeps only the entries whose key is in `keys` (a reload's frozen_keys): references of
  // monitors removed or changed are of no further use.
  void retain(const std::set<std::string>& keys);
  std::size_t bytes() const;

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const drift::FrozenReference> ref;
    std::size_t bytes;
  };
  mutable std::mutex mutex_;
  std::size_t budget_;
  std::size_t used_ = 0;
  std::list<Entry> lru_;  // front: most recent
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

std::size_t approximate_bytes(const drift::FrozenReference& ref);

struct EvaluatorOptions {
  int read_connections = 2;  // connections streaming one evaluation's windows
  int compute_threads = 2;   // threads sorting/comparing one evaluation's columns
  std::size_t frozen_cache_bytes = std::size_t{1} << 30;
};

struct EvaluationTimings {
  double read_seconds = 0;
  double total_seconds = 0;
  bool frozen_reference_used = false;
};

class Evaluator {
 public:
  // `store` may be null (no persistence of frozen references).
  Evaluator(drift::WindowSource& source, drift::ResultStore* store, EvaluatorOptions options);
  drift::Evaluation evaluate(const MonitorPlan& plan, Timestamp at, std::stop_token stop = {},
                             EvaluationTimings* timings = nullptr);
  FrozenCache& frozen_cache() { return cache_; }

 private:
  struct Run;
  void read_windows(Run& run);
  bool reuse_frozen(Run& run);
  void read_fresh(Run& run);
  void add_performance(Run& run, drift::Evaluation& e);
  void add_system(Run& run, drift::Evaluation& e);
  void add_segments(Run& run, drift::Evaluation& e);
  void add_challenger(Run& run, drift::Evaluation& e);
  void add_business(Run& run, drift::Evaluation& e);
  std::shared_ptr<const drift::FrozenReference> load_stored(const MonitorPlan& plan);
  void store_frozen(const MonitorPlan& plan, const drift::FrozenReference& frozen);
  std::optional<drift::WindowPerformance> cached_reference_performance(const std::string& key);
  void remember_reference_performance(const std::string& key, const drift::WindowPerformance& p);
  drift::WindowSource& source_;
  drift::ResultStore* store_;
  EvaluatorOptions options_;
  FrozenCache cache_;
  // The performance of frozen references whose labels have all arrived (the rows behind a frozen
  // reference are not kept, so until then its label columns are read at every evaluation).
  std::mutex performance_mutex_;
  std::map<std::string, drift::WindowPerformance> reference_performance_;
  // The business metrics' aggregates of fixed reference windows (BusinessPlan::reference_key).
  std::optional<std::vector<std::optional<double>>> cached_reference_aggregates(
      const std::string& key);
  void remember_reference_aggregates(const std::string& key,
                                     const std::vector<std::optional<double>>& values);
  std::mutex aggregates_mutex_;
  std::map<std::string, std::vector<std::optional<double>>> reference_aggregates_;
};

}  // namespace driftd::daemon
