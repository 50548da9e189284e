// Properties of the statistics, odd data, the radix sort and the distribution tails.

#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "driftd/drift/statistics.hpp"

using namespace driftd::drift;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<double> normal(std::mt19937_64& rng, std::size_t n, double mu, double sigma) {
  std::normal_distribution<double> d(mu, sigma);
  std::vector<double> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

FeatureStatistics compare_values(const std::vector<double>& ref, const std::vector<double>& cur,
                                 int bins = 10) {
  return compare_numerical(freeze_numerical(sort_values(ref), bins), sort_values(cur));
}

FeatureStatistics compare_texts(const std::vector<std::optional<std::string>>& ref,
                                const std::vector<std::optional<std::string>>& cur) {
  return compare_categorical(freeze_categorical(count_values(ref)), count_values(cur));
}

bool all_finite(const FeatureStatistics& st) {
  return std::all_of(st.values.begin(), st.values.end(),
                     [](const auto& kv) { return std::isfinite(kv.second); });
}

// Reference order for doubles as driftd defines it: -0.0 equals 0.0, missing values dropped.
std::vector<double> reference_sort(std::vector<double> v) {
  std::erase_if(v, [](double x) { return !std::isfinite(x); });
  for (auto& x : v) x += 0.0;
  std::sort(v.begin(), v.end());
  return v;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](double x, double y) {
           return std::bit_cast<std::uint64_t>(x) == std::bit_cast<std::uint64_t>(y);
         });
}

}  // namespace

TEST_CASE("invalid_value is a NaN that is told apart from other NaNs") {
  CHECK(std::isnan(invalid_value()));
  CHECK(is_invalid_value(invalid_value()));
  CHECK(is_invalid_value(-invalid_value()));
  CHECK_FALSE(is_invalid_value(missing_value()));
  CHECK_FALSE(is_invalid_value(std::numeric_limits<double>::signaling_NaN()));
  CHECK_FALSE(is_invalid_value(kInf));
  CHECK_FALSE(is_invalid_value(0.0));
}

TEST_CASE("radix sort agrees with std::sort") {
  std::mt19937_64 rng(GENERATE(1u, 2u, 3u));
  const auto shape = GENERATE(as<std::string>{}, "normal", "integers", "constant", "wide",
                              "subnormal", "signed zeros", "two values", "chunks");
  CAPTURE(shape);
  std::vector<double> v;
  std::uniform_real_distribution<double> u(0, 1);
  if (shape == "normal") {
    v = normal(rng, 5000, 3, 10);
  } else if (shape == "integers") {  // most digits constant: passes are skipped
    for (int i = 0; i < 5000; ++i) v.push_back(std::floor(u(rng) * 20) - 10);
  } else if (shape == "constant") {
    v.assign(1000, 42.5);
  } else if (shape == "wide") {
    for (int i = 0; i < 5000; ++i) v.push_back(std::ldexp(u(rng) - 0.5, int(u(rng) * 2000) - 1000));
    v.push_back(std::numeric_limits<double>::max());
    v.push_back(std::numeric_limits<double>::lowest());
  } else if (shape == "subnormal") {
    for (int i = 0; i < 2000; ++i) v.push_back((u(rng) - 0.5) * 1e-310);
    v.push_back(std::numeric_limits<double>::denorm_min());
    v.push_back(-std::numeric_limits<double>::denorm_min());
  } else if (shape == "signed zeros") {
    for (int i = 0; i < 1000; ++i) v.push_back(i % 3 == 0 ? -0.0 : i % 3 == 1 ? 0.0 : -1.0);
  } else if (shape == "two values") {  // exactly one digit differs
    for (int i = 0; i < 3000; ++i) v.push_back(u(rng) < 0.5 ? 1.0 : std::nextafter(1.0, 2.0));
  } else {  // several chunks of the column, NaNs and infinities spread over them
    v = normal(rng, 3 * Chunked<double>::kChunk + 17, 0, 1);
  }
  std::uint64_t missing = 0, invalid = 0;
  for (std::size_t i = 0; i < v.size(); i += 97) {
    v[i] = i % 3 == 0 ? missing_value() : i % 3 == 1 ? invalid_value() : -kInf;
    ++missing;
    invalid += i % 3 == 1;
  }
  std::shuffle(v.begin(), v.end(), rng);
  const auto expected = reference_sort(v);
  const auto s = sort_values(v);
  CHECK(same_bits(s.values, expected));
  CHECK(s.rows == v.size());
  CHECK(s.missing == missing);
  CHECK(s.invalid == invalid);
  // Moments against a long-double two-pass computation, to 1e-12 of the data's magnitude.
  long double sum = 0;
  for (double x : expected) sum += x;
  const long double mean = sum / expected.size();
  long double ss = 0;
  for (double x : expected) ss += (x - mean) * (x - mean);
  const double stddev = static_cast<double>(std::sqrt(ss / expected.size()));
  const double magnitude = std::max(std::fabs(expected.front()), std::fabs(expected.back()));
  if (shape != "wide") {  // long double overflows there too
    CHECK(s.mean == Approx(static_cast<double>(mean)).epsilon(1e-12).margin(1e-12 * magnitude));
    CHECK(s.stddev == Approx(stddev).epsilon(1e-12).margin(1e-12 * magnitude));
  }
  CHECK(std::isfinite(s.mean));
  CHECK(std::isfinite(s.stddev));
}

