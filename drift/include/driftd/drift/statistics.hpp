#pragma once
// Statistics of one feature (CONTRACT section 5): numerical, categorical and confidence.
// Every function here is pure and thread-compatible (distinct objects may be used concurrently).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "driftd/drift/window.hpp"

namespace driftd::drift {

inline constexpr double kEpsilon = 1e-4;

// Non-missing values of a numerical column sorted ascending, with the counts needed for the
// data-quality statistics and the population moments of the values.
struct SortedSample {
  std::vector<double> values;
  std::uint64_t rows = 0;     // all rows, missing included
  std::uint64_t missing = 0;  // NULL, NaN, ±Infinity, absent key, invalid
  std::uint64_t invalid = 0;  // the part of `missing` that was present but not a number
  double mean = 0;            // of `values`; 0 when empty
  double stddev = 0;          // population standard deviation of `values`; 0 when empty
};

// Sorts a column (LSD radix sort on the IEEE-754 bit patterns), dropping and counting missing
// values. Consumes the column's memory as it goes.
SortedSample sort_column(NumericalColumn&& column);
SortedSample sort_values(std::vector<double> values);  // convenience for tests and small inputs

// Category counts of a window, categories sorted bytewise.
struct CategoryCounts {
  std::vector<std::string> categories;
  std::vector<std::uint64_t> counts;
  std::uint64_t rows = 0;
  std::uint64_t missing = 0;
};
CategoryCounts count_categories(CategoricalColumn&& column);
CategoryCounts count_values(const std::vector<std::optional<std::string>>& values);

// A bin or category contributing to PSI, for alerts and the API.
struct Contributor {
  std::string
      bin;  // numerical: "(-inf, 1.5]", "(1.5, 2.25]", "(7.5, +inf)"; categorical: the value
  double reference_share = 0;
  double current_share = 0;
  double psi = 0;  // this bin's term of the PSI sum
};

// The two distributions compared, for reports: the share of each window's non-missing values in
// each bin (unsmoothed proportions r_j, c_j of CONTRACT section 5). Empty when the distribution is
// undefined (either window has no non-missing value).
struct BinShares {
  // Numerical: the reference's bin edges; bin j holds edges[j-1] < v <= edges[j], the outer bins
  // open, so reference.size() == edges.size() + 1.
  std::vector<double> edges;
  // Categorical: at most kReportCategories categories, those with the largest share in either
  // window first (ties in byte order); reference.size() == categories.size().
  std::vector<std::string> categories;
  std::vector<double> reference;
  std::vector<double> current;
  // Categorical: the categories beyond those, together.
  std::uint64_t other_categories = 0;
  double other_reference = 0;
  double other_current = 0;
  bool empty() const { return reference.empty(); }
};
inline constexpr std::size_t kReportCategories = 20;

// The statistics of one feature. `values` holds only defined statistics, in a stable order;
// an undefined statistic is absent (never NaN).
struct FeatureStatistics {
  std::vector<std::pair<std::string, double>> values;
  std::vector<Contributor> top_contributors;  // by |psi term|, at most kTopContributors
  BinShares bins;
  std::uint64_t reference_count = 0;  // non-missing values compared
  std::uint64_t current_count = 0;
  bool distribution_defined = false;  // false when either side has no non-missing value
  std::optional<double> get(std::string_view name) const;
};
inline constexpr std::size_t kTopContributors = 3;

// Everything needed from a numerical reference window, computed once.
struct FrozenNumerical {
  SortedSample sample;
  std::vector<double> edges;          // reference quantiles i/bins, duplicates removed
  std::vector<std::uint64_t> counts;  // edges.size() + 1 bins
  int bins = 10;
};
FrozenNumerical freeze_numerical(SortedSample reference, int bins);
FeatureStatistics compare_numerical(const FrozenNumerical& reference, const SortedSample& current);

struct FrozenCategorical {
  CategoryCounts counts;
};
FrozenCategorical freeze_categorical(CategoryCounts reference);
FeatureStatistics compare_categorical(const FrozenCategorical& reference,
                                      const CategoryCounts& current);

struct ConfidenceStatistics {
  std::vector<std::pair<std::string, double>> values;  // mean, p10, p50, p90, low_confidence_rate
  std::uint64_t count = 0;
  std::optional<double> get(std::string_view name) const;
};
ConfidenceStatistics confidence_statistics(const SortedSample& sample, double low);

// Building blocks, exposed for tests.
std::vector<double> quantile_edges(const std::vector<double>& sorted, int bins);
double quantile_sorted(const std::vector<double>& sorted, double q);  // numpy 'linear'
// Values per bin of an ascending sample: bin j holds edges[j-1] < v <= edges[j] (numpy
// searchsorted side='left'), so edges.size() + 1 bins.
std::vector<std::uint64_t> bin_counts(const std::vector<double>& sorted,
                                      const std::vector<double>& edges);
double kolmogorov_sf(double x);  // scipy.stats.kstwobign.sf
double chi2_sf(double x, double dof);

}  // namespace driftd::drift
