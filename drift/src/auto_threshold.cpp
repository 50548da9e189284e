// Thresholds learned as mean + k·σ of a statistic over chunks of the reference.

#include "driftd/drift/auto_threshold.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <stdexcept>

#include "driftd/drift/evaluation.hpp"
#include "numeric.hpp"

namespace driftd::drift {
namespace {

constexpr std::array<std::string_view, 10> kNumerical{"psi",
                                                      "kl_divergence",
                                                      "js_distance",
                                                      "hellinger",
                                                      "ks_statistic",
                                                      "wasserstein_normed",
                                                      "mean_shift_sigmas",
                                                      "missing_rate",
                                                      "out_of_range_rate",
                                                      "invalid_rate"};
constexpr std::array<std::string_view, 7> kCategorical{
    "psi",          "kl_divergence",    "js_distance", "hellinger", "chi2_statistic",
    "missing_rate", "new_category_rate"};

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

// mean + k·σ of the defined chunk values; nullopt with fewer than two.
std::optional<LearnedThreshold> summarise(std::string_view statistic,
                                          std::vector<std::optional<double>> values, double k) {
  std::vector<double> defined;
  for (const auto& v : values) {
    if (v) defined.push_back(*v);
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
  t.threshold = t.mean + k * t.stddev;
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

bool learnable_statistic(std::string_view statistic, FeatureKind kind) {
  if (kind == FeatureKind::numerical) {
    return std::find(kNumerical.begin(), kNumerical.end(), statistic) != kNumerical.end();
  }
  return std::find(kCategorical.begin(), kCategorical.end(), statistic) != kCategorical.end();
}

std::optional<LearnedThreshold> learn_threshold(const std::vector<SortedSample>& chunks,
                                                std::string_view statistic,
                                                const ThresholdLearningOptions& options) {
  check(chunks.size(), statistic, FeatureKind::numerical, options);
  auto values = chunk_values(
      chunks, statistic, options.baseline,
      [&](SortedSample s) { return freeze_numerical(std::move(s), options.bins); },
      [](const auto& c, const auto& take) { return merge_samples(c, take); },
      [](const FrozenNumerical& f, const SortedSample& s) { return compare_numerical(f, s); });
  return summarise(statistic, std::move(values), options.k);
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
  return summarise(statistic, std::move(values), options.k);
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
