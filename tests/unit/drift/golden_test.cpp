// Every case of tests/data/stats.json (numpy 1.24 / scipy 1.10, see golden.py) with the
// tolerances of CONTRACT section 5: counts exact, edges 1e-12 relative, statistics 1e-6 relative
// (1e-9 absolute near zero).

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "driftd/drift/evaluation.hpp"
#include "driftd/drift/statistics.hpp"

using namespace driftd;
using namespace driftd::drift;
using nlohmann::json;

namespace {

const json& golden() {
  static const json data = [] {
    std::ifstream in(DRIFTD_TEST_DATA_DIR "/stats.json");
    if (!in) throw std::runtime_error("cannot open stats.json");
    return json::parse(in);
  }();
  return data;
}

std::vector<double> numbers(const json& a) {
  std::vector<double> out;
  for (const auto& v : a) out.push_back(v.is_null() ? missing_value() : v.get<double>());
  return out;
}

std::vector<std::optional<std::string>> texts(const json& a) {
  std::vector<std::optional<std::string>> out;
  for (const auto& v : a) {
    out.push_back(v.is_null() ? std::nullopt : std::optional<std::string>(v.get<std::string>()));
  }
  return out;
}

Approx statistic(double expected) { return Approx(expected).epsilon(1e-6).margin(1e-9); }

// The statistics every golden case has (besides counts and edges), and the extra ones driftd adds.
const std::vector<std::string> kNumericalStatistics = {"psi",
                                                       "kl_divergence",
                                                       "js_distance",
                                                       "hellinger",
                                                       "ks_statistic",
                                                       "ks_pvalue",
                                                       "wasserstein_normed",
                                                       "mean_shift_sigmas",
                                                       "median_shift_sigmas",
                                                       "missing_rate",
                                                       "out_of_range_rate"};
const std::vector<std::string> kCategoricalStatistics = {
    "psi",         "kl_divergence", "js_distance",      "hellinger", "chi2_statistic",
    "chi2_pvalue", "missing_rate",  "new_category_rate"};

std::size_t case_count() { return golden()["cases"].size(); }

}  // namespace

TEST_CASE("golden statistics match numpy/scipy") {
  const auto index = GENERATE(range(std::size_t{0}, case_count()));
  const json& c = golden()["cases"][index];
  const json& e = c["expected"];
  CAPTURE(c["name"].get<std::string>());
  REQUIRE(c["epsilon"].get<double>() == kEpsilon);

  FeatureStatistics st;
  const std::vector<std::string>* names = nullptr;
  if (c["kind"] == "numerical") {
    const int bins = c["bins"].get<int>();
    const auto frozen = freeze_numerical(sort_values(numbers(c["reference"])), bins);
    const auto current = sort_values(numbers(c["current"]));
    const auto edges = e["bin_edges"].get<std::vector<double>>();
    REQUIRE(frozen.edges.size() == edges.size());
    for (std::size_t i = 0; i < edges.size(); ++i) {
      CHECK(frozen.edges[i] == Approx(edges[i]).epsilon(1e-12).margin(0));
    }
    CHECK(frozen.point_masses == e["point_masses"].get<std::vector<double>>());
    CHECK(frozen.counts == e["reference_counts"].get<std::vector<std::uint64_t>>());
    st = compare_numerical(frozen, current);
    // Counted naively against the library's count: each edge strictly below v passes one bin, a
    // point mass two (the values below it, then itself); v equal to a point mass is in its bin.
    const auto is_mass = [&](double x) {
      return std::find(frozen.point_masses.begin(), frozen.point_masses.end(), x) !=
             frozen.point_masses.end();
    };
    std::vector<std::uint64_t> cur_counts(edges.size() + frozen.point_masses.size() + 1);
    for (double v : current.values) {
      std::size_t bin = 0;
      for (const double edge : frozen.edges) {
        if (edge < v) bin += is_mass(edge) ? 2 : 1;
      }
      if (is_mass(v)) ++bin;
      ++cur_counts[bin];
    }
    CHECK(bin_counts(current.values, frozen.edges, frozen.point_masses) == cur_counts);
    CHECK(cur_counts == e["current_counts"].get<std::vector<std::uint64_t>>());
    CHECK(st.get("invalid_rate") == 0.0);
    names = &kNumericalStatistics;
  } else {
    const auto ref = count_values(texts(c["reference"]));
    const auto cur = count_values(texts(c["current"]));
    // Every golden category occurs in one of the windows; check the union and its counts.
    const auto cats = e["categories"].get<std::vector<std::string>>();
    const auto rc = e["reference_counts"].get<std::vector<std::uint64_t>>();
    const auto cc = e["current_counts"].get<std::vector<std::uint64_t>>();
    for (std::size_t i = 0; i < cats.size(); ++i) {
      auto count_in = [&](const CategoryCounts& w) -> std::uint64_t {
        for (std::size_t k = 0; k < w.categories.size(); ++k) {
          if (w.categories[k] == cats[i]) return w.counts[k];
        }
        return 0;
      };
      CHECK(count_in(ref) == rc[i]);
      CHECK(count_in(cur) == cc[i]);
    }
    st = compare_categorical(freeze_categorical(ref), cur);
    names = &kCategoricalStatistics;
  }
  CHECK(st.reference_count == e["reference_rows"].get<std::uint64_t>());
  CHECK(st.current_count == e["current_rows"].get<std::uint64_t>());
  CHECK(st.distribution_defined);
  for (const auto& name : *names) {
    CAPTURE(name);
    const auto v = st.get(name);
    REQUIRE(v.has_value());
    CHECK(*v == statistic(e[name].get<double>()));
  }
  // Contributors: at most three, ordered by |psi term|, their terms part of the PSI sum.
  REQUIRE(st.top_contributors.size() <= kTopContributors);
  for (std::size_t i = 1; i < st.top_contributors.size(); ++i) {
    CHECK(std::fabs(st.top_contributors[i - 1].psi) >= std::fabs(st.top_contributors[i].psi));
  }
  for (const auto& t : st.top_contributors) CHECK(std::fabs(t.psi) <= *st.get("psi") + 1e-12);
}

