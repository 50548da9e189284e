// Learned thresholds: hand-computed chunk statistics for both baselines, determinism, the
// behaviour on i.i.d. and drifting data, and odd input.

#include "driftd/drift/auto_threshold.hpp"

#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace driftd::drift;

namespace {

CategoryCounts counts(std::vector<std::string> categories, std::vector<std::uint64_t> n,
                      std::uint64_t missing = 0) {
  CategoryCounts c;
  c.categories = std::move(categories);
  c.counts = std::move(n);
  c.missing = missing;
  c.rows = missing;
  for (auto k : c.counts) c.rows += k;
  return c;
}

std::vector<double> values_of(const LearnedThreshold& t) {
  std::vector<double> out;
  for (const auto& v : t.chunk_values) out.push_back(v.value());
  return out;
}

}  // namespace

TEST_CASE("categorical psi by hand: leave-one-out against the whole reference") {
  // chunk 0 = {a: 3, b: 1}, chunk 1 = {a: 1, b: 3}.
  // Leave-one-out: chunk 0 against chunk 1: r = (1/4, 3/4), c = (3/4, 1/4),
  //   psi = (3/4 − 1/4)·ln 3 + (1/4 − 3/4)·ln(1/3) = ln 3; chunk 1 likewise: σ = 0.
  // Whole reference {a: 4, b: 4}: r = (1/2, 1/2), chunk 0: psi = (1/4)·ln(3/2) − (1/4)·ln(1/2)
  //   = ln(3)/4; chunk 1 the same. The whole reference contains the chunk: 4 times lower.
  // σ = 0 (both chunks agree): the level is floored at one row of a 4-row chunk, ln 3 + 3·(1/4).
  const std::vector<CategoryCounts> chunks{counts({"a", "b"}, {3, 1}), counts({"a", "b"}, {1, 3})};
  const auto loo = learn_threshold(chunks, "psi").value();
  CHECK(loo.statistic == "psi");
  CHECK(loo.chunks_used == 2);
  CHECK(values_of(loo)[0] == Approx(std::log(3.0)).epsilon(1e-14));
  CHECK(values_of(loo)[1] == Approx(std::log(3.0)).epsilon(1e-14));
  CHECK(loo.stddev == Approx(0).margin(1e-15));
  CHECK(loo.chunk_rows == 4);
  CHECK(loo.threshold == Approx(std::log(3.0) + 3.0 / 4).epsilon(1e-14));

  const auto whole =
      learn_threshold(chunks, "psi", {.baseline = ChunkBaseline::whole_reference}).value();
  CHECK(values_of(whole)[0] == Approx(std::log(3.0) / 4).epsilon(1e-14));
  CHECK(values_of(whole)[1] == Approx(std::log(3.0) / 4).epsilon(1e-14));
}

TEST_CASE("categorical new_category_rate and missing_rate by hand") {
  // chunks {a: 2}, {a: 2}, {a: 1, b: 1}. Leave-one-out: only chunk 2 sees a category its
  // baseline ({a: 4}) lacks: rates 0, 0, 1/2 -> mean 1/6, σ = sqrt(((1/6)²·2 + (1/3)²) / 2)
  // = sqrt(1/12). A rate measured on 2-row chunks has at least the binomial noise
  // sqrt(p(1 − p)/2), p = max(1/6, 1/2): sqrt(1/8) > σ, so the threshold (k = 3) is
  // 1/6 + 3·sqrt(1/8). Against the whole reference nothing is new: 0, 0, 0, σ = 0, and the
  // floor alone gives 3·sqrt(1/8).
  const std::vector<CategoryCounts> chunks{counts({"a"}, {2}), counts({"a"}, {2}),
                                           counts({"a", "b"}, {1, 1})};
  const auto loo = learn_threshold(chunks, "new_category_rate").value();
  CHECK(values_of(loo) == std::vector<double>{0, 0, 0.5});
  CHECK(loo.mean == Approx(1.0 / 6).epsilon(1e-15));
  CHECK(loo.stddev == Approx(std::sqrt(1.0 / 12)).epsilon(1e-15));
  CHECK(loo.threshold == Approx(1.0 / 6 + 3 * std::sqrt(1.0 / 8)).epsilon(1e-15));
  const auto whole =
      learn_threshold(chunks, "new_category_rate", {.baseline = ChunkBaseline::whole_reference})
          .value();
  CHECK(values_of(whole) == std::vector<double>{0, 0, 0});
  CHECK(whole.stddev == 0);
  CHECK(whole.threshold == Approx(3 * std::sqrt(1.0 / 8)).epsilon(1e-15));

  // missing_rate is the chunk's own: 1/10, 2/10, 3/10 -> mean 0.2, σ 0.1; on 10-row chunks the
  // binomial floor sqrt(0.2·0.8/10) = sqrt(0.016) exceeds σ: threshold with k = 2 is
  // 0.2 + 2·sqrt(0.016). On 100-row chunks with the same rates the floor is 0.04 < σ: 0.4.
  const std::vector<CategoryCounts> gappy{counts({"a"}, {9}, 1), counts({"a"}, {8}, 2),
                                          counts({"a"}, {7}, 3)};
  const auto m = learn_threshold(gappy, "missing_rate", {.k = 2}).value();
  CHECK(m.mean == Approx(0.2).epsilon(1e-15));
  CHECK(m.stddev == Approx(0.1).epsilon(1e-14));
  CHECK(m.threshold == Approx(0.2 + 2 * std::sqrt(0.016)).epsilon(1e-14));
  const std::vector<CategoryCounts> gappy100{counts({"a"}, {90}, 10), counts({"a"}, {80}, 20),
                                             counts({"a"}, {70}, 30)};
  const auto m100 = learn_threshold(gappy100, "missing_rate", {.k = 2}).value();
  CHECK(m100.stddev == Approx(0.1).epsilon(1e-14));
  CHECK(m100.chunk_rows == 100);
  CHECK(m100.threshold == Approx(0.4).epsilon(1e-14));
}

