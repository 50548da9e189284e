// Realised performance metrics against published and hand-computed values, properties of ROC
// AUC against a brute-force oracle, odd data, performance change, label coverage and delay.

#include "driftd/drift/performance.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace driftd::drift;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Brute-force ROC AUC: every (positive, negative) pair, ties counting 1/2.
double brute_force_auc(const std::vector<double>& labels, const std::vector<double>& scores) {
  double pairs = 0, wins = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] != 1) continue;
    for (std::size_t j = 0; j < labels.size(); ++j) {
      if (labels[j] != 0) continue;
      pairs += 1;
      wins += scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0.0;
    }
  }
  return wins / pairs;
}

std::vector<std::string> names_of(const std::vector<std::pair<std::string, double>>& values) {
  std::vector<std::string> out;
  out.reserve(values.size());
  for (const auto& [k, v] : values) out.push_back(k);
  return out;
}

bool all_finite(const std::vector<std::pair<std::string, double>>& values) {
  return std::all_of(values.begin(), values.end(),
                     [](const auto& kv) { return std::isfinite(kv.second); });
}

std::vector<std::optional<std::string>> texts(std::initializer_list<const char*> values) {
  std::vector<std::optional<std::string>> out;
  for (const char* v : values) {
    out.push_back(v ? std::optional<std::string>(v) : std::nullopt);
  }
  return out;
}

}  // namespace

// ---- published values (scikit-learn docstrings) ---------------------------------------------

TEST_CASE("roc_auc matches scikit-learn's roc_auc_score docstring example") {
  // y_true = [0, 0, 1, 1], y_scores = [0.1, 0.4, 0.35, 0.8] -> 0.75. By hand: of the 4
  // (positive, negative) pairs only (0.35, 0.4) is misordered.
  const std::vector<double> y{0, 0, 1, 1}, s{0.1, 0.4, 0.35, 0.8};
  const auto st = binary_classification_performance(y, s);
  CHECK(st.get("roc_auc").value() == 0.75);
}

TEST_CASE("log_loss matches scikit-learn's log_loss docstring example") {
  // log_loss(["spam", "ham", "ham", "spam"], [[.1, .9], [.9, .1], [.8, .2], [.35, .65]])
  // = 0.21616...: -(ln .9 + ln .9 + ln .8 + ln .65) / 4 = 0.21616187468057912.
  const auto y = binary_labels(texts({"spam", "ham", "ham", "spam"}), "spam");
  CHECK(y == std::vector<double>{1, 0, 0, 1});
  const std::vector<double> p_spam{.9, .1, .2, .65};
  const auto st = binary_classification_performance(y, p_spam);
  CHECK(st.get("log_loss").value() == Approx(0.21616187468057912).epsilon(1e-14));
}

TEST_CASE("precision, recall and f1 match scikit-learn's docstrings (average=None)") {
  // y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1]: per class (one against the rest)
  // precision [0.667, 0, 0], recall [1, 0, 0], f1 [0.8, 0, 0].
  const auto truth = texts({"0", "1", "2", "0", "1", "2"});
  const auto pred = texts({"0", "2", "1", "0", "0", "1"});
  struct Row {
    const char* positive;
    double precision, recall, f1;
  };
  const auto row =
      GENERATE(Row{"0", 2.0 / 3.0, 1.0, 0.8}, Row{"1", 0.0, 0.0, 0.0}, Row{"2", 0.0, 0.0, 0.0});
  CAPTURE(row.positive);
  const auto st = binary_classification_performance(binary_labels(truth, row.positive), {},
                                                    binary_labels(pred, row.positive));
  CHECK(st.get("precision").value() == Approx(row.precision).margin(1e-15));
  CHECK(st.get("recall").value() == Approx(row.recall).margin(1e-15));
  CHECK(st.get("f1").value() == Approx(row.f1).margin(1e-15));
  CHECK_FALSE(st.get("roc_auc"));  // no scores
  CHECK_FALSE(st.get("log_loss"));
}

TEST_CASE("multiclass accuracy matches scikit-learn's accuracy_score docstring") {
  // y_pred = [0, 2, 1, 3], y_true = [0, 1, 2, 3] -> 0.5
  const auto st = multiclass_performance(texts({"0", "1", "2", "3"}), texts({"0", "2", "1", "3"}));
  CHECK(st.get("accuracy").value() == 0.5);
  CHECK(st.labelled == 4);
  CHECK(st.correct == 2);
}

