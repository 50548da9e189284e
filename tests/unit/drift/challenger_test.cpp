// Champion / challenger (compare_versions, welch_t_test) against reference values computed
// independently: by hand (noted next to each), with closed forms of the normal and Student t
// distributions (std::erfc; the t distribution with 4 degrees of freedom), by numerical
// integration of the t density, and with DeLong's variance written from its definition
// (placement values by comparing every pair, O(P·N), covariance matrices as in DeLong et al.
// 1988) rather than the O(n log n) code under test.

#include "driftd/drift/challenger.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "columns.hpp"
#include "driftd/drift/significance.hpp"

using namespace driftd::drift;
using driftd::drift::test::categorical_column;
using driftd::drift::test::numerical_column;
using driftd::drift::test::reordered;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double normal_p(double z) { return std::erfc(std::fabs(z) / std::sqrt(2.0)); }

// Two-sided p of Student's t by Simpson's rule on the density's tail (independent of Boost.Math):
// p = 2∫_|t|^∞ f(x) dx, with x = |t|/u so that the range is u ∈ (0, 1].
double student_p(double t, double df) {
  const double c = std::exp(std::lgamma((df + 1) / 2) - std::lgamma(df / 2)) /
                   std::sqrt(df * 3.14159265358979323846);
  const double a = std::fabs(t);
  auto g = [&](double u) {
    if (u == 0) return 0.0;
    const double x = a / u;
    return c * std::pow(1 + x * x / df, -(df + 1) / 2) * a / (u * u);
  };
  const int n = 200000;
  const double h = 1.0 / n;
  double s = g(0) + g(1);
  for (int i = 1; i < n; ++i) s += g(i * h) * (i % 2 == 1 ? 4 : 2);
  return 2 * s * h / 3;
}

double psi_term(double c, double r) { return (c - r) * std::log(c / r); }

std::vector<std::optional<std::string>> texts(const std::vector<std::string>& v) {
  return {v.begin(), v.end()};
}

// DeLong from the definition: placements of each model against the other class, their 2×2
// covariance matrices, Var(θ_b − θ_a) = (S10aa + S10bb − 2·S10ab)/P + (S01aa + S01bb − 2·S01ab)/N.
struct BruteDelong {
  double auc_a = 0, auc_b = 0, variance_difference = 0, variance_a = 0, variance_b = 0;
};
BruteDelong brute_delong(const std::vector<double>& labels, const std::vector<double>& a,
                         const std::vector<double>& b) {
  auto psi = [](double x, double y) { return x > y ? 1.0 : x == y ? 0.5 : 0.0; };
  std::vector<std::size_t> pos, neg;
  for (std::size_t i = 0; i < labels.size(); ++i) (labels[i] == 1 ? pos : neg).push_back(i);
  const double P = static_cast<double>(pos.size()), N = static_cast<double>(neg.size());
  std::vector<double> v10a, v10b, v01a, v01b;
  for (auto i : pos) {
    double sa = 0, sb = 0;
    for (auto j : neg) {
      sa += psi(a[i], a[j]);
      sb += psi(b[i], b[j]);
    }
    v10a.push_back(sa / N);
    v10b.push_back(sb / N);
  }
  for (auto j : neg) {
    double sa = 0, sb = 0;
    for (auto i : pos) {
      sa += psi(a[i], a[j]);
      sb += psi(b[i], b[j]);
    }
    v01a.push_back(sa / P);
    v01b.push_back(sb / P);
  }
  auto mean = [](const std::vector<double>& x) {
    double s = 0;
    for (double v : x) s += v;
    return s / static_cast<double>(x.size());
  };
  auto cov = [&](const std::vector<double>& x, const std::vector<double>& y) {
    const double mx = mean(x), my = mean(y);
    double s = 0;
    for (std::size_t i = 0; i < x.size(); ++i) s += (x[i] - mx) * (y[i] - my);
    return s / static_cast<double>(x.size() - 1);
  };
  BruteDelong r;
  r.auc_a = mean(v10a);
  r.auc_b = mean(v10b);
  r.variance_a = cov(v10a, v10a) / P + cov(v01a, v01a) / N;
  r.variance_b = cov(v10b, v10b) / P + cov(v01b, v01b) / N;
  r.variance_difference = (cov(v10a, v10a) + cov(v10b, v10b) - 2 * cov(v10a, v10b)) / P +
                          (cov(v01a, v01a) + cov(v01b, v01b) - 2 * cov(v01a, v01b)) / N;
  return r;
}