TEST_CASE("a rate that never moved in the reference is floored by its binomial noise") {
  // A feature never NULL (never invalid, never out of range, never a new category) in a
  // 50,000-row reference cut into 20 chunks of 2,500 rows: every chunk gives 0, mean 0, σ 0.
  // The level is k·sqrt(p(1 − p)/n) with n = 2500, p = 1/n, not 0: one NULL in 50,000 current
  // rows (a rate of 2e-5) must not breach; a rate of 1% must.
  const double n = 2500;
  const double level = 3 * std::sqrt((1 / n) * (1 - 1 / n) / n);
  std::vector<double> rows(50000);
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<double>(i % 97);
  const auto numerical_statistic =
      GENERATE(as<std::string>{}, "missing_rate", "invalid_rate", "out_of_range_rate");
  CAPTURE(numerical_statistic);
  const auto t = learn_threshold(split_numerical(rows, 20), numerical_statistic).value();
  CHECK(t.mean == 0);
  CHECK(t.stddev == 0);
  CHECK(t.chunk_rows == 2500);
  CHECK(t.threshold == Approx(level).epsilon(1e-14));
  CHECK(1.0 / 50000 < t.threshold);
  CHECK(0.01 > t.threshold);

  std::vector<std::optional<std::string>> cats(50000);
  for (std::size_t i = 0; i < cats.size(); ++i) cats[i] = std::to_string(i % 7);
  for (std::string statistic : {"missing_rate", "new_category_rate"}) {
    CAPTURE(statistic);
    const auto c = learn_threshold(split_categorical(cats, 20), statistic).value();
    CHECK(c.mean == 0);
    CHECK(c.threshold == Approx(level).epsilon(1e-14));
  }
  // The whole pipeline: one NULL in a 50,000-row window of the same data is no breach.
  const FrozenNumerical reference = freeze_numerical(sort_values(rows), 10);
  std::vector<double> current = rows;
  current[123] = std::numeric_limits<double>::quiet_NaN();
  const auto missing = compare_numerical(reference, sort_values(current)).get("missing_rate");
  REQUIRE(missing);
  CHECK(*missing == 1.0 / 50000);
  CHECK_FALSE(*missing > t.threshold);
}

TEST_CASE("a divergence with zero spread is floored at one row of a chunk") {
  // A constant feature: every chunk is identical to the rest, psi and ks_statistic are 0 in every
  // chunk. The level is 0 + k·(1/n), n = 1000 rows per chunk, not 0.
  const std::vector<double> rows(10000, 4.0);
  const auto statistic = GENERATE(as<std::string>{}, "psi", "ks_statistic", "hellinger");
  CAPTURE(statistic);
  const auto t = learn_threshold(split_numerical(rows, 10), statistic).value();
  CHECK(t.stddev == 0);
  CHECK(t.threshold == Approx(t.mean + 3.0 / 1000).epsilon(1e-14));
  CHECK(t.threshold > 0);
}