TEST_CASE("regression metrics match scikit-learn's docstrings") {
  // y_true = [3, -0.5, 2, 7], y_pred = [2.5, 0.0, 2, 8]:
  //   mean_absolute_error 0.5, mean_squared_error 0.375 (rmse = sqrt(0.375)),
  //   mean_absolute_percentage_error 0.3273809523809524 = (0.5/3 + 0.5/0.5 + 0 + 1/7) / 4.
  // mean error (prediction - label) = (-0.5 + 0.5 + 0 + 1) / 4 = 0.25.
  const std::vector<double> y{3, -0.5, 2, 7}, p{2.5, 0.0, 2, 8};
  const auto st = regression_performance(y, p);
  CHECK(names_of(st.values) == std::vector<std::string>{"mae", "rmse", "mape", "mean_error"});
  CHECK(st.get("mae").value() == 0.5);
  CHECK(st.get("rmse").value() == Approx(std::sqrt(0.375)).epsilon(1e-15));
  CHECK(st.get("mape").value() == Approx(0.3273809523809524).epsilon(1e-15));
  CHECK(st.get("mean_error").value() == 0.25);
  CHECK(st.labelled == 4);
}

// ---- hand-computed example ------------------------------------------------------------------

TEST_CASE("binary classification metrics of a hand-computed example") {
  // row     0    1    2    3    4    5    6    7
  // label   1    1    1    0    0    0    1    0
  // score  .9   .6   .4   .7   .2   .5   .5   .1
  // At threshold 0.5 (score >= 0.5 is positive): predicted 1 1 0 1 0 1 1 0
  //   TP = {0, 1, 6} = 3, FN = {2} = 1, FP = {3, 5} = 2, TN = {4, 7} = 2.
  //   accuracy 5/8, precision 3/5, recall 3/4, f1 = 2·3/(2·3 + 2 + 1) = 2/3.
  // AUC: negatives below each positive (+1/2 per tie): .9 -> 4, .6 -> 3, .4 -> 2, .5 -> 2 + 1/2
  //   = 11.5 of 16 pairs = 0.71875.
  // log loss = -(2 ln .9 + ln .6 + ln .4 + 2 ln .5 + ln .3 + ln .8) / 8 = 0.5564060129644793.
  const std::vector<double> y{1, 1, 1, 0, 0, 0, 1, 0};
  const std::vector<double> s{.9, .6, .4, .7, .2, .5, .5, .1};
  const auto st = binary_classification_performance(y, s);
  CHECK(names_of(st.values) == std::vector<std::string>{"accuracy", "precision", "recall", "f1",
                                                        "roc_auc", "log_loss", "positive_rate",
                                                        "predicted_positive_rate",
                                                        "support_positive", "support_negative"});
  CHECK(st.get("accuracy").value() == 0.625);
  CHECK(st.get("precision").value() == 0.6);
  CHECK(st.get("recall").value() == 0.75);
  CHECK(st.get("f1").value() == Approx(2.0 / 3.0).epsilon(1e-15));
  CHECK(st.get("roc_auc").value() == 0.71875);
  CHECK(st.get("log_loss").value() == Approx(0.5564060129644793).epsilon(1e-14));
  CHECK(st.get("positive_rate").value() == 0.5);
  CHECK(st.get("predicted_positive_rate").value() == 0.625);
  CHECK(st.get("support_positive").value() == 4);
  CHECK(st.get("support_negative").value() == 4);
  REQUIRE(st.confusion);
  CHECK(st.confusion->true_positives == 3);
  CHECK(st.confusion->false_negatives == 1);
  CHECK(st.confusion->false_positives == 2);
  CHECK(st.confusion->true_negatives == 2);
  CHECK(st.correct == 5);
  CHECK(st.rows == 8);
  CHECK(st.labelled == 8);

  SECTION("another threshold moves the confusion matrix, not AUC or log loss") {
    // score >= 0.55: predicted 1 1 0 1 0 0 0 0: TP 2, FN 2, FP 1, TN 3.
    const auto t = binary_classification_performance(y, s, {}, 0.55);
    CHECK(t.get("accuracy").value() == 0.625);
    CHECK(t.get("precision").value() == Approx(2.0 / 3.0).epsilon(1e-15));
    CHECK(t.get("recall").value() == 0.5);
    CHECK(t.get("f1").value() == Approx(4.0 / 7.0).epsilon(1e-15));
    CHECK(t.get("roc_auc") == st.get("roc_auc"));
    CHECK(t.get("log_loss") == st.get("log_loss"));
  }
  SECTION("predicted classes, when given, decide the class instead of the threshold") {
    const std::vector<double> classes{1, 0, 0, 0, 0, 0, 1, 1};  // TP 2, FN 2, FP 1, TN 3
    const auto t = binary_classification_performance(y, s, classes);
    CHECK(t.get("precision").value() == Approx(2.0 / 3.0).epsilon(1e-15));
    CHECK(t.get("recall").value() == 0.5);
    CHECK(t.get("roc_auc").value() == 0.71875);
  }
}

