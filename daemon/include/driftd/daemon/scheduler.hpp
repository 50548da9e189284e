#pragma once
// When each monitor runs. Every monitor is evaluated at wall-clock multiples of its schedule
// (a 5m monitor at :00, :05, ...; `at` is that instant, so results line up across restarts and
// replicas), executed after a fixed per-monitor jitter offset. A monitor still running at its next
// instant is skipped (and counted), never run twice at once. After downtime the missed instants are
// not replayed: the latest one runs once, now.
//
// The logic is driven by poll() at the clock's current time, so tests advance a fake clock;
// AsioSchedulerDriver (scheduler_driver.hpp) calls poll() from a timer in production.

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "driftd/common/clock.hpp"

namespace driftd::daemon {

// The latest multiple of `interval` (counted from the Unix epoch) at or before `t`.
Timestamp floor_aligned(Timestamp t, Duration interval);
// The first multiple of `interval` strictly after `t`.
Timestamp next_aligned(Timestamp t, Duration interval);
// A stable offset in [0, jitter) for a monitor (a hash of its name).
Duration jitter_offset(const std::string& monitor, Duration jitter);

class Scheduler {
 public:
  struct Entry {
    std::string name;
    Duration interval{0};
    Duration jitter{0};
    std::optional<Timestamp> last_evaluated;  // from the state schema, at start
  };
  struct Hooks {
    // Runs one evaluation (on a worker); must call Scheduler::finished(name) when done.
    std::function<void(const std::string& name, Timestamp at)> dispatch;
    std::function<void(const std::string& name, Timestamp at)> skipped;
  };

  Scheduler(const Clock& clock, Hooks hooks) : clock_(clock), hooks_(std::move(hooks)) {}

  // Replaces the set of monitors (config load and reload). A monitor whose interval and jitter are
  // unchanged keeps its next instant; a new or changed one is scheduled afresh.
  void set_monitors(const std::vector<Entry>& entries);

  // Dispatches every monitor that is due at clock.now(); returns when poll() should run next.
  Timestamp poll();

  // Marks the monitor's evaluation as done (it may be dispatched again).
  void finished(const std::string& name);
  // Runs the monitor now, outside its schedule (API "run now"); false if it is busy or unknown.
  bool try_begin(const std::string& name);

  std::optional<Timestamp> next_run(const std::string& name) const;  // the instant, without jitter
  // Whether `work` started now would end before the monitor's next dispatch (its instant plus
  // jitter): extra work done while the monitor is busy (the look-back) must not skip a tick.
  // False for an unknown monitor.
  bool ends_before_next(const std::string& name, Duration work) const;
  bool busy(const std::string& name) const;
  std::size_t in_flight() const;

 private:
  struct State {
    Entry entry;
    Duration offset{0};
    Timestamp due{};  // next instant to evaluate
    bool busy = false;
  };
  const Clock& clock_;
  Hooks hooks_;
  mutable std::mutex mutex_;
  std::map<std::string, State> states_;
};

}  // namespace driftd::daemon