TEST_CASE("sort_column consumes the column") {
  NumericalColumn col;
  for (int i = 0; i < 100000; ++i) col.values.push_back(100000 - i);
  const auto s = sort_column(std::move(col));
  CHECK(col.values.size() == 0);
  CHECK(col.values.chunk_count() == 0);
  REQUIRE(s.values.size() == 100000);
  CHECK(std::is_sorted(s.values.begin(), s.values.end()));
  CHECK(s.values.front() == 1);
  CHECK(s.mean == 50000.5);
}

TEST_CASE("quantiles follow numpy's linear method") {
  const std::vector<double> v = {1, 2, 3, 4, 10};
  CHECK(quantile_sorted(v, 0) == 1);
  CHECK(quantile_sorted(v, 1) == 10);
  CHECK(quantile_sorted(v, 0.5) == 3);
  CHECK(quantile_sorted(v, 0.9) == Approx(7.6).epsilon(1e-15));  // 4 + 0.6·6
  CHECK(quantile_sorted(v, 0.1) == Approx(1.4).epsilon(1e-15));
  CHECK(std::isnan(quantile_sorted({}, 0.5)));
  CHECK(std::isnan(quantile_sorted(v, 1.5)));
  CHECK(quantile_sorted({7}, 0.3) == 7);
  // Duplicated quantiles collapse: two distinct values give edges 0 and 1 only.
  CHECK(quantile_edges({0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1}, 10) == std::vector<double>{0, 1});
  CHECK(quantile_edges({-1e300, 1e300}, 2) == std::vector<double>{0});
  CHECK(quantile_edges({}, 10).empty());
  CHECK(quantile_edges({1, 2, 3}, 1).empty());
  // side='left': a value equal to an edge belongs to the bin below it.
  CHECK(bin_counts({1, 2, 2, 3, 5}, {2, 4}) == std::vector<std::uint64_t>{3, 1, 1});
  CHECK(bin_counts({}, {2, 4}) == std::vector<std::uint64_t>{0, 0, 0});
}

TEST_CASE("a constant reference: a current moving below it is seen as much as one moving above") {
  // Its one edge used to close the bin (-inf, 42], which held the reference and the zeros alike.
  const std::vector<double> ref(20000, 42.0);
  std::vector<double> below(10000, 42.0), above(10000, 42.0);
  below.resize(20000, 0.0);
  above.resize(20000, 84.0);
  const auto frozen = freeze_numerical(sort_values(ref), 10);
  CHECK(frozen.edges == std::vector<double>{42});
  CHECK(frozen.point_masses == std::vector<double>{42});
  CHECK(frozen.counts == std::vector<std::uint64_t>{0, 20000, 0});
  const auto down = compare_values(ref, below);
  const auto up = compare_values(ref, above);
  // (0.5 - ε)·ln(0.5/ε) + (0.5 - 1)·ln(0.5)
  const double psi = (0.5 - 1e-4) * std::log(0.5 / 1e-4) + (0.5 - 1) * std::log(0.5);
  CHECK(*down.get("psi") == Approx(psi).epsilon(1e-12));
  CHECK(*up.get("psi") == Approx(psi).epsilon(1e-12));
  for (const char* name : {"kl_divergence", "js_distance", "hellinger"}) {
    CAPTURE(name);
    CHECK(*down.get(name) > 0.3);
    CHECK(*down.get(name) == Approx(*up.get(name)).epsilon(1e-12));
  }
  CHECK(*down.get("ks_statistic") == 0.5);  // KS works on the raw values, as before
  CHECK(*down.get("out_of_range_rate") == 0.5);
  REQUIRE(down.top_contributors.size() == 2);
  CHECK(down.top_contributors[0].bin == "(-inf, 42)");
  CHECK(down.top_contributors[0].current_share == 0.5);
  CHECK(down.top_contributors[1].bin == "[42, 42]");
  CHECK(down.top_contributors[1].reference_share == 1.0);
  CHECK(up.top_contributors[0].bin == "(42, +inf)");
  // Unchanged current: every bin agrees, nothing contributes.
  const auto same = compare_values(ref, std::vector<double>(500, 42.0));
  CHECK(same.get("psi") == 0.0);
  CHECK(same.top_contributors.empty());
}

