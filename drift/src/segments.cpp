// Per-segment drift: partition both windows' rows once, then one compare per segment.

#include "driftd/drift/segments.hpp"

#include <algorithm>
#include <exception>
#include <limits>
#include <stdexcept>
#include <unordered_map>

#include "tasks.hpp"

namespace driftd::drift {
namespace {

using detail::run_tasks;

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

Column empty_like(const Column& c) {
  if (std::holds_alternative<NumericalColumn>(c)) return NumericalColumn{};
  return CategoricalColumn{};
}

// The group of every row: index into the top segments, or `other` for the rest.
std::vector<std::uint32_t> groups_of(const CategoricalColumn& segment,
                                     const std::unordered_map<std::string, std::uint32_t>& index,
                                     std::uint32_t other) {
  std::vector<std::uint32_t> of_id(segment.dictionary.size(), other);
  for (std::size_t i = 0; i < segment.dictionary.size(); ++i) {
    if (auto it = index.find(segment.dictionary[i]); it != index.end()) of_id[i] = it->second;
  }
  std::uint32_t missing = other;
  if (auto it = index.find(std::string(kMissingSegment)); it != index.end()) missing = it->second;
  std::vector<std::uint32_t> out;
  out.reserve(segment.ids.size());
  for (std::size_t r = 0; r < segment.ids.size(); ++r) {
    const auto id = segment.ids[r];
    out.push_back(id == CategoricalColumn::kMissingCategory ? missing : of_id[id]);
  }
  return out;
}

// Splits `rows` into `groups` windows by `group` (one per row), releasing each source column once
// it is distributed. Categories are interned again per group, so a group's dictionary holds only
// its own categories.
std::vector<WindowData> partition(WindowData&& rows, const std::vector<std::uint32_t>& group,
                                  std::size_t groups) {
  std::vector<WindowData> out(groups);
  for (auto& g : out) {
    g.from = rows.from;
    g.to = rows.to;
    g.sampled = rows.sampled;
    g.columns.reserve(rows.columns.size());
    for (const auto& c : rows.columns) g.columns.push_back(empty_like(c));
  }
  for (std::uint32_t g : group) ++out[g].rows;
  for (auto& g : out) g.rows_in_window = g.rows;
  for (std::size_t c = 0; c < rows.columns.size(); ++c) {
    if (auto* num = std::get_if<NumericalColumn>(&rows.columns[c])) {
      for (std::size_t r = 0; r < group.size(); ++r) {
        std::get<NumericalColumn>(out[group[r]].columns[c]).values.push_back(num->values[r]);
      }
    } else {
      auto& cat = std::get<CategoricalColumn>(rows.columns[c]);
      std::vector<std::vector<std::uint32_t>> remap(groups);
      for (std::size_t r = 0; r < group.size(); ++r) {
        auto& dst = std::get<CategoricalColumn>(out[group[r]].columns[c]);
        const auto id = cat.ids[r];
        if (id == CategoricalColumn::kMissingCategory) {
          dst.ids.push_back(id);
          continue;
        }
        auto& m = remap[group[r]];
        if (m.empty()) m.assign(cat.dictionary.size(), kNone);
        if (m[id] == kNone) {
          m[id] = static_cast<std::uint32_t>(dst.dictionary.size());
          dst.dictionary.push_back(cat.dictionary[id]);
        }
        dst.ids.push_back(m[id]);
      }
    }
    rows.columns[c] = empty_like(rows.columns[c]);  // free the source column
  }
  return out;
}

CategoricalColumn copy_categorical(const CategoricalColumn& cat) {
  CategoricalColumn out;
  out.dictionary = cat.dictionary;
  for (std::size_t i = 0; i < cat.ids.size(); ++i) out.ids.push_back(cat.ids[i]);
  return out;
}

Column copy_column(const Column& from) {
  if (const auto* num = std::get_if<NumericalColumn>(&from)) {
    NumericalColumn out;
    for (std::size_t i = 0; i < num->values.size(); ++i) out.values.push_back(num->values[i]);
    return out;
  }
  return copy_categorical(std::get<CategoricalColumn>(from));
}

}  // namespace

SegmentedRows segmented_rows(const WindowData& data, std::size_t main_columns,
                             const Column& segment) {
  const auto* seg = std::get_if<CategoricalColumn>(&segment);
  if (seg == nullptr) throw std::invalid_argument("the segment column must be categorical");
  if (seg->ids.size() != data.rows) {
    throw std::invalid_argument("the segment column has " + std::to_string(seg->ids.size()) +
                                " values for " + std::to_string(data.rows) + " rows");
  }
  if (main_columns > data.columns.size()) {
    throw std::invalid_argument("the window has fewer columns than the evaluation spec");
  }
  SegmentedRows out;
  out.segment = copy_categorical(*seg);
  out.rows.from = data.from;
  out.rows.to = data.to;
  out.rows.rows = data.rows;
  out.rows.rows_in_window = data.rows_in_window;
  out.rows.sampled = data.sampled;
  out.rows.columns.reserve(main_columns);
  for (std::size_t c = 0; c < main_columns; ++c)
    out.rows.columns.push_back(copy_column(data.columns[c]));
  return out;
}

std::vector<std::string> top_segments(const CategoricalColumn& current, std::size_t max) {
  // Counted by name: a value spelt like kMissingSegment joins the missing values.
  std::vector<std::uint64_t> per_id(current.dictionary.size(), 0);
  std::uint64_t missing = 0;
  for (std::size_t r = 0; r < current.ids.size(); ++r) {
    const auto id = current.ids[r];
    if (id == CategoricalColumn::kMissingCategory) {
      ++missing;
    } else {
      ++per_id[id];
    }
  }
  std::unordered_map<std::string, std::uint64_t> counts;
  for (std::size_t i = 0; i < per_id.size(); ++i) {
    if (per_id[i] > 0) counts[current.dictionary[i]] += per_id[i];
  }
  if (missing > 0) counts[std::string(kMissingSegment)] += missing;
  counts.erase(std::string(kOtherSegment));  // never a segment of its own
  std::vector<std::pair<std::string, std::uint64_t>> ranked(counts.begin(), counts.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < ranked.size() && i < max; ++i) out.push_back(ranked[i].first);
  return out;
}

void add_segments(Evaluation& e, const EvaluationSpec& spec, const std::string& column,
                  std::size_t max, SegmentedRows&& current, SegmentedRows&& reference,
                  const ParallelFor& pf) {
  e.segment_column = column;
  e.segments.clear();
  const std::vector<std::string> top = top_segments(current.segment, max);
  std::unordered_map<std::string, std::uint32_t> index;
  for (std::size_t i = 0; i < top.size(); ++i) index.emplace(top[i], static_cast<std::uint32_t>(i));
  const auto other = static_cast<std::uint32_t>(top.size());
  const std::size_t groups = top.size() + 1;

  const auto cur_group = groups_of(current.segment, index, other);
  const auto ref_group = groups_of(reference.segment, index, other);
  current.segment = CategoricalColumn{};
  reference.segment = CategoricalColumn{};
  std::vector<WindowData> cur = partition(std::move(current.rows), cur_group, groups);
  std::vector<WindowData> ref = partition(std::move(reference.rows), ref_group, groups);
  // "__other__" only when some row belongs to it.
  const std::size_t used = cur[other].rows + ref[other].rows > 0 ? groups : top.size();

  EvaluationSpec segment_spec = spec;
  segment_spec.dataset_drift.reset();  // a monitor-level section
  std::vector<SegmentResult> results(used);
  run_tasks(pf, used, [&](std::size_t g) {
    FrozenReference frozen =
        freeze(segment_spec, prepare_window(segment_spec, std::move(ref[g]), serial_for));
    const PreparedWindow prepared = prepare_window(segment_spec, std::move(cur[g]), serial_for);
    Evaluation s = compare(segment_spec, frozen, prepared, e.evaluated_at, serial_for);
    SegmentResult& r = results[g];
    r.segment = g < top.size() ? top[g] : std::string(kOtherSegment);
    r.status = s.status;
    r.current_rows = s.current_window.rows;
    r.reference_rows = s.reference_window.rows;
    r.features = std::move(s.features);
    r.prediction = std::move(s.prediction);
    r.confidence = std::move(s.confidence);
  });
  e.segments = std::move(results);
  // As a breach of any section: a drifting segment makes an `ok` evaluation `drift`.
  const bool any_drift = std::any_of(e.segments.begin(), e.segments.end(),
                                     [](const auto& s) { return s.status == Status::drift; });
  if (any_drift && e.status == Status::ok) e.status = Status::drift;
}

}  // namespace driftd::drift
