#pragma once
// Helpers shared by the drift sources (private to drift).

#include <algorithm>
#include <cstddef>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "driftd/drift/evaluation.hpp"

namespace driftd::drift::detail {

// drift never lets an exception cross the caller's ParallelFor (whose threads may not be able to
// carry it): every task records its own and the first one is rethrown on the calling thread.
inline void run_tasks(const ParallelFor& pf, std::size_t n,
                      const std::function<void(std::size_t)>& task) {
  std::vector<std::exception_ptr> errors(n);
  pf(n, [&](std::size_t i) {
    try {
      task(i);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  });
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

inline bool crossed(const ThresholdSpec& t, double value) {
  return t.below ? value < t.level : value > t.level;
}

// The statistics of `values` whose fixed thresholds are crossed, each once, in threshold order.
// Learned (`auto`) levels exist for feature drift only and are judged there.
inline std::vector<std::string> breaches_in(const NamedValues& values,
                                            const std::vector<ThresholdSpec>& thresholds) {
  std::vector<std::string> out;
  for (const auto& t : thresholds) {
    if (t.learned) continue;
    for (const auto& [name, value] : values) {
      if (name == t.statistic && crossed(t, value) &&
          std::find(out.begin(), out.end(), name) == out.end()) {
        out.push_back(name);
      }
    }
  }
  return out;
}

}  // namespace driftd::drift::detail