TEST_CASE("numerical mean_shift_sigmas by hand") {
  // chunks [0, 2], [2, 4], [4, 6]. Leave-one-out:
  //   chunk 0 vs [2, 4, 4, 6]: mean 4, σ (population) = sqrt(8/4) = √2, shift |1 − 4|/√2 = 3/√2
  //   chunk 1 vs [0, 2, 4, 6]: mean 3, shift 0
  //   chunk 2 vs [0, 2, 2, 4]: mean 2, σ = √2, shift |5 − 2|/√2 = 3/√2
  // values 3/√2, 0, 3/√2: mean √2; deviations 1/√2, −√2, 1/√2: σ = sqrt((1/2 + 2 + 1/2)/2)
  // = sqrt(1.5); threshold = √2 + 3·sqrt(1.5).
  const std::vector<SortedSample> chunks{sort_values({0, 2}), sort_values({2, 4}),
                                         sort_values({4, 6})};
  const auto t = learn_threshold(chunks, "mean_shift_sigmas").value();
  const auto v = values_of(t);
  CHECK(v[0] == Approx(3 / std::sqrt(2.0)).epsilon(1e-14));
  CHECK(v[1] == Approx(0).margin(1e-15));
  CHECK(v[2] == Approx(3 / std::sqrt(2.0)).epsilon(1e-14));
  CHECK(t.mean == Approx(std::sqrt(2.0)).epsilon(1e-14));
  CHECK(t.stddev == Approx(std::sqrt(1.5)).epsilon(1e-14));
  CHECK(t.threshold == Approx(std::sqrt(2.0) + 3 * std::sqrt(1.5)).epsilon(1e-14));
}

TEST_CASE("learned thresholds are deterministic to the bit") {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal(0, 1);
  std::vector<double> rows(20000);
  for (auto& x : rows) x = normal(rng);
  const auto statistic = GENERATE(as<std::string>{}, "psi", "js_distance", "ks_statistic",
                                  "wasserstein_normed", "hellinger");
  const auto baseline = GENERATE(ChunkBaseline::leave_one_out, ChunkBaseline::whole_reference);
  const auto a = learn_threshold(split_numerical(rows, 8), statistic, {.baseline = baseline});
  const auto b = learn_threshold(split_numerical(rows, 8), statistic, {.baseline = baseline});
  REQUIRE(a);
  REQUIRE(b);
  CHECK(std::bit_cast<std::uint64_t>(a->threshold) == std::bit_cast<std::uint64_t>(b->threshold));
  CHECK(a->chunk_values == b->chunk_values);
  CHECK(a->chunks_used == 8);
  CHECK(a->threshold >= a->mean);
}

TEST_CASE("a threshold learned on i.i.d. data rarely fires on fresh i.i.d. windows") {
  // References of 20 chunks of 1000 rows; fresh windows of 1000 rows from the same distribution
  // compared with the whole reference. The learned threshold is itself an estimate from 20
  // values of a right-skewed statistic, so its false-alarm rate varies from one reference to the
  // next (measured: about 2% on average, up to 9% for an unlucky reference; with 10 chunks 3% on
  // average, up to 16%): the average over 10 references must stay below 5%, and a shift of half
  // a standard deviation must always fire.
  int fired = 0, windows = 0;
  for (unsigned seed = 1; seed <= 10; ++seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal(10, 2);
    std::vector<double> rows(20000);
    for (auto& x : rows) x = normal(rng);
    const auto t = learn_threshold(split_numerical(rows, 20), "psi").value();
    const FrozenNumerical reference = freeze_numerical(sort_values(rows), 10);
    for (int w = 0; w < 100; ++w, ++windows) {
      std::vector<double> window(1000);
      for (auto& x : window) x = normal(rng);
      fired += compare_numerical(reference, sort_values(window)).get("psi").value() > t.threshold;
    }
    std::vector<double> shifted(1000);
    for (auto& x : shifted) x = normal(rng) + 1.0;
    CHECK(compare_numerical(reference, sort_values(shifted)).get("psi").value() > t.threshold);
  }
  CHECK(fired <= windows / 20);
}

TEST_CASE("empty chunks have no value; fewer than two values give no threshold") {
  const std::vector<SortedSample> chunks{sort_values({1, 2, 3}), sort_values({}),
                                         sort_values({2, 3, 4})};
  const auto t = learn_threshold(chunks, "ks_statistic").value();
  REQUIRE(t.chunk_values.size() == 3);
  CHECK(t.chunk_values[0]);
  CHECK_FALSE(t.chunk_values[1]);
  CHECK(t.chunk_values[2]);
  CHECK(t.chunks_used == 2);
  // chunk 0 vs [2, 3, 4] and chunk 2 vs [1, 2, 3]: both KS distances 1/3.
  CHECK(t.mean == Approx(1.0 / 3).epsilon(1e-15));
  CHECK(t.stddev == 0);

  const std::vector<SortedSample> mostly_empty{sort_values({1, 2}), sort_values({}),
                                               sort_values({})};
  CHECK_FALSE(learn_threshold(mostly_empty, "psi"));
  const std::vector<CategoryCounts> empty_cats{CategoryCounts{}, CategoryCounts{}};
  CHECK_FALSE(learn_threshold(empty_cats, "psi"));
}

