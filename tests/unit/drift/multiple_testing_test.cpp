// Multiple-testing corrections against a published example and hand-computed values, their
// properties, and the dataset-drift share.

#include "driftd/drift/multiple_testing.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "driftd/drift/statistics.hpp"

using namespace driftd::drift;

namespace {

using Ps = std::vector<std::optional<double>>;

// The 15 p-values of Benjamini & Hochberg (1995, J. R. Statist. Soc. B 57:289, section 4.2), in
// ascending order. The paper: at level 0.05 Bonferroni rejects 3 hypotheses, the new (BH)
// procedure 4.
const Ps kBH1995{0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
                 0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000};

void check_values(const Ps& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    REQUIRE(got[i]);
    CHECK(*got[i] == Approx(want[i]).epsilon(1e-12).margin(1e-15));
  }
}

}  // namespace

TEST_CASE("corrections of Benjamini & Hochberg's 1995 example") {
  // By hand, m = 15, p sorted:
  //   BH:   m/j·p_j = .0015 .003 .0095 .035625 .0603 .0695 .063857 .0645 .0765 .486 .581182
  //         .714875 .753231 .813214 1, then the running minimum from the top (j = 6 takes
  //         .063857 from j = 7).
  //   Holm: (m − j + 1)·p_j = .0015 .0056 .0247 .114 .2211 .278 .2682 .2752 .3213 1.944 ...,
  //         capped at 1, then the running maximum from the bottom (j = 7, 8 take .278).
  //   Bonferroni: min(1, 15·p).
  check_values(
      adjust_p_values(kBH1995, PValueCorrection::benjamini_hochberg),
      {0.0015, 0.003, 0.0095, 0.035625, 0.0603, 15.0 / 7 * 0.0298, 15.0 / 7 * 0.0298, 0.0645,
       0.0765, 0.486, 15.0 / 11 * 0.4262, 0.714875, 15.0 / 13 * 0.6528, 15.0 / 14 * 0.7590, 1});
  check_values(
      adjust_p_values(kBH1995, PValueCorrection::holm),
      {0.0015, 0.0056, 0.0247, 0.114, 0.2211, 0.278, 0.278, 0.278, 0.3213, 1, 1, 1, 1, 1, 1});
  std::vector<double> bonferroni;
  for (const auto& p : kBH1995) bonferroni.push_back(std::min(1.0, 15 * *p));
  check_values(adjust_p_values(kBH1995, PValueCorrection::bonferroni), bonferroni);
  check_values(adjust_p_values(kBH1995, PValueCorrection::none),
               std::vector<double>{0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
                                   0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000});

  // The paper's counts at 0.05: BH 4, Bonferroni 3 (and Holm 3: .0095 > .05/12).
  CHECK(dataset_drift(kBH1995, PValueCorrection::benjamini_hochberg).drifted == 4);
  CHECK(dataset_drift(kBH1995, PValueCorrection::bonferroni).drifted == 3);
  CHECK(dataset_drift(kBH1995, PValueCorrection::holm).drifted == 3);
  CHECK(dataset_drift(kBH1995, PValueCorrection::none).drifted == 9);
}

TEST_CASE("a small example by hand, and the strict comparison with alpha") {
  // p = .01 .02 .03 .04 .05, m = 5: BH m/j·p_j = .05 for every j; Holm .05 .08 .09 .08 .05 ->
  // running maximum .05 .08 .09 .09 .09; Bonferroni .05 .1 .15 .2 .25.
  const Ps p{0.03, 0.01, 0.05, 0.02, 0.04};  // unsorted: results follow the input order
  check_values(adjust_p_values(p, PValueCorrection::benjamini_hochberg),
               {0.05, 0.05, 0.05, 0.05, 0.05});
  check_values(adjust_p_values(p, PValueCorrection::holm), {0.09, 0.05, 0.09, 0.08, 0.09});
  check_values(adjust_p_values(p, PValueCorrection::bonferroni), {0.15, 0.05, 0.25, 0.1, 0.2});
  // A feature drifts when its adjusted p-value is strictly below alpha.
  CHECK(dataset_drift(p, PValueCorrection::benjamini_hochberg, 0.05).drifted == 0);
  CHECK(dataset_drift(p, PValueCorrection::benjamini_hochberg, 0.06).drifted == 5);
}

