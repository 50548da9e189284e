// Dataset-level drift in the pipeline: p-values of the features corrected for multiple testing,
// the share of drifted features, its threshold and its JSON.

#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "columns.hpp"
#include "driftd/drift/evaluation.hpp"

using namespace driftd;
using namespace driftd::drift;
using namespace driftd::drift::test;
using namespace std::chrono_literals;

namespace {

const Timestamp kT0 = Timestamp(Duration(1'767'225'600'000'000));  // 2026-01-01T00:00:00Z

// Five numerical features whose means shift by 0, 0.02, 0.05, 0.1 and 0.5 standard deviations,
// and a categorical one that does not move.
EvaluationSpec spec_with(std::optional<DatasetDriftSpec> d) {
  EvaluationSpec spec;
  spec.monitor = "m";
  for (int i = 0; i < 5; ++i)
    spec.columns.push_back({"x" + std::to_string(i), FeatureKind::numerical});
  spec.columns.push_back({"c", FeatureKind::categorical});
  spec.min_rows = 10;
  spec.thresholds = {Threshold::above("drifted_feature_share", 0.3)};
  spec.dataset_drift = d;
  return spec;
}

WindowData window(bool current, std::size_t rows, std::uint64_t seed) {
  const double shifts[] = {0, 0.02, 0.05, 0.1, 0.5};
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n(0, 1);
  WindowData w;
  w.from = current ? kT0 + 24h : kT0;
  w.to = w.from + 1h;
  w.rows = w.rows_in_window = rows;
  for (double s : shifts) {
    std::vector<double> v;
    for (std::size_t i = 0; i < rows; ++i) v.push_back(n(rng) + (current ? s : 0));
    w.columns.push_back(numerical_column(v));
  }
  std::vector<std::optional<std::string>> c;
  for (std::size_t i = 0; i < rows; ++i) c.push_back(rng() % 2 ? "a" : "b");
  w.columns.push_back(categorical_column(c));
  return w;
}

Evaluation run(const EvaluationSpec& spec) {
  auto frozen = freeze(spec, prepare_window(spec, window(false, 4000, 1), serial_for));
  return compare(spec, frozen, prepare_window(spec, window(true, 4000, 2), serial_for), kT0 + 25h,
                 serial_for);
}

// Benjamini–Hochberg written out independently: the largest k with p(k) <= k/m * alpha.
std::size_t bh_rejections(std::vector<double> p, double alpha) {
  std::sort(p.begin(), p.end());
  std::size_t k = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] <= static_cast<double>(i + 1) / static_cast<double>(p.size()) * alpha) k = i + 1;
  }
  return k;
}

std::vector<double> p_values(const Evaluation& e) {
  std::vector<double> p;
  for (const auto& f : e.features) {
    auto v = f.statistics.get(f.kind == FeatureKind::numerical ? "ks_pvalue" : "chi2_pvalue");
    REQUIRE(v);
    p.push_back(*v);
  }
  return p;
}

}  // namespace

TEST_CASE("without a dataset-drift spec there is no dataset section") {
  const auto e = run(spec_with(std::nullopt));
  CHECK_FALSE(e.dataset);
  CHECK(nlohmann::json::parse(to_json(e)).count("dataset") == 0);
}