TEST_CASE("point masses: values that make up more than 1/bins, or all of a few-valued reference") {
  // A flag: 95% zeros and 5% ones; both get a bin, so values between them are seen.
  std::vector<double> flag(950, 0.0);
  flag.resize(1000, 1.0);
  CHECK(point_masses(flag, 10) == std::vector<double>{0, 1});
  const auto halves = compare_values(flag, std::vector<double>(1000, 0.5));
  CHECK(*halves.get("psi") > 5);
  // A value occurring once is no mass, however few values there are: a tiny continuous sample
  // keeps its quantile bins.
  CHECK(point_masses({1, 2, 3, 4, 5}, 10).empty());
  CHECK(point_masses({1, 1, 2, 3, 4, 5}, 10) == std::vector<double>{1});
  CHECK(point_masses({7, 7}, 10) == std::vector<double>{7});
  CHECK(point_masses({7}, 10).empty());
  CHECK(point_masses({}, 10).empty());
  CHECK(point_masses({7, 7, 7}, 1).empty());  // one bin: nothing to tell apart
  // Many distinct values: only a share above 1/bins counts (101 of 1005 > 1/10; 100 of 1000 is
  // exactly a bin's share and is not).
  std::vector<double> lumped;
  for (int i = 0; i < 201; ++i) lumped.push_back(i);
  lumped.resize(302, 1000.0);
  for (int i = 0; i < 703; ++i) lumped.push_back(2000 + i);
  REQUIRE(lumped.size() == 1005);
  CHECK(point_masses(lumped, 10) == std::vector<double>{1000});
  // The run sits between two deciles, so no quantile edge is 1000: the mass adds an edge.
  const auto quantiles = quantile_edges(lumped, 10);
  CHECK(std::find(quantiles.begin(), quantiles.end(), 1000.0) == quantiles.end());
  const auto frozen = freeze_numerical(sort_values(lumped), 10);
  CHECK(frozen.edges.size() == quantiles.size() + 1);
  CHECK(std::find(frozen.edges.begin(), frozen.edges.end(), 1000.0) != frozen.edges.end());
  std::vector<double> exact;
  for (int i = 0; i < 1000; ++i) exact.push_back(i < 100 ? 5.0 : 10.0 + i);
  CHECK(point_masses(exact, 10).empty());
  exact[100] = 5.0;
  CHECK(point_masses(exact, 10) == std::vector<double>{5});
}

TEST_CASE("point masses agree with counting every value, whatever the data") {
  const auto seed = GENERATE(range(1, 41));
  std::mt19937_64 rng(static_cast<std::uint64_t>(seed));
  const int bins = 2 + static_cast<int>(rng() % 19);
  const std::size_t n = 1 + rng() % 3000;
  const std::size_t levels = 1 + rng() % 40;  // few to many distinct values
  const bool continuous_tail = rng() % 2 == 0;
  std::vector<double> v;
  std::geometric_distribution<int> level(0.15);
  std::normal_distribution<double> tail(0, 1);
  for (std::size_t i = 0; i < n; ++i) {
    const bool lumpy = !continuous_tail || rng() % 3 != 0;
    v.push_back(lumpy ? static_cast<double>(level(rng) % static_cast<int>(levels)) : tail(rng));
  }
  const auto sorted = sort_values(v).values;
  // Brute force: count every distinct value.
  std::vector<std::pair<double, std::size_t>> runs;
  for (double x : sorted) {
    if (!runs.empty() && runs.back().first == x) {
      ++runs.back().second;
    } else {
      runs.emplace_back(x, 1);
    }
  }
  const bool few = runs.size() <= static_cast<std::size_t>(bins);
  std::vector<double> expected;
  for (const auto& [x, count] : runs) {
    if (count >= 2 && (few || count * static_cast<std::size_t>(bins) > sorted.size())) {
      expected.push_back(x);
    }
  }
  CAPTURE(seed, bins, n, levels, runs.size());
  const auto masses = point_masses(sorted, bins);
  CHECK(masses == expected);
  // Bins: a mass's own bin holds exactly its count; all bins add up to the sample.
  const auto frozen = freeze_numerical(sort_values(v), bins);
  REQUIRE(frozen.counts.size() == frozen.edges.size() + masses.size() + 1);
  std::uint64_t total = 0;
  for (auto c : frozen.counts) total += c;
  CHECK(total == sorted.size());
  CHECK(std::includes(frozen.edges.begin(), frozen.edges.end(), masses.begin(), masses.end()));
  for (std::size_t j = 0; j < frozen.counts.size(); ++j) {
    const std::string label = bin_label(frozen.edges, frozen.point_masses, j);
    if (label.front() != '[') continue;
    const double x = std::stod(label.substr(1));
    const auto count = static_cast<std::uint64_t>(std::count(sorted.begin(), sorted.end(), x));
    CHECK(frozen.counts[j] == count);
  }
}

