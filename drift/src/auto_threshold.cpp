// Thresholds learned as mean + k·σ of a statistic over chunks of the reference.

#include "driftd/drift/auto_threshold.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <stdexcept>

#include "driftd/drift/catalog.hpp"
#include "driftd/drift/evaluation.hpp"
#include "numeric.hpp"

namespace driftd::drift {
namespace {

void check(std::size_t chunks, std::string_view statistic, FeatureKind kind,
           const ThresholdLearningOptions& options) {
  if (chunks < 2) {
    throw std::invalid_argument("learning a threshold needs at least 2 chunks, got " +
                                std::to_string(chunks));
  }
  if (!learnable_statistic(statistic, kind)) {
    throw std::invalid_argument("no threshold can be learned for the " +
                                std::string(to_string(kind)) + " statistic '" +
                                std::string(statistic) + "'");
  }
  if (!std::isfinite(options.k) || options.k < 0) {
    throw std::invalid_argument("k must be finite and >= 0, got " + std::to_string(options.k));
  }
  if (options.bins < 1) throw std::invalid_argument("bins must be at least 1");
}

// The statistics that are a share of a chunk's rows.
bool rate_statistic(std::string_view statistic) {
  const StatisticInfo* s = find_statistic(statistic);
  return s != nullptr && s->rate;
}

// The least σ a level may use, n the rows of a typical chunk. A rate measured on n rows has at
// least the binomial sampling noise sqrt(p(1 − p)/n), p no less than one row's share 1/n: chunks
// that happen to agree (a feature never NULL in the reference: every missing_rate 0, σ 0) must
// not make one odd row in a window a breach. For the divergences a σ of 0 means every chunk gave
// the same value (a constant feature): the spread tells nothing, and the least change a
// chunk-sized window can show, one row of n, stands in for it.
double stddev_floor(std::string_view statistic, double mean, double stddev, double n) {
  if (n < 1) return 0;
  if (rate_statistic(statistic)) {
    const double p = std::clamp(std::max(mean, 1 / n), 0.0, 1.0);
    return std::sqrt(p * (1 - p) / n);
  }
  return stddev == 0 ? 1 / n : 0;
}

// mean + k·max(σ, floor) of the defined chunk values; nullopt with fewer than two. `rows`: each
// chunk's rows, missing included.
std::optional<LearnedThreshold> summarise(std::string_view statistic,
                                          std::vector<std::optional<double>> values,
                                          const std::vector<std::uint64_t>& rows, double k) {
  std::vector<double> defined;
  std::vector<std::uint64_t> defined_rows;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!values[i]) continue;
    defined.push_back(*values[i]);
    defined_rows.push_back(rows[i]);
  }
  if (defined.size() < 2) return std::nullopt;
  LearnedThreshold t;
  t.statistic = std::string(statistic);
  t.chunk_values = std::move(values);
  t.chunks_used = defined.size();
  const double n = static_cast<double>(defined.size());
  t.mean = detail::pairwise_sum(0, defined.size(), [&](std::size_t i) { return defined[i]; }) / n;
  const double ss = detail::pairwise_sum(0, defined.size(), [&](std::size_t i) {
    const double d = defined[i] - t.mean;
    return d * d;
  });
  t.stddev = std::sqrt(ss / (n - 1));
  // The median chunk's rows (the upper median: deterministic, and a real chunk's size).
  std::nth_element(defined_rows.begin(), defined_rows.begin() + defined_rows.size() / 2,
                   defined_rows.end());
  t.chunk_rows = defined_rows[defined_rows.size() / 2];
  const double floor = stddev_floor(statistic, t.mean, t.stddev, static_cast<double>(t.chunk_rows));
  t.threshold = t.mean + k * std::max(t.stddev, floor);
  return t;
}

// The non-missing values of the chunks selected by `take`, as one sorted sample.
template <typename Take>
SortedSample merge_samples(const std::vector<SortedSample>& chunks, const Take& take) {
  std::vector<double> all;
  std::size_t total = 0;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    if (take(i)) total += chunks[i].values.size();
  }
  all.reserve(total);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    if (take(i)) all.insert(all.end(), chunks[i].values.begin(), chunks[i].values.end());
  }
  return sort_values(std::move(all));
}

template <typename Take>
CategoryCounts merge_counts(const std::vector<CategoryCounts>& chunks, const Take& take) {
  std::map<std::string, std::uint64_t> counts;
  CategoryCounts out;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    if (!take(i)) continue;
    const auto& c = chunks[i];
    for (std::size_t j = 0; j < c.categories.size(); ++j) counts[c.categories[j]] += c.counts[j];
    out.rows += c.rows;
    out.missing += c.missing;
  }
  for (auto& [category, count] : counts) {
    out.categories.push_back(category);
    out.counts.push_back(count);
  }
  return out;
}