TEST_CASE("log loss clips probabilities like scikit-learn (eps = 1e-15)") {
  // A positive scored 0: -ln(1e-15) = 34.538776394910684. A negative scored 1: the clipped
  // 1 - 1e-15 rounds to 0.999999999999999000799, so -ln(1 - p) = 34.53957599234088.
  CHECK(binary_classification_performance(std::vector<double>{1}, std::vector<double>{0})
            .get("log_loss")
            .value() == Approx(34.538776394910684).epsilon(1e-12));
  CHECK(binary_classification_performance(std::vector<double>{0}, std::vector<double>{1})
            .get("log_loss")
            .value() == Approx(34.53957599234088).epsilon(1e-12));
  // Perfect probabilities cost (almost) nothing.
  CHECK(binary_classification_performance(std::vector<double>{1, 0}, std::vector<double>{1, 0})
            .get("log_loss")
            .value() < 1e-14);
}

TEST_CASE("log loss is absent for scores that are not probabilities; AUC is not") {
  const std::vector<double> y{0, 1, 0, 1}, s{-2.0, 3.0, 0.5, 0.9};
  const auto st = binary_classification_performance(y, s);
  CHECK_FALSE(st.get("log_loss"));
  CHECK(st.get("roc_auc").value() == 1.0);
}

// ---- properties -----------------------------------------------------------------------------

TEST_CASE("roc_auc equals a brute-force O(n^2) count on random data with ties") {
  std::mt19937_64 rng(GENERATE(1u, 2u, 3u, 4u, 5u));
  const int levels = GENERATE(2, 10, 1000);  // few distinct scores: many ties
  std::uniform_int_distribution<int> level(0, levels - 1);
  std::bernoulli_distribution coin(0.3);
  std::vector<double> y(700), s(700);
  for (std::size_t i = 0; i < y.size(); ++i) {
    y[i] = coin(rng) ? 1 : 0;
    s[i] = level(rng) / static_cast<double>(levels) + (y[i] == 1 ? 0.1 : 0.0);
  }
  const double auc = binary_classification_performance(y, s).get("roc_auc").value();
  CHECK(auc == Approx(brute_force_auc(y, s)).epsilon(1e-14));
}

TEST_CASE("roc_auc is invariant to monotone transforms and flips with negated scores") {
  std::mt19937_64 rng(GENERATE(7u, 8u, 9u));
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> y(2000), s(2000);
  for (std::size_t i = 0; i < y.size(); ++i) {
    y[i] = i % 3 == 0 ? 1 : 0;
    s[i] = std::round((noise(rng) + y[i]) * 4) / 4;  // quarter steps: ties
  }
  const double auc = binary_classification_performance(y, s).get("roc_auc").value();
  auto transformed = [&](auto f) {
    std::vector<double> t(s.size());
    std::transform(s.begin(), s.end(), t.begin(), f);
    return binary_classification_performance(y, t).get("roc_auc").value();
  };
  CHECK(transformed([](double v) { return std::exp(v); }) == auc);
  CHECK(transformed([](double v) { return 3 * v + 1; }) == auc);
  CHECK(transformed([](double v) { return v * v * v; }) == auc);
  CHECK(transformed([](double v) { return -v; }) == Approx(1 - auc).epsilon(1e-15));
  CHECK(auc > 0.6);
}

TEST_CASE("f1 is the harmonic mean of precision and recall") {
  std::mt19937_64 rng(GENERATE(11u, 12u, 13u, 14u));
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<double> y(500), s(500);
  for (std::size_t i = 0; i < y.size(); ++i) {
    y[i] = u(rng) < 0.4 ? 1 : 0;
    s[i] = std::clamp(u(rng) * 0.8 + 0.3 * y[i], 0.0, 1.0);
  }
  const double threshold = GENERATE(0.2, 0.5, 0.7);
  const auto st = binary_classification_performance(y, s, {}, threshold);
  const double p = st.get("precision").value(), r = st.get("recall").value();
  REQUIRE(p > 0);
  REQUIRE(r > 0);
  CHECK(st.get("f1").value() == Approx(2 * p * r / (p + r)).epsilon(1e-14));
  // accuracy = (TP + TN) / n and the confusion matrix adds up
  const auto& cm = st.confusion.value();
  CHECK(cm.true_positives + cm.false_positives + cm.true_negatives + cm.false_negatives == 500);
  CHECK(st.get("accuracy").value() ==
        static_cast<double>(cm.true_positives + cm.true_negatives) / 500.0);
}

