#pragma once
// System-health statistics of a model service (issue 8): latency percentiles, error rate,
// throughput and volume change. Pure and thread-compatible; undefined values are absent.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace driftd::drift {

struct LatencyStatistics {
  // mean, p50, p95, p99, max: in the unit of the input (seconds or milliseconds, as stored).
  // Quantiles by linear interpolation between order statistics (numpy's default, quantile_sorted).
  std::vector<std::pair<std::string, double>> values;
  std::uint64_t count = 0;     // latencies used
  std::uint64_t missing = 0;   // NaN or ±Infinity
  std::uint64_t negative = 0;  // below 0: not a duration, left out (-0.0 counts as 0)
  std::optional<double> get(std::string_view name) const;
};
// Empty `values` when no latency is usable. O(n) (radix sort).
LatencyStatistics latency_statistics(std::span<const double> latencies);

// errors / requests: absent when there is no request or errors > requests.
std::optional<double> error_rate(std::uint64_t errors, std::uint64_t requests);

// Rows per minute over a window `window_seconds` long: rows · 60 / window_seconds. Absent when
// the window is not a positive finite length.
std::optional<double> throughput_per_minute(std::uint64_t rows, double window_seconds);

// Relative change of volume against the reference, as rates so that windows of different lengths
// compare: (current_rows / current_seconds) / (reference_rows / reference_seconds) − 1.
// 0 = same volume, -0.5 = half, 1 = double. Absent when either length is not a positive finite
// number or the reference has no rows.
std::optional<double> volume_change(std::uint64_t current_rows, double current_seconds,
                                    std::uint64_t reference_rows, double reference_seconds);

}  // namespace driftd::drift