TEST_CASE("invalid requests throw") {
  const std::vector<SortedSample> two{sort_values({1, 2}), sort_values({3, 4})};
  const std::vector<SortedSample> one{sort_values({1, 2})};
  CHECK_THROWS_AS(learn_threshold(one, "psi"), std::invalid_argument);
  CHECK_THROWS_AS(learn_threshold(two, "ks_pvalue"), std::invalid_argument);
  CHECK_THROWS_AS(learn_threshold(two, "chi2_statistic"), std::invalid_argument);  // categorical
  CHECK_THROWS_AS(learn_threshold(two, "no_such_statistic"), std::invalid_argument);
  CHECK_THROWS_AS(learn_threshold(two, "psi", {.k = -1}), std::invalid_argument);
  CHECK_THROWS_AS(learn_threshold(two, "psi", {.k = std::numeric_limits<double>::infinity()}),
                  std::invalid_argument);
  CHECK_THROWS_AS(learn_threshold(two, "psi", {.bins = 0}), std::invalid_argument);
  const std::vector<CategoryCounts> cats{counts({"a"}, {1}), counts({"a"}, {1})};
  CHECK_THROWS_AS(learn_threshold(cats, "ks_statistic"), std::invalid_argument);
  CHECK_THROWS_AS(learn_threshold(cats, "chi2_pvalue"), std::invalid_argument);
  CHECK_THROWS_AS(split_numerical(std::vector<double>{1, 2}, 0), std::invalid_argument);
  CHECK_THROWS_AS(split_categorical({}, 0), std::invalid_argument);
  CategoryCounts broken;
  broken.categories = {"a"};
  const std::vector<CategoryCounts> bad{broken, counts({"a"}, {1})};
  CHECK_THROWS_AS(learn_threshold(bad, "psi"), std::invalid_argument);
}

TEST_CASE("learnable statistics") {
  for (const char* s :
       {"psi", "kl_divergence", "js_distance", "hellinger", "ks_statistic", "wasserstein_normed",
        "mean_shift_sigmas", "missing_rate", "out_of_range_rate", "invalid_rate"}) {
    CHECK(learnable_statistic(s, FeatureKind::numerical));
  }
  for (const char* s : {"psi", "kl_divergence", "js_distance", "hellinger", "chi2_statistic",
                        "missing_rate", "new_category_rate"}) {
    CHECK(learnable_statistic(s, FeatureKind::categorical));
  }
  CHECK_FALSE(learnable_statistic("ks_pvalue", FeatureKind::numerical));
  CHECK_FALSE(learnable_statistic("chi2_pvalue", FeatureKind::categorical));
  CHECK_FALSE(learnable_statistic("new_category_rate", FeatureKind::numerical));
}

TEST_CASE("splitting rows into chunks") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // 10 rows into 3 chunks: 4, 3, 3 rows, in order.
  const std::vector<double> rows{5, 1, nan, 3, 9, 8, 7, 2, nan, 0};
  const auto chunks = split_numerical(rows, 3);
  REQUIRE(chunks.size() == 3);
  CHECK(chunks[0].rows == 4);
  CHECK(chunks[0].missing == 1);
  CHECK(chunks[0].values == std::vector<double>{1, 3, 5});
  CHECK(chunks[1].values == std::vector<double>{7, 8, 9});
  CHECK(chunks[2].rows == 3);
  CHECK(chunks[2].values == std::vector<double>{0, 2});
  // More chunks than rows: the last ones are empty.
  CHECK(split_numerical(std::vector<double>{1}, 3)[2].rows == 0);

  const std::vector<std::optional<std::string>> cats{"a", "b", std::nullopt, "a", "c"};
  const auto cc = split_categorical(cats, 2);  // 3 + 2 rows
  REQUIRE(cc.size() == 2);
  CHECK(cc[0].categories == std::vector<std::string>{"a", "b"});
  CHECK(cc[0].missing == 1);
  CHECK(cc[1].categories == std::vector<std::string>{"a", "c"});
  CHECK(cc[1].rows == 2);
}
