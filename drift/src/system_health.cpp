// Latency percentiles, error rate, throughput and volume change.

#include "driftd/drift/system_health.hpp"

#include <cmath>

#include "driftd/drift/statistics.hpp"
#include "named_values.hpp"

namespace driftd::drift {

std::optional<double> LatencyStatistics::get(std::string_view name) const {
  return detail::find_value(values, name);
}

LatencyStatistics latency_statistics(std::span<const double> latencies) {
  LatencyStatistics st;
  std::vector<double> kept;
  kept.reserve(latencies.size());
  for (double v : latencies) {
    if (!std::isfinite(v)) {
      ++st.missing;
    } else if (v < 0) {
      ++st.negative;
    } else {
      kept.push_back(v);
    }
  }
  const SortedSample sample = sort_values(std::move(kept));
  st.count = sample.values.size();
  if (st.count == 0) return st;
  detail::put_value(st.values, "mean", sample.mean);
  detail::put_value(st.values, "p50", quantile_sorted(sample.values, 0.5));
  detail::put_value(st.values, "p95", quantile_sorted(sample.values, 0.95));
  detail::put_value(st.values, "p99", quantile_sorted(sample.values, 0.99));
  detail::put_value(st.values, "max", sample.values.back());
  return st;
}

std::optional<double> error_rate(std::uint64_t errors, std::uint64_t requests) {
  if (requests == 0 || errors > requests) return std::nullopt;
  return static_cast<double>(errors) / static_cast<double>(requests);
}

std::optional<double> throughput_per_minute(std::uint64_t rows, double window_seconds) {
  if (!(window_seconds > 0) || !std::isfinite(window_seconds)) return std::nullopt;
  const double v = static_cast<double>(rows) * 60.0 / window_seconds;
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<double> volume_change(std::uint64_t current_rows, double current_seconds,
                                    std::uint64_t reference_rows, double reference_seconds) {
  const auto cur = throughput_per_minute(current_rows, current_seconds);
  const auto ref = throughput_per_minute(reference_rows, reference_seconds);
  if (!cur || !ref || *ref == 0) return std::nullopt;
  const double v = *cur / *ref - 1;
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace driftd::drift
