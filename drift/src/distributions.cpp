// Tail probabilities of the asymptotic Kolmogorov and chi-square distributions.

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>
#include <limits>
#include <numbers>

#include "driftd/drift/statistics.hpp"

namespace driftd::drift {

// Boost 1.74 has no Kolmogorov distribution (it arrived in 1.75) nor Jacobi theta functions, so
// this is the two-series evaluation scipy uses (cephes kolmogorov.c, behind kstwobign.sf):
//   x > 0.82:  Q(x) = 2 Σ_{k≥1} (-1)^(k-1) e^(-2k²x²), summed as 2v(1 - v³(1 - v⁵(1 - v⁷…)))
//              with v = e^(-2x²): every factor is in (0, 1], so the sum keeps full relative
//              precision even at 1e-300 and never turns negative;
//   x ≤ 0.82:  the Jacobi-theta transform of the same function, 1 - Q(x) =
//              (√(2π)/x) Σ_{k≥1} e^(-(2k-1)²π²/(8x²)), which converges in a few terms where the
//              alternating series would need many and would cancel.
// Both keep at least 1e-15 relative accuracy at the cut-over. Below x ≈ 0.0406 e^(-π²/(8x²))
// underflows and Q is 1 to the last bit; above x ≈ 19.3 Q underflows to 0.
double kolmogorov_sf(double x) {
  if (std::isnan(x)) return std::numeric_limits<double>::quiet_NaN();
  if (x <= 0) return 1.0;
  constexpr double kCutOver = 0.82;
  constexpr double kPi = std::numbers::pi;
  if (x <= kCutOver) {
    const double log_u = -kPi * kPi / (8 * x * x);
    if (log_u < -745) return 1.0;  // u underflows: the CDF is below the smallest subnormal
    const double w = std::sqrt(2 * kPi) / x;
    const double u8 = std::exp(8 * log_u);
    // 1 + u^8 + u^24 + u^48 + u^80: u^8 = e^(-π²/x²) ≤ 4.2e-7 up to the cut-over, so the
    // omitted u^120 term is far below double precision.
    const double u16 = u8 * u8;
    const double series = 1 + u8 * (1 + u16 * (1 + u8 * u16 * (1 + u16 * u16)));
    const double cdf = w * std::exp(log_u) * series;
    return std::clamp(1 - cdf, 0.0, 1.0);
  }
  const double v = std::exp(-2 * x * x);
  // Successive terms differ by the factor v^(k²)/v^((k-1)²) = v^(2k-1). Six terms: at the
  // cut-over v ≈ 0.26, and the first omitted one, v^49, is 1e-28 of the first.
  double p = 1.0;
  for (int k = 6; k >= 2; --k) p = 1 - std::pow(v, 2 * k - 1) * p;
  return std::clamp(2 * v * p, 0.0, 1.0);
}

double chi2_sf(double x, double dof) {
  if (std::isnan(x) || !(dof > 0) || !std::isfinite(dof)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (x <= 0) return 1.0;
  if (std::isinf(x)) return 0.0;
  try {
    const boost::math::chi_squared dist(dof);
    return boost::math::cdf(boost::math::complement(dist, x));
  } catch (const std::exception&) {
    // Boost's default policy throws on evaluation errors; the caller omits a NaN p-value.
    return std::numeric_limits<double>::quiet_NaN();
  }
}

}  // namespace driftd::drift