TEST_CASE("bins around point masses: counts and labels") {
  // Edges 1 (plain), 2 (a mass) and 4 (a mass): (-inf, 1], (1, 2), [2, 2], (2, 4), [4, 4],
  // (4, +inf).
  const std::vector<double> edges = {1, 2, 4}, masses = {2, 4};
  CHECK(bin_counts({0, 1, 1.5, 2, 2, 3, 4, 4, 4, 9}, edges, masses) ==
        std::vector<std::uint64_t>{2, 1, 2, 1, 3, 1});
  CHECK(bin_counts({}, edges, masses) == std::vector<std::uint64_t>{0, 0, 0, 0, 0, 0});
  const std::vector<std::string> labels = {"(-inf, 1]", "(1, 2)", "[2, 2]",
                                           "(2, 4)",    "[4, 4]", "(4, +inf)"};
  for (std::size_t j = 0; j < labels.size(); ++j) CHECK(bin_label(edges, masses, j) == labels[j]);
  CHECK(bin_label({1.5}, {}, 0) == "(-inf, 1.5]");
  CHECK(bin_label({1.5}, {}, 1) == "(1.5, +inf)");
  CHECK(bin_label({}, {}, 0) == "(-inf, +inf)");
}

TEST_CASE("hellinger and js_distance stay within their bounds when rounding adds up") {
  // Disjoint windows of many categories: the sums of 7,000 or 20,000 shares land a few ulps
  // beyond the maximum (hellinger 1.0000000000005 before the bounds were enforced).
  const int n = GENERATE(7000, 20000);
  CAPTURE(n);
  std::vector<std::optional<std::string>> ref, cur;
  for (int i = 0; i < n; ++i) {
    ref.push_back("r" + std::to_string(i));
    cur.push_back("c" + std::to_string(i));
  }
  const auto st = compare_texts(ref, cur);
  CHECK(*st.get("hellinger") == 1.0);
  CHECK(*st.get("js_distance") <= std::sqrt(std::log(2.0)));
  CHECK(*st.get("js_distance") == Approx(std::sqrt(std::log(2.0))).epsilon(1e-12));
  // Identical windows: exactly 0, never a few ulps below it.
  const auto same = compare_texts(ref, ref);
  CHECK(*same.get("hellinger") == 0.0);
  CHECK(*same.get("js_distance") == 0.0);
}

TEST_CASE("kolmogorov_sf matches the Kolmogorov distribution") {
  // Values of Q(x) = 2 Σ (-1)^(k-1) exp(-2k²x²) computed with 60-digit decimal arithmetic (and
  // the theta series for x < 0.3, where both series were checked to agree to 1e-58).
  struct Case {
    double x, q;
  };
  const auto c = GENERATE(Case{0.2, 0.99999999999949496}, Case{0.3, 0.99999069419866549},
                          Case{0.5, 0.96394524366487511}, Case{0.7, 0.71123519502968913},
                          Case{0.82, 0.51197170529849723}, Case{0.9, 0.3927307079406544},
                          Case{1.0, 0.2699996716773545}, Case{1.2, 0.11224966667072496},
                          Case{1.5, 0.02221796261652513}, Case{2.0, 0.00067092525577969533},
                          Case{3.0, 3.045995948942526e-08}, Case{5.0, 3.8574996959278356e-22},
                          Case{8.0, 5.14441874528483e-56}, Case{10.0, 2.767793053473475e-87},
                          Case{15.0, 7.387766136974512e-196});
  CAPTURE(c.x);
  CHECK(kolmogorov_sf(c.x) == Approx(c.q).epsilon(1e-12).margin(0));
}