// A binary problem: labels and two scores, the challenger's closer to the label.
struct Scored {
  std::vector<double> labels, champion, challenger;
};
Scored scored(std::size_t n, double champion_noise, double challenger_noise, unsigned seed) {
  std::mt19937 gen(seed);
  std::bernoulli_distribution coin(0.4);
  std::normal_distribution<double> noise(0, 1);
  Scored s;
  for (std::size_t i = 0; i < n; ++i) {
    const double y = coin(gen) ? 1 : 0;
    s.labels.push_back(y);
    // Rounded to two decimals so that ties occur (they count 1/2 in both implementations).
    s.champion.push_back(std::round((y + champion_noise * noise(gen)) * 100) / 100);
    s.challenger.push_back(std::round((y + challenger_noise * noise(gen)) * 100) / 100);
  }
  return s;
}

std::vector<std::optional<std::string>> label_texts(const std::vector<double>& labels) {
  std::vector<std::optional<std::string>> out;
  for (double l : labels) out.emplace_back(l == 1 ? "1" : "0");
  return out;
}

ChallengerSpec binary_spec(std::uint64_t min_rows = 100) {
  ChallengerSpec spec;
  spec.prediction_kind = FeatureKind::numerical;
  PerformanceSpec ps;
  ps.task = LabelTask::binary;
  spec.performance = ps;
  spec.min_rows = min_rows;
  return spec;
}

}  // namespace

TEST_CASE("welch_t_test against hand-computed values and the closed form of t with 4 df") {
  // a = {1, 2, 3}, b = {4, 5, 6}: means 2 and 5, sample variances 1 and 1; se = sqrt(1/3 + 1/3),
  // t = 3 / sqrt(2/3) = 3.674234614..., df = (2/3)² / (2 · (1/3)² / 2) = 4.
  const std::vector<double> a{1, 2, 3, kNaN}, b{4, 5, 6};
  auto c = welch_t_test(a, b);
  REQUIRE(c);
  CHECK(c->champion_rows == 3);  // the NaN is skipped
  CHECK(c->difference == Approx(3));
  CHECK(c->standard_error == Approx(std::sqrt(2.0 / 3)));
  REQUIRE(c->statistic);
  CHECK(*c->statistic == Approx(3.6742346141747673).epsilon(1e-12));
  REQUIRE(c->degrees_of_freedom);
  CHECK(*c->degrees_of_freedom == Approx(4).epsilon(1e-12));
  // With 4 df, P(|T| < t) = sin θ · (1 + cos²θ / 2), θ = atan(t / 2).
  const double theta = std::atan(*c->statistic / 2);
  const double p = 1 - std::sin(theta) * (1 + std::cos(theta) * std::cos(theta) / 2);
  CHECK(c->p_value == Approx(p).epsilon(1e-10));
  // the same closed form in python3's math module: 0.02131164112875672
  CHECK(c->p_value == Approx(0.02131164112875672).epsilon(1e-10));

  // Unequal variances and sizes: df not an integer; p by numerical integration.
  const std::vector<double> x{1, 2, 3, 4}, y{2, 4, 6, 8, 10, 12};
  c = welch_t_test(x, y);
  REQUIRE(c);
  // means 2.5 and 7, variances 5/3 and 14; se² = 5/12 + 14/6 = 2.75
  CHECK(*c->statistic == Approx(4.5 / std::sqrt(2.75)).epsilon(1e-12));
  const double df = 2.75 * 2.75 / ((5.0 / 12) * (5.0 / 12) / 3 + (14.0 / 6) * (14.0 / 6) / 5);
  CHECK(*c->degrees_of_freedom == Approx(df).epsilon(1e-12));
  CHECK(c->p_value == Approx(student_p(*c->statistic, df)).epsilon(1e-8));

  // Degenerate samples.
  CHECK_FALSE(welch_t_test(std::vector<double>{1}, y));
  c = welch_t_test(std::vector<double>{2, 2}, std::vector<double>{2, 2, 2});
  REQUIRE(c);
  CHECK(c->p_value == 1);
  CHECK(*c->statistic == 0);
  c = welch_t_test(std::vector<double>{2, 2}, std::vector<double>{3, 3, 3});
  REQUIRE(c);
  CHECK(c->p_value == 0);
  CHECK_FALSE(c->statistic);
}

