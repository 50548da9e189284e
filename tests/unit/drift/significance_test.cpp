// DeLong's tests against pROC's published results on its aSAH data and a brute-force oracle,
// the two-proportion z-test against statsmodels' docstring, and the champion/challenger verdict.

#include "driftd/drift/significance.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "driftd/drift/performance.hpp"

using namespace driftd::drift;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kZ975 = 1.959963984540054;  // qnorm(0.975)

// The aSAH data set of the R package pROC (Robin et al., BMC Bioinformatics 2011;12:77): 113
// patients with aneurysmal subarachnoid hemorrhage (Turck et al., Intensive Care Med 2010;36:107),
// in pROC's row order. wfns is the ordered factor 1..5 as numbers (as pROC's DeLong code uses it).
// outcome: 1 = Poor (the positive class, pROC's cases), 0 = Good
const std::vector<double> kOutcome{
    0, 0, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0,
    1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0,
    1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0,
};
const std::vector<double> kWfns{
    1, 1, 1, 1, 3, 2, 5, 4, 1, 2, 5, 2, 5, 5, 1, 2, 5, 2, 2, 5, 2, 1, 1, 1, 1, 2, 1, 2, 1,
    1, 3, 4, 2, 1, 4, 5, 4, 1, 4, 2, 5, 5, 1, 1, 2, 4, 1, 1, 2, 5, 5, 2, 1, 2, 5, 1, 2, 2,
    2, 1, 5, 1, 1, 2, 5, 2, 1, 4, 5, 2, 4, 4, 1, 4, 1, 2, 1, 4, 2, 1, 2, 3, 2, 4, 2, 1, 4,
    5, 1, 1, 5, 4, 2, 2, 1, 1, 1, 3, 1, 2, 5, 2, 2, 5, 5, 5, 2, 4, 4, 5, 1, 1, 1,
};
const std::vector<double> kS100b{
    0.13, 0.14, 0.1,  0.04, 0.13, 0.1,  0.47, 0.16, 0.18, 0.1,  0.12, 0.1,  0.44, 0.71, 0.04,
    0.08, 0.49, 0.04, 0.07, 0.33, 0.09, 0.09, 0.07, 0.11, 0.07, 0.17, 0.07, 0.11, 0.13, 0.19,
    0.05, 0.16, 0.41, 0.14, 0.34, 0.35, 0.48, 0.09, 0.96, 0.25, 0.5,  0.46, 0.16, 0.07, 0.43,
    0.45, 0.11, 0.08, 0.09, 0.86, 0.52, 0.08, 0.06, 0.13, 2.07, 0.1,  0.14, 0.15, 0.07, 0.06,
    0.77, 0.05, 0.09, 0.3,  0.03, 0.09, 0.04, 0.23, 0.7,  0.09, 0.27, 0.71, 0.08, 0.26, 0.08,
    0.16, 0.09, 0.13, 0.1,  0.08, 0.11, 0.33, 0.11, 0.28, 0.07, 0.1,  0.32, 0.22, 0.07, 0.05,
    0.24, 0.38, 0.1,  0.15, 0.08, 0.14, 0.1,  0.07, 0.04, 0.19, 0.56, 0.14, 0.58, 0.32, 0.82,
    0.74, 0.15, 0.47, 0.17, 0.44, 0.15, 0.5,  0.48,
};
const std::vector<double> kNdka{
    3.01,  8.54,  8.09,   10.42, 17.4,  12.75, 6.0,   13.2,  15.54, 6.01,  15.96, 17.86, 5.18,
    8.9,   13.41, 20.75,  11.6,  16.11, 32.37, 54.82, 32.41, 49.94, 40.34, 9.47,  6.29,  12.53,
    6.54,  6.3,   80.3,   12.8,  9.8,   9.81,  9.85,  18.21, 5.03,  14.04, 21.93, 8.02,  7.42,
    8.38,  6.59,  9.63,   13.12, 7.96,  14.34, 41.43, 7.63,  7.06,  12.59, 13.56, 3.87,  9.44,
    7.66,  12.98, 419.19, 27.19, 22.27, 9.95,  21.22, 11.73, 10.4,  58.83, 6.39,  11.09, 12.22,
    13.67, 17.21, 22.63,  12.9,  9.7,   21.57, 8.23,  72.57, 15.54, 10.51, 10.6,  14.57, 5.19,
    9.63,  4.61,  21.48,  17.3,  12.71, 9.44,  11.07, 19.46, 10.83, 5.37,  11.97, 7.75,  9.83,
    10.55, 28.49, 8.53,   12.57, 12.9,  46.83, 11.68, 12.67, 9.01,  9.57,  34.06, 11.72, 14.26,
    47.61, 11.67, 24.58,  10.33, 13.87, 15.89, 22.43, 6.79,  13.45,
};

