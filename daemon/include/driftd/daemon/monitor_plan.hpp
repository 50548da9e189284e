#pragma once
// Turns a monitor's configuration into what the pipeline needs for one instant: the statistics
// to compute, the current and reference windows to read, and the fingerprint of the reference.

#include <optional>
#include <string>

#include "driftd/config/config.hpp"
#include "driftd/drift/challenger.hpp"
#include "driftd/drift/evaluation.hpp"
#include "driftd/drift/monitoring.hpp"
#include "driftd/drift/sources.hpp"

namespace driftd::daemon {

drift::EvaluationSpec evaluation_spec(const config::MonitorConfig& m);

// Where the values beyond the evaluation spec's columns are in a request's columns (-1: not
// read). The spec's columns come first (`main` of them), the others after.
struct ColumnLayout {
  std::size_t main = 0;
  int prediction = -1;  // the prediction (one of the main columns)
  int confidence = -1;  // the confidence (one of the main columns)
  int label = -1;
  int score = -1;  // may be the confidence or the prediction
  int label_time = -1;
  int prediction_time = -1;
  int latency = -1;  // [monitors.system], current window only
  int error = -1;
  int time = -1;     // the reference's timestamps (Unix seconds), to learn `auto` thresholds
  int segment = -1;  // the monitor's segment column (categorical), both windows
  int key = -1;      // [monitors.challenger] key: pairs the rows of two model versions
};

struct PlannedRequest {
  drift::WindowRequest request;
  ColumnLayout layout;
};

// The current window with every column the monitor's sections need, read in one scan.
PlannedRequest plan_current(const config::MonitorConfig& m, Timestamp at);
// The reference window likewise.
PlannedRequest plan_reference(const config::MonitorConfig& m, Timestamp at);
// Whether a threshold of the monitor is learned from the reference (`auto`).
bool has_learned_thresholds(const config::MonitorConfig& m);

// Only the reference's label, score and prediction columns: for a frozen reference, whose rows are
// not kept, when its performance must be measured again (labels still arriving).
std::optional<PlannedRequest> plan_reference_performance(const config::MonitorConfig& m,
                                                         Timestamp at);

// What system health needs to know; nullopt without [monitors.system].
std::optional<drift::SystemSpec> system_spec(const config::MonitorConfig& m);
drift::SystemColumns system_columns(const drift::WindowData& data, const ColumnLayout& layout);

// What realised performance needs to know; nullopt without [monitors.labels].
std::optional<drift::PerformanceSpec> performance_spec(const config::MonitorConfig& m);
// The columns of `data` (read with `layout`) that performance reads.
drift::PerformanceColumns performance_columns(const config::MonitorConfig& m,
                                              const drift::WindowData& data,
                                              const ColumnLayout& layout);

// The current window of one model version of [monitors.challenger] (`challenger` false: the
// champion): the monitor's where ANDed with the version's filters; the prediction, the
// confidence, the labels (as for the current window) and the key. With a key, only the key
// decides the sample of a large window, so both versions keep the same requests. nullopt without
// [monitors.challenger].
std::optional<PlannedRequest> plan_version(const config::MonitorConfig& m, Timestamp at,
                                           bool challenger);
std::optional<drift::ChallengerSpec> challenger_spec(const config::MonitorConfig& m);
drift::ChallengerColumns challenger_columns(const config::MonitorConfig& m,
                                            const drift::WindowData& data,
                                            const ColumnLayout& layout);

// Current window: (at - window, at] (plan_current's request).
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
