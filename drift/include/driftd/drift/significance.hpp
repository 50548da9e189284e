#pragma once
// Significance tests for champion/challenger comparisons (issue 8): DeLong's test for two ROC
// AUCs (paired and unpaired), the two-proportion z-test, and a verdict helper.
//
// Pure and thread-compatible. Labels follow binary_classification_performance: 1 positive,
// 0 negative, NaN/±Infinity missing, any other number skipped; scores are any finite reals (a
// higher score means "more likely positive"), NaN/±Infinity skipped. Undefined quantities are
// absent (std::nullopt), never NaN. Columns of different lengths throw std::invalid_argument.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace driftd::drift {

// One ROC AUC with DeLong's (1988) standard error.
struct AucEstimate {
  double auc = 0;  // Mann–Whitney U / (P·N), ties counting 1/2
  // sqrt(S10/P + S01/N), S10 and S01 the sample variances (denominators P − 1 and N − 1) of the
  // placement values of the positives and of the negatives (pROC's ci.auc(method = "delong")).
  // Absent when P < 2 or N < 2.
  std::optional<double> standard_error;
  std::uint64_t positives = 0;  // P
  std::uint64_t negatives = 0;  // N
  std::uint64_t skipped = 0;    // rows left out: missing or invalid label, missing score
};

// The AUC of `scores` against `labels` with its DeLong standard error; nullopt unless both
// classes occur among the usable rows. O(n log n).
std::optional<AucEstimate> delong_auc(std::span<const double> labels,
                                      std::span<const double> scores);

// A comparison of the AUCs of two models. `difference` is challenger − champion, so a positive
// difference favours the challenger.
struct AucComparison {
  AucEstimate champion;
  AucEstimate challenger;
  double difference = 0;
  std::optional<double> standard_error;      // of the difference
  std::optional<double> statistic;           // difference / standard_error
  std::optional<double> degrees_of_freedom;  // unpaired test only
  std::optional<double> p_value;             // two-sided
};

// DeLong's test for two correlated AUCs: both models scored the same rows (the labels are shared).
// A row is used when its label is 0/1 and both scores are finite, so both AUCs are on the same
// rows. The variance of the difference is that of the difference of the paired placement values,
// Var(V10ᶜʰ − V10ᶜᵃ)/P + Var(V01ᶜʰ − V01ᶜᵃ)/N (= L·S·Lᵀ of DeLong et al. 1988), computed in
// O(n log n) from sorted scores as in Sun & Xu (2014). `statistic` is z, `p_value` = 2·(1 − Φ(|z|))
// (Boost.Math normal), matching pROC's roc.test(paired = TRUE, method = "delong").
// When the standard error is 0: identical curves (difference 0) give z = 0 and p = 1 (as pROC);
// a non-zero difference gives p = 0 with z absent. standard_error, statistic and p_value are
// absent when P < 2 or N < 2. nullopt unless both classes occur among the used rows.
std::optional<AucComparison> delong_paired_test(std::span<const double> labels,
                                                std::span<const double> champion_scores,
                                                std::span<const double> challenger_scores);

// DeLong's test for two AUCs measured on independent samples (e.g. champion and challenger each
// served a different share of the traffic). As pROC's roc.test(paired = FALSE): the statistic
// D = difference / sqrt(Var_champion + Var_challenger) (each DeLong's variance of one AUC) follows
// Student's t with Welch–Satterthwaite degrees of freedom
//   df = (V₁ + V₂)² / (V₁² / (n₁ − 1) + V₂² / (n₂ − 1)),  n = P + N of each sample,
// and p_value is two-sided. Zero variance is handled as in the paired test. nullopt unless both
// classes occur in both samples.
std::optional<AucComparison> delong_unpaired_test(std::span<const double> champion_labels,
                                                  std::span<const double> champion_scores,
                                                  std::span<const double> challenger_labels,
                                                  std::span<const double> challenger_scores);