TEST_CASE("kolmogorov_sf at the ends of its range") {
  CHECK(kolmogorov_sf(0) == 1);
  CHECK(kolmogorov_sf(-3) == 1);
  CHECK(kolmogorov_sf(0.05) == 1);
  CHECK(kolmogorov_sf(0.1) == 1);
  CHECK(kolmogorov_sf(19) > 0);  // subnormal, still positive
  CHECK(kolmogorov_sf(19) < 1e-310);
  CHECK(kolmogorov_sf(25) == 0);
  CHECK(kolmogorov_sf(40) == 0);
  CHECK(kolmogorov_sf(kInf) == 0);
  CHECK(std::isnan(kolmogorov_sf(missing_value())));
  // Monotone, including across the switch between the two series.
  double prev = 1;
  for (double x = 0.01; x < 40; x *= 1.01) {
    const double q = kolmogorov_sf(x);
    CHECK(q <= prev);
    CHECK(q >= 0);
    prev = q;
  }
  CHECK(kolmogorov_sf(std::nextafter(0.82, 0.0)) ==
        Approx(kolmogorov_sf(std::nextafter(0.82, 1.0))).epsilon(1e-14));
}

TEST_CASE("chi2_sf") {
  CHECK(chi2_sf(0, 3) == 1);
  CHECK(chi2_sf(3.841458820694124, 1) == Approx(0.05).epsilon(1e-12));
  CHECK(chi2_sf(2, 2) == Approx(std::exp(-1.0)).epsilon(1e-14));  // dof 2: exp(-x/2)
  CHECK(chi2_sf(kInf, 4) == 0);
  CHECK(std::isnan(chi2_sf(1, 0)));
  CHECK(std::isnan(chi2_sf(missing_value(), 2)));
}

TEST_CASE("divergences are non-negative and vanish on identical windows") {
  std::mt19937_64 rng(GENERATE(11u, 12u, 13u, 14u));
  std::uniform_real_distribution<double> u(-2, 2);
  const auto ref = normal(rng, 2000, u(rng), 1 + u(rng) / 4);
  const auto cur = normal(rng, 1500, u(rng), 1 + u(rng) / 4);
  const auto st = compare_values(ref, cur);
  for (const char* name : {"psi", "kl_divergence", "js_distance", "hellinger", "ks_statistic",
                           "wasserstein_normed", "mean_shift_sigmas"}) {
    CAPTURE(name);
    REQUIRE(st.get(name));
    CHECK(*st.get(name) >= 0);
  }
  CHECK(*st.get("js_distance") <= std::sqrt(std::log(2.0)) + 1e-12);
  CHECK(*st.get("hellinger") <= 1 + 1e-12);

  const auto same = compare_values(ref, ref);
  for (const char* name :
       {"psi", "kl_divergence", "js_distance", "hellinger", "ks_statistic", "wasserstein_normed",
        "mean_shift_sigmas", "out_of_range_rate", "missing_rate", "invalid_rate"}) {
    CAPTURE(name);
    REQUIRE(same.get(name));
    CHECK(*same.get(name) == 0);
  }
  CHECK(*same.get("ks_pvalue") == 1);
  CHECK(same.top_contributors.empty());  // no bin contributes anything
}

TEST_CASE("statistics do not depend on row order") {
  std::mt19937_64 rng(GENERATE(21u, 22u));
  auto ref = normal(rng, 3000, 0, 1);
  auto cur = normal(rng, 2000, 0.3, 1.2);
  for (std::size_t i = 0; i < cur.size(); i += 13) cur[i] = missing_value();
  const auto a = compare_values(ref, cur);
  std::shuffle(ref.begin(), ref.end(), rng);
  std::shuffle(cur.begin(), cur.end(), rng);
  const auto b = compare_values(ref, cur);
  CHECK(a.values == b.values);  // bit for bit: everything is computed on sorted values

  std::vector<std::optional<std::string>> rt, ct;
  std::uniform_int_distribution<int> d(0, 7);
  for (int i = 0; i < 500; ++i) rt.push_back("c" + std::to_string(d(rng)));
  for (int i = 0; i < 400; ++i) ct.push_back("c" + std::to_string(d(rng) + 2));
  ct[5] = std::nullopt;
  const auto x = compare_texts(rt, ct);
  std::shuffle(rt.begin(), rt.end(), rng);
  std::shuffle(ct.begin(), ct.end(), rng);
  CHECK(compare_texts(rt, ct).values == x.values);
}