TEST_CASE("properties of the corrections on random p-values") {
  std::mt19937_64 rng(GENERATE(1u, 2u, 3u, 4u, 5u, 6u));
  const std::size_t m = GENERATE(1u, 2u, 7u, 100u);
  std::uniform_real_distribution<double> u(0, 1);
  Ps p(m);
  for (auto& x : p) x = u(rng) < 0.3 ? u(rng) * 0.01 : u(rng);  // some small ones
  if (m > 3) p[1] = p[0];                                       // a tie
  const auto bh = adjust_p_values(p, PValueCorrection::benjamini_hochberg);
  const auto holm = adjust_p_values(p, PValueCorrection::holm);
  const auto bonf = adjust_p_values(p, PValueCorrection::bonferroni);
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return *p[a] < *p[b]; });
  for (std::size_t k = 0; k < m; ++k) {
    const std::size_t i = order[k];
    CAPTURE(k, *p[i]);
    CHECK(*bonf[i] == std::min(1.0, static_cast<double>(m) * *p[i]));
    CHECK(*bh[i] >= *p[i]);
    CHECK(*bh[i] <= 1.0);
    CHECK(*holm[i] >= *p[i]);
    CHECK(*bh[i] <= *holm[i] * (1 + 1e-15));  // BH ≤ Holm ≤ Bonferroni
    CHECK(*holm[i] <= *bonf[i]);
    if (k > 0) {  // monotone in the order of the raw p-values
      CHECK(*bh[i] >= *bh[order[k - 1]]);
      CHECK(*holm[i] >= *holm[order[k - 1]]);
    }
  }
  if (m > 3) {
    CHECK(*bh[0] == *bh[1]);  // ties get equal values
    CHECK(*holm[0] == *holm[1]);
  }
  // Permuting the input permutes the output.
  Ps shuffled = p;
  std::vector<std::size_t> perm(m);
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), rng);
  for (std::size_t k = 0; k < m; ++k) shuffled[k] = p[perm[k]];
  const auto bh2 = adjust_p_values(shuffled, PValueCorrection::benjamini_hochberg);
  for (std::size_t k = 0; k < m; ++k) CHECK(*bh2[k] == *bh[perm[k]]);
  // A single test is never adjusted.
  if (m == 1) CHECK(*bh[0] == *p[0]);
}

TEST_CASE("absent and NaN p-values stay absent and do not count among the tests") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Ps p{0.01, std::nullopt, 0.04, nan};
  const auto adj = adjust_p_values(p, PValueCorrection::bonferroni);
  REQUIRE(adj.size() == 4);
  CHECK(*adj[0] == 0.02);  // m = 2
  CHECK_FALSE(adj[1]);
  CHECK(*adj[2] == 0.08);
  CHECK_FALSE(adj[3]);
  const auto d = dataset_drift(p, PValueCorrection::bonferroni);
  CHECK(d.tested == 2);
  CHECK(d.drifted == 1);
  CHECK(d.share.value() == 0.5);
  CHECK(d.feature_drifted == std::vector<bool>{true, false, false, false});
}

TEST_CASE("dataset drift with nothing to test, and invalid input") {
  const auto d = dataset_drift({}, PValueCorrection::benjamini_hochberg);
  CHECK(d.tested == 0);
  CHECK_FALSE(d.share);
  const auto none = dataset_drift({std::nullopt}, PValueCorrection::holm);
  CHECK(none.tested == 0);
  CHECK_FALSE(none.share);
  CHECK_THROWS_AS(adjust_p_values({1.5}, PValueCorrection::none), std::invalid_argument);
  CHECK_THROWS_AS(adjust_p_values({-0.1}, PValueCorrection::holm), std::invalid_argument);
  CHECK_THROWS_AS(
      adjust_p_values({std::numeric_limits<double>::infinity()}, PValueCorrection::holm),
      std::invalid_argument);
  CHECK_THROWS_AS(dataset_drift({0.1}, PValueCorrection::holm, 0), std::invalid_argument);
  CHECK_THROWS_AS(dataset_drift({0.1}, PValueCorrection::holm, 1.5), std::invalid_argument);
  CHECK(dataset_drift({0.1}, PValueCorrection::holm, 1.0).drifted == 1);
}

TEST_CASE("correction names") {
  for (auto c : {PValueCorrection::none, PValueCorrection::bonferroni, PValueCorrection::holm,
                 PValueCorrection::benjamini_hochberg}) {
    CHECK(parse_p_value_correction(to_string(c)) == c);
  }
  CHECK(to_string(PValueCorrection::benjamini_hochberg) == "benjamini_hochberg");
  CHECK_FALSE(parse_p_value_correction("BH"));
}

TEST_CASE("dataset drift over the p-values of real comparisons") {
  // 12 numerical features of 2000 rows, 3 of them shifted by half a standard deviation, and a
  // categorical one whose mix changed: KS and chi-square p-values, corrected together.
  std::mt19937_64 rng(99);
  std::normal_distribution<double> normal(0, 1);
  Ps p;
  for (int f = 0; f < 12; ++f) {
    std::vector<double> ref(2000), cur(2000);
    for (auto& x : ref) x = normal(rng);
    for (auto& x : cur) x = normal(rng) + (f < 3 ? 0.5 : 0.0);
    p.push_back(compare_numerical(freeze_numerical(sort_values(ref), 10), sort_values(cur))
                    .get("ks_pvalue"));
  }
  std::vector<std::optional<std::string>> ref_c, cur_c;
  for (int i = 0; i < 1000; ++i) {
    ref_c.emplace_back(i % 2 ? "a" : "b");
    cur_c.emplace_back(i % 4 ? "a" : "b");
  }
  p.push_back(compare_categorical(freeze_categorical(count_values(ref_c)), count_values(cur_c))
                  .get("chi2_pvalue"));
  p.push_back(std::nullopt);  // a feature with insufficient data
  const auto d = dataset_drift(p, PValueCorrection::benjamini_hochberg);
  CHECK(d.tested == 13);
  CHECK(d.drifted == 4);
  CHECK(d.share.value() == Approx(4.0 / 13));
  for (int f = 0; f < 3; ++f) CHECK(d.feature_drifted[static_cast<std::size_t>(f)]);
  CHECK(d.feature_drifted[12]);
  CHECK_FALSE(d.feature_drifted[13]);
}