TEST_CASE("champion / challenger: categorical predictions, agreement by key, accuracy test") {
  // Champion: 100 rows, A/B half and half, 60 correct. Challenger: 100 rows, A 25 / B 75,
  // 80 correct. The challenger's rows come in another order and some keys occur on one side only.
  std::vector<std::string> ca_pred, cb_pred, ca_label, cb_label, ca_key, cb_key;
  for (int i = 0; i < 100; ++i) {
    ca_key.push_back("r" + std::to_string(i));
    ca_pred.push_back(i < 50 ? "A" : "B");
    ca_label.push_back(i < 60 ? ca_pred.back() : (ca_pred.back() == "A" ? "B" : "A"));
  }
  for (int i = 0; i < 100; ++i) {
    const int k = 99 - i;  // reversed order
    cb_key.push_back(k < 90 ? "r" + std::to_string(k) : "new" + std::to_string(k));
    cb_pred.push_back(k < 25 ? "A" : "B");
    cb_label.push_back(i < 80 ? cb_pred.back() : (cb_pred.back() == "A" ? "B" : "A"));
  }
  // A duplicate key on the challenger's side (r89 twice, r88 gone): only its first row counts.
  cb_key[11] = cb_key[10];
  const Column pa = categorical_column(texts(ca_pred)), pb = categorical_column(texts(cb_pred));
  const Column la = categorical_column(texts(ca_label)), lb = categorical_column(texts(cb_label));
  const Column ka = categorical_column(texts(ca_key)), kb = categorical_column(texts(cb_key));
  ChallengerSpec spec;
  spec.prediction_kind = FeatureKind::categorical;
  PerformanceSpec ps;
  ps.task = LabelTask::multiclass;
  spec.performance = ps;
  ChallengerColumns a, b;
  a.prediction = &pa;
  a.key = &ka;
  a.performance.label = &la;
  a.performance.predicted = &pa;
  b.prediction = &pb;
  b.key = &kb;
  b.performance.label = &lb;
  b.performance.predicted = &pb;
  const auto r = compare_versions(spec, a, b, {});
  CHECK(r.status == Status::ok);
  CHECK(r.champion.rows == 100);
  CHECK(r.challenger.rows == 100);
  // psi of A 0.5 → 0.25, B 0.5 → 0.75 (by hand: 0.25·ln 2 + 0.25·ln 1.5 = 0.274653072...)
  CHECK(*value_of(r.statistics, "prediction_psi") ==
        Approx(psi_term(0.25, 0.5) + psi_term(0.75, 0.5)));
  CHECK(*value_of(r.statistics, "prediction_psi") == Approx(0.2746530721670274));
  // Keys r0..r89 on the challenger's side but r88: 89 requests pair. They agree where both
  // predict A (r0..r24) or both B (r50..r89 but r88): 25 + 39 = 64 of 89.
  CHECK(*value_of(r.statistics, "paired_rows") == 89);
  CHECK(*value_of(r.statistics, "agreement_rate") == Approx(64.0 / 89));
  // Accuracy 0.6 vs 0.8: pooled 0.7, se = sqrt(0.7·0.3·0.02) = 0.064807407..., z = 3.086066999...
  CHECK(r.metric == "accuracy");
  CHECK(r.test == "two_proportion_z");
  CHECK(*value_of(r.statistics, "champion_performance") == Approx(0.6));
  CHECK(*value_of(r.statistics, "challenger_performance") == Approx(0.8));
  CHECK(*value_of(r.statistics, "performance_difference") == Approx(0.2));
  const double z = 0.2 / std::sqrt(0.7 * 0.3 * 0.02);
  CHECK(*value_of(r.statistics, "performance_statistic") == Approx(z).epsilon(1e-12));
  CHECK(*value_of(r.statistics, "performance_pvalue") == Approx(normal_p(z)).epsilon(1e-9));
  // python3: math.erfc(z / math.sqrt(2)) = 0.0020282311484520776
  CHECK(*value_of(r.statistics, "performance_pvalue") ==
        Approx(0.0020282311484520776).epsilon(1e-9));
  CHECK(r.verdict == "better");
  CHECK(*value_of(r.statistics, "challenger_better") == 1);
  CHECK(*value_of(r.statistics, "challenger_worse") == 0);

  // The same versions swapped: significantly worse.
  const auto swapped = compare_versions(spec, b, a, {});
  CHECK(swapped.verdict == "worse");
  CHECK(*value_of(swapped.statistics, "challenger_worse") == 1);

  // A stricter alpha than the p-value: no difference; more rows needed than there are: unknown.
  spec.alpha = 0.001;
  CHECK(compare_versions(spec, a, b, {}).verdict == "no_difference");
  spec.alpha = 0.05;
  spec.min_rows = 101;
  const auto few = compare_versions(spec, a, b, {});
  CHECK(few.verdict == "unknown");
  CHECK(few.status == Status::insufficient_data);
  CHECK_FALSE(value_of(few.statistics, "challenger_better"));
}

