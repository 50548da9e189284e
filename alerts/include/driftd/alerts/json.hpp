#pragma once
// The JSON of the alerting API (CONTRACT section 3): /api/v1/alerts and /api/v1/silences.
// Never contains a secret: alerts and silences hold none.

#include <string>
#include <vector>

#include "driftd/alerts/types.hpp"

namespace driftd::alerts {

// {"alerts":[{"id","monitor","feature","statistic","state","severity","value","threshold",
//   "started_at","resolved_at", "direction","consecutive","fired_at","last_notified_at",
//   "last_evaluated_at","message","top_contributors"}]} in the given order.
std::string alerts_to_json(const std::vector<Alert>& alerts);

// {"id","monitor","feature","statistic","starts_at","ends_at","comment","created_by",
//  "created_at","active"}; an absent feature/statistic is null (it matches any).
std::string silence_to_json(const Silence& s, Timestamp now);
// {"silences":[...]}.
std::string silences_to_json(const std::vector<Silence>& silences, Timestamp now);

// Parses the body of POST /api/v1/silences:
//   {"monitor" (required), "feature"?, "statistic"?, "starts_at"? (RFC 3339, default now),
//    "ends_at" (required, RFC 3339, after now and after starts_at), "comment" (required,
//    non-empty), "created_by"?}
// Throws std::invalid_argument with a message fit for a 400 answer. Whether the monitor exists
// is for the caller to check (it knows the config).
Silence parse_silence_request(const std::string& body, Timestamp now, std::string id);

}  // namespace driftd::alerts
