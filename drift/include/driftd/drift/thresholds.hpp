#pragma once
// The one threshold rule of driftd: when a statistic's value is a breach, when a firing alert on
// it resolves, and how a learned (`auto`) level takes the place of a fixed one. The drift pipeline
// (breaches), the alert engine (fire, resolve) and the retrain decision all ask it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace driftd::drift {

// Statistics by name, in a stable order; an undefined statistic is absent (never NaN).
using NamedValues = std::vector<std::pair<std::string, double>>;
std::optional<double> value_of(const NamedValues& values, std::string_view name);

enum class Severity { low = 0, medium = 1, high = 2, critical = 3 };
std::string_view to_string(Severity s);
std::optional<Severity> parse_severity(std::string_view s);

// A threshold learned from the reference (auto_threshold.hpp) as it applied to one column.
struct AppliedThreshold {
  std::string statistic;
  double value = 0;  // the level: mean + k·stddev
  double mean = 0;
  double stddev = 0;
  std::uint64_t chunks = 0;  // chunks of the reference the statistic was defined on
};

// A threshold on one statistic. Breached when value > level (above) or value < level (below);
// an alert on it fires after `for_count` breaching evaluations in a row and resolves when the
// value is back on the good side of `resolve_level` (hysteresis: in between it stays firing).
struct Threshold {
  enum class Direction { above, below };
  std::string statistic;
  Direction direction = Direction::above;
  double level = 0;
  double resolve_level = 0;  // the loader sets it to `level` unless resolve_below/above is given
  // `auto`: the level is learned per feature from the reference (mean + k·σ of the statistic
  // over `chunks` chunks of it by time, σ floored: auto_threshold.hpp) and carried by each
  // evaluation; `level` is then unused. Features and the prediction only.
  bool learned = false;
  double k = 3;
  int chunks = 20;
  // What alerting does with a breach: consecutive breaching evaluations before firing, and the
  // severity (default: severity_of).
  int for_count = 1;
  std::optional<Severity> severity;

  // A fixed threshold breached above (below) `level`, resolving at the same level.
  static Threshold above(std::string statistic, double level);
  static Threshold below(std::string statistic, double level);

  bool below() const { return direction == Direction::below; }
  bool crossed(double value) const { return below() ? value < level : value > level; }
  bool resolved(double value) const {
    return below() ? value > resolve_level : value < resolve_level;
  }
  // The rule as it applies to a subject whose learned levels are `learned`: a fixed threshold as
  // it is; a learned one at the level learned for its statistic (level and resolve level), or
  // nullopt where none was learned (the rule does not apply there, as an undefined statistic).
  std::optional<Threshold> applied(const std::vector<AppliedThreshold>* learned) const;
};

// The severity of a breach of `t` with `value`: the threshold's own, else for psi high if
// value > 0.25, medium if > 0.1, else low (CONTRACT section 5); other statistics medium.
Severity severity_of(const Threshold& t, double value);

// The statistics of `values` whose thresholds are crossed, each once, in threshold order.
// Learned thresholds apply with the levels in `learned` (none: they do not apply).
std::vector<std::string> breaches_in(const NamedValues& values,
                                     const std::vector<Threshold>& thresholds,
                                     const std::vector<AppliedThreshold>* learned = nullptr);

}  // namespace driftd::drift