// Runs `value_of(baseline, chunk)` for every chunk against its baseline.
template <typename Chunk, typename Freeze, typename Merge, typename Compare>
std::vector<std::optional<double>> chunk_values(const std::vector<Chunk>& chunks,
                                                std::string_view statistic, ChunkBaseline baseline,
                                                const Freeze& freeze, const Merge& merge,
                                                const Compare& compare) {
  std::vector<std::optional<double>> values(chunks.size());
  if (baseline == ChunkBaseline::whole_reference) {
    const auto frozen = freeze(merge(chunks, [](std::size_t) { return true; }));
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      values[i] = compare(frozen, chunks[i]).get(statistic);
    }
  } else {
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      const auto frozen = freeze(merge(chunks, [i](std::size_t j) { return j != i; }));
      values[i] = compare(frozen, chunks[i]).get(statistic);
    }
  }
  return values;
}

}  // namespace

std::optional<LearnedThreshold> learn_threshold(const std::vector<SortedSample>& chunks,
                                                std::string_view statistic,
                                                const ThresholdLearningOptions& options) {
  check(chunks.size(), statistic, FeatureKind::numerical, options);
  auto values = chunk_values(
      chunks, statistic, options.baseline,
      [&](SortedSample s) { return freeze_numerical(std::move(s), options.bins); },
      [](const auto& c, const auto& take) { return merge_samples(c, take); },
      [](const FrozenNumerical& f, const SortedSample& s) { return compare_numerical(f, s); });
  std::vector<std::uint64_t> rows;
  for (const auto& c : chunks) rows.push_back(c.rows);
  return summarise(statistic, std::move(values), rows, options.k);
}

std::optional<LearnedThreshold> learn_threshold(const std::vector<CategoryCounts>& chunks,
                                                std::string_view statistic,
                                                const ThresholdLearningOptions& options) {
  check(chunks.size(), statistic, FeatureKind::categorical, options);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    if (chunks[i].categories.size() != chunks[i].counts.size()) {
      throw std::invalid_argument("chunk " + std::to_string(i) +
                                  " has categories and counts of different lengths");
    }
  }
  auto values = chunk_values(
      chunks, statistic, options.baseline,
      [](CategoryCounts c) { return freeze_categorical(std::move(c)); },
      [](const auto& c, const auto& take) { return merge_counts(c, take); },
      [](const FrozenCategorical& f, const CategoryCounts& c) {
        return compare_categorical(f, c);
      });
  std::vector<std::uint64_t> rows;
  for (const auto& c : chunks) rows.push_back(c.rows);
  return summarise(statistic, std::move(values), rows, options.k);
}

namespace {

// [begin, end) of chunk c when n rows are cut into k chunks.
std::pair<std::size_t, std::size_t> chunk_range(std::size_t n, std::size_t k, std::size_t c) {
  const std::size_t base = n / k, extra = n % k;
  const std::size_t begin = c * base + std::min(c, extra);
  return {begin, begin + base + (c < extra ? 1 : 0)};
}

void check_chunks(std::size_t chunks) {
  if (chunks == 0) throw std::invalid_argument("the number of chunks must be at least 1");
}

}  // namespace

std::vector<SortedSample> split_numerical(std::span<const double> rows, std::size_t chunks) {
  check_chunks(chunks);
  std::vector<SortedSample> out;
  out.reserve(chunks);
  for (std::size_t c = 0; c < chunks; ++c) {
    const auto [begin, end] = chunk_range(rows.size(), chunks, c);
    out.push_back(
        sort_values(std::vector<double>(rows.begin() + static_cast<std::ptrdiff_t>(begin),
                                        rows.begin() + static_cast<std::ptrdiff_t>(end))));
  }
  return out;
}

std::vector<CategoryCounts> split_categorical(const std::vector<std::optional<std::string>>& rows,
                                              std::size_t chunks) {
  check_chunks(chunks);
  std::vector<CategoryCounts> out;
  out.reserve(chunks);
  for (std::size_t c = 0; c < chunks; ++c) {
    const auto [begin, end] = chunk_range(rows.size(), chunks, c);
    out.push_back(count_values(
        std::vector<std::optional<std::string>>(rows.begin() + static_cast<std::ptrdiff_t>(begin),
                                                rows.begin() + static_cast<std::ptrdiff_t>(end))));
  }
  return out;
}

}  // namespace driftd::drift