// ---- odd data -------------------------------------------------------------------------------

TEST_CASE("empty input gives no metrics and no error") {
  const std::vector<double> none;
  const auto b = binary_classification_performance(none, none);
  CHECK(b.values.empty());
  CHECK(b.rows == 0);
  CHECK(regression_performance(none, none).values.empty());
  CHECK(multiclass_performance({}, {}).values.empty());
}

TEST_CASE("one class only: AUC and the undefined ratios are absent") {
  const std::vector<double> y{0, 0, 0}, s{0.1, 0.2, 0.3};
  const auto st = binary_classification_performance(y, s);
  CHECK(st.get("accuracy").value() == 1.0);
  CHECK_FALSE(st.get("precision"));  // nothing predicted positive
  CHECK_FALSE(st.get("recall"));     // no positive
  CHECK_FALSE(st.get("f1"));         // 2·TP + FP + FN = 0
  CHECK_FALSE(st.get("roc_auc"));
  CHECK(st.get("log_loss").value() ==
        Approx(-(std::log(0.9) + std::log(0.8) + std::log(0.7)) / 3).epsilon(1e-14));
  CHECK(st.get("positive_rate").value() == 0.0);
  CHECK(all_finite(st.values));
  // All positive, all predicted negative: precision absent, recall 0, f1 0.
  const auto pos =
      binary_classification_performance(std::vector<double>{1, 1}, std::vector<double>{0.1, 0.2});
  CHECK_FALSE(pos.get("precision"));
  CHECK(pos.get("recall").value() == 0.0);
  CHECK(pos.get("f1").value() == 0.0);
}

TEST_CASE("precision, recall and f1 at the corners of the confusion matrix") {
  // One row per corner, predicted class given: the undefined ratios (0/0) are absent, every
  // defined one has its value. Only true negatives leave f1 undefined like precision and recall
  // (statistics.md), so a window without positives cannot fake an f1_drop.
  struct Row {
    const char* name;
    std::vector<double> labels, predicted;
    std::optional<double> precision, recall, f1;
  };
  const auto row =
      GENERATE(Row{"only true negatives", {0, 0}, {0, 0}, std::nullopt, std::nullopt, std::nullopt},
               Row{"only false positives", {0, 0}, {1, 1}, 0.0, std::nullopt, 0.0},
               Row{"only false negatives", {1, 1}, {0, 0}, std::nullopt, 0.0, 0.0},
               Row{"only true positives", {1, 1}, {1, 1}, 1.0, 1.0, 1.0});
  CAPTURE(row.name);
  const auto st = binary_classification_performance(row.labels, {}, row.predicted);
  CHECK(st.get("precision") == row.precision);
  CHECK(st.get("recall") == row.recall);
  CHECK(st.get("f1") == row.f1);
  PerformanceStatistics reference;
  reference.values = {{"f1", 0.8}, {"precision", 0.9}, {"recall", 0.7}};
  const auto change = performance_change(reference, st);
  CHECK(change.get("f1_drop") == (row.f1 ? std::optional<double>(0.8 - *row.f1) : std::nullopt));
}

TEST_CASE("all-equal scores give AUC 1/2") {
  const std::vector<double> y{0, 1, 0, 1, 1}, s(5, 0.3);
  CHECK(binary_classification_performance(y, s).get("roc_auc").value() == 0.5);
}

