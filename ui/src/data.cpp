// What the pages compute from the data before rendering it: the alerts and silences documents
// parsed, a monitor's worst statistic, the series a page charts. nlohmann-json stays inside.

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "driftd/ui/pages.hpp"

namespace driftd::ui {
namespace {

using Json = nlohmann::json;

[[noreturn]] void bad(const std::string& what) {
  throw std::runtime_error("unexpected alerts/silences document: " + what);
}

std::string str(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  bad(std::string("\"") + key + "\" is not a string");
}

std::optional<std::string> opt_str(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) bad(std::string("\"") + key + "\" is not a string");
  return it->get<std::string>();
}

std::optional<double> opt_number(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::optional<Timestamp> opt_time(const Json& j, const char* key) {
  const auto s = opt_str(j, key);
  if (!s) return std::nullopt;
  return parse_rfc3339(*s);
}

const Json& list(const Json& doc, const char* key) {
  if (!doc.is_object()) bad("not an object");
  const auto it = doc.find(key);
  if (it == doc.end() || !it->is_array()) bad(std::string("no \"") + key + "\" array");
  return *it;
}

Json parse(std::string_view text) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) bad("not JSON");
  return j;
}

double ratio_of(double value, double level, bool below) {
  constexpr double kHuge = 1e12;
  if (!std::isfinite(value)) return 0;
  if (below) {
    if (value <= 0) return level > 0 ? kHuge : 1;
    return std::min(kHuge, level / value);
  }
  if (level > 0) return std::min(kHuge, value / level);
  if (level == 0) return value > 0 ? kHuge : 1;
  return value > level ? kHuge : 0;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

struct Candidate {
  WorstStatistic w;
  bool better_than(const Candidate& o) const {
    if (w.breached != o.w.breached) return w.breached;
    return w.ratio > o.w.ratio;
  }
};

}  // namespace

bool SilenceView::matches(const AlertView& a) const {
  return active && monitor == a.monitor && (!feature || *feature == a.feature) &&
         (!statistic || *statistic == a.statistic);
}

