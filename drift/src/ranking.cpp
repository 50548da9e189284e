// Mann–Whitney counts and DeLong placements shared by performance and significance.

#include "ranking.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "driftd/drift/statistics.hpp"

namespace driftd::drift::detail {

BinaryLabel classify_label(double label) {
  if (!std::isfinite(label)) return BinaryLabel::missing;
  if (label == 1) return BinaryLabel::positive;
  if (label == 0) return BinaryLabel::negative;
  return BinaryLabel::invalid;
}

unsigned __int128 twice_mann_whitney_u(const std::vector<double>& positives_sorted,
                                       const std::vector<double>& negatives_sorted) {
  unsigned __int128 twice_u = 0;
  std::size_t below = 0;  // negatives strictly below the current positive
  const std::size_t n = negatives_sorted.size();
  std::size_t i = 0;
  while (i < positives_sorted.size()) {
    const double x = positives_sorted[i];
    std::size_t run = i + 1;  // positives equal to x
    while (run < positives_sorted.size() && positives_sorted[run] == x) ++run;
    while (below < n && negatives_sorted[below] < x) ++below;
    std::size_t upto = below;  // negatives <= x
    while (upto < n && negatives_sorted[upto] == x) ++upto;
    const auto count = static_cast<unsigned __int128>(run - i);
    twice_u += count * (2 * static_cast<unsigned __int128>(below) + (upto - below));
    i = run;
  }
  return twice_u;
}

namespace {

double ratio(unsigned __int128 twice_u, std::size_t p, std::size_t n) {
  if (p == 0 || n == 0) return std::numeric_limits<double>::quiet_NaN();
  // P·N < 2^64 for any input that fits in memory; the ratio is then one rounding of an exact
  // value up to the conversions, each exact below 2^53 and within half an ulp above.
  const auto denominator = 2 * static_cast<unsigned __int128>(p) * n;
  return static_cast<double>(twice_u) / static_cast<double>(denominator);
}

}  // namespace

double auc_from_sorted(const std::vector<double>& positives_sorted,
                       const std::vector<double>& negatives_sorted) {
  return ratio(twice_mann_whitney_u(positives_sorted, negatives_sorted), positives_sorted.size(),
               negatives_sorted.size());
}

Placements placements(const std::vector<double>& positives, const std::vector<double>& negatives) {
  const std::vector<double> pos = sort_values(positives).values;
  const std::vector<double> neg = sort_values(negatives).values;
  Placements out;
  const std::size_t p = pos.size(), n = neg.size();
  out.auc = ratio(twice_mann_whitney_u(pos, neg), p, n);
  out.positive.reserve(positives.size());
  out.negative.reserve(negatives.size());
  const double two_n = 2.0 * static_cast<double>(n), two_p = 2.0 * static_cast<double>(p);
  for (double x : positives) {
    const auto lo = std::lower_bound(neg.begin(), neg.end(), x);
    const auto hi = std::upper_bound(lo, neg.end(), x);
    const double twice = 2.0 * static_cast<double>(lo - neg.begin()) + static_cast<double>(hi - lo);
    out.positive.push_back(twice / two_n);
  }
  for (double y : negatives) {
    const auto lo = std::lower_bound(pos.begin(), pos.end(), y);
    const auto hi = std::upper_bound(lo, pos.end(), y);
    const double twice = 2.0 * static_cast<double>(pos.end() - hi) + static_cast<double>(hi - lo);
    out.negative.push_back(twice / two_p);
  }
  return out;
}

}  // namespace driftd::drift::detail
