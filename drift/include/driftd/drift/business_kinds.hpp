#pragma once
// The kinds of business metrics and baselines (business.hpp), apart so that config can name them
// without the evaluation's headers.

#include <optional>
#include <string_view>

namespace driftd::drift {

enum class MetricKind { rate, mean, sum, ratio, count, sql };
std::string_view to_string(MetricKind k);
std::optional<MetricKind> parse_metric_kind(std::string_view s);

enum class BaselineKind { none, reference, hour_of_week };
std::string_view to_string(BaselineKind k);

}  // namespace driftd::drift