std::vector<AlertView> parse_alerts(std::string_view text) {
  const Json doc = parse(text);
  std::vector<AlertView> out;
  for (const auto& a : list(doc, "alerts")) {
    if (!a.is_object()) bad("an alert is not an object");
    AlertView v;
    v.id = str(a, "id");
    v.monitor = str(a, "monitor");
    v.feature = str(a, "feature");
    v.statistic = str(a, "statistic");
    v.segment = str(a, "segment");
    v.state = str(a, "state");
    v.severity = str(a, "severity");
    v.value = opt_number(a, "value");
    v.threshold = opt_number(a, "threshold");
    v.below = str(a, "direction") == "below";
    v.started_at = opt_time(a, "started_at");
    v.resolved_at = opt_time(a, "resolved_at");
    v.message = str(a, "message");
    if (const auto it = a.find("top_contributors"); it != a.end() && it->is_array()) {
      for (const auto& c : *it) {
        if (!c.is_object()) continue;
        v.top_contributors.push_back(drift::Contributor{
            str(c, "bin"), opt_number(c, "reference_share").value_or(0),
            opt_number(c, "current_share").value_or(0), opt_number(c, "psi").value_or(0)});
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<SilenceView> parse_silences(std::string_view text) {
  const Json doc = parse(text);
  std::vector<SilenceView> out;
  for (const auto& s : list(doc, "silences")) {
    if (!s.is_object()) bad("a silence is not an object");
    SilenceView v;
    v.id = str(s, "id");
    v.monitor = str(s, "monitor");
    v.feature = opt_str(s, "feature");
    v.statistic = opt_str(s, "statistic");
    v.starts_at = opt_time(s, "starts_at");
    v.ends_at = opt_time(s, "ends_at");
    v.comment = str(s, "comment");
    v.created_by = str(s, "created_by");
    const auto it = s.find("active");
    v.active = it != s.end() && it->is_boolean() && it->get<bool>();
    out.push_back(std::move(v));
  }
  return out;
}

std::optional<double> statistic_value(const drift::Evaluation& e, std::string_view feature,
                                      std::string_view statistic) {
  if (feature == drift::kPredictionName) {
    return e.prediction ? e.prediction->statistics.get(statistic) : std::nullopt;
  }
  if (feature == "__confidence__") {
    return e.confidence ? e.confidence->statistics.get(statistic) : std::nullopt;
  }
  if (feature == drift::kDatasetName) {
    return e.dataset ? drift::value_of(e.dataset->statistics, statistic) : std::nullopt;
  }
  if (feature == drift::kPerformanceName) {
    return e.performance ? drift::value_of(e.performance->alertable(), statistic) : std::nullopt;
  }
  if (feature == drift::kSystemName) {
    return e.system ? drift::value_of(e.system->statistics, statistic) : std::nullopt;
  }
  if (feature == drift::kChallengerName) {
    return e.challenger ? drift::value_of(e.challenger->statistics, statistic) : std::nullopt;
  }
  if (feature == drift::kFreshnessName) {
    return e.freshness ? drift::value_of(e.freshness->statistics, statistic) : std::nullopt;
  }
  if (feature == drift::kMetricsName) {
    // The statistics table's names: "<metric>" is its value, "<metric>.<statistic>" the others.
    const auto dot = statistic.find('.');
    const std::string_view metric = statistic.substr(0, dot);
    const std::string_view which =
        dot == std::string_view::npos ? "value" : statistic.substr(dot + 1);
    for (const auto& m : e.metrics) {
      if (m.name == metric) return drift::value_of(m.statistics, which);
    }
    return std::nullopt;
  }
  for (const auto& f : e.features) {
    if (f.name == feature) return f.statistics.get(statistic);
  }
  return std::nullopt;
}

std::optional<WorstStatistic> worst_statistic(const drift::Evaluation& e,
                                              const std::vector<drift::Threshold>& thresholds) {
  std::optional<Candidate> best;
  auto offer = [&](Candidate c) {
    if (!best || c.better_than(*best)) best = std::move(c);
  };
  // One subject's statistics against the thresholds that apply to them.
  auto consider = [&](const std::string& feature, const drift::NamedValues& values,
                      const std::vector<std::string>& breaches, const drift::FeatureResult* f) {
    for (const auto& t : thresholds) {
      const auto v = drift::value_of(values, t.statistic);
      if (!v) continue;
      std::optional<double> level;
      if (t.learned) {
        if (f != nullptr) level = f->learned_level(t.statistic);
      } else {
        level = t.level;
      }
      if (!level) continue;
      Candidate c;
      c.w.feature = feature;
      c.w.statistic = t.statistic;
      c.w.value = *v;
      c.w.threshold = level;
      c.w.below = t.below();
      c.w.breached = contains(breaches, t.statistic);
      c.w.ratio = ratio_of(*v, *level, t.below());
      offer(std::move(c));
    }
  };
  for (const auto& f : e.features) consider(f.name, f.statistics.values, f.breaches, &f);
  if (e.prediction) {
    consider(std::string(drift::kPredictionName), e.prediction->statistics.values,
             e.prediction->breaches, &*e.prediction);
  }
  if (e.confidence) {
    consider("__confidence__", e.confidence->statistics.values, e.confidence->breaches, nullptr);
  }
  if (e.dataset) {
    consider(std::string(drift::kDatasetName), e.dataset->statistics, e.dataset->breaches, nullptr);
  }
  if (e.performance) {
    consider(std::string(drift::kPerformanceName), e.performance->judged(), e.performance->breaches,
             nullptr);
  }
  if (e.system) {
    consider(std::string(drift::kSystemName), e.system->statistics, e.system->breaches, nullptr);
  }
  if (e.challenger) {
    consider(std::string(drift::kChallengerName), e.challenger->statistics, e.challenger->breaches,
             nullptr);
  }
  if (e.freshness) {
    consider(std::string(drift::kFreshnessName), e.freshness->statistics, e.freshness->breaches,
             nullptr);
  }
  // A business metric against the level it was held to (its own thresholds, not these).
  for (const auto& m : e.metrics) {
    const auto v = drift::value_of(m.statistics, "value");
    if (!v || !m.level || m.status == "insufficient_data" || m.status == "error") continue;
    Candidate c;
    c.w.feature = std::string(drift::kMetricsName);
    c.w.statistic = m.name;
    c.w.value = *v;
    c.w.threshold = m.level;
    c.w.below = m.below;
    c.w.breached = !m.breaches.empty();
    c.w.ratio = ratio_of(*v, *m.level, m.below);
    offer(std::move(c));
  }
  if (best) return best->w;
  // No threshold applies to anything: the largest PSI says most.
  for (const auto& f : e.features) {
    if (const auto psi = f.statistics.get("psi")) {
      Candidate c;
      c.w.feature = f.name;
      c.w.statistic = "psi";
      c.w.value = *psi;
      c.w.ratio = *psi;
      offer(std::move(c));
    }
  }
  if (best) return best->w;
  return std::nullopt;
}

std::vector<drift::StatisticSeries> series_from_evaluations(
    const std::vector<drift::Evaluation>& evaluations, const std::vector<drift::StatisticKey>& keys,
    const drift::SeriesQuery& q) {
  std::vector<drift::StatisticSeries> out;
  out.reserve(keys.size());
  const auto bucket = q.bucket.count();
  for (const auto& key : keys) {
    drift::StatisticSeries s;
    s.key = key;
    // Oldest first; a bucket keeps its worst value at its last evaluation's time.
    std::map<std::int64_t, drift::StatisticPoint> buckets;
    std::vector<drift::StatisticPoint> raw;
    for (auto it = evaluations.rbegin(); it != evaluations.rend(); ++it) {
      const auto& e = *it;
      if (e.monitor != key.monitor) continue;
      if (q.from && e.evaluated_at < *q.from) continue;
      if (q.to && e.evaluated_at > *q.to) continue;
      const auto v = statistic_value(e, key.feature, key.statistic);
      if (!v) continue;
      if (bucket <= 0) {
        raw.push_back({e.evaluated_at, *v});
        continue;
      }
      const auto us = e.evaluated_at.time_since_epoch().count();
      const std::int64_t b = us >= 0 ? us / bucket : -((-us + bucket - 1) / bucket);
      auto [pos, fresh] = buckets.try_emplace(b, drift::StatisticPoint{e.evaluated_at, *v});
      if (!fresh) {
        pos->second.at = std::max(pos->second.at, e.evaluated_at);
        pos->second.value =
            key.below ? std::min(pos->second.value, *v) : std::max(pos->second.value, *v);
      }
    }
    if (bucket > 0) {
      for (const auto& [b, p] : buckets) raw.push_back(p);
    }
    if (raw.size() > q.limit) raw.erase(raw.begin(), raw.end() - static_cast<long>(q.limit));
    s.points = std::move(raw);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<Duration> history_ranges() {
  using namespace std::chrono;
  return {hours(1), hours(6), hours(24), hours(24 * 7), hours(24 * 30)};
}

HistoryChoice parse_history_choice(const std::vector<std::pair<std::string, std::string>>& params,
                                   const std::optional<drift::Evaluation>& e) {
  HistoryChoice c;
  for (const auto& [k, v] : params) {
    if (k == "range") {
      if (const auto d = parse_duration(v)) {
        for (const auto r : history_ranges()) {
          if (r == *d) c.range = r;
        }
      }
    } else if (k == "stat" && e) {
      bool known = false;
      for (const auto& f : e->features) known = known || f.statistics.get(v).has_value();
      if (e->prediction) known = known || e->prediction->statistics.get(v).has_value();
      if (known) c.statistic = v;
    }
  }
  return c;
}

namespace {

bool below_for(const std::vector<drift::Threshold>& thresholds, std::string_view statistic) {
  for (const auto& t : thresholds) {
    if (t.statistic == statistic) return t.below();
  }
  // p-values: small is bad even without a threshold
  return statistic.ends_with("pvalue");
}

}  // namespace

std::vector<drift::StatisticKey> history_keys(const drift::Evaluation& e,
                                              const HistoryChoice& choice,
                                              const std::vector<drift::Threshold>& thresholds) {
  std::vector<drift::StatisticKey> keys;
  auto add = [&](std::string feature, const std::string& statistic) {
    for (const auto& k : keys) {
      if (k.feature == feature && k.statistic == statistic) return;
    }
    keys.push_back({e.monitor, std::move(feature), statistic, below_for(thresholds, statistic)});
  };
  for (const auto& f : e.features) {
    if (f.statistics.get(choice.statistic)) add(f.name, choice.statistic);
  }
  if (e.prediction && e.prediction->statistics.get(choice.statistic)) {
    add(std::string(drift::kPredictionName), choice.statistic);
  }
  // Each section: the statistics that have a threshold, else its headline ones.
  auto section = [&](const std::string& feature, const drift::NamedValues& values,
                     std::vector<std::string> headline) {
    std::vector<std::string> chosen;
    for (const auto& t : thresholds) {
      if (drift::value_of(values, t.statistic) &&
          std::find(chosen.begin(), chosen.end(), t.statistic) == chosen.end())
        chosen.push_back(t.statistic);
    }
    if (chosen.empty()) {
      for (auto& h : headline) {
        if (drift::value_of(values, h)) chosen.push_back(std::move(h));
      }
    }
    for (const auto& s : chosen) add(feature, s);
  };
  if (e.confidence) section("__confidence__", e.confidence->statistics.values, {"mean"});
  if (e.dataset) {
    section(std::string(drift::kDatasetName), e.dataset->statistics, {"drifted_feature_share"});
  }
  if (e.performance) {
    section(std::string(drift::kPerformanceName), e.performance->alertable(),
            {"roc_auc", "accuracy", "mae", "label_coverage"});
  }
  if (e.system) {
    section(std::string(drift::kSystemName), e.system->statistics,
            {"latency_p99", "error_rate", "throughput_per_minute"});
  }
  if (e.challenger) {
    section(std::string(drift::kChallengerName), e.challenger->statistics,
            {"performance_difference", "prediction_psi", "agreement_rate"});
  }
  if (e.freshness) {
    section(std::string(drift::kFreshnessName), e.freshness->statistics,
            {"freshness_seconds", "volume_ratio"});
  }
  for (const auto& m : e.metrics) {
    if (drift::value_of(m.statistics, "value")) add(std::string(drift::kMetricsName), m.name);
  }
  return keys;
}

drift::SeriesQuery history_query(const HistoryChoice& choice, Timestamp now) {
  constexpr std::int64_t kBuckets = 120;
  drift::SeriesQuery q;
  q.from = now - choice.range;
  q.to = now;
  q.limit = kBuckets + 1;  // the range need not start on a bucket's edge
  q.bucket = std::max<Duration>(std::chrono::seconds(1), choice.range / kBuckets);
  return q;
}

}  // namespace driftd::ui
