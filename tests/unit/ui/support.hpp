#pragma once
// Builders for the ui tests: evaluations with real statistics (the drift module computes them
// from small samples), and string helpers to look into rendered pages.

#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "driftd/drift/evaluation.hpp"
#include "driftd/ui/pages.hpp"

namespace driftd::ui::test {

inline Timestamp at(const char* rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  if (!t) throw std::invalid_argument(rfc3339);
  return *t;
}

inline const Timestamp kNow = at("2026-11-27T12:00:30Z");

inline PageContext context(bool token = false) {
  PageContext c;
  c.now = kNow;
  c.version = "0.1.0-test";
  c.token_required = token;
  return c;
}

// A numerical feature whose current window moved up by `shift` (10 reference-quantile bins).
inline drift::FeatureResult numerical(const std::string& name, double shift, int n = 1000) {
  std::vector<double> ref, cur;
  for (int i = 0; i < n; ++i) {
    ref.push_back(i % 100);
    cur.push_back(i % 100 + shift);
  }
  drift::FeatureResult f;
  f.name = name;
  f.kind = drift::FeatureKind::numerical;
  f.statistics = drift::compare_numerical(drift::freeze_numerical(drift::sort_values(ref), 10),
                                          drift::sort_values(cur));
  const auto psi = f.statistics.get("psi");
  f.status = psi && *psi > 0.2 ? drift::Status::drift : drift::Status::ok;
  if (f.status == drift::Status::drift) f.breaches = {"psi"};
  return f;
}

// A categorical feature with the given categories in the reference and the current window.
inline drift::FeatureResult categorical(const std::string& name,
                                        const std::vector<std::string>& ref_values,
                                        const std::vector<std::string>& cur_values) {
  std::vector<std::optional<std::string>> ref(ref_values.begin(), ref_values.end());
  std::vector<std::optional<std::string>> cur(cur_values.begin(), cur_values.end());
  drift::FeatureResult f;
  f.name = name;
  f.kind = drift::FeatureKind::categorical;
  f.statistics = drift::compare_categorical(drift::freeze_categorical(drift::count_values(ref)),
                                            drift::count_values(cur));
  const auto psi = f.statistics.get("psi");
  f.status = psi && *psi > 0.2 ? drift::Status::drift : drift::Status::ok;
  if (f.status == drift::Status::drift) f.breaches = {"psi"};
  return f;
}

inline drift::Evaluation evaluation(const std::string& monitor,
                                    std::vector<drift::FeatureResult> features) {
  drift::Evaluation e;
  e.monitor = monitor;
  e.evaluated_at = at("2026-11-27T12:00:00Z");
  e.current_window = {at("2026-11-27T11:00:00Z"), e.evaluated_at, 1000, false, 1000};
  e.reference_window = {at("2026-11-20T11:00:00Z"), at("2026-11-20T12:00:00Z"), 1000, false, 1000};
  e.features = std::move(features);
  e.status = drift::Status::ok;
  for (const auto& f : e.features) {
    if (f.status == drift::Status::drift) e.status = drift::Status::drift;
  }
  return e;
}

inline std::vector<drift::Threshold> thresholds() {
  return {drift::Threshold::above("psi", 0.2), drift::Threshold::above("missing_rate", 0.05),
          drift::Threshold::below("ks_pvalue", 0.01)};
}

inline std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) {
    ++n;
  }
  return n;
}

// The markup of the element that starts at the first occurrence of `start` (up to `end`).
inline std::string between(const std::string& s, const std::string& start, const std::string& end) {
  const auto a = s.find(start);
  if (a == std::string::npos) return "";
  const auto b = s.find(end, a + start.size());
  return s.substr(a, b == std::string::npos ? std::string::npos : b + end.size() - a);
}

}  // namespace driftd::ui::test