// DeLong et al. (1988) written from the definition, O(P·N): placement values by comparing every
// pair, then the 2×2 covariance matrices S10, S01 and Var(θ₂ − θ₁) = L(S10/P + S01/N)Lᵀ with
// L = (−1, 1), exactly as pROC's delong.paired.calculations.
struct Oracle {
  double auc1, auc2, var1, var2, var_diff;
};
Oracle delong_oracle(const std::vector<double>& y, const std::vector<double>& s1,
                     const std::vector<double>& s2) {
  std::vector<std::size_t> pos, neg;
  for (std::size_t i = 0; i < y.size(); ++i) (y[i] == 1 ? pos : neg).push_back(i);
  const double P = static_cast<double>(pos.size()), N = static_cast<double>(neg.size());
  auto psi = [](double a, double b) { return a > b ? 1.0 : a == b ? 0.5 : 0.0; };
  std::vector<double> v10[2], v01[2];
  const std::vector<double>* s[2] = {&s1, &s2};
  double theta[2];
  for (int r = 0; r < 2; ++r) {
    for (auto i : pos) {
      double sum = 0;
      for (auto j : neg) sum += psi((*s[r])[i], (*s[r])[j]);
      v10[r].push_back(sum / N);
    }
    for (auto j : neg) {
      double sum = 0;
      for (auto i : pos) sum += psi((*s[r])[i], (*s[r])[j]);
      v01[r].push_back(sum / P);
    }
    double t = 0;
    for (double v : v10[r]) t += v;
    theta[r] = t / P;
  }
  double s10[2][2], s01[2][2];
  for (int a = 0; a < 2; ++a) {
    for (int b = 0; b < 2; ++b) {
      double c10 = 0, c01 = 0;
      for (std::size_t k = 0; k < v10[a].size(); ++k) {
        c10 += (v10[a][k] - theta[a]) * (v10[b][k] - theta[b]);
      }
      for (std::size_t k = 0; k < v01[a].size(); ++k) {
        c01 += (v01[a][k] - theta[a]) * (v01[b][k] - theta[b]);
      }
      s10[a][b] = c10 / (P - 1);
      s01[a][b] = c01 / (N - 1);
    }
  }
  auto S = [&](int a, int b) { return s10[a][b] / P + s01[a][b] / N; };
  return {theta[0], theta[1], S(0, 0), S(1, 1), S(0, 0) + S(1, 1) - 2 * S(0, 1)};
}

}  // namespace

// ---- pROC on aSAH ---------------------------------------------------------------------------

TEST_CASE("AUCs and the DeLong interval match pROC on aSAH") {
  // pROC's documented output: roc(aSAH$outcome, aSAH$s100b, ci = TRUE) prints
  // "Area under the curve: 0.7314", "95% CI: 0.6301-0.8326 (DeLong)"; wfns 0.8237, ndka 0.612.
  const auto s100b = delong_auc(kOutcome, kS100b).value();
  CHECK(s100b.positives == 41);
  CHECK(s100b.negatives == 72);
  CHECK(std::round(s100b.auc * 1e4) / 1e4 == 0.7314);
  const double se = s100b.standard_error.value();
  CHECK(std::round((s100b.auc - kZ975 * se) * 1e4) / 1e4 == 0.6301);
  CHECK(std::round((s100b.auc + kZ975 * se) * 1e4) / 1e4 == 0.8326);
  CHECK(std::round(delong_auc(kOutcome, kWfns)->auc * 1e4) / 1e4 == 0.8237);
  CHECK(std::round(delong_auc(kOutcome, kNdka)->auc * 1e3) / 1e3 == 0.612);
  // The same AUC as the performance metric.
  CHECK(delong_auc(kOutcome, kS100b)->auc ==
        binary_classification_performance(kOutcome, kS100b).get("roc_auc").value());
}

