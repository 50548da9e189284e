// DeLong's tests, the two-proportion z-test and the champion/challenger verdict.

#include "driftd/drift/significance.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "numeric.hpp"
#include "ranking.hpp"

namespace driftd::drift {
namespace {

using detail::BinaryLabel;

void check_length(std::size_t expected, std::size_t got, const char* what) {
  if (got != expected) {
    throw std::invalid_argument(std::string(what) + " has " + std::to_string(got) +
                                " entries, the labels " + std::to_string(expected));
  }
}

// The usable rows of one or two score columns, split by class, in row order.
struct Split {
  std::vector<double> positives[2];
  std::vector<double> negatives[2];
  std::uint64_t skipped = 0;
};

Split split_by_class(std::span<const double> labels, std::span<const double> a,
                     std::span<const double> b) {
  Split s;
  const bool two = !b.empty();
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const BinaryLabel l = detail::classify_label(labels[i]);
    const bool usable = (l == BinaryLabel::positive || l == BinaryLabel::negative) &&
                        std::isfinite(a[i]) && (!two || std::isfinite(b[i]));
    if (!usable) {
      ++s.skipped;
      continue;
    }
    auto& side = l == BinaryLabel::positive ? s.positives : s.negatives;
    side[0].push_back(a[i]);
    if (two) side[1].push_back(b[i]);
  }
  return s;
}

// Sample variance (denominator n − 1) of x around `mean`; NaN when n < 2.
double sample_variance(const std::vector<double>& x, double mean) {
  if (x.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  const double ss = detail::pairwise_sum(0, x.size(), [&](std::size_t i) {
    const double d = x[i] - mean;
    return d * d;
  });
  return ss / static_cast<double>(x.size() - 1);
}

// DeLong's variance of one AUC: S10/P + S01/N.
double delong_variance(const detail::Placements& pl) {
  const double p = static_cast<double>(pl.positive.size());
  const double n = static_cast<double>(pl.negative.size());
  return sample_variance(pl.positive, pl.auc) / p + sample_variance(pl.negative, pl.auc) / n;
}

AucEstimate estimate_of(const detail::Placements& pl, std::uint64_t skipped) {
  AucEstimate e;
  e.auc = pl.auc;
  e.positives = pl.positive.size();
  e.negatives = pl.negative.size();
  e.skipped = skipped;
  const double var = delong_variance(pl);
  if (std::isfinite(var)) e.standard_error = std::sqrt(std::max(0.0, var));
  return e;
}

std::vector<double> minus(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  return d;
}

// Fills statistic and p-value from the difference and its standard error; `p_of` maps a finite
// statistic to its two-sided p-value.
template <typename PValue>
void finish_test(AucComparison& c, const PValue& p_of) {
  if (!c.standard_error) return;
  const double se = *c.standard_error;
  if (se > 0) {
    c.statistic = c.difference / se;
    if (!std::isfinite(*c.statistic)) {
      c.statistic.reset();
      c.p_value = 0.0;
    } else {
      c.p_value = p_of(*c.statistic);
    }
  } else if (c.difference == 0) {
    c.statistic = 0.0;  // identical curves: no evidence of a difference (pROC's convention)
    c.p_value = 1.0;
  } else {
    c.p_value = 0.0;  // a difference without any sampling variance
  }
}

double students_t_two_sided_p(double t, double df) {
  if (!std::isfinite(df)) return normal_two_sided_p(t);
  const boost::math::students_t dist(df);
  return std::clamp(2 * boost::math::cdf(boost::math::complement(dist, std::fabs(t))), 0.0, 1.0);
}

}  // namespace

double normal_two_sided_p(double z) {
  if (std::isnan(z)) return std::numeric_limits<double>::quiet_NaN();
  if (std::isinf(z)) return 0.0;
  const boost::math::normal dist;
  return std::clamp(2 * boost::math::cdf(boost::math::complement(dist, std::fabs(z))), 0.0, 1.0);
}

std::optional<AucEstimate> delong_auc(std::span<const double> labels,
                                      std::span<const double> scores) {
  check_length(labels.size(), scores.size(), "scores");
  Split s = split_by_class(labels, scores, {});
  if (s.positives[0].empty() || s.negatives[0].empty()) return std::nullopt;
  return estimate_of(detail::placements(s.positives[0], s.negatives[0]), s.skipped);
}

std::optional<AucComparison> delong_paired_test(std::span<const double> labels,
                                                std::span<const double> champion_scores,
                                                std::span<const double> challenger_scores) {
  check_length(labels.size(), champion_scores.size(), "champion scores");
  check_length(labels.size(), challenger_scores.size(), "challenger scores");
  Split s = split_by_class(labels, champion_scores, challenger_scores);
  if (s.positives[0].empty() || s.negatives[0].empty()) return std::nullopt;
  const auto a = detail::placements(s.positives[0], s.negatives[0]);
  const auto b = detail::placements(s.positives[1], s.negatives[1]);
  AucComparison c;
  c.champion = estimate_of(a, s.skipped);
  c.challenger = estimate_of(b, s.skipped);
  c.difference = b.auc - a.auc;
  // The variance of the difference as the variance of the paired differences of placements:
  // equal to L·S·Lᵀ, but never negative by cancellation, and exactly 0 for identical scores.
  const double p = static_cast<double>(a.positive.size());
  const double n = static_cast<double>(a.negative.size());
  const double var = sample_variance(minus(b.positive, a.positive), c.difference) / p +
                     sample_variance(minus(b.negative, a.negative), c.difference) / n;
  if (std::isfinite(var)) c.standard_error = std::sqrt(std::max(0.0, var));
  finish_test(c, [](double z) { return normal_two_sided_p(z); });
  return c;
}

std::optional<AucComparison> delong_unpaired_test(std::span<const double> champion_labels,
                                                  std::span<const double> champion_scores,
                                                  std::span<const double> challenger_labels,
                                                  std::span<const double> challenger_scores) {
  check_length(champion_labels.size(), champion_scores.size(), "champion scores");
  check_length(challenger_labels.size(), challenger_scores.size(), "challenger scores");
  Split sa = split_by_class(champion_labels, champion_scores, {});
  Split sb = split_by_class(challenger_labels, challenger_scores, {});
  if (sa.positives[0].empty() || sa.negatives[0].empty() || sb.positives[0].empty() ||
      sb.negatives[0].empty()) {
    return std::nullopt;
  }
  const auto a = detail::placements(sa.positives[0], sa.negatives[0]);
  const auto b = detail::placements(sb.positives[0], sb.negatives[0]);
  AucComparison c;
  c.champion = estimate_of(a, sa.skipped);
  c.challenger = estimate_of(b, sb.skipped);
  c.difference = b.auc - a.auc;
  const double va = delong_variance(a), vb = delong_variance(b);
  if (std::isfinite(va) && std::isfinite(vb)) {
    c.standard_error = std::sqrt(std::max(0.0, va + vb));
    const double na = static_cast<double>(c.champion.positives + c.champion.negatives);
    const double nb = static_cast<double>(c.challenger.positives + c.challenger.negatives);
    const double df = (va + vb) * (va + vb) / (va * va / (na - 1) + vb * vb / (nb - 1));
    if (std::isfinite(df) && df > 0) c.degrees_of_freedom = df;
  }
  const std::optional<double> df = c.degrees_of_freedom;
  finish_test(c, [df](double t) {
    return df ? students_t_two_sided_p(t, *df) : std::numeric_limits<double>::quiet_NaN();
  });
  if (c.p_value && std::isnan(*c.p_value)) c.p_value.reset();
  return c;
}

std::optional<ProportionComparison> two_proportion_test(std::uint64_t champion_successes,
                                                        std::uint64_t champion_rows,
                                                        std::uint64_t challenger_successes,
                                                        std::uint64_t challenger_rows) {
  if (champion_rows == 0 || challenger_rows == 0 || champion_successes > champion_rows ||
      challenger_successes > challenger_rows) {
    return std::nullopt;
  }
  ProportionComparison c;
  const double n1 = static_cast<double>(champion_rows), n2 = static_cast<double>(challenger_rows);
  c.champion_rows = champion_rows;
  c.challenger_rows = challenger_rows;
  c.champion_rate = static_cast<double>(champion_successes) / n1;
  c.challenger_rate = static_cast<double>(challenger_successes) / n2;
  c.difference = c.challenger_rate - c.champion_rate;
  const double pooled =
      (static_cast<double>(champion_successes) + static_cast<double>(challenger_successes)) /
      (n1 + n2);
  c.standard_error = std::sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (c.standard_error > 0) {
    c.statistic = c.difference / c.standard_error;
    c.p_value = normal_two_sided_p(c.statistic);
  } else {
    // Every row of both samples succeeded (or none did): the rates are equal.
    c.standard_error = 0;
    c.statistic = 0;
    c.p_value = 1;
  }
  return c;
}

std::optional<MeanComparison> welch_t_test(std::span<const double> champion,
                                           std::span<const double> challenger) {
  auto finite = [](std::span<const double> x) {
    std::vector<double> out;
    out.reserve(x.size());
    for (double v : x) {
      if (std::isfinite(v)) out.push_back(v);
    }
    return out;
  };
  const std::vector<double> a = finite(champion), b = finite(challenger);
  if (a.size() < 2 || b.size() < 2) return std::nullopt;
  auto mean_of = [](const std::vector<double>& x) {
    return detail::pairwise_sum(0, x.size(), [&](std::size_t i) { return x[i]; }) /
           static_cast<double>(x.size());
  };
  const double ma = mean_of(a), mb = mean_of(b);
  return welch_t_test(SampleMoments{a.size(), ma, sample_variance(a, ma)},
                      SampleMoments{b.size(), mb, sample_variance(b, mb)});
}

std::optional<MeanComparison> welch_t_test(const SampleMoments& champion,
                                           const SampleMoments& challenger) {
  if (champion.count < 2 || challenger.count < 2) return std::nullopt;
  if (!std::isfinite(champion.mean) || !std::isfinite(challenger.mean) ||
      !(champion.variance >= 0) || !(challenger.variance >= 0)) {
    return std::nullopt;
  }
  MeanComparison c;
  c.champion_rows = champion.count;
  c.challenger_rows = challenger.count;
  c.champion_mean = champion.mean;
  c.challenger_mean = challenger.mean;
  c.difference = c.challenger_mean - c.champion_mean;
  const double na = static_cast<double>(champion.count);
  const double nb = static_cast<double>(challenger.count);
  const double va = champion.variance / na;
  const double vb = challenger.variance / nb;
  c.standard_error = std::sqrt(va + vb);
  if (c.standard_error > 0 && std::isfinite(c.standard_error)) {
    const double t = c.difference / c.standard_error;
    const double df = (va + vb) * (va + vb) / (va * va / (na - 1) + vb * vb / (nb - 1));
    if (std::isfinite(t) && std::isfinite(df) && df > 0) {
      c.statistic = t;
      c.degrees_of_freedom = df;
      c.p_value = students_t_two_sided_p(t, df);
    } else {
      c.p_value = std::isfinite(t) ? normal_two_sided_p(t) : 0.0;
      if (std::isfinite(t)) c.statistic = t;
    }
  } else if (c.difference == 0) {
    c.standard_error = 0;
    c.statistic = 0.0;
    c.p_value = 1;
  } else {
    c.p_value = 0;  // a difference without any sampling variance
  }
  return c;
}

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::challenger_better:
      return "challenger_better";
    case Verdict::challenger_worse:
      return "challenger_worse";
    case Verdict::undecided:
      return "undecided";
  }
  return "undecided";
}