TEST_CASE("champion / challenger: unpaired DeLong matches the definition") {
  const Scored s1 = scored(300, 1.2, 0.5, 7);
  const Scored s2 = scored(260, 1.2, 0.5, 8);
  // Champion rows: s1's champion scores; challenger rows (other requests): s2's challenger scores.
  const Column la = categorical_column(label_texts(s1.labels));
  const Column lb = categorical_column(label_texts(s2.labels));
  const Column sa = numerical_column(s1.champion), sb = numerical_column(s2.challenger);
  ChallengerColumns a, b;
  a.prediction = a.performance.score = &sa;
  a.performance.label = &la;
  b.prediction = b.performance.score = &sb;
  b.performance.label = &lb;
  const auto r = compare_versions(binary_spec(), a, b, {});
  CHECK(r.metric == "roc_auc");
  CHECK(r.test == "delong_unpaired");
  CHECK_FALSE(r.paired);
  CHECK_FALSE(value_of(r.statistics, "agreement_rate"));  // no key
  const auto ra = brute_delong(s1.labels, s1.champion, s1.champion);
  const auto rb = brute_delong(s2.labels, s2.challenger, s2.challenger);
  CHECK(*value_of(r.statistics, "champion_performance") == Approx(ra.auc_a).epsilon(1e-12));
  CHECK(*value_of(r.statistics, "challenger_performance") == Approx(rb.auc_a).epsilon(1e-12));
  const double var = ra.variance_a + rb.variance_a;
  const double t = (rb.auc_a - ra.auc_a) / std::sqrt(var);
  CHECK(*value_of(r.statistics, "performance_statistic") == Approx(t).epsilon(1e-9));
  // Welch–Satterthwaite df on the two samples' sizes, p by integrating the t density.
  const double df =
      var * var / (ra.variance_a * ra.variance_a / 299 + rb.variance_a * rb.variance_a / 259);
  CHECK(*value_of(r.statistics, "performance_pvalue") == Approx(student_p(t, df)).epsilon(1e-7));
  CHECK(rb.auc_a > ra.auc_a + 0.1);
  CHECK(r.verdict == "better");
  CHECK(*value_of(r.statistics, "champion_labelled_rows") == 300);
  CHECK(*value_of(r.statistics, "challenger_labelled_rows") == 260);
}