TEST_CASE("golden ks_pvalue is kolmogorov_sf of the scaled statistic") {
  // The p-value depends only on x = sqrt(n·m/(n+m))·D, so this checks kolmogorov_sf against
  // scipy's kstwobign.sf at the golden points to 1e-12 relative.
  const auto index = GENERATE(range(std::size_t{0}, case_count()));
  const json& c = golden()["cases"][index];
  if (c["kind"] != "numerical") return;
  const json& e = c["expected"];
  CAPTURE(c["name"].get<std::string>());
  const double n = e["reference_rows"].get<double>(), m = e["current_rows"].get<double>();
  const double x = std::sqrt(n * m / (n + m)) * e["ks_statistic"].get<double>();
  CHECK(kolmogorov_sf(x) == Approx(e["ks_pvalue"].get<double>()).epsilon(1e-12).margin(0));
}

TEST_CASE("golden confidence statistics") {
  const json& c = golden()["confidence"][0];
  const json& e = c["expected"];
  const auto st = confidence_statistics(sort_values(numbers(c["values"])), c["low"].get<double>());
  CHECK(st.count == c["values"].size());
  for (const char* name : {"mean", "p10", "p50", "p90", "low_confidence_rate"}) {
    CAPTURE(name);
    REQUIRE(st.get(name).has_value());
    CHECK(*st.get(name) == statistic(e[name].get<double>()));
  }
}

TEST_CASE("golden cases through the whole pipeline") {
  // The same numbers must come out of prepare_window/freeze/compare, which read chunked columns.
  EvaluationSpec spec;
  spec.monitor = "golden";
  spec.min_rows = 1;
  WindowData ref, cur;
  std::vector<const json*> cases;
  for (const auto& c : golden()["cases"]) {
    if (c["kind"] == "numerical" && c["bins"] != 10) continue;
    cases.push_back(&c);
    const bool numerical = c["kind"] == "numerical";
    spec.columns.push_back({c["name"].get<std::string>(),
                            numerical ? FeatureKind::numerical : FeatureKind::categorical});
    for (const auto& [w, key] : {std::pair{&ref, "reference"}, std::pair{&cur, "current"}}) {
      if (numerical) {
        NumericalColumn col;
        for (double v : numbers(c[key])) col.values.push_back(v);
        w->columns.emplace_back(std::move(col));
      } else {
        CategoricalColumn col;
        for (const auto& v : texts(c[key])) {
          if (!v) {
            col.ids.push_back(CategoricalColumn::kMissingCategory);
            continue;
          }
          auto it = std::find(col.dictionary.begin(), col.dictionary.end(), *v);
          if (it == col.dictionary.end()) it = col.dictionary.insert(col.dictionary.end(), *v);
          col.ids.push_back(static_cast<std::uint32_t>(it - col.dictionary.begin()));
        }
        w->columns.emplace_back(std::move(col));
      }
    }
  }
  ref.rows = cur.rows = 5;
  auto frozen = freeze(spec, prepare_window(spec, std::move(ref), serial_for));
  const auto e = compare(spec, frozen, prepare_window(spec, std::move(cur), serial_for),
                         Timestamp{}, serial_for);
  REQUIRE(e.features.size() == cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const json& c = *cases[i];
    CAPTURE(c["name"].get<std::string>());
    const auto& names = c["kind"] == "numerical" ? kNumericalStatistics : kCategoricalStatistics;
    for (const auto& name : names) {
      CAPTURE(name);
      REQUIRE(e.features[i].statistics.get(name).has_value());
      CHECK(*e.features[i].statistics.get(name) == statistic(c["expected"][name].get<double>()));
    }
  }
}
