// The threshold rule (thresholds.hpp).

#include "driftd/drift/thresholds.hpp"

#include <algorithm>

namespace driftd::drift {

std::optional<double> value_of(const NamedValues& values, std::string_view name) {
  for (const auto& [n, v] : values) {
    if (n == name) return v;
  }
  return std::nullopt;
}

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::low:
      return "low";
    case Severity::medium:
      return "medium";
    case Severity::high:
      return "high";
    case Severity::critical:
      return "critical";
  }
  return "low";
}

std::optional<Severity> parse_severity(std::string_view s) {
  for (Severity v : {Severity::low, Severity::medium, Severity::high, Severity::critical}) {
    if (to_string(v) == s) return v;
  }
  return std::nullopt;
}

Threshold Threshold::above(std::string statistic, double level) {
  Threshold t;
  t.statistic = std::move(statistic);
  t.level = t.resolve_level = level;
  return t;
}

Threshold Threshold::below(std::string statistic, double level) {
  Threshold t = above(std::move(statistic), level);
  t.direction = Direction::below;
  return t;
}

std::optional<Threshold> Threshold::applied(
    const std::vector<AppliedThreshold>* learned_levels) const {
  if (!learned) return *this;
  if (learned_levels == nullptr) return std::nullopt;
  for (const auto& a : *learned_levels) {
    if (a.statistic != statistic) continue;
    Threshold t = *this;
    t.level = t.resolve_level = a.value;
    return t;
  }
  return std::nullopt;
}

Severity severity_of(const Threshold& t, double value) {
  if (t.severity) return *t.severity;
  if (t.statistic == "psi") {
    if (value > 0.25) return Severity::high;
    if (value > 0.1) return Severity::medium;
    return Severity::low;
  }
  return Severity::medium;
}

std::vector<std::string> breaches_in(const NamedValues& values,
                                     const std::vector<Threshold>& thresholds,
                                     const std::vector<AppliedThreshold>* learned) {
  std::vector<std::string> out;
  for (const auto& configured : thresholds) {
    const auto t = configured.applied(learned);
    if (!t) continue;
    const auto v = value_of(values, t->statistic);
    if (v && t->crossed(*v) && std::find(out.begin(), out.end(), t->statistic) == out.end()) {
      out.push_back(t->statistic);
    }
  }
  return out;
}

}  // namespace driftd::drift