TEST_CASE("champion / challenger: paired DeLong by key matches the definition") {
  const Scored s = scored(240, 1.0, 0.7, 11);
  // The champion's rows in order r0..r239; the challenger's in reverse, every request once.
  std::vector<std::string> keys_a, keys_b;
  std::vector<double> labels_b, scores_b;
  for (std::size_t i = 0; i < s.labels.size(); ++i) keys_a.push_back("r" + std::to_string(i));
  for (std::size_t i = s.labels.size(); i-- > 0;) {
    keys_b.push_back("r" + std::to_string(i));
    labels_b.push_back(s.labels[i]);
    scores_b.push_back(s.challenger[i]);
  }
  const Column la = categorical_column(label_texts(s.labels));
  const Column lb = categorical_column(label_texts(labels_b));
  const Column sa = numerical_column(s.champion), sb = numerical_column(scores_b);
  const Column ka = categorical_column(texts(keys_a)), kb = categorical_column(texts(keys_b));
  ChallengerColumns a, b;
  a.prediction = a.performance.score = &sa;
  a.performance.label = &la;
  a.key = &ka;
  b.prediction = b.performance.score = &sb;
  b.performance.label = &lb;
  b.key = &kb;
  const auto r = compare_versions(binary_spec(), a, b, {});
  CHECK(r.test == "delong_paired");
  CHECK(r.paired);
  const auto ref = brute_delong(s.labels, s.champion, s.challenger);
  CHECK(*value_of(r.statistics, "champion_performance") == Approx(ref.auc_a).epsilon(1e-12));
  CHECK(*value_of(r.statistics, "challenger_performance") == Approx(ref.auc_b).epsilon(1e-12));
  const double z = (ref.auc_b - ref.auc_a) / std::sqrt(ref.variance_difference);
  CHECK(*value_of(r.statistics, "performance_statistic") == Approx(z).epsilon(1e-9));
  CHECK(*value_of(r.statistics, "performance_pvalue") == Approx(normal_p(z)).epsilon(1e-9));
  CHECK(*value_of(r.statistics, "paired_rows") == 240);
  // Agreement of the predicted classes (score >= 0.5), counted directly.
  double agree = 0;
  for (std::size_t i = 0; i < s.labels.size(); ++i) {
    agree += (s.champion[i] >= 0.5) == (s.challenger[i] >= 0.5) ? 1 : 0;
  }
  CHECK(*value_of(r.statistics, "agreement_rate") == Approx(agree / 240));

  // The same scores on both sides: identical curves, z = 0, p = 1, no difference.
  ChallengerColumns same = b;
  const Column sa_rev = [&] {
    std::vector<double> v(s.champion.rbegin(), s.champion.rend());
    return numerical_column(v);
  }();
  same.prediction = same.performance.score = &sa_rev;
  const auto equal = compare_versions(binary_spec(), a, same, {});
  CHECK(*value_of(equal.statistics, "performance_difference") == 0);
  CHECK(*value_of(equal.statistics, "performance_pvalue") == 1);
  CHECK(equal.verdict == "no_difference");
  CHECK(*value_of(equal.statistics, "agreement_rate") == 1);
  CHECK(*value_of(equal.statistics, "prediction_psi") == Approx(0).margin(1e-12));
  // Equal confidences in another row order: a difference of exactly 0, not rounding noise.
  std::vector<double> conf(240);
  // (summed in row order, these give means 1.7e-16 apart)
  for (std::size_t i = 0; i < conf.size(); ++i) conf[i] = 0.05 + 0.9 * ((i * 7919) % 1000) / 1000.0;
  const Column ca = numerical_column(conf);
  const Column cb = numerical_column(std::vector<double>(conf.rbegin(), conf.rend()));
  ChallengerColumns a_conf = a, same_conf = same;
  a_conf.confidence = &ca;
  same_conf.confidence = &cb;
  const auto conf_r = compare_versions(binary_spec(), a_conf, same_conf, {});
  CHECK(*value_of(conf_r.statistics, "confidence_difference") == 0);

  // Too few labelled rows for the verdict (min_rows 300 > 240 pairs): unknown.
  CHECK(compare_versions(binary_spec(300), a, b, {}).verdict == "unknown");
}

