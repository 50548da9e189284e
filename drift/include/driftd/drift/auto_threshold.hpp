#pragma once
// Thresholds learned from the reference period itself (issue 8, "adaptive thresholds").
//
// The reference rows of one column are split into K chunks (by time, by the caller; or in row
// order by split_numerical / split_categorical). Each chunk is compared with a baseline drawn from
// the reference, with the same statistics driftd computes for a monitor (freeze_numerical /
// compare_numerical, freeze_categorical / compare_categorical), which gives K values of a drift
// statistic measured while nothing drifted. The learned threshold is
//   threshold = mean + k·max(σ, floor)
// of those values, σ their sample standard deviation (denominator K' − 1, K' the chunks where the
// statistic is defined), and with n the rows of the median chunk (missing included):
//   rates (missing_rate, invalid_rate, out_of_range_rate, new_category_rate):
//     floor = sqrt(p(1 − p)/n), p = max(mean, 1/n): the binomial noise of a rate measured on n
//     rows, which chunks that happen to agree (all 0: a feature never NULL) cannot undercut;
//   divergences: floor = 1/n when σ = 0 (every chunk gave the same value: a constant feature),
//     one row of a chunk-sized window, else none.
// Without a floor a zero spread would make one odd row in a window a breach. Pure, deterministic
// (no randomness; the same chunks give the same bits) and thread-compatible.
//
// Choosing K: a chunk should be about as large as a current window, because every statistic's
// noise depends on the sizes compared (KS and chi-square most of all). The threshold is itself
// estimated from K values of a right-skewed statistic, so its false-alarm rate varies from one
// reference to the next: for PSI on normal data, windows as large as a chunk, k = 3, measured
// 3% on average with K = 10 (up to 16% for an unlucky reference) and 2% with K = 20 (up to 9%);
// prefer K ≥ 20 where the reference is large enough.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "driftd/drift/catalog.hpp"
#include "driftd/drift/statistics.hpp"
#include "driftd/drift/window.hpp"

namespace driftd::drift {

// What each chunk is compared with.
enum class ChunkBaseline {
  // The reference without the chunk (default): an honest stand-in for "a new window against the
  // reference", since a current window is never part of its reference. Costs one freeze per chunk.
  leave_one_out,
  // The whole reference, chunk included: one freeze, but each chunk is 1/K of its own baseline,
  // which biases every statistic low (by about a factor (K − 1)/K for the divergences).
  whole_reference,
};

struct ThresholdLearningOptions {
  double k = 3;   // σ multiplier, finite and ≥ 0
  int bins = 10;  // numerical columns: bins of the frozen baseline, as the monitor's `bins`
  ChunkBaseline baseline = ChunkBaseline::leave_one_out;
};

struct LearnedThreshold {
  std::string statistic;
  std::vector<std::optional<double>> chunk_values;  // per chunk, in chunk order; absent where the
                                                    // statistic is undefined (an empty chunk)
  std::uint64_t chunks_used = 0;                    // chunks with a value
  double mean = 0;
  double stddev = 0;             // sample standard deviation (n − 1) of the chunk values
  std::uint64_t chunk_rows = 0;  // rows of the median chunk with a value, missing included
  double threshold = 0;          // mean + k·max(stddev, floor); breach when a current value is
                                 // above it (the floor: see the top of this file)
};

// Which statistics a threshold can be learned for: learnable_statistic (catalog.hpp).

// Learns the threshold of `statistic` from the chunks of a numerical column (each chunk sorted,
// e.g. by sort_values / sort_column; missing values counted in it). nullopt when fewer than two
// chunks give a value. Throws std::invalid_argument for fewer than two chunks, a statistic that
// is not learnable, k negative or not finite, or bins < 1.
std::optional<LearnedThreshold> learn_threshold(const std::vector<SortedSample>& chunks,
                                                std::string_view statistic,
                                                const ThresholdLearningOptions& options = {});
// The same for a categorical column (each chunk's category counts, e.g. count_values).
std::optional<LearnedThreshold> learn_threshold(const std::vector<CategoryCounts>& chunks,
                                                std::string_view statistic,
                                                const ThresholdLearningOptions& options = {});

// Splits rows (in time order) into `chunks` contiguous chunks of as equal size as possible (the
// first rows.size() % chunks get one row more), sorted / counted. Throws std::invalid_argument
// for chunks = 0.
std::vector<SortedSample> split_numerical(std::span<const double> rows, std::size_t chunks);
std::vector<CategoryCounts> split_categorical(const std::vector<std::optional<std::string>>& rows,
                                              std::size_t chunks);

}  // namespace driftd::drift