TEST_CASE("missing and invalid inputs are skipped and counted") {
  // row:    0    1    2    3      4     5    6     7
  const std::vector<double> y{1, 0, kNaN, kInf, 2, 1, 0, -0.0};
  const std::vector<double> s{0.8, 0.3, 0.5, 0.5, 0.5, kNaN, 0.6, 0.1};
  const auto st = binary_classification_performance(y, s);
  CHECK(st.rows == 8);
  CHECK(st.unlabelled == 2);  // NaN, inf labels
  CHECK(st.skipped == 2);     // label 2, NaN score
  CHECK(st.labelled == 4);    // rows 0, 1, 6, 7 (-0.0 is the negative class)
  // positives {.8}, negatives {.3, .6, .1}: AUC 1; threshold 0.5: TP 1, FP 1 (0.6), TN 2
  CHECK(st.get("roc_auc").value() == 1.0);
  CHECK(st.get("accuracy").value() == 0.75);
  CHECK(all_finite(st.values));

  const std::vector<double> classes{1, kNaN, 0, 0, 0, 1, 3, 0};
  const auto c = binary_classification_performance(y, {}, classes);
  CHECK(c.unlabelled == 2);
  CHECK(c.skipped == 3);  // label 2, predicted NaN, predicted 3
  CHECK(c.labelled == 3);
  CHECK(c.get("accuracy").value() == 1.0);

  const auto r = regression_performance(std::vector<double>{1, kNaN, 3, 4},
                                        std::vector<double>{2, 5, -kInf, 4});
  CHECK(r.unlabelled == 1);
  CHECK(r.skipped == 1);
  CHECK(r.labelled == 2);
  CHECK(r.get("mae").value() == 0.5);

  const auto m =
      multiclass_performance(texts({"a", nullptr, "b", "c"}), texts({"a", "a", nullptr, "d"}));
  CHECK(m.unlabelled == 1);
  CHECK(m.skipped == 1);
  CHECK(m.labelled == 2);
  CHECK(m.get("accuracy").value() == 0.5);
}

TEST_CASE("binary_labels maps text to classes, missing to NaN") {
  const auto y = binary_labels(texts({"yes", "no", nullptr, "Yes", "yes"}), "yes");
  REQUIRE(y.size() == 5);
  CHECK(y[0] == 1);
  CHECK(y[1] == 0);
  CHECK(std::isnan(y[2]));
  CHECK(y[3] == 0);  // bytes, not case-folded
  CHECK(y[4] == 1);
}

TEST_CASE("caller errors throw") {
  const std::vector<double> y{1, 0}, one{0.5};
  CHECK_THROWS_AS(binary_classification_performance(y, one), std::invalid_argument);
  CHECK_THROWS_AS(binary_classification_performance(y, {}, one), std::invalid_argument);
  CHECK_THROWS_AS(binary_classification_performance(y, {}), std::invalid_argument);
  CHECK_THROWS_AS(binary_classification_performance(y, y, {}, kNaN), std::invalid_argument);
  CHECK_THROWS_AS(regression_performance(y, one), std::invalid_argument);
  CHECK_THROWS_AS(multiclass_performance(texts({"a"}), {}), std::invalid_argument);
  CHECK_THROWS_AS(label_delay(y, one), std::invalid_argument);
}

TEST_CASE("regression: zero labels are left out of MAPE only") {
  // errors: 1 (label 0), -2 (label 4), 1 (label 0)
  const auto st =
      regression_performance(std::vector<double>{0, 4, 0}, std::vector<double>{1, 2, 1});
  CHECK(st.get("mae").value() == Approx(4.0 / 3.0).epsilon(1e-15));
  CHECK(st.get("mape").value() == 0.5);  // only |−2| / 4
  CHECK(st.get("mean_error").value() == 0.0);
  const auto zeros = regression_performance(std::vector<double>{0, 0}, std::vector<double>{1, 2});
  CHECK_FALSE(zeros.get("mape"));
  CHECK(zeros.get("mae").value() == 1.5);
}

TEST_CASE("regression: huge errors neither overflow RMSE nor produce NaN") {
  const auto st =
      regression_performance(std::vector<double>{0, 0}, std::vector<double>{1e300, -1e300});
  CHECK(st.get("mae").value() == 1e300);
  CHECK(st.get("rmse").value() == Approx(1e300).epsilon(1e-15));
  CHECK(st.get("mean_error").value() == 0.0);
  // An error beyond the double range (1e308 - -1e308) is absent, never NaN or infinite.
  const auto beyond =
      regression_performance(std::vector<double>{-1e308, 1}, std::vector<double>{1e308, 1});
  CHECK(all_finite(beyond.values));
  CHECK_FALSE(beyond.get("mae"));
  CHECK_FALSE(beyond.get("mean_error"));
}

