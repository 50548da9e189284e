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
  // numerical: "(-inf, 1.5]", "(1.5, 2.25]", "(7.5, +inf)", a point mass "[42, 42]" with its
  // neighbours "(-inf, 42)" and "(42, +inf)"; categorical: the value
  std::string bin;
  double reference_share = 0;
  double current_share = 0;
  double psi = 0;  // this bin's term of the PSI sum
};

// The two distributions compared, for reports: the share of each window's non-missing values in
// each bin (unsmoothed proportions r_j, c_j of CONTRACT section 5). Empty when the distribution is
// undefined (either window has no non-missing value).
struct BinShares {
  // Numerical: the reference's bin edges and its point masses (a subset of the edges, each a bin
  // of its own: bin_label names them), so reference.size() == edges.size() +
  // point_masses.size() + 1.
  std::vector<double> edges;
  std::vector<double> point_masses;
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
  // Ascending and distinct: the reference quantiles i/bins and the point masses.
  std::vector<double> edges;
  // The edges with a bin of their own (ascending, a subset of `edges`): see point_masses().
  std::vector<double> point_masses;
  std::vector<std::uint64_t> counts;  // edges.size() + point_masses.size() + 1 bins
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

// Building blocks, exposed for tests and for checking stored references.
// The reference quantiles at i/bins, i = 1..bins-1, duplicates removed (empty when bins < 2).
std::vector<double> quantile_edges(const std::vector<double>& sorted, int bins);
double quantile_sorted(const std::vector<double>& sorted, double q);  // numpy 'linear'
// The values of an ascending reference that carry a point mass and so get a bin of their own,
// ascending: with bins >= 2, every value that occurs at least twice and either makes up more
// than 1/bins of the reference (count · bins > size) or belongs to a reference of at most `bins`
// distinct values. O(bins · log size).
std::vector<double> point_masses(const std::vector<double>& sorted, int bins);
// quantile_edges() and the point masses merged: the edges of a reference's bins.
std::vector<double> bin_edges(const std::vector<double>& sorted, int bins,
                              const std::vector<double>& point_masses);
// Values per bin of an ascending sample. A plain edge e closes the bin below it, which holds
// e itself (prev < v <= e, numpy searchsorted side='left'); a point mass e (also in `edges`)
// makes two bins, prev < v < e and v == e, and the next bin starts above it. So
// edges.size() + point_masses.size() + 1 bins.
std::vector<std::uint64_t> bin_counts(const std::vector<double>& sorted,
                                      const std::vector<double>& edges,
                                      const std::vector<double>& point_masses = {});
// The label of bin j of those edges: "(-inf, 1.5]", "(1.5, 42)", "[42, 42]", "(42, +inf)",
// each edge written by `format` (default: the shortest text that reads back as the same double,
// as the top contributors name their bins).
std::string bin_label(const std::vector<double>& edges, const std::vector<double>& point_masses,
                      std::size_t j, std::string (*format)(double) = nullptr);
double kolmogorov_sf(double x);  // scipy.stats.kstwobign.sf
double chi2_sf(double x, double dof);

}  // namespace driftd::drift
