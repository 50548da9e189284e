#pragma once
// Inline SVG charts. Each is an image with a text alternative (role="img" and a title); the bars
// also come as a table, so nothing is told by the drawing alone. Sizes are in viewBox units: the
// charts scale to their container (phones included).

#include <optional>
#include <string_view>
#include <vector>

#include "driftd/drift/sources.hpp"
#include "driftd/drift/statistics.hpp"
#include "html.hpp"

namespace driftd::ui::detail {

// Reference vs current share per bin (numerical: the reference-quantile bins, labelled by their
// edges) or per category (the report's categories, then "other"), then the same as a table with
// each bin's PSI term. `id` is unique in the page.
void distribution_chart(Html& h, const drift::BinShares& bins, bool numerical,
                        std::string_view subject, std::string_view id);

// A small line of the values, the threshold dashed: for a table cell.
void sparkline(Html& h, const std::vector<drift::StatisticPoint>& points,
               std::optional<double> threshold, bool below, std::string_view label);

// Values over [from, to] with the threshold dashed and the points beyond it marked.
void history_chart(Html& h, const std::vector<drift::StatisticPoint>& points,
                   std::optional<double> threshold, bool below, Timestamp from, Timestamp to,
                   std::string_view label);

// Bin j of a numerical feature's bins, "(-inf, 1.5]", "(1.5, 42)", "[42, 42]", "(7.5, +inf)",
// with six significant digits (bin_name) or exactly, as drift names the top contributors' bins
// (exact_bin_name).
std::string bin_name(const drift::BinShares& bins, std::size_t j);
std::string exact_bin_name(const drift::BinShares& bins, std::size_t j);

}  // namespace driftd::ui::detail