TEST_CASE("paired DeLong test matches pROC's roc.test on aSAH") {
  // pROC tests/testthat/test-roc.test.R, roc.test(r.X, r.Y) (paired DeLong, two-sided): Z and p
  // of AUC_X − AUC_Y. Our difference is challenger − champion, so X is the challenger.
  struct Row {
    const char* name;
    const std::vector<double>* champion;
    const std::vector<double>* challenger;
    double z, p, ci_low, ci_high;
  };
  const auto row = GENERATE(Row{"wfns vs s100b", &kS100b, &kWfns, 2.20898359144091,
                                0.0271757822291882, 0.0104061769564846, 0.174214419249478},
                            Row{"wfns vs ndka", &kNdka, &kWfns, 2.79777591868904,
                                0.00514557970691098, 0.0634011709339876, 0.3600405634833566},
                            Row{"ndka vs s100b", &kS100b, &kNdka, -1.39077002573558,
                                0.164295175223054, -0.2876917446341914, 0.0488706064228094});
  CAPTURE(row.name);
  const auto c = delong_paired_test(kOutcome, *row.champion, *row.challenger).value();
  CHECK(c.statistic.value() == Approx(row.z).epsilon(1e-10));
  CHECK(c.p_value.value() == Approx(row.p).epsilon(1e-9));
  CHECK(c.difference - kZ975 * c.standard_error.value() == Approx(row.ci_low).epsilon(1e-9));
  CHECK(c.difference + kZ975 * c.standard_error.value() == Approx(row.ci_high).epsilon(1e-9));
  CHECK_FALSE(c.degrees_of_freedom);

  // Swapping the models negates z and keeps p (pROC: "identical p values when reversed").
  const auto swapped = delong_paired_test(kOutcome, *row.challenger, *row.champion).value();
  CHECK(swapped.statistic.value() == Approx(-row.z).epsilon(1e-10));
  CHECK(swapped.p_value.value() == Approx(row.p).epsilon(1e-9));
}

TEST_CASE("unpaired DeLong test matches pROC's roc.test(paired = FALSE) on aSAH") {
  // Same file: D and p of the unpaired test (Student's t, Welch–Satterthwaite df).
  struct Row {
    const char* name;
    const std::vector<double>* champion;
    const std::vector<double>* challenger;
    double d, p;
  };
  const auto row =
      GENERATE(Row{"wfns vs s100b", &kS100b, &kWfns, 1.43490640926908, 0.152825378808796},
               Row{"wfns vs ndka", &kNdka, &kWfns, 3.10125096778969, 0.00220950791756457},
               Row{"ndka vs s100b", &kS100b, &kNdka, -1.55995743389685, 0.120192832430845});
  CAPTURE(row.name);
  const auto c = delong_unpaired_test(kOutcome, *row.champion, kOutcome, *row.challenger).value();
  CHECK(c.statistic.value() == Approx(row.d).epsilon(1e-10));
  CHECK(c.p_value.value() == Approx(row.p).epsilon(1e-9));
  CHECK(c.degrees_of_freedom.value() > 100);
}

TEST_CASE("identical curves: z = 0 and p = 1 (pROC's convention)") {
  // roc.test(r.wfns, r.wfns): Z = 0, p = 1.
  const auto c = delong_paired_test(kOutcome, kWfns, kWfns).value();
  CHECK(c.difference == 0);
  CHECK(c.standard_error.value() == 0);
  CHECK(c.statistic.value() == 0);
  CHECK(c.p_value.value() == 1);
  const auto u = delong_unpaired_test(kOutcome, kWfns, kOutcome, kWfns).value();
  CHECK(u.statistic.value() == 0);
  CHECK(u.p_value.value() == 1);
}

// ---- the oracle -----------------------------------------------------------------------------

