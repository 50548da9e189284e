#pragma once
// A clock tests move by hand.

#include <atomic>

#include "driftd/common/clock.hpp"

namespace driftd::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start) : now_(start.time_since_epoch().count()) {}
  Timestamp now() const override { return Timestamp(Duration(now_.load())); }
  void set(Timestamp t) { now_ = t.time_since_epoch().count(); }
  void advance(Duration d) { now_ += d.count(); }

 private:
  std::atomic<Duration::rep> now_;
};

}  // namespace driftd::testing