TEST_CASE("champion / challenger: regression, confidence, thresholds and JSON") {
  // Champion errors |p − y| = 1, 2, 3, 4 (twice); challenger errors 2, 4, 6, 8, 10, 12.
  const Column ya = numerical_column({0, 0, 0, 0, 0, 0, 0, 0});
  const Column pa = numerical_column({1, -2, 3, -4, 1, -2, 3, -4});
  const Column yb = numerical_column({10, 10, 10, 10, 10, 10, kNaN});
  const Column pb = numerical_column({12, 6, 16, 2, 20, 22, 5});
  const Column conf_a = numerical_column({0.9, 0.8, 0.7, 0.6, 0.9, 0.8, 0.7, 0.6});
  const Column conf_b = numerical_column({0.5, 0.5, 0.5, 0.5, 0.5, kNaN, 0.5});
  ChallengerSpec spec;
  spec.prediction_kind = FeatureKind::numerical;
  PerformanceSpec ps;
  ps.task = LabelTask::regression;
  spec.performance = ps;
  spec.min_rows = 6;
  ChallengerColumns a, b;
  a.prediction = a.performance.predicted = &pa;
  a.performance.label = &ya;
  a.confidence = &conf_a;
  b.prediction = b.performance.predicted = &pb;
  b.performance.label = &yb;
  b.confidence = &conf_b;
  std::vector<Threshold> thresholds{Threshold::below("confidence_difference", -0.1),
                                    Threshold::above("challenger_worse", 0.5),
                                    Threshold::above("psi", 0.0)};  // a feature statistic: not here
  auto r = compare_versions(spec, a, b, thresholds);
  CHECK(r.metric == "mae");
  CHECK(r.test == "welch_t");
  // MAE 2.5 and 7: the same samples as the Welch case above, x = {1,2,3,4} twice.
  CHECK(*value_of(r.statistics, "champion_performance") == Approx(2.5));
  CHECK(*value_of(r.statistics, "challenger_performance") == Approx(7));
  CHECK(*value_of(r.statistics, "performance_difference") == Approx(4.5));
  // variances: champion {1,2,3,4,1,2,3,4}: 10/7; challenger {2,4,6,8,10,12}: 14
  const double va = 10.0 / 7 / 8, vb = 14.0 / 6;
  const double t = 4.5 / std::sqrt(va + vb);
  const double df = (va + vb) * (va + vb) / (va * va / 7 + vb * vb / 5);
  CHECK(*value_of(r.statistics, "performance_statistic") == Approx(t).epsilon(1e-12));
  CHECK(*value_of(r.statistics, "performance_pvalue") == Approx(student_p(t, df)).epsilon(1e-8));
  CHECK(*value_of(r.statistics, "performance_pvalue") < 0.05);
  CHECK(r.verdict == "worse");  // a larger MAE is worse
  CHECK(*value_of(r.statistics, "champion_confidence_mean") == Approx(0.75));
  CHECK(*value_of(r.statistics, "challenger_confidence_mean") == Approx(0.5));
  CHECK(*value_of(r.statistics, "confidence_difference") == Approx(-0.25));
  CHECK(r.status == Status::drift);
  CHECK(r.breaches == std::vector<std::string>{"confidence_difference", "challenger_worse"});

  Evaluation e;
  e.monitor = "m";
  e.status = Status::ok;
  add_challenger(e, r);
  CHECK(e.status == Status::drift);
  // Stored and read back (keys reordered as jsonb does): the same bytes.
  const std::string json = to_json(e);
  CHECK(to_json(evaluation_from_json(reordered(json))) == json);
  const auto back = evaluation_from_json(json);
  REQUIRE(back.challenger);
  CHECK(back.challenger->verdict == "worse");
  CHECK(back.challenger->champion.labelled == 8);
  CHECK(back.challenger->challenger.labelled == 6);
  CHECK(back.challenger->statistics == r.statistics);
  CHECK(json.find(R"("significantly_better":false)") != std::string::npos);
  CHECK_FALSE(back.challenger->error);

  // A comparison whose versions could not be read: its error is kept, the evaluation is not one.
  Evaluation failed;
  failed.monitor = "m";
  ChallengerResult broken;
  broken.status = Status::error;
  broken.error = "column \"request_id\" does not exist";
  failed.challenger = broken;
  const std::string failed_json = to_json(failed);
  CHECK(to_json(evaluation_from_json(reordered(failed_json))) == failed_json);
  const auto failed_back = evaluation_from_json(failed_json);
  CHECK(failed_back.status == Status::ok);
  REQUIRE(failed_back.challenger);
  CHECK(failed_back.challenger->status == Status::error);
  CHECK(failed_back.challenger->error == broken.error);

  // Numerical predictions without labels agree within the tolerance.
  const Column ka = categorical_column(texts({"a", "b", "c"}));
  const Column kb = categorical_column(texts({"c", "b", "a"}));
  const Column qa = numerical_column({1.0, 2.0, 3.0}), qb = numerical_column({3.05, 2.2, 1.0});
  ChallengerSpec plain;
  plain.prediction_kind = FeatureKind::numerical;
  plain.tolerance = 0.1;
  plain.min_rows = 1;
  ChallengerColumns x, y;
  x.prediction = &qa;
  x.key = &ka;
  y.prediction = &qb;
  y.key = &kb;
  r = compare_versions(plain, x, y, {});
  CHECK(*value_of(r.statistics, "agreement_rate") == Approx(2.0 / 3));  // c: 0.05, b: 0.2, a: 0
  CHECK(r.verdict == "unknown");
  CHECK(r.metric.empty());
  CHECK_FALSE(value_of(r.statistics, "performance_difference"));
}

