#pragma once
// Helpers shared by the drift sources (private to drift).

#include <cstddef>
#include <exception>
#include <functional>
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

}  // namespace driftd::drift::detail
