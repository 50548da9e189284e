#pragma once
// The injectable source of wall-clock time: production code takes a `Clock&`, tests pass a
// fake one they advance by hand, so no test has to sleep.

#include "driftd/common/time.hpp"

namespace driftd {

class Clock {
 public:
  virtual ~Clock() = default;
  // Current wall-clock time (UTC). Thread-safe.
  virtual Timestamp now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp now() const override;
};

}  // namespace driftd
