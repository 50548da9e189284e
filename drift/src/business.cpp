// Business metrics, freshness and volume (business.hpp).

#include "driftd/drift/business.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "driftd/drift/significance.hpp"

namespace driftd::drift {
namespace {

constexpr double kMadToSigma = 1.4826;  // 1 / Φ⁻¹(3/4): MAD → σ for normal data

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::optional<double> get(std::span<const std::optional<double>> a, std::size_t i) {
  return i < a.size() ? a[i] : std::nullopt;
}

std::uint64_t count_of(const std::optional<double>& v) {
  return v && *v > 0 ? static_cast<std::uint64_t>(std::llround(*v)) : 0;
}

// Extensive kinds grow with the window's length (a baseline of another length is scaled);
// intensive ones do not.
bool extensive(MetricKind k) { return k == MetricKind::sum || k == MetricKind::count; }

// A number for a sentence: rates as percentages ("3.1%"), the rest with 3 significant digits.
std::string shown(double v, bool percent) {
  char buf[64];
  if (percent) {
    std::snprintf(buf, sizeof buf, "%.3g%%", v * 100);
  } else if (std::fabs(v) >= 1000 && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  }
  return buf;
}

std::string shown_p(double p) {
  if (p < 0.001) return "p < 0.001";
  char buf[32];
  std::snprintf(buf, sizeof buf, "p = %.2g", p);
  return buf;
}

struct Level {
  const char* name;
  double level;
  double resolve;
  bool below;
  bool relative;
};

}  // namespace

std::string_view to_string(BaselineKind k) {
  switch (k) {
    case BaselineKind::none:
      return "none";
    case BaselineKind::reference:
      return "reference";
    case BaselineKind::hour_of_week:
      return "hour_of_week";
  }
  return "none";
}

std::optional<SeasonalBaseline> seasonal_baseline(std::span<const std::optional<double>> values,
                                                  std::size_t min_used) {
  std::vector<double> v;
  for (const auto& x : values) {
    if (x && std::isfinite(*x)) v.push_back(*x);
  }
  if (v.empty() || v.size() < min_used) return std::nullopt;
  SeasonalBaseline b;
  b.used = v.size();
  b.median = median_of(v);
  std::vector<double> deviations;
  deviations.reserve(v.size());
  for (double x : v) deviations.push_back(std::fabs(x - b.median));
  b.spread = kMadToSigma * median_of(std::move(deviations));
  return b;
}

void add_freshness(Evaluation& e, const FreshnessSpec& spec, const FreshnessInputs& in,
                   const std::vector<Threshold>& thresholds) {
  FreshnessResult r;
  r.checked = spec.freshness;
  r.rows = e.current_window.rows_in_window;
  if (spec.freshness) {
    r.newest_row = in.newest;
    auto age = [](Timestamp at, Timestamp newest) {
      return std::max(0.0, std::chrono::duration<double>(at - newest).count());
    };
    if (in.newest) r.statistics.emplace_back("freshness_seconds", age(e.evaluated_at, *in.newest));
    if (spec.freshness_baseline == BaselineKind::hour_of_week) {
      constexpr auto kWeek = std::chrono::hours(24 * 7);
      std::vector<std::optional<double>> ages;
      for (std::size_t w = 0; w < in.weekly_newest.size(); ++w) {
        const auto& n = in.weekly_newest[w];
        const Timestamp then = e.evaluated_at - static_cast<int>(w + 1) * kWeek;
        ages.push_back(n ? std::optional<double>(age(then, *n)) : std::nullopt);
      }
      r.freshness_baseline_windows = 0;
      if (auto b = seasonal_baseline(ages, std::max<std::size_t>(1, spec.freshness_min_weeks))) {
        r.freshness_baseline_windows = b->used;
        r.statistics.emplace_back("usual_age_seconds", b->median);
        if (in.newest) {
          r.statistics.emplace_back("freshness_excess_seconds",
                                    std::max(0.0, age(e.evaluated_at, *in.newest) - b->median));
        }
      }
    }
  }
  r.statistics.emplace_back("window_rows", static_cast<double>(r.rows));
  if (spec.volume) {
    r.baseline = std::string(to_string(spec.baseline));
    std::optional<double> expected;
    if (spec.baseline == BaselineKind::reference && in.reference_rows) {
      const double current_seconds =
          std::chrono::duration<double>(e.current_window.to - e.current_window.from).count();
      r.baseline_windows = 1;
      if (in.reference_seconds > 0 && current_seconds > 0) {
        expected = static_cast<double>(*in.reference_rows) * current_seconds / in.reference_seconds;
      }
    } else if (spec.baseline == BaselineKind::hour_of_week) {
      // A week without any row is an outage or a holiday, not this hour's normal: left out.
      std::vector<std::optional<double>> weeks;
      for (const auto& w : in.weekly_rows) weeks.push_back(w && *w > 0 ? w : std::nullopt);
      if (auto b = seasonal_baseline(weeks, std::max<std::size_t>(1, spec.min_weeks))) {
        r.baseline_windows = b->used;
        expected = b->median;
      }
    }
    if (expected) {
      r.statistics.emplace_back("baseline_rows", *expected);
      if (*expected > 0) {
        r.statistics.emplace_back("volume_ratio", static_cast<double>(r.rows) / *expected);
      }
    }
  }
  if (e.status != Status::error) {
    r.breaches = breaches_in(r.statistics, thresholds);
    if (!r.breaches.empty() && e.status == Status::ok) e.status = Status::drift;
  }
  e.freshness = std::move(r);
}

std::string_view to_string(MetricKind k) {
  switch (k) {
    case MetricKind::rate:
      return "rate";
    case MetricKind::mean:
      return "mean";
    case MetricKind::sum:
      return "sum";
    case MetricKind::ratio:
      return "ratio";
    case MetricKind::count:
      return "count";
    case MetricKind::sql:
      return "sql";
  }
  return "rate";
}

std::optional<MetricKind> parse_metric_kind(std::string_view s) {
  for (MetricKind k : {MetricKind::rate, MetricKind::mean, MetricKind::sum, MetricKind::ratio,
                       MetricKind::count, MetricKind::sql}) {
    if (to_string(k) == s) return k;
  }
  return std::nullopt;
}

std::vector<Aggregate> metric_aggregates(MetricKind kind, const MetricQuery& q) {
  using F = Aggregate::Function;
  auto of = [&](F f, const std::optional<ColumnRequest>& value) {
    Aggregate a;
    a.function = f;
    a.value = value;
    a.where = q.where;
    return a;
  };
  std::vector<Aggregate> out;
  switch (kind) {
    case MetricKind::rate: {
      out.push_back(of(F::rows, q.value));
      Aggregate m = of(F::matches, q.value);
      m.equals = q.equals;
      m.greater_than = q.greater_than;
      out.push_back(std::move(m));
      break;
    }
    case MetricKind::mean:
      out.push_back(of(F::rows, q.value));
      out.push_back(of(F::mean, q.value));
      out.push_back(of(F::variance, q.value));
      break;
    case MetricKind::sum:
      out.push_back(of(F::rows, q.value));
      out.push_back(of(F::sum, q.value));
      break;
    case MetricKind::ratio:
      out.push_back(of(F::rows, std::nullopt));
      out.push_back(of(F::sum, q.value));
      out.push_back(of(F::sum, q.denominator));
      break;
    case MetricKind::count:
      out.push_back(of(F::rows, q.value));
      break;
    case MetricKind::sql: {
      out.push_back(of(F::rows, std::nullopt));
      Aggregate x = of(F::expression, std::nullopt);
      x.sql = q.sql;
      out.push_back(std::move(x));
      break;
    }
  }
  return out;
}

MetricWindow metric_window(MetricKind kind, std::span<const std::optional<double>> a,
                           double seconds) {
  const std::size_t needed = kind == MetricKind::count                               ? 1
                             : kind == MetricKind::mean || kind == MetricKind::ratio ? 3
                                                                                     : 2;
  if (a.size() < needed) {
    throw std::invalid_argument("a " + std::string(to_string(kind)) + " metric needs " +
                                std::to_string(needed) + " aggregates, got " +
                                std::to_string(a.size()));
  }
  MetricWindow w;
  w.seconds = seconds;
  w.rows = count_of(a[0]);
  switch (kind) {
    case MetricKind::rate:
      w.successes = std::min(w.rows, count_of(a[1]));
      if (w.rows > 0) w.value = static_cast<double>(w.successes) / static_cast<double>(w.rows);
      break;
    case MetricKind::mean:
      if (w.rows > 0) w.value = get(a, 1);
      w.variance = get(a, 2);
      break;
    case MetricKind::sum:
      w.value = get(a, 1).value_or(0.0);
      break;
    case MetricKind::ratio: {
      const auto num = get(a, 1), den = get(a, 2);
      if (num && den && *den != 0) w.value = *num / *den;
      break;
    }
    case MetricKind::count:
      w.value = static_cast<double>(w.rows);
      break;
    case MetricKind::sql:
      if (w.rows > 0) w.value = get(a, 1);
      break;
  }
  if (w.value && !std::isfinite(*w.value)) w.value.reset();
  return w;
}

MetricResult evaluate_metric(const MetricSpec& spec, const MetricWindow& current,
                             std::span<const MetricWindow> baseline) {
  MetricResult r;
  r.name = spec.name;
  r.kind = std::string(to_string(spec.kind));
  r.rows = current.rows;
  r.baseline_kind = std::string(to_string(spec.baseline));
  const bool percent = spec.kind == MetricKind::rate;
  const bool enough = current.value && current.rows >= spec.min_rows;
  if (current.value) r.statistics.emplace_back("value", *current.value);

  // The baseline, and the test of the current value against it.
  std::optional<double> base;
  std::optional<double> p_value;
  if (spec.baseline == BaselineKind::reference && !baseline.empty()) {
    const MetricWindow& b = baseline.front();
    r.baseline_rows = b.rows;
    if (b.value && b.rows >= spec.min_rows) {
      r.baseline_windows = 1;
      base = *b.value;
      if (extensive(spec.kind) && b.seconds > 0 && current.seconds > 0) {
        *base *= current.seconds / b.seconds;
      }
      if (enough && spec.kind == MetricKind::rate) {
        if (auto t = two_proportion_test(b.successes, b.rows, current.successes, current.rows)) {
          r.test = "two_proportion_z";
          r.test_statistic = t->statistic;
          p_value = t->p_value;
        }
      } else if (enough && spec.kind == MetricKind::mean && b.variance && current.variance) {
        if (auto t = welch_t_test(SampleMoments{b.rows, *b.value, *b.variance},
                                  SampleMoments{current.rows, *current.value, *current.variance})) {
          r.test = "welch_t";
          r.test_statistic = t->statistic;
          p_value = t->p_value;
        }
      }
    }
  } else if (spec.baseline == BaselineKind::hour_of_week) {
    // Weeks whose window had too few rows say little of this hour's normal: left out like weeks
    // without rows (a count or a sum needs a row; a rate or a mean min_rows).
    const std::uint64_t week_rows = extensive(spec.kind) ? 1 : spec.min_rows;
    std::vector<std::optional<double>> values;
    std::vector<double> rows;
    for (const auto& w : baseline) {
      const bool usable = w.value && w.rows >= week_rows;
      values.push_back(usable ? w.value : std::nullopt);
      if (usable) rows.push_back(static_cast<double>(w.rows));
    }
    if (auto s = seasonal_baseline(values, std::max<std::size_t>(1, spec.min_weeks))) {
      base = s->median;
      r.baseline_windows = s->used;
      r.baseline_rows = static_cast<std::uint64_t>(std::llround(median_of(rows)));
      if (enough) {
        // The spread of the weeks, never below the noise of the current value itself.
        const double v = *current.value;
        const double n = static_cast<double>(current.rows);
        double noise = 0;
        if (spec.kind == MetricKind::rate) {
          noise = std::sqrt(std::max(v * (1 - v), 1 / n) / n);
        } else if (spec.kind == MetricKind::mean && current.variance) {
          noise = std::sqrt(std::max(0.0, *current.variance) / n);
        } else if (spec.kind == MetricKind::count) {
          noise = std::sqrt(std::max(1.0, v));
        }
        const double spread = std::max(s->spread, noise);
        r.test = "robust_z";
        if (spread > 0) {
          const double z = (v - s->median) / spread;
          r.test_statistic = z;
          p_value = normal_two_sided_p(z);
        } else {
          r.test_statistic = 0.0;
          p_value = v == s->median ? 1.0 : 0.0;
        }
      }
    }
  }
  std::optional<double> change;
  if (base) {
    r.statistics.emplace_back("baseline", *base);
    if (current.value && *base != 0) {
      change = (*current.value - *base) / std::fabs(*base);
      r.statistics.emplace_back("change", *change);
    }
  }
  if (p_value) r.statistics.emplace_back("p_value", *p_value);

  // The thresholds that apply: relative ones need a baseline.
  std::vector<Level> levels;
  if (base) {
    const double scale = std::fabs(*base);
    if (spec.drop) {
      levels.push_back({"drop", *base - scale * *spec.drop,
                        *base - scale * spec.resolve_drop.value_or(*spec.drop), true, true});
    }
    if (spec.rise) {
      levels.push_back({"rise", *base + scale * *spec.rise,
                        *base + scale * spec.resolve_rise.value_or(*spec.rise), false, true});
    }
  }
  if (spec.below) {
    levels.push_back({"below", *spec.below, spec.resolve_above.value_or(*spec.below), true, false});
  }
  if (spec.above) {
    levels.push_back(
        {"above", *spec.above, spec.resolve_below.value_or(*spec.above), false, false});
  }
  if (!enough || levels.empty()) {
    // Nothing to judge: too few rows, or only relative thresholds and no baseline to hold them to.
    const bool has_thresholds = spec.relative() || spec.below || spec.above;
    if (!enough || has_thresholds) r.status = "insufficient_data";
  } else {
    const double v = *current.value;
    const Level* shown_level = nullptr;
    for (const auto& l : levels) {
      const bool crossed = l.below ? v < l.level : v > l.level;
      const bool clear = l.below ? v > l.resolve : v < l.resolve;
      if (!clear) r.cleared = false;
      if (!crossed) continue;
      const bool significant = !l.relative || !p_value || *p_value < spec.alpha;
      (significant ? r.breaches : r.not_significant).push_back(l.name);
      if (significant && shown_level == nullptr) shown_level = &l;
    }
    if (shown_level == nullptr) shown_level = &levels.front();
    r.level = shown_level->level;
    r.below = shown_level->below;
    r.status = !r.breaches.empty()          ? "breach"
               : !r.not_significant.empty() ? "not_significant"
                                            : "ok";
  }

  // The sentence alerts carry.
  if (current.value) {
    std::string m = spec.name + " " + shown(*current.value, percent);
    if (change && base) {
      char pct[32];
      std::snprintf(pct, sizeof pct, "%.2g%%", std::fabs(*change) * 100);
      m += *change == 0
               ? " equals its baseline "
               : std::string(" is ") + pct + (*change < 0 ? " below" : " above") + " its baseline ";
      m += shown(*base, percent);
      if (spec.baseline == BaselineKind::hour_of_week) {
        m += " (the same hour of the week, median of " + std::to_string(r.baseline_windows) +
             " weeks";
        m += p_value ? ", " + shown_p(*p_value) + ")" : ")";
      } else if (p_value) {
        m += " (" + shown_p(*p_value) + ")";
      }
    } else if (r.level) {
      m += std::string(r.below ? " is below " : " is above ") + shown(*r.level, percent);
    }
    r.message = std::move(m);
  }
  return r;
}

void add_metrics(Evaluation& e, std::vector<MetricResult> metrics) {
  for (const auto& m : metrics) {
    if (!m.breaches.empty() && e.status == Status::ok) e.status = Status::drift;
  }
  e.metrics = std::move(metrics);
}

}  // namespace driftd::drift