Verdict challenger_verdict(double difference, std::optional<double> p_value, std::uint64_t rows,
                           bool higher_is_better, const VerdictOptions& options) {
  if (!(options.alpha > 0 && options.alpha < 1)) {
    throw std::invalid_argument("alpha must be in (0, 1), got " + std::to_string(options.alpha));
  }
  if (rows < options.min_rows || !p_value || !(*p_value < options.alpha) || difference == 0 ||
      std::isnan(difference)) {
    return Verdict::undecided;
  }
  return (difference > 0) == higher_is_better ? Verdict::challenger_better
                                              : Verdict::challenger_worse;
}

Verdict challenger_verdict(const AucComparison& c, const VerdictOptions& options) {
  const std::uint64_t rows = std::min(c.champion.positives + c.champion.negatives,
                                      c.challenger.positives + c.challenger.negatives);
  const std::uint64_t smallest_class = std::min(
      {c.champion.positives, c.champion.negatives, c.challenger.positives, c.challenger.negatives});
  const Verdict v = challenger_verdict(c.difference, c.p_value, rows, true, options);
  return smallest_class < options.min_class_rows ? Verdict::undecided : v;
}

Verdict challenger_verdict(const ProportionComparison& c, bool higher_is_better,
                           const VerdictOptions& options) {
  return challenger_verdict(c.difference, c.p_value, std::min(c.champion_rows, c.challenger_rows),
                            higher_is_better, options);
}

}  // namespace driftd::drift
