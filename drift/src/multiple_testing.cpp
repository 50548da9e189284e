// Bonferroni, Holm and Benjamini–Hochberg adjustments, and the share of drifted features.

#include "driftd/drift/multiple_testing.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace driftd::drift {

std::string_view to_string(PValueCorrection c) {
  switch (c) {
    case PValueCorrection::none:
      return "none";
    case PValueCorrection::bonferroni:
      return "bonferroni";
    case PValueCorrection::holm:
      return "holm";
    case PValueCorrection::benjamini_hochberg:
      return "benjamini_hochberg";
  }
  return "none";
}

std::optional<PValueCorrection> parse_p_value_correction(std::string_view s) {
  for (auto c : {PValueCorrection::none, PValueCorrection::bonferroni, PValueCorrection::holm,
                 PValueCorrection::benjamini_hochberg}) {
    if (to_string(c) == s) return c;
  }
  return std::nullopt;
}

std::vector<std::optional<double>> adjust_p_values(const std::vector<std::optional<double>>& p,
                                                   PValueCorrection correction) {
  // Positions of the present p-values, sorted by value (stably, so ties keep input order; the
  // adjusted values of ties are equal either way).
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (!p[i] || std::isnan(*p[i])) continue;
    if (!(*p[i] >= 0 && *p[i] <= 1)) {
      throw std::invalid_argument("p-value " + std::to_string(*p[i]) + " at position " +
                                  std::to_string(i) + " is outside [0, 1]");
    }
    order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return *p[a] < *p[b]; });
  std::vector<std::optional<double>> out(p.size());
  const std::size_t m = order.size();
  const double md = static_cast<double>(m);
  switch (correction) {
    case PValueCorrection::none:
      for (std::size_t i : order) out[i] = *p[i];
      break;
    case PValueCorrection::bonferroni:
      for (std::size_t i : order) out[i] = std::min(1.0, md * *p[i]);
      break;
    case PValueCorrection::holm: {
      double running = 0;  // cumulative maximum from the smallest p-value up
      for (std::size_t k = 0; k < m; ++k) {
        const double factor = static_cast<double>(m - k);  // m − j + 1 with j = k + 1
        running = std::max(running, std::min(1.0, factor * *p[order[k]]));
        out[order[k]] = running;
      }
      break;
    }
    case PValueCorrection::benjamini_hochberg: {
      double running = 1;  // cumulative minimum from the largest p-value down
      for (std::size_t k = m; k-- > 0;) {
        const double rank = static_cast<double>(k + 1);
        running = std::min(running, std::min(1.0, md / rank * *p[order[k]]));
        out[order[k]] = running;
      }
      break;
    }
  }
  return out;
}

DatasetDrift dataset_drift(const std::vector<std::optional<double>>& p_values,
                           PValueCorrection correction, double alpha) {
  if (!(alpha > 0 && alpha <= 1)) {
    throw std::invalid_argument("alpha must be in (0, 1], got " + std::to_string(alpha));
  }
  DatasetDrift d;
  d.adjusted = adjust_p_values(p_values, correction);
  d.feature_drifted.assign(p_values.size(), false);
  for (std::size_t i = 0; i < d.adjusted.size(); ++i) {
    if (!d.adjusted[i]) continue;
    ++d.tested;
    if (*d.adjusted[i] < alpha) {
      ++d.drifted;
      d.feature_drifted[i] = true;
    }
  }
  if (d.tested > 0) d.share = static_cast<double>(d.drifted) / static_cast<double>(d.tested);
  return d;
}

}  // namespace driftd::drift