// The two-proportion z-test (e.g. the accuracy of two models on different rows:
// successes = correct predictions, rows = labelled rows).
struct ProportionComparison {
  double champion_rate = 0;    // champion_successes / champion_rows
  double challenger_rate = 0;  // challenger_successes / challenger_rows
  double difference = 0;       // challenger_rate − champion_rate
  // Pooled: sqrt(p̄(1 − p̄)(1/n₁ + 1/n₂)), p̄ the rate of both samples together (statsmodels'
  // proportions_ztest). 0 when p̄ is 0 or 1; then z = 0 and p = 1.
  double standard_error = 0;
  double statistic = 0;  // z = difference / standard_error
  double p_value = 1;    // two-sided, 2·(1 − Φ(|z|))
  std::uint64_t champion_rows = 0;
  std::uint64_t challenger_rows = 0;
};
// nullopt when either sample has no rows or more successes than rows.
std::optional<ProportionComparison> two_proportion_test(std::uint64_t champion_successes,
                                                        std::uint64_t champion_rows,
                                                        std::uint64_t challenger_successes,
                                                        std::uint64_t challenger_rows);

// Welch's t-test of two means (e.g. the absolute errors of two regression models on different
// rows). Non-finite values are skipped. t = (mean_challenger − mean_champion) / sqrt(s₁²/n₁ +
// s₂²/n₂) with sample variances (n − 1), Welch–Satterthwaite degrees of freedom
//   df = (s₁²/n₁ + s₂²/n₂)² / ((s₁²/n₁)² / (n₁ − 1) + (s₂²/n₂)² / (n₂ − 1)),
// two-sided p from Student's t (scipy's ttest_ind(equal_var=False)). When the standard error is 0:
// equal means give t = 0 and p = 1, different means p = 0 with t and df absent.
struct MeanComparison {
  double champion_mean = 0;
  double challenger_mean = 0;
  double difference = 0;  // challenger_mean − champion_mean
  double standard_error = 0;
  std::optional<double> statistic;
  std::optional<double> degrees_of_freedom;
  double p_value = 1;
  std::uint64_t champion_rows = 0;
  std::uint64_t challenger_rows = 0;
};
// nullopt unless each sample has at least two finite values.
std::optional<MeanComparison> welch_t_test(std::span<const double> champion,
                                           std::span<const double> challenger);

// The same test from each sample's size, mean and sample variance (n − 1), e.g. as a database
// aggregates them (avg, var_samp). nullopt unless each sample has at least two values and the
// moments are finite (variances not negative).
struct SampleMoments {
  std::uint64_t count = 0;
  double mean = 0;
  double variance = 0;
};
std::optional<MeanComparison> welch_t_test(const SampleMoments& champion,
                                           const SampleMoments& challenger);

enum class Verdict {
  challenger_better,  // significantly better at the chosen alpha
  challenger_worse,   // significantly worse
  undecided,          // not (yet) known: too few rows, or no significant difference
};
std::string_view to_string(Verdict v);  // "challenger_better", "challenger_worse", "undecided"

struct VerdictOptions {
  double alpha = 0.05;                // significance level of the two-sided test, in (0, 1)
  std::uint64_t min_rows = 100;       // rows below which nothing is decided (each model's sample)
  std::uint64_t min_class_rows = 10;  // AUC tests: positives and negatives each at least this
};

// The generic rule: undecided when `rows` < min_rows or the p-value is absent or not below
// alpha; otherwise better or worse by the sign of `difference` (challenger − champion), read
// with `higher_is_better`. Throws std::invalid_argument when alpha is not in (0, 1).
Verdict challenger_verdict(double difference, std::optional<double> p_value, std::uint64_t rows,
                           bool higher_is_better, const VerdictOptions& options = {});
// AUC: higher is better; rows = the smaller P + N of the two models, and each model needs
// min_class_rows positives and negatives.
Verdict challenger_verdict(const AucComparison& c, const VerdictOptions& options = {});
// Proportions: `higher_is_better` says what a success is (true for accuracy, false for an error
// rate); rows = the smaller sample.
Verdict challenger_verdict(const ProportionComparison& c, bool higher_is_better,
                           const VerdictOptions& options = {});

// Two-sided p-value of a standard normal statistic, 2·(1 − Φ(|z|)), accurate in the far tail;
// NaN for NaN. Exposed for tests and callers with their own z.
double normal_two_sided_p(double z);

}  // namespace driftd::drift