TEST_CASE("DeLong's O(n log n) computation equals the O(n^2) definition, ties included") {
  std::mt19937_64 rng(GENERATE(21u, 22u, 23u, 24u));
  const int levels = GENERATE(3, 20, 100000);
  std::uniform_int_distribution<int> level(0, levels - 1);
  std::bernoulli_distribution coin(0.35);
  std::vector<double> y(400), a(400), b(400);
  for (std::size_t i = 0; i < y.size(); ++i) {
    y[i] = coin(rng) ? 1 : 0;
    a[i] = level(rng) + (y[i] == 1 ? levels / 5 : 0);
    b[i] = 0.5 * a[i] + level(rng);  // correlated with a
  }
  const Oracle o = delong_oracle(y, a, b);
  const auto c = delong_paired_test(y, a, b).value();
  CHECK(c.champion.auc == Approx(o.auc1).epsilon(1e-13));
  CHECK(c.challenger.auc == Approx(o.auc2).epsilon(1e-13));
  CHECK(c.champion.standard_error.value() == Approx(std::sqrt(o.var1)).epsilon(1e-11));
  CHECK(c.challenger.standard_error.value() == Approx(std::sqrt(o.var2)).epsilon(1e-11));
  CHECK(c.standard_error.value() == Approx(std::sqrt(o.var_diff)).epsilon(1e-9));
  CHECK(c.statistic.value() == Approx((o.auc2 - o.auc1) / std::sqrt(o.var_diff)).epsilon(1e-9));
  CHECK(c.p_value.value() == Approx(normal_two_sided_p(*c.statistic)).epsilon(1e-15));
  // Unpaired on the same data: variances add, no covariance.
  const auto u = delong_unpaired_test(y, a, y, b).value();
  CHECK(u.standard_error.value() == Approx(std::sqrt(o.var1 + o.var2)).epsilon(1e-11));
}

TEST_CASE("DeLong is invariant to monotone transforms of either model's scores") {
  std::mt19937_64 rng(31);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> y(3000), a(3000), b(3000), a2(3000);
  for (std::size_t i = 0; i < y.size(); ++i) {
    y[i] = i % 4 == 0 ? 1 : 0;
    a[i] = noise(rng) + y[i];
    b[i] = noise(rng) + 1.3 * y[i];
    a2[i] = std::exp(2 * a[i]) - 7;
  }
  const auto c1 = delong_paired_test(y, a, b).value();
  const auto c2 = delong_paired_test(y, a2, b).value();
  CHECK(c1.difference == c2.difference);
  CHECK(c2.statistic.value() == Approx(c1.statistic.value()).epsilon(1e-12));
  CHECK(c2.p_value.value() == Approx(c1.p_value.value()).epsilon(1e-10));
}

TEST_CASE("10^6 rows: paired DeLong runs and agrees with the performance AUC") {
  const std::size_t n = 1'000'000;
  std::mt19937_64 rng(41);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> y(n), a(n), b(n);
  for (std::size_t i = 0; i < n; ++i) {
    y[i] = i % 5 == 0 ? 1 : 0;
    a[i] = std::round((noise(rng) + y[i]) * 100) / 100;  // ties
    b[i] = a[i] + 0.5 * noise(rng);
  }
  const auto c = delong_paired_test(y, a, b).value();
  CHECK(c.champion.auc == binary_classification_performance(y, a).get("roc_auc").value());
  CHECK(c.difference < 0);          // b adds noise: a lower AUC
  CHECK(c.p_value.value() < 1e-6);  // and with 10^6 rows that is certain
}

// ---- odd data -------------------------------------------------------------------------------