TEST_CASE("champion / challenger: an AUC verdict needs 10 positives and 10 negatives per side") {
  // 9 positives, 200 negatives on each side, perfectly separated by the challenger only.
  std::vector<double> labels, champion, challenger;
  for (int i = 0; i < 209; ++i) {
    const bool positive = i < 9;
    labels.push_back(positive ? 1 : 0);
    champion.push_back(((i * 37) % 100) / 100.0);
    challenger.push_back(positive ? 0.9 + i / 1000.0 : ((i * 37) % 80) / 100.0);
  }
  const Column l = categorical_column(label_texts(labels));
  const Column sa = numerical_column(champion), sb = numerical_column(challenger);
  ChallengerColumns a, b;
  a.prediction = a.performance.score = &sa;
  a.performance.label = &l;
  b.prediction = b.performance.score = &sb;
  b.performance.label = &l;
  const auto r = compare_versions(binary_spec(), a, b, {});
  CHECK(*value_of(r.statistics, "challenger_performance") == 1);
  REQUIRE(value_of(r.statistics, "performance_pvalue"));
  CHECK(*value_of(r.statistics, "performance_pvalue") < 0.05);  // significant, yet ...
  CHECK(r.verdict == "unknown");                                // ... 9 positives are too few
  // One positive more on each side: decided.
  labels[9] = 1;
  challenger[9] = 0.95;
  const Column l10 = categorical_column(label_texts(labels));
  const Column sb10 = numerical_column(challenger);
  a.performance.label = &l10;
  b.performance.label = &l10;
  b.prediction = b.performance.score = &sb10;
  CHECK(compare_versions(binary_spec(), a, b, {}).verdict == "better");
}
