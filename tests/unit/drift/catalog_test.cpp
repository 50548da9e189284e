// The catalog of statistics: every statistic the functions produce is in it, in its order, and
// what it says of each (kinds, learnable) is what the functions do.

#include "driftd/drift/catalog.hpp"

#include <catch2/catch.hpp>
#include <set>

#include "driftd/drift/auto_threshold.hpp"
#include "driftd/drift/statistics.hpp"

using namespace driftd::drift;

namespace {

// The names of `values` are catalog statistics of `section`, in increasing catalog order.
void check_in_catalog_order(const std::vector<std::pair<std::string, double>>& values,
                            Section section) {
  std::size_t previous = 0;
  bool first = true;
  for (const auto& [name, value] : values) {
    INFO(name);
    const StatisticInfo* s = find_statistic(name);
    REQUIRE(s != nullptr);
    CHECK(s->section == section);
    const std::size_t rank = statistic_rank(name);
    if (!first) CHECK(rank > previous);
    previous = rank;
    first = false;
  }
}

SortedSample numbers(std::size_t n, double offset) {
  std::vector<double> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(static_cast<double>(i % 97) + offset);
  return sort_values(std::move(v));
}

}  // namespace

TEST_CASE("the statistics functions produce catalog statistics in catalog order") {
  const auto ref = freeze_numerical(numbers(1000, 0), 10);
  const FeatureStatistics num = compare_numerical(ref, numbers(800, 3));
  check_in_catalog_order(num.values, Section::feature);
  for (const auto& [name, value] : num.values) {
    CHECK(find_statistic(name)->numerical);
  }
  std::vector<std::optional<std::string>> a, b;
  for (int i = 0; i < 300; ++i) {
    a.push_back(i % 3 == 0 ? "x" : "y");
    b.push_back(i % 5 == 0 ? std::optional<std::string>() : std::optional<std::string>("z"));
  }
  const FeatureStatistics cat =
      compare_categorical(freeze_categorical(count_values(a)), count_values(b));
  check_in_catalog_order(cat.values, Section::feature);
  for (const auto& [name, value] : cat.values) CHECK(find_statistic(name)->categorical);
  check_in_catalog_order(confidence_statistics(numbers(100, 0), 0.6).values, Section::confidence);
}

TEST_CASE("the catalog: unique names, CONTRACT first, subjects of the sections") {
  std::set<std::string_view> names;
  for (const auto& s : statistics()) CHECK(names.insert(s.name).second);
  CHECK(statistics().front().name == "psi");
  CHECK(statistic_rank("psi") < statistic_rank("median_shift_sigmas"));
  CHECK(statistic_rank("no_such_statistic") == statistics().size());
  CHECK(find_statistic("no_such_statistic") == nullptr);
  // The champion / challenger divergences are derived from every feature statistic.
  for (const auto& s : statistics()) {
    if (s.section != Section::feature) continue;
    const auto* derived = find_statistic("prediction_" + std::string(s.name));
    REQUIRE(derived != nullptr);
    CHECK(derived->section == Section::challenger);
    CHECK_FALSE(derived->learnable);
  }
  CHECK(subject_name(Section::performance) == kPerformanceName);
  CHECK(subject_name(Section::feature).empty());
  CHECK(learnable_statistic("median_shift_sigmas", FeatureKind::numerical));
  CHECK_FALSE(learnable_statistic("median_shift_sigmas", FeatureKind::categorical));
  CHECK_FALSE(learnable_statistic("ks_pvalue", FeatureKind::numerical));
}

TEST_CASE("median_shift_sigmas: the medians' distance in reference standard deviations") {
  // reference 1..9 (median 5, population σ = sqrt(20/3)), current 3..11 shifted by 2 (median 7);
  // an outlier moves the mean, not the median.
  std::vector<double> r{1, 2, 3, 4, 5, 6, 7, 8, 9};
  std::vector<double> c{3, 4, 5, 6, 7, 8, 9, 10, 1000};
  const auto ref = freeze_numerical(sort_values(r), 4);
  const FeatureStatistics st = compare_numerical(ref, sort_values(c));
  const double sigma = std::sqrt(20.0 / 3.0);
  REQUIRE(st.get("median_shift_sigmas"));
  CHECK(*st.get("median_shift_sigmas") == Approx(2.0 / sigma).epsilon(1e-12));
  CHECK(*st.get("mean_shift_sigmas") > 40);
  // Even-sized windows: the median interpolates (numpy's linear quantile).
  const FeatureStatistics even =
      compare_numerical(ref, sort_values(std::vector<double>{5, 6, 7, 8}));
  CHECK(*even.get("median_shift_sigmas") == Approx(1.5 / sigma).epsilon(1e-12));
  // A constant reference: σ floored at 0.001, as mean_shift_sigmas.
  const auto flat = freeze_numerical(sort_values(std::vector<double>(10, 2.0)), 4);
  CHECK(*compare_numerical(flat, sort_values(std::vector<double>{2.5, 2.5}))
             .get("median_shift_sigmas") == Approx(500).epsilon(1e-9));
}
