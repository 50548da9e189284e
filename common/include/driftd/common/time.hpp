#pragma once
// Wall-clock time points with PostgreSQL's resolution (microseconds, UTC), RFC 3339 text and
// the duration strings of the configuration ("30s", "5m", "1h", "7d", "1h30m", "250ms").

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace driftd {

using Duration = std::chrono::microseconds;
using Timestamp = std::chrono::sys_time<Duration>;

// Parses "<number><unit>..." with units ms, s, m, h, d, w (e.g. "90s", "1h30m"). The result must
// be positive and at most kMaxDuration. Returns nullopt on anything else.
std::optional<Duration> parse_duration(std::string_view text);

// The longest duration accepted: 100 years of 366 days ("36600d"). Anything longer is a typo, and
// stays far from overflowing the microsecond count.
inline constexpr Duration kMaxDuration = std::chrono::hours(24 * 36600);

// Why parse_duration(text) gives nullopt, for messages: not written as a duration, zero, or
// longer than kMaxDuration (as written, however many digits). `none` when it parses.
enum class DurationFault { none, syntax, not_positive, too_large };
DurationFault duration_fault(std::string_view text);

// Shortest exact form, e.g. 5400s -> "1h30m", 250ms -> "250ms", 0 -> "0s".
std::string format_duration(Duration d);

// Parses RFC 3339 ("2026-01-01T00:00:00Z", "2026-01-01T01:00:00.5+01:00"; 't', 'z' and a space
// instead of 'T' are accepted). Fractions finer than a microsecond are truncated. nullopt on error.
std::optional<Timestamp> parse_rfc3339(std::string_view text);

// "2026-01-01T00:00:00Z", with ".ffffff" (trailing zeros trimmed) only when there is a fraction.
std::string format_rfc3339(Timestamp t);

// Seconds since the Unix epoch as a double (for Prometheus gauges).
double to_unix_seconds(Timestamp t);

}  // namespace driftd
