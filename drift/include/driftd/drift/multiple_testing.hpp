#pragma once
// Multiple-testing corrections of per-feature p-values and the share of drifted features
// ("dataset drift", issue 8). Pure and thread-compatible.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace driftd::drift {

enum class PValueCorrection {
  none,                // p as is
  bonferroni,          // min(1, m·p): family-wise error rate
  holm,                // Holm's step-down: family-wise error rate, uniformly more powerful
  benjamini_hochberg,  // false discovery rate (independent or positively dependent tests)
};
// "none", "bonferroni", "holm", "benjamini_hochberg".
std::string_view to_string(PValueCorrection c);
std::optional<PValueCorrection> parse_p_value_correction(std::string_view s);

// Adjusted p-values, one per input, in the input's order; an absent input (a feature whose test
// was undefined) stays absent, as does a NaN, and neither counts among the m tests. With
// p₍₁₎ ≤ … ≤ p₍ₘ₎ the present p-values sorted ascending (R's p.adjust, statsmodels'
// multipletests):
//   bonferroni:          min(1, m·p₍ᵢ₎)
//   holm:                max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎)
//   benjamini_hochberg:  min over j ≥ i of min(1, m/j·p₍ⱼ₎)
// Tied p-values get the same adjusted value. Every adjusted value is ≥ its raw one and ≤ 1.
// Throws std::invalid_argument for a finite value outside [0, 1].
std::vector<std::optional<double>> adjust_p_values(const std::vector<std::optional<double>>& p,
                                                   PValueCorrection correction);

struct DatasetDrift {
  std::uint64_t tested = 0;     // features with a p-value
  std::uint64_t drifted = 0;    // features whose adjusted p-value is below alpha
  std::optional<double> share;  // drifted / tested; absent when no feature was tested
  std::vector<std::optional<double>> adjusted;  // per feature, as adjust_p_values
  std::vector<bool> feature_drifted;            // per feature; false when untested
};

// Which features drift, after correcting their p-values (e.g. ks_pvalue of numerical features and
// chi2_pvalue of categorical ones, mixed freely) for testing many at once. A feature drifts when
// its adjusted p-value is strictly below `alpha`, as driftd's `below` thresholds compare
// (for Benjamini–Hochberg this is the step-up rule at false discovery rate alpha). Throws
// std::invalid_argument when alpha is not in (0, 1] or a p-value is outside [0, 1].
DatasetDrift dataset_drift(const std::vector<std::optional<double>>& p_values,
                           PValueCorrection correction, double alpha = 0.05);

}  // namespace driftd::drift
