#pragma once
// Turns a monitor's configuration into what the pipeline needs for one instant: the statistics
// to compute, the current and reference windows to read, and the fingerprint of the reference.

#include <optional>
#include <string>

#include "driftd/config/config.hpp"
#include "driftd/drift/evaluation.hpp"
#include "driftd/drift/sources.hpp"

namespace driftd::daemon {

drift::EvaluationSpec evaluation_spec(const config::MonitorConfig& m);

// Current window: (at - window, at].
drift::WindowRequest current_request(const config::MonitorConfig& m, Timestamp at);
// Reference window: fixed (from, to], offset (at - offset - window, at - offset], or a table.
drift::WindowRequest reference_request(const config::MonitorConfig& m, Timestamp at);

// A reference that does not move with `at` (fixed or table) can be frozen and reused.
bool reference_is_stable(const config::MonitorConfig& m);

// A digest of everything a frozen reference depends on (table, filters, window, columns, kinds,
// bins, max_rows); a change to any of them gives a new fingerprint.
std::string reference_fingerprint(const config::MonitorConfig& m);

// The sampling seed of a window: derived from its bounds, so one window always gets one sample.
std::uint64_t window_seed(const std::optional<Timestamp>& from, const std::optional<Timestamp>& to);

}  // namespace driftd::daemon