TEST_CASE("10^6 rows: AUC exact against its closed form") {
  // Labels alternate 0, 1, ... and scores increase with the row, so the positive at row 2k+1
  // has k+1 negatives below it: U = Σ_{k<m} (k+1) = m(m+1)/2 with m = n/2 positives and
  // negatives, AUC = (m+1)/(2m). (Timing: see the report; tests hold no timed assertions.)
  const std::size_t n = 1'000'000, m = n / 2;
  std::vector<double> y(n), s(n);
  for (std::size_t i = 0; i < n; ++i) {
    y[i] = static_cast<double>(i % 2);
    s[i] = static_cast<double>(i) / static_cast<double>(n);
  }
  const auto st = binary_classification_performance(y, s);
  CHECK(st.get("roc_auc").value() ==
        Approx((static_cast<double>(m) + 1) / (2.0 * static_cast<double>(m))).epsilon(1e-15));
  CHECK(st.labelled == n);
  CHECK(st.get("log_loss"));
}

// ---- performance change ---------------------------------------------------------------------

TEST_CASE("performance_change names drops and increases so that larger is worse") {
  PerformanceStatistics ref, cur;
  ref.values = {{"accuracy", 0.9},       {"precision", 0.8}, {"f1", 0.7},
                {"roc_auc", 0.85},       {"log_loss", 0.3},  {"positive_rate", 0.2},
                {"support_positive", 10}};
  cur.values = {{"accuracy", 0.8},       {"precision", 0.85}, {"recall", 0.5},
                {"roc_auc", 0.8},        {"log_loss", 0.45},  {"positive_rate", 0.3},
                {"support_positive", 12}};
  const auto ch = performance_change(ref, cur);
  CHECK(names_of(ch.values) == std::vector<std::string>{"accuracy_drop", "precision_drop",
                                                        "roc_auc_drop", "log_loss_increase"});
  CHECK(ch.get("accuracy_drop").value() == Approx(0.1).epsilon(1e-12));
  CHECK(ch.get("precision_drop").value() == Approx(-0.05).epsilon(1e-12));  // improved
  CHECK(ch.get("roc_auc_drop").value() == Approx(0.05).epsilon(1e-12));
  CHECK(ch.get("log_loss_increase").value() == Approx(0.15).epsilon(1e-12));
  CHECK_FALSE(ch.get("recall_drop"));  // not in the reference
  CHECK_FALSE(ch.get("f1_drop"));      // not in the current

  const std::vector<double> y1{1, 2, 3}, p1{1, 2, 3}, p2{2, 3, 5};
  const auto reg =
      performance_change(regression_performance(y1, p1), regression_performance(y1, p2));
  CHECK(names_of(reg.values) ==
        std::vector<std::string>{"mae_increase", "rmse_increase", "mape_increase"});
  CHECK(reg.get("mae_increase").value() == Approx(4.0 / 3.0).epsilon(1e-15));
  CHECK(reg.get("rmse_increase").value() == Approx(std::sqrt(6.0 / 3.0)).epsilon(1e-15));
  CHECK(reg.get("mape_increase").value() ==
        Approx((1.0 / 1 + 1.0 / 2 + 2.0 / 3) / 3).epsilon(1e-15));
}

// ---- label coverage and delay ---------------------------------------------------------------

TEST_CASE("label coverage") {
  CHECK(label_coverage(3, 4).value() == 0.75);
  CHECK(label_coverage(0, 4).value() == 0.0);
  CHECK(label_coverage(4, 4).value() == 1.0);
  CHECK_FALSE(label_coverage(0, 0));
  CHECK_FALSE(label_coverage(5, 4));
}

TEST_CASE("label delay statistics") {
  // delays: 60, 60, 120, 3600, -5 (label before prediction), and a missing label.
  // sorted: -5, 60, 60, 120, 3600; mean 3835/5 = 767; p50 = 60;
  // p90: index 0.9·4 = 3.6 -> 120 + 0.6·(3600 − 120) = 2208; max 3600.
  const std::vector<double> predicted{0, 10, 20, 30, 100, 50};
  const std::vector<double> labelled{60, 70, 140, 3630, 95, kNaN};
  const auto st = label_delay(predicted, labelled);
  CHECK(names_of(st.values) == std::vector<std::string>{"mean", "p50", "p90", "max"});
  CHECK(st.count == 5);
  CHECK(st.missing == 1);
  CHECK(st.negative == 1);
  CHECK(st.get("mean").value() == 767);
  CHECK(st.get("p50").value() == 60);
  CHECK(st.get("p90").value() == Approx(2208).epsilon(1e-15));
  CHECK(st.get("max").value() == 3600);

  const auto none = label_delay(std::vector<double>{1}, std::vector<double>{kNaN});
  CHECK(none.values.empty());
  CHECK(none.missing == 1);
}
