#pragma once
// Named statistic values in a stable order (private to drift).

#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace driftd::drift::detail {

using NamedValues = std::vector<std::pair<std::string, double>>;

// Appends a statistic; a non-finite value means "undefined" and is dropped, so that results never
// hold NaN or infinities.
inline void put_value(NamedValues& values, std::string_view name, double v) {
  if (std::isfinite(v)) values.emplace_back(std::string(name), v);
}

inline std::optional<double> find_value(const NamedValues& values, std::string_view name) {
  for (const auto& [k, v] : values) {
    if (k == name) return v;
  }
  return std::nullopt;
}

}  // namespace driftd::drift::detail
