#pragma once
// Floating-point helpers shared by the statistics (private to drift).

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace driftd::drift::detail {

inline constexpr std::uint64_t kExponentMask = 0x7FF0'0000'0000'0000ULL;
inline constexpr std::uint64_t kSignBit = 0x8000'0000'0000'0000ULL;
// invalid_value(): a quiet NaN whose payload spells "INVALD" in ASCII, so it stands out in a hex
// dump and is never produced by arithmetic (which yields the default NaN 0x7FF8'0000'0000'0000).
inline constexpr std::uint64_t kInvalidBits = 0x7FF8'4956'414C'4444ULL;

// NaN (any payload) and ±Infinity share the all-ones exponent: one test finds every missing value.
inline bool is_missing_bits(std::uint64_t bits) { return (bits & kExponentMask) == kExponentMask; }

// Maps a finite double to an unsigned key with the same order. -0.0 must have been turned into
// +0.0 before, or the two zeros would sort as distinct values.
inline std::uint64_t order_key(double v) {
  const auto bits = std::bit_cast<std::uint64_t>(v);
  const auto mask = static_cast<std::uint64_t>(static_cast<std::int64_t>(bits) >> 63) | kSignBit;
  return bits ^ mask;
}

inline double from_order_key(std::uint64_t key) {
  const auto mask = static_cast<std::uint64_t>(static_cast<std::int64_t>(~key) >> 63) | kSignBit;
  return std::bit_cast<double>(key ^ mask);
}

// numpy's pairwise summation (numpy/core/src/umath/loops_utils.h), so that means and variances
// agree with numpy's to a few ulps rather than to the O(n·eps) error of a naive loop.
// `term(i)` yields the i-th addend.
template <typename Term>
double pairwise_sum(std::size_t begin, std::size_t n, const Term& term) {
  constexpr std::size_t kBlock = 128;
  if (n < 8) {
    double res = 0.;
    for (std::size_t i = 0; i < n; ++i) res += term(begin + i);
    return res;
  }
  if (n <= kBlock) {
    double r[8];
    for (std::size_t j = 0; j < 8; ++j) r[j] = term(begin + j);
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (std::size_t j = 0; j < 8; ++j) r[j] += term(begin + i + j);
    }
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += term(begin + i);
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(begin, n2, term) + pairwise_sum(begin + n2, n - n2, term);
}

// A power of two that brings `magnitude` near 2^target when it is far outside ±2^limit, else 1.
// Multiplying by a power of two is exact (barring underflow of values negligible next to
// `magnitude`), so scaled sums, squares and differences cannot overflow and the results are the
// unscaled ones whenever no scaling was needed.
inline double power_of_two_scale(double magnitude, int limit, int target) {
  if (!(magnitude > 0) || !std::isfinite(magnitude)) return 1.0;
  const int e = std::ilogb(magnitude);
  // Kept a normal double itself: 2^1072 (to lift a subnormal to 1) is not representable.
  if (e > limit || e < -limit) return std::ldexp(1.0, std::clamp(target - e, -1022, 1023));
  return 1.0;
}

struct Moments {
  double mean = 0;
  double stddev = 0;  // population
};
// Mean and population standard deviation of ascending values (0 and 0 when empty), computed
// like numpy's mean/std and without overflow on huge magnitudes.
Moments moments_of(const std::vector<double>& sorted);

}  // namespace driftd::drift::detail