TEST_CASE("categorical divergences are symmetric where the definition is") {
  std::mt19937_64 rng(GENERATE(31u, 32u, 33u));
  std::uniform_int_distribution<int> d(0, 9);
  std::vector<std::optional<std::string>> a, b;
  for (int i = 0; i < 800; ++i) a.push_back(std::string(1, char('a' + d(rng) / 2)));
  for (int i = 0; i < 600; ++i) b.push_back(std::string(1, char('a' + d(rng) % 7)));
  const auto ab = compare_texts(a, b), ba = compare_texts(b, a);
  for (const char* name : {"js_distance", "hellinger", "psi", "chi2_statistic", "chi2_pvalue"}) {
    CAPTURE(name);
    CHECK(*ab.get(name) == Approx(*ba.get(name)).epsilon(1e-12));
  }
  CHECK(*ab.get("psi") >= 0);
  // KL is not symmetric: it is KL(reference ‖ current).
  CHECK(*ab.get("kl_divergence") != Approx(*ba.get("kl_divergence")).epsilon(1e-6));
}

TEST_CASE("numerical top contributors name the bins") {
  // Reference quartiles of 1..5 are exactly 2, 3 and 4; the current window piles up above them.
  const std::vector<double> ref = {1, 2, 3, 4, 5};
  std::vector<double> cur;
  for (int i = 0; i < 10; ++i) cur.push_back(i < 8 ? 100 : 1);
  const auto st = compare_values(ref, cur, 4);
  REQUIRE(st.top_contributors.size() == 3);
  // The two emptied bins tie (0.2 → 0): they come first, in bin order.
  CHECK(st.top_contributors[0].bin == "(2, 3]");
  CHECK(st.top_contributors[1].bin == "(3, 4]");
  CHECK(st.top_contributors[0].current_share == 0);
  CHECK(st.top_contributors[0].reference_share == 0.2);
  CHECK(st.top_contributors[0].psi == Approx((1e-4 - 0.2) * std::log(1e-4 / 0.2)));
  CHECK(st.top_contributors[2].bin == "(4, +inf)");
  CHECK(st.top_contributors[2].current_share == 0.8);
  const auto c = compare_values({1, 2}, {0, 0, 5}, 2);
  REQUIRE_FALSE(c.top_contributors.empty());
  for (const auto& t : c.top_contributors) {
    CHECK((t.bin == "(-inf, 1.5]" || t.bin == "(1.5, +inf)"));
  }
}

TEST_CASE("numerical bins: the reference's edges and both windows' shares per bin") {
  const std::vector<double> ref = {1, 2, 3, 4, 5};
  std::vector<double> cur;
  for (int i = 0; i < 10; ++i) cur.push_back(i < 8 ? 100 : 1);
  const auto st = compare_values(ref, cur, 4);
  CHECK(st.bins.edges == std::vector<double>{2, 3, 4});
  CHECK(st.bins.reference == std::vector<double>{0.4, 0.2, 0.2, 0.2});
  CHECK(st.bins.current == std::vector<double>{0.2, 0, 0, 0.8});
  CHECK(st.bins.categories.empty());
  CHECK(st.bins.other_categories == 0);
  // The shares are the ones the contributors report.
  CHECK(st.top_contributors[2].current_share == st.bins.current[3]);
  // No distribution, no bins.
  CHECK(compare_values({1, 2, 3}, {missing_value()}).bins.empty());
}

TEST_CASE("categorical bins: the largest categories of either window, then the rest together") {
  std::vector<std::optional<std::string>> ref, cur;
  // 30 categories c00..c29 in the reference, c29 the largest; the current adds "new" as its
  // largest category and drops c00.
  for (int k = 0; k < 30; ++k) {
    char name[8];
    std::snprintf(name, sizeof name, "c%02d", k);
    for (int i = 0; i <= k; ++i) ref.push_back(std::string(name));
    if (k > 0) cur.push_back(std::string(name));
  }
  for (int i = 0; i < 100; ++i) cur.push_back(std::string("new"));
  cur.push_back(std::nullopt);  // missing values are not in any share
  const auto st = compare_texts(ref, cur);
  const auto& b = st.bins;
  REQUIRE(b.categories.size() == kReportCategories);
  CHECK(b.edges.empty());
  CHECK(b.categories[0] == "new");  // the largest share in either window first
  CHECK(b.categories[1] == "c29");
  CHECK(b.categories[2] == "c28");
  CHECK(b.reference[0] == 0);
  CHECK(b.current[0] == Approx(100.0 / 129));
  CHECK(b.reference[1] == Approx(30.0 / 465));
  CHECK(b.other_categories == 31 - kReportCategories);
  double ref_sum = b.other_reference, cur_sum = b.other_current;
  for (std::size_t i = 0; i < b.categories.size(); ++i) {
    ref_sum += b.reference[i];
    cur_sum += b.current[i];
  }
  CHECK(ref_sum == Approx(1));
  CHECK(cur_sum == Approx(1));
  // Few categories: all of them, nothing beyond.
  const auto few = compare_texts({std::string("a"), std::string("b")}, {std::string("b")});
  CHECK(few.bins.categories == std::vector<std::string>{"b", "a"});
  CHECK(few.bins.reference == std::vector<double>{0.5, 0.5});
  CHECK(few.bins.current == std::vector<double>{1, 0});
  CHECK(few.bins.other_categories == 0);
}

