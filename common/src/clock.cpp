#include "driftd/common/clock.hpp"

namespace driftd {

Timestamp SystemClock::now() const {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

}  // namespace driftd
