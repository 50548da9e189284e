#include "driftd/daemon/scheduler.hpp"

#include <algorithm>

#include "driftd/common/hash.hpp"

namespace driftd::daemon {

Timestamp floor_aligned(Timestamp t, Duration interval) {
  auto ticks = t.time_since_epoch().count();
  auto step = interval.count();
  auto q = ticks / step;
  if (ticks % step != 0 && ticks < 0) --q;
  return Timestamp(Duration(q * step));
}

Timestamp next_aligned(Timestamp t, Duration interval) {
  return floor_aligned(t, interval) + interval;
}

Duration jitter_offset(const std::string& monitor, Duration jitter) {
  if (jitter.count() <= 0) return Duration{0};
  const std::uint64_t h = fnv1a64(monitor);
  return Duration(static_cast<Duration::rep>(h % static_cast<std::uint64_t>(jitter.count())));
}

void Scheduler::set_monitors(const std::vector<Entry>& entries) {
  std::lock_guard lock(mutex_);
  Timestamp now = clock_.now();
  std::map<std::string, State> next;
  for (const auto& e : entries) {
    State s;
    s.entry = e;
    s.offset = jitter_offset(e.name, e.jitter);
    auto old = states_.find(e.name);
    if (old != states_.end() && old->second.entry.interval == e.interval &&
        old->second.entry.jitter == e.jitter) {
      s.due = old->second.due;
      s.busy = old->second.busy;
    } else {
      // The latest instant runs now if it has not been evaluated yet (a start after downtime),
      // otherwise the next one.
      Timestamp latest = floor_aligned(now - s.offset, e.interval);
      if (!e.last_evaluated || *e.last_evaluated < latest) {
        s.due = latest;
      } else {
        s.due = floor_aligned(*e.last_evaluated, e.interval) + e.interval;
      }
      if (old != states_.end()) s.busy = old->second.busy;
    }
    next.emplace(e.name, std::move(s));
  }
  states_ = std::move(next);
}

Timestamp Scheduler::poll() {
  std::vector<std::pair<std::string, Timestamp>> run, skip;
  Timestamp wake = Timestamp::max();
  {
    std::lock_guard lock(mutex_);
    Timestamp now = clock_.now();
    for (auto& [name, s] : states_) {
      if (now >= s.due + s.offset) {
        // No replay: whatever was missed, evaluate the latest instant only.
        Timestamp at = std::max(s.due, floor_aligned(now - s.offset, s.entry.interval));
        if (s.busy) {
          skip.emplace_back(name, at);
        } else {
          s.busy = true;
          run.emplace_back(name, at);
        }
        s.due = at + s.entry.interval;
      }
      wake = std::min(wake, s.due + s.offset);
    }
  }
  for (const auto& [name, at] : skip)
    if (hooks_.skipped) hooks_.skipped(name, at);
  for (const auto& [name, at] : run) hooks_.dispatch(name, at);
  return wake;
}

void Scheduler::finished(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = states_.find(name);
  if (it != states_.end()) it->second.busy = false;
}

bool Scheduler::try_begin(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = states_.find(name);
  if (it == states_.end() || it->second.busy) return false;
  it->second.busy = true;
  return true;
}

std::optional<Timestamp> Scheduler::next_run(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = states_.find(name);
  if (it == states_.end()) return std::nullopt;
  return it->second.due;
}

bool Scheduler::ends_before_next(const std::string& name, Duration work) const {
  std::lock_guard lock(mutex_);
  auto it = states_.find(name);
  if (it == states_.end()) return false;
  return clock_.now() + work < it->second.due + it->second.offset;
}

bool Scheduler::busy(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = states_.find(name);
  return it != states_.end() && it->second.busy;
}

std::size_t Scheduler::in_flight() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(states_.begin(), states_.end(), [](const auto& kv) { return kv.second.busy; }));
}

}  // namespace driftd::daemon