TEST_CASE("dataset drift counts the features whose corrected p-value is below alpha") {
  DatasetDriftSpec d;
  d.correction = GENERATE(PValueCorrection::benjamini_hochberg, PValueCorrection::bonferroni,
                          PValueCorrection::holm, PValueCorrection::none);
  d.alpha = GENERATE(0.05, 0.2);
  CAPTURE(to_string(d.correction), d.alpha);
  const auto e = run(spec_with(d));
  REQUIRE(e.dataset);
  const auto p = p_values(e);
  const double m = static_cast<double>(p.size());
  std::size_t expected = 0;
  switch (d.correction) {
    case PValueCorrection::none:
      expected = static_cast<std::size_t>(
          std::count_if(p.begin(), p.end(), [&](double x) { return x < d.alpha; }));
      break;
    case PValueCorrection::bonferroni:
      expected = static_cast<std::size_t>(
          std::count_if(p.begin(), p.end(), [&](double x) { return x * m < d.alpha; }));
      break;
    case PValueCorrection::holm: {
      auto s = p;
      std::sort(s.begin(), s.end());
      for (std::size_t i = 0; i < s.size() && s[i] * (m - static_cast<double>(i)) < d.alpha; ++i)
        ++expected;
      break;
    }
    case PValueCorrection::benjamini_hochberg:
      expected = bh_rejections(p, d.alpha);
      break;
  }
  CHECK(e.dataset->tested == 6);
  CHECK(e.dataset->drifted == expected);
  CHECK(e.dataset->drifted_features.size() == expected);
  CHECK(value_of(e.dataset->statistics, "drifted_features") ==
        Approx(static_cast<double>(expected)));
  CHECK(value_of(e.dataset->statistics, "tested_features") == 6);
  CHECK(value_of(e.dataset->statistics, "drifted_feature_share") ==
        Approx(static_cast<double>(expected) / 6));
  // The 0.5-sigma shift on 4000 rows is unmistakable under every correction.
  CHECK(std::find(e.dataset->drifted_features.begin(), e.dataset->drifted_features.end(), "x4") !=
        e.dataset->drifted_features.end());
  const bool breach = static_cast<double>(expected) / 6 > 0.3;
  CHECK((e.dataset->breaches == std::vector<std::string>{"drifted_feature_share"}) == breach);
  CHECK((e.status == Status::drift) == breach);
}

TEST_CASE("a stricter correction never finds more drifted features") {
  auto count = [](PValueCorrection c) {
    DatasetDriftSpec d;
    d.correction = c;
    return run(spec_with(d)).dataset->drifted;
  };
  CHECK(count(PValueCorrection::bonferroni) <= count(PValueCorrection::holm));
  CHECK(count(PValueCorrection::holm) <= count(PValueCorrection::benjamini_hochberg));
  CHECK(count(PValueCorrection::benjamini_hochberg) <= count(PValueCorrection::none));
}

TEST_CASE("dataset drift on one p-value tests only the features that have it") {
  DatasetDriftSpec d;
  d.statistic = "chi2_pvalue";
  auto e = run(spec_with(d));
  CHECK(e.dataset->tested == 1);
  d.statistic = "ks_pvalue";
  e = run(spec_with(d));
  CHECK(e.dataset->tested == 5);
}

TEST_CASE("dataset drift breaches only with enough rows") {
  DatasetDriftSpec d;
  d.correction = PValueCorrection::none;
  d.alpha = 0.5;
  auto spec = spec_with(d);
  spec.min_rows = 100000;
  const auto e = run(spec);
  CHECK(e.status == Status::insufficient_data);
  REQUIRE(e.dataset);
  CHECK(e.dataset->breaches.empty());
}

TEST_CASE("the dataset section round-trips through JSON, whatever the key order") {
  DatasetDriftSpec d;
  d.correction = PValueCorrection::holm;
  d.alpha = 0.1;
  const auto e = run(spec_with(d));
  const std::string once = to_json(e);
  const auto j = nlohmann::json::parse(once);
  CHECK(j["dataset"]["correction"] == "holm");
  CHECK(j["dataset"]["alpha"] == 0.1);
  CHECK(j["dataset"]["tested_features"] == 6);
  CHECK(j["dataset"]["drifted_features"] == e.dataset->drifted);
  CHECK(j["dataset"]["share"].get<double>() == Approx(static_cast<double>(e.dataset->drifted) / 6));
  CHECK(j["dataset"]["drifted"].size() == e.dataset->drifted);
  CHECK(to_json(evaluation_from_json(once)) == once);
  CHECK(to_json(evaluation_from_json(reordered(once))) == once);
  auto broken = nlohmann::json::parse(once);
  broken["dataset"]["correction"] = "magic";
  CHECK_THROWS_AS(evaluation_from_json(broken.dump()), std::runtime_error);
}