TEST_CASE("DeLong on odd data") {
  SECTION("one class only: no AUC") {
    const std::vector<double> y{1, 1, 1}, s{0.1, 0.2, 0.3};
    CHECK_FALSE(delong_auc(y, s));
    CHECK_FALSE(delong_paired_test(y, s, s));
    CHECK_FALSE(delong_unpaired_test(y, s, y, s));
  }
  SECTION("empty") {
    const std::vector<double> none;
    CHECK_FALSE(delong_auc(none, none));
    CHECK_FALSE(delong_paired_test(none, none, none));
  }
  SECTION("a single positive: AUC without a standard error, no test") {
    const std::vector<double> y{1, 0, 0}, a{0.9, 0.1, 0.2}, b{0.1, 0.3, 0.2};
    const auto e = delong_auc(y, a).value();
    CHECK(e.auc == 1.0);
    CHECK_FALSE(e.standard_error);
    const auto c = delong_paired_test(y, a, b).value();
    CHECK(c.difference == -1.0);
    CHECK_FALSE(c.standard_error);
    CHECK_FALSE(c.p_value);
    CHECK(challenger_verdict(c, {.alpha = 0.05, .min_rows = 0, .min_class_rows = 0}) ==
          Verdict::undecided);
  }
  SECTION("NaN labels and scores are skipped and counted, on the same rows for both models") {
    const std::vector<double> y{1, 0, kNaN, 1, 0, 7, 1, 0};
    const std::vector<double> a{0.9, 0.1, 0.5, kNaN, 0.4, 0.5, 0.6, 0.3};
    const std::vector<double> b{0.8, 0.2, 0.5, 0.7, kNaN, 0.5, 0.2, 0.3};
    const auto c = delong_paired_test(y, a, b).value();
    CHECK(c.champion.skipped == 4);  // rows 2 (NaN label), 3 (NaN in a), 4 (NaN in b), 5 (label 7)
    CHECK(c.champion.positives == 2);
    CHECK(c.champion.negatives == 2);
    // used rows 0, 1, 6, 7: a: pos {.9, .6} neg {.1, .3} -> 1; b: pos {.8, .2} neg {.2, .3}
    // -> (.8 beats both: 2) + (.2 ties .2: 1/2) = 2.5 of 4.
    CHECK(c.champion.auc == 1.0);
    CHECK(c.challenger.auc == 0.625);
    const auto e = delong_auc(y, a).value();
    CHECK(e.skipped == 3);  // NaN label, label 7, NaN score
  }
  SECTION("all-equal scores: AUC 1/2; a perfect champion against them has zero variance") {
    const std::vector<double> y{1, 1, 0, 0}, flat(4, 0.5), perfect{0.9, 0.8, 0.2, 0.1};
    const auto c = delong_paired_test(y, perfect, flat).value();
    CHECK(c.challenger.auc == 0.5);
    CHECK(c.champion.auc == 1.0);
    CHECK(c.standard_error.value() == 0);
    CHECK_FALSE(c.statistic);  // ±infinite
    CHECK(c.p_value.value() == 0);
  }
  SECTION("columns of different lengths throw") {
    const std::vector<double> y{1, 0}, one{0.5};
    CHECK_THROWS_AS(delong_auc(y, one), std::invalid_argument);
    CHECK_THROWS_AS(delong_paired_test(y, y, one), std::invalid_argument);
    CHECK_THROWS_AS(delong_unpaired_test(y, one, y, y), std::invalid_argument);
  }
}

// ---- two proportions ------------------------------------------------------------------------

TEST_CASE("two-proportion z-test matches statsmodels' proportions_ztest docstring") {
  // count = [5, 12], nobs = [83, 99] -> p-value 0.159 (printed to 3 decimals). By hand:
  // p̄ = 17/182, se = sqrt(p̄(1 − p̄)(1/83 + 1/99)) = 0.04330859505634981,
  // z = (12/99 − 5/83)/se = 1.4078304151258787, p = erfc(z/√2) = 0.15918129181156995.
  const auto c = two_proportion_test(5, 83, 12, 99).value();
  CHECK(c.champion_rate == 5.0 / 83);
  CHECK(c.challenger_rate == 12.0 / 99);
  CHECK(c.standard_error == Approx(0.04330859505634981).epsilon(1e-14));
  CHECK(c.statistic == Approx(1.4078304151258787).epsilon(1e-13));
  CHECK(c.p_value == Approx(0.15918129181156995).epsilon(1e-12));
  CHECK(std::round(c.p_value * 1000) / 1000 == 0.159);
  const auto swapped = two_proportion_test(12, 99, 5, 83).value();
  CHECK(swapped.statistic == Approx(-c.statistic).epsilon(1e-15));
  CHECK(swapped.p_value == Approx(c.p_value).epsilon(1e-15));
}