TEST_CASE("odd data: empty and tiny windows") {
  const auto both_empty = compare_values({}, {});
  CHECK_FALSE(both_empty.distribution_defined);
  CHECK(both_empty.values.empty());

  const auto cur_all_missing = compare_values({1, 2, 3}, {missing_value(), invalid_value()});
  CHECK_FALSE(cur_all_missing.distribution_defined);
  CHECK(cur_all_missing.get("missing_rate") == 1.0);
  CHECK(cur_all_missing.get("invalid_rate") == 0.5);
  CHECK_FALSE(cur_all_missing.get("psi"));
  CHECK_FALSE(cur_all_missing.get("out_of_range_rate"));

  const auto ref_empty = compare_values({}, {1, 2});
  CHECK_FALSE(ref_empty.distribution_defined);
  CHECK(ref_empty.get("missing_rate") == 0.0);
  CHECK_FALSE(ref_empty.get("ks_statistic"));

  const auto one = compare_values({1}, {2});
  CHECK(one.distribution_defined);
  CHECK(all_finite(one));
  CHECK(one.get("ks_statistic") == 1.0);
  CHECK(one.get("out_of_range_rate") == 1.0);
  CHECK(one.get("wasserstein_normed") == Approx(1000.0));  // W1 = 1, σ floored at 0.001

  const auto constant = compare_values(std::vector<double>(50, 3.0), std::vector<double>(40, 3.0));
  CHECK(constant.get("psi") == 0.0);
  CHECK(constant.get("ks_statistic") == 0.0);
  CHECK(constant.get("wasserstein_normed") == 0.0);

  const auto cat_empty = compare_texts({}, {std::nullopt});
  CHECK_FALSE(cat_empty.distribution_defined);
  CHECK(cat_empty.get("missing_rate") == 1.0);
  CHECK_FALSE(cat_empty.get("new_category_rate"));
  CHECK_FALSE(cat_empty.get("chi2_pvalue"));

  const auto conf = confidence_statistics(sort_values({}), 0.6);
  CHECK(conf.values.empty());
  CHECK(conf.count == 0);
}

TEST_CASE("odd data: huge magnitudes do not overflow") {
  const double big = GENERATE(1e300, 1.7e308);
  CAPTURE(big);
  const auto ref = sort_values({-big, big});
  CHECK(ref.mean == 0);
  CHECK(ref.stddev == big);
  // Half of the mass moves by 2·big: W1 = big, σ_ref = big.
  const auto st = compare_values({-big, big}, {big, big});
  CHECK(all_finite(st));
  CHECK(st.get("wasserstein_normed") == Approx(1.0).epsilon(1e-15));
  CHECK(st.get("mean_shift_sigmas") == Approx(1.0).epsilon(1e-15));
  CHECK(st.get("ks_statistic") == 0.5);
  const auto same = compare_values({-big, 0, big}, {big, 0, -big});
  CHECK(same.get("wasserstein_normed") == 0.0);
  CHECK(same.get("psi") == 0.0);
  // σ floored at 0.001 while W1 is astronomically large: the ratio is not a double, so it is
  // left out instead of reported as infinity.
  const auto extreme = compare_values({-big, -big}, {big, big});
  CHECK(all_finite(extreme));
  if (big > 1e305) CHECK_FALSE(extreme.get("wasserstein_normed"));
  CHECK(extreme.get("ks_statistic") == 1.0);
}

