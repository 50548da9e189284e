#include "service_state.hpp"

#include "driftd/common/log.hpp"
#include "monitor_run.hpp"

namespace driftd::daemon {

namespace {

std::optional<drift::Evaluation> find(const std::map<std::string, drift::Evaluation>& m,
                                      const std::string& k) {
  auto it = m.find(k);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

}  // namespace

void LatestResults::record(const drift::Evaluation& e) {
  std::lock_guard lock(mutex_);
  last_[e.monitor] = e;
  if (e.status != drift::Status::error) last_good_[e.monitor] = e;
}

void LatestResults::seed(const drift::Evaluation& e) {
  std::lock_guard lock(mutex_);
  if (!last_.count(e.monitor)) last_[e.monitor] = e;
  if (e.status != drift::Status::error && !last_good_.count(e.monitor)) last_good_[e.monitor] = e;
}

void LatestResults::note_performance(const drift::Evaluation& e) {
  if (!e.performance || e.performance->status == drift::Status::insufficient_data) return;
  std::lock_guard lock(mutex_);
  auto it = performance_.find(e.monitor);
  if (it == performance_.end() || it->second.evaluated_at <= e.evaluated_at) {
    performance_[e.monitor] = e;
  }
}

std::optional<drift::Evaluation> LatestResults::last(const std::string& monitor) const {
  std::lock_guard lock(mutex_);
  return find(last_, monitor);
}

std::optional<drift::Evaluation> LatestResults::last_good(const std::string& monitor) const {
  std::lock_guard lock(mutex_);
  return find(last_good_, monitor);
}

std::optional<drift::Evaluation> LatestResults::performance(const std::string& monitor) const {
  std::lock_guard lock(mutex_);
  return find(performance_, monitor);
}

void LatestResults::set_duration(const std::string& monitor, Duration d) {
  std::lock_guard lock(mutex_);
  durations_[monitor] = d;
}

Duration LatestResults::duration(const std::string& monitor) const {
  std::lock_guard lock(mutex_);
  auto it = durations_.find(monitor);
  return it == durations_.end() ? Duration::zero() : it->second;
}

void LatestResults::retain(const CompiledConfig& config) {
  std::lock_guard lock(mutex_);
  auto forget_removed = [&](auto& map) {
    for (auto it = map.begin(); it != map.end();) {
      it = config.find(it->first) == nullptr ? map.erase(it) : std::next(it);
    }
  };
  forget_removed(last_);
  forget_removed(last_good_);
  forget_removed(durations_);
  for (auto it = performance_.begin(); it != performance_.end();) {
    const MonitorPlan* plan = config.find(it->first);
    it = plan == nullptr || !plan->performance ? performance_.erase(it) : std::next(it);
  }
}

void OutcomeLog::evaluation(const drift::Evaluation& e, const EvaluationTimings& t) {
  const std::string key =
      e.status == drift::Status::error ? e.error.value_or("evaluation failed") : "";
  std::string previous;
  {
    std::lock_guard lock(mutex_);
    previous = last_error_[e.monitor];
    last_error_[e.monitor] = key;
  }
  // The first failure is an error; the next ones (the same outage seen tick after tick, maybe
  // with another wording) only at debug level, until the evaluations recover.
  if (e.status != drift::Status::error && !previous.empty()) {
    log::info("evaluations recovered", {{"monitor", e.monitor}, {"after", previous}});
  }
  log_evaluation(e, t, !previous.empty());
}

void OutcomeLog::store(const std::string& monitor, const std::string& error) {
  bool was_failing;
  {
    std::lock_guard lock(mutex_);
    was_failing = store_failing_.count(monitor) > 0;
    if (error.empty()) {
      store_failing_.erase(monitor);
    } else {
      store_failing_.insert(monitor);
    }
  }
  if (!error.empty()) {
    log::write(was_failing ? log::Level::debug : log::Level::error, "cannot store the evaluation",
               {{"monitor", monitor}, {"error", error}});
  } else if (was_failing) {
    log::info("evaluations stored again", {{"monitor", monitor}});
  }
}

void OutcomeLog::skipped(const std::string& monitor, Timestamp at) {
  std::size_t skips;
  {
    std::lock_guard lock(mutex_);
    skips = ++skipped_ticks_[monitor];
  }
  log::write(skips == 1 ? log::Level::warn : log::Level::debug,
             "evaluation skipped: the previous one is still running",
             {{"monitor", monitor}, {"at", format_rfc3339(at)}});
}

void OutcomeLog::finished(const std::string& monitor) {
  std::size_t skips = 0;
  {
    std::lock_guard lock(mutex_);
    if (auto it = skipped_ticks_.find(monitor); it != skipped_ticks_.end()) {
      skips = it->second;
      skipped_ticks_.erase(it);
    }
  }
  if (skips > 1) {
    log::info("evaluation no longer running late", {{"monitor", monitor}, {"skipped", skips}});
  }
}

}  // namespace driftd::daemon
