#pragma once
// Per-segment drift: the rows of both windows grouped by the value of a segment column (country,
// device...), the `max` values with the most current-window rows each on their own and every
// other value together as "__other__", each group compared with the reference rows of the same
// group by the same pipeline as the whole window (prepare, freeze, compare).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "driftd/drift/evaluation.hpp"
#include "driftd/drift/window.hpp"

namespace driftd::drift {

// The segment of the rows whose segment value is missing (NULL): a segment like any other,
// ranked by its rows; a real value spelt "__missing__" (or "__other__") joins that segment.
inline constexpr std::string_view kMissingSegment = "__missing__";

// A window's rows with their segment, kept apart from the columns the overall statistics consume.
struct SegmentedRows {
  CategoricalColumn segment;  // one id per row
  WindowData rows;            // a copy of the spec's columns (same from, to, rows, sampling)
};

// Copies the first `main_columns` columns of `data` and the segment column (categorical, one value
// per row of `data`). Throws std::invalid_argument when the segment column is not categorical or
// its length differs from the window's.
SegmentedRows segmented_rows(const WindowData& data, std::size_t main_columns,
                             const Column& segment);

// The segments the current window's rows rank highest, largest first (ties by name), at most
// `max` of them; every other value belongs to kOtherSegment.
std::vector<std::string> top_segments(const CategoricalColumn& current, std::size_t max);

// Sets e.segment_column and e.segments: one SegmentResult per top segment (in top_segments'
// order) and, when any row of either window falls outside them, one for kOtherSegment last.
// Each is `compare` of the segment's current rows against its reference rows with `spec` (without
// dataset drift), so min_rows applies per segment (insufficient_data). Learned (`auto`)
// thresholds apply to the overall features only: a segment has no learned level, so they never
// breach there. The overall statistics stay as they are; a segment that drifts makes an `ok`
// evaluation `drift` (as a breach in any section does). Consumes the rows. Deterministic.
void add_segments(Evaluation& e, const EvaluationSpec& spec, const std::string& column,
                  std::size_t max, SegmentedRows&& current, SegmentedRows&& reference,
                  const ParallelFor& pf);

}  // namespace driftd::drift