TEST_CASE("odd data: subnormals and signed zeros") {
  const double tiny = std::numeric_limits<double>::denorm_min();
  const auto sub = sort_values({tiny, 3 * tiny, 5 * tiny});
  CHECK(sub.mean == 3 * tiny);
  CHECK(sub.stddev > 0);
  const auto st = compare_values({tiny, 2 * tiny, 3 * tiny}, {4 * tiny, 5 * tiny});
  CHECK(all_finite(st));
  CHECK(st.get("ks_statistic") == 1.0);
  CHECK(st.get("out_of_range_rate") == 1.0);
  // -0.0 and 0.0 are one value: the windows are identical.
  const auto zeros = compare_values({-0.0, -0.0, 1.0, 2.0}, {0.0, -0.0, 1.0, 2.0});
  CHECK(zeros.get("ks_statistic") == 0.0);
  CHECK(zeros.get("psi") == 0.0);
  CHECK(zeros.get("out_of_range_rate") == 0.0);
  const auto frozen = freeze_numerical(sort_values({-0.0, -0.0, -0.0, 1.0}), 2);
  REQUIRE(frozen.edges.size() == 1);
  CHECK_FALSE(std::signbit(frozen.edges[0]));
}

TEST_CASE("odd data: awkward and many categories") {
  const std::vector<std::optional<std::string>> ref = {"a\"b", "line\nbreak", "ünï", "ünï",
                                                       "",     std::nullopt};
  const std::vector<std::optional<std::string>> cur = {"a\"b", "日本", "", std::nullopt};
  const auto counts = count_values(ref);
  CHECK(counts.categories ==
        std::vector<std::string>{"", "a\"b", "line\nbreak", "ünï"});  // byte order
  const auto st = compare_texts(ref, cur);
  CHECK(all_finite(st));
  CHECK(st.get("new_category_rate") == Approx(1.0 / 3));
  CHECK(st.get("missing_rate") == 0.25);
  bool named = false;
  for (const auto& t : st.top_contributors) named = named || t.bin == "日本";
  CHECK(named);

  std::vector<std::optional<std::string>> many_ref, many_cur;
  for (int i = 0; i < 100000; ++i) many_ref.push_back("id-" + std::to_string(i));
  for (int i = 50000; i < 150000; ++i) many_cur.push_back("id-" + std::to_string(i));
  const auto many = compare_texts(many_ref, many_cur);
  CHECK(all_finite(many));
  CHECK(many.get("new_category_rate") == 0.5);
  // Each category occurs once: 100000 cells of χ² 1 on 149999 degrees of freedom, p ≈ 1.
  CHECK(many.get("chi2_statistic") == Approx(100000.0));
  CHECK(many.get("chi2_pvalue") == Approx(1.0));
  CHECK(many.top_contributors.size() == kTopContributors);
}

TEST_CASE("count_categories merges duplicate dictionary entries and rejects bad ids") {
  CategoricalColumn col;
  col.dictionary = {"x", "y", "x"};
  for (std::uint32_t id : {0u, 1u, 2u, 2u, CategoricalColumn::kMissingCategory}) {
    col.ids.push_back(id);
  }
  const auto c = count_categories(std::move(col));
  CHECK(c.categories == std::vector<std::string>{"x", "y"});
  CHECK(c.counts == std::vector<std::uint64_t>{3, 1});
  CHECK(c.rows == 5);
  CHECK(c.missing == 1);

  CategoricalColumn bad;
  bad.dictionary = {"x"};
  bad.ids.push_back(1);
  CHECK_THROWS_AS(count_categories(std::move(bad)), std::invalid_argument);
}

TEST_CASE("confidence statistics") {
  const auto st = confidence_statistics(sort_values({0.9, 0.5, missing_value(), 0.7, 0.1}), 0.6);
  CHECK(st.count == 4);
  CHECK(st.get("mean") == Approx(0.55));
  CHECK(st.get("p50") == Approx(0.6));
  CHECK(st.get("low_confidence_rate") == 0.5);
  CHECK(st.get("p10") == Approx(0.22));  // 0.1 + 0.3·(0.5 - 0.1)
}

TEST_CASE("moments keep their precision far from zero") {
  // Timestamps-like data: a streaming second-moment formula would cancel to noise here.
  std::vector<double> v;
  for (int i = 0; i < 30000; ++i) v.push_back(1e9 + (i % 3) - 1);
  const auto s = sort_values(v);
  CHECK(s.mean == 1e9);
  CHECK(s.stddev == Approx(std::sqrt(2.0 / 3.0)).epsilon(1e-14));
  const auto st = compare_values(v, std::vector<double>(100, 1e9 + 1));
  CHECK(st.get("mean_shift_sigmas") == Approx(1 / std::sqrt(2.0 / 3.0)).epsilon(1e-12));
}