TEST_CASE("two-proportion z-test edge cases") {
  CHECK_FALSE(two_proportion_test(0, 0, 1, 2));
  CHECK_FALSE(two_proportion_test(1, 2, 0, 0));
  CHECK_FALSE(two_proportion_test(3, 2, 1, 2));
  const auto all = two_proportion_test(10, 10, 20, 20).value();  // both 100%
  CHECK(all.standard_error == 0);
  CHECK(all.statistic == 0);
  CHECK(all.p_value == 1);
  const auto none = two_proportion_test(0, 10, 0, 20).value();
  CHECK(none.p_value == 1);
  // Identical rates: z = 0 exactly.
  CHECK(two_proportion_test(30, 100, 60, 200)->statistic == 0);
}

TEST_CASE("normal two-sided p-values") {
  CHECK(normal_two_sided_p(0) == 1);
  CHECK(normal_two_sided_p(1.959963984540054) == Approx(0.05).epsilon(1e-14));
  CHECK(normal_two_sided_p(-1.959963984540054) == Approx(0.05).epsilon(1e-14));
  // Far tail keeps relative precision: 2·Φ(−10) = 1.5239706048321186e-23 (erfc(10/√2)).
  CHECK(normal_two_sided_p(10) == Approx(1.5239706048321186e-23).epsilon(1e-12));
  CHECK(normal_two_sided_p(std::numeric_limits<double>::infinity()) == 0);
  CHECK(std::isnan(normal_two_sided_p(kNaN)));
}

// ---- verdict --------------------------------------------------------------------------------

TEST_CASE("challenger verdict") {
  struct Row {
    double difference;
    std::optional<double> p;
    std::uint64_t rows;
    bool higher_is_better;
    Verdict expected;
  };
  const auto row = GENERATE(Row{0.02, 0.01, 500, true, Verdict::challenger_better},
                            Row{-0.02, 0.01, 500, true, Verdict::challenger_worse},
                            Row{0.02, 0.01, 500, false, Verdict::challenger_worse},
                            Row{-0.02, 0.01, 500, false, Verdict::challenger_better},
                            Row{0.02, 0.05, 500, true, Verdict::undecided},  // not below alpha
                            Row{0.02, 0.2, 500, true, Verdict::undecided},
                            Row{0.02, 0.001, 99, true, Verdict::undecided},  // too few rows
                            Row{0.02, std::nullopt, 500, true, Verdict::undecided},
                            Row{0.0, 0.0, 500, true, Verdict::undecided});
  CHECK(challenger_verdict(row.difference, row.p, row.rows, row.higher_is_better) == row.expected);
}

TEST_CASE("challenger verdict on real comparisons") {
  // aSAH: wfns beats s100b at alpha 0.05 (p = 0.027) but not at 0.01; 113 rows, 41 positives.
  const auto c = delong_paired_test(kOutcome, kS100b, kWfns).value();
  CHECK(challenger_verdict(c, {.alpha = 0.05, .min_rows = 100}) == Verdict::challenger_better);
  CHECK(challenger_verdict(c, {.alpha = 0.01, .min_rows = 100}) == Verdict::undecided);
  CHECK(challenger_verdict(c, {.alpha = 0.05, .min_rows = 200}) == Verdict::undecided);
  CHECK(challenger_verdict(c, {.alpha = 0.05, .min_rows = 100, .min_class_rows = 42}) ==
        Verdict::undecided);
  const auto reversed = delong_paired_test(kOutcome, kWfns, kS100b).value();
  CHECK(challenger_verdict(reversed) == Verdict::challenger_worse);

  // Accuracy 80% vs 90% on 1000 rows each: z ≈ 6.2, clearly better; as error rates, worse.
  const auto acc = two_proportion_test(800, 1000, 900, 1000).value();
  CHECK(challenger_verdict(acc, true) == Verdict::challenger_better);
  CHECK(challenger_verdict(acc, false) == Verdict::challenger_worse);
  CHECK(challenger_verdict(*two_proportion_test(8, 10, 9, 10), true) == Verdict::undecided);

  CHECK_THROWS_AS(challenger_verdict(0.1, 0.01, 500, true, {.alpha = 0}), std::invalid_argument);
  CHECK_THROWS_AS(challenger_verdict(0.1, 0.01, 500, true, {.alpha = 1}), std::invalid_argument);
  CHECK(to_string(Verdict::challenger_better) == "challenger_better");
  CHECK(to_string(Verdict::challenger_worse) == "challenger_worse");
  CHECK(to_string(Verdict::undecided) == "undecided");
}
