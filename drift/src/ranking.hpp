#pragma once
// Binary labels and the Mann–Whitney placements behind ROC AUC and DeLong's test (private to
// drift).

#include <cstdint>
#include <vector>

namespace driftd::drift::detail {

// A binary label: 1 positive, 0 negative; anything else is not a label of a binary problem.
enum class BinaryLabel { negative, positive, missing, invalid };

// NaN and ±Infinity are missing; 0 and 1 (and -0.0) are the two classes; any other number is
// invalid.
BinaryLabel classify_label(double label);

// Twice the Mann–Whitney U statistic of the positives' scores over the negatives', ties counted
// as 1/2: Σ over positives x of 2·#{negatives < x} + #{negatives == x}. Exact (integers), from
// two ascending samples in one merge.
unsigned __int128 twice_mann_whitney_u(const std::vector<double>& positives_sorted,
                                       const std::vector<double>& negatives_sorted);

// ROC AUC = U / (P·N) rounded once; NaN when either side is empty.
double auc_from_sorted(const std::vector<double>& positives_sorted,
                       const std::vector<double>& negatives_sorted);

// DeLong's placement values (structural components) of each score, in the order given:
//   positive[i] = (#{negatives < x_i} + ½·#{negatives == x_i}) / N   (V10 in DeLong's notation)
//   negative[j] = (#{positives > y_j} + ½·#{positives == y_j}) / P   (V01)
// Their means both equal the AUC. Computed by binary search in the sorted other class (the
// sort-based O(n log n) scheme of Sun & Xu 2014, which derives the same counts from midranks).
struct Placements {
  std::vector<double> positive;
  std::vector<double> negative;
  double auc = 0;  // exact U / (P·N), rounded once
};
Placements placements(const std::vector<double>& positives, const std::vector<double>& negatives);

}  // namespace driftd::drift::detail
