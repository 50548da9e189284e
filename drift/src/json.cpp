// Evaluation <-> JSON (CONTRACT section 3's `evaluation`). nlohmann-json stays inside this file.
//
// ordered_json keeps the members in the order written here and the statistics in the order the
// statistics functions produced them, so the same Evaluation always gives the same bytes; doubles
// are printed in their shortest round-trip form, so parsing gives back the same doubles.

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "driftd/drift/evaluation.hpp"

namespace driftd::drift {
namespace {

using Json = nlohmann::ordered_json;

[[noreturn]] void bad(const std::string& what) {
  throw std::runtime_error("malformed evaluation JSON: " + what);
}

Json window_json(const WindowInfo& w) {
  Json j = Json::object();
  j["from"] = format_rfc3339(w.from);
  j["to"] = format_rfc3339(w.to);
  j["rows"] = w.rows;
  j["sampled"] = w.sampled;
  j["rows_in_window"] = w.rows_in_window;
  return j;
}

Json statistics_json(const std::vector<std::pair<std::string, double>>& values) {
  Json j = Json::object();
  for (const auto& [name, v] : values) {
    if (std::isfinite(v)) j[name] = v;  // JSON has no NaN; undefined statistics are absent
  }
  return j;
}

Json breaches_json(const std::vector<std::string>& breaches) {
  Json j = Json::array();
  for (const auto& b : breaches) j.push_back(b);
  return j;
}

Json numbers_json(const std::vector<double>& values) {
  Json j = Json::array();
  for (double v : values) j.push_back(v);
  return j;
}

// Numerical: {"edges", "point_masses" (when there are any), "reference", "current"}; categorical:
// {"categories", "reference", "current"} and, when more categories were seen, "other":
// {"categories", "reference", "current"}.
Json bins_json(const BinShares& b, FeatureKind kind) {
  Json j = Json::object();
  if (kind == FeatureKind::numerical) {
    j["edges"] = numbers_json(b.edges);
    if (!b.point_masses.empty()) j["point_masses"] = numbers_json(b.point_masses);
  } else {
    Json names = Json::array();
    for (const auto& c : b.categories) names.push_back(c);
    j["categories"] = std::move(names);
  }
  j["reference"] = numbers_json(b.reference);
  j["current"] = numbers_json(b.current);
  if (kind == FeatureKind::categorical && b.other_categories > 0) {
    j["other"] = {{"categories", b.other_categories},
                  {"reference", b.other_reference},
                  {"current", b.other_current}};
  }
  return j;
}

Json feature_json(const FeatureResult& f, bool with_name) {
  Json j = Json::object();
  if (with_name) j["name"] = f.name;
  j["kind"] = to_string(f.kind);
  j["status"] = to_string(f.status);
  j["statistics"] = statistics_json(f.statistics.values);
  j["breaches"] = breaches_json(f.breaches);
  j["rows"] = {{"reference", f.statistics.reference_count},
               {"current", f.statistics.current_count}};
  Json top = Json::array();
  for (const auto& c : f.statistics.top_contributors) {
    top.push_back({{"bin", c.bin},
                   {"reference_share", c.reference_share},
                   {"current_share", c.current_share},
                   {"psi", c.psi}});
  }
  j["top_contributors"] = std::move(top);
  if (!f.statistics.bins.empty()) j["bins"] = bins_json(f.statistics.bins, f.kind);
  if (!f.thresholds.empty()) {
    // In the canonical order, as they are read back.
    auto sorted = f.thresholds;
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return statistic_rank(a.statistic) < statistic_rank(b.statistic);
    });
    Json th = Json::object();
    for (const auto& t : sorted) {
      th[t.statistic] = {{"value", t.value},
                         {"learned", true},
                         {"mean", t.mean},
                         {"stddev", t.stddev},
                         {"chunks", t.chunks}};
    }
    j["thresholds"] = std::move(th);
  }
  return j;
}

const Json& member(const Json& j, const char* key) {
  if (!j.is_object()) bad(std::string("expected an object holding \"") + key + "\"");
  const auto it = j.find(key);
  if (it == j.end()) bad(std::string("missing \"") + key + "\"");
  return *it;
}

std::string text(const Json& j, const char* key) {
  const Json& v = member(j, key);
  if (!v.is_string()) bad(std::string("\"") + key + "\" is not a string");
  return v.get<std::string>();
}

double number(const Json& v, const std::string& key) {
  if (!v.is_number()) bad("\"" + key + "\" is not a number");
  const double d = v.get<double>();
  // to_json never writes one (1e999 parses as infinity): the text was not ours.
  if (!std::isfinite(d)) bad("\"" + key + "\" is not a finite number");
  return d;
}

std::uint64_t count(const Json& j, const char* key) {
  const Json& v = member(j, key);
  if (!v.is_number_unsigned()) bad(std::string("\"") + key + "\" is not a count");
  return v.get<std::uint64_t>();
}

Timestamp time_of(const Json& j, const char* key) {
  const auto t = parse_rfc3339(text(j, key));
  if (!t) bad(std::string("\"") + key + "\" is not an RFC 3339 time");
  return *t;
}

Status status_of(const Json& j) {
  const auto s = parse_status(text(j, "status"));
  if (!s) bad("unknown status");
  return *s;
}

WindowInfo window_of(const Json& j) {
  WindowInfo w;
  w.from = time_of(j, "from");
  w.to = time_of(j, "to");
  w.rows = count(j, "rows");
  const Json& sampled = member(j, "sampled");
  if (!sampled.is_boolean()) bad("\"sampled\" is not a boolean");
  w.sampled = sampled.get<bool>();
  w.rows_in_window = j.contains("rows_in_window") ? count(j, "rows_in_window") : w.rows;
  return w;
}

// JSON read back from a store that reorders keys (PostgreSQL's jsonb does) is put back in the
// catalog's order, the one the statistics functions produce, so it serialises to the same bytes.
void canonical_order(std::vector<std::pair<std::string, double>>& values) {
  std::stable_sort(values.begin(), values.end(), [](const auto& a, const auto& b) {
    return statistic_rank(a.first) < statistic_rank(b.first);
  });
}

std::vector<std::pair<std::string, double>> statistics_of(const Json& j) {
  if (!j.is_object()) bad("statistics are not an object");
  std::vector<std::pair<std::string, double>> values;
  for (const auto& [k, v] : j.items()) values.emplace_back(k, number(v, k));
  canonical_order(values);
  return values;
}

std::vector<std::string> breaches_of(const Json& j) {
  const Json& b = member(j, "breaches");
  if (!b.is_array()) bad("\"breaches\" is not an array");
  std::vector<std::string> out;
  for (const auto& x : b) {
    if (!x.is_string()) bad("a breach is not a string");
    out.push_back(x.get<std::string>());
  }
  return out;
}

std::vector<double> numbers_of(const Json& j, const char* key) {
  const Json& a = member(j, key);
  if (!a.is_array()) bad(std::string("\"") + key + "\" is not an array");
  std::vector<double> out;
  out.reserve(a.size());
  for (const auto& v : a) out.push_back(number(v, key));
  return out;
}

BinShares bins_of(const Json& j, FeatureKind kind) {
  if (!j.is_object()) bad("\"bins\" is not an object");
  BinShares b;
  b.reference = numbers_of(j, "reference");
  b.current = numbers_of(j, "current");
  if (b.reference.empty() || b.current.size() != b.reference.size())
    bad("\"bins\" needs as many current as reference shares, at least one");
  if (kind == FeatureKind::numerical) {
    b.edges = numbers_of(j, "edges");
    if (j.contains("point_masses")) {
      b.point_masses = numbers_of(j, "point_masses");
      for (double p : b.point_masses) {
        if (!std::binary_search(b.edges.begin(), b.edges.end(), p))
          bad("a point mass of \"bins\" is not one of its edges");
      }
    }
    if (b.edges.size() + b.point_masses.size() + 1 != b.reference.size())
      bad("\"bins\" needs one share per bin: edges + point masses + 1");
  } else {
    const Json& names = member(j, "categories");
    if (!names.is_array()) bad("\"categories\" is not an array");
    for (const auto& n : names) {
      if (!n.is_string()) bad("a category is not a string");
      b.categories.push_back(n.get<std::string>());
    }
    if (b.categories.size() != b.reference.size()) bad("\"bins\" needs one share per category");
    if (j.contains("other")) {
      const Json& other = member(j, "other");
      b.other_categories = count(other, "categories");
      if (b.other_categories == 0) bad("\"other\" of \"bins\" holds no category");
      b.other_reference = number(member(other, "reference"), "reference");
      b.other_current = number(member(other, "current"), "current");
    }
  }
  return b;
}

FeatureResult feature_of(const Json& j, bool with_name) {
  FeatureResult f;
  f.name = with_name ? text(j, "name") : std::string(kPredictionName);
  const std::string kind = text(j, "kind");
  if (kind == "numerical") {
    f.kind = FeatureKind::numerical;
  } else if (kind == "categorical") {
    f.kind = FeatureKind::categorical;
  } else {
    bad("unknown kind " + kind);
  }
  f.status = status_of(j);
  f.statistics.values = statistics_of(member(j, "statistics"));
  f.breaches = breaches_of(j);
  if (j.contains("rows")) {
    const Json& rows = member(j, "rows");
    f.statistics.reference_count = count(rows, "reference");
    f.statistics.current_count = count(rows, "current");
  }
  f.statistics.distribution_defined =
      f.statistics.reference_count > 0 && f.statistics.current_count > 0;
  if (j.contains("thresholds")) {
    const Json& th = member(j, "thresholds");
    if (!th.is_object()) bad("\"thresholds\" is not an object");
    for (const auto& [name, t] : th.items()) {
      AppliedThreshold a;
      a.statistic = name;
      a.value = number(member(t, "value"), "value");
      a.mean = number(member(t, "mean"), "mean");
      a.stddev = number(member(t, "stddev"), "stddev");
      a.chunks = count(t, "chunks");
      f.thresholds.push_back(std::move(a));
    }
    std::stable_sort(f.thresholds.begin(), f.thresholds.end(), [](const auto& a, const auto& b) {
      return statistic_rank(a.statistic) < statistic_rank(b.statistic);
    });
  }
  if (j.contains("bins")) f.statistics.bins = bins_of(member(j, "bins"), f.kind);
  if (j.contains("top_contributors")) {
    const Json& top = member(j, "top_contributors");
    if (!top.is_array()) bad("\"top_contributors\" is not an array");
    for (const auto& c : top) {
      f.statistics.top_contributors.push_back(Contributor{
          text(c, "bin"), number(member(c, "reference_share"), "reference_share"),
          number(member(c, "current_share"), "current_share"), number(member(c, "psi"), "psi")});
    }
  }
  return f;
}

Json dataset_json(const DatasetResult& d) {
  Json j = Json::object();
  j["drifted_features"] = d.drifted;
  j["tested_features"] = d.tested;
  j["share"] = d.tested > 0 ? Json(static_cast<double>(d.drifted) / static_cast<double>(d.tested))
                            : Json(nullptr);
  j["correction"] = to_string(d.correction);
  j["alpha"] = d.alpha;
  Json names = Json::array();
  for (const auto& n : d.drifted_features) names.push_back(n);
  j["drifted"] = std::move(names);
  j["statistics"] = statistics_json(d.statistics);
  j["breaches"] = breaches_json(d.breaches);
  return j;
}

std::vector<std::string> strings_of(const Json& j, const char* key) {
  const Json& a = member(j, key);
  if (!a.is_array()) bad(std::string("\"") + key + "\" is not an array");
  std::vector<std::string> out;
  for (const auto& x : a) {
    if (!x.is_string()) bad(std::string("an element of \"") + key + "\" is not a string");
    out.push_back(x.get<std::string>());
  }
  return out;
}

double number_of(const Json& j, const char* key) { return number(member(j, key), key); }

DatasetResult dataset_of(const Json& j) {
  DatasetResult d;
  d.drifted = count(j, "drifted_features");
  d.tested = count(j, "tested_features");
  const auto c = parse_p_value_correction(text(j, "correction"));
  if (!c) bad("unknown correction");
  d.correction = *c;
  d.alpha = number_of(j, "alpha");
  d.drifted_features = strings_of(j, "drifted");
  d.statistics = statistics_of(member(j, "statistics"));
  d.breaches = breaches_of(j);
  return d;
}

Json performance_json(const PerformanceResult& p) {
  Json j = Json::object();
  j["task"] = p.task;
  j["status"] = to_string(p.status);
  j["rows"] = p.rows;
  j["labelled_rows"] = p.labelled;
  j["unlabelled_rows"] = p.unlabelled;
  j["skipped_rows"] = p.skipped;
  const auto coverage = value_of(p.statistics, "label_coverage");
  j["label_coverage"] = coverage ? Json(*coverage) : Json(nullptr);
  Json delay = Json::object();
  for (const char* q : {"mean", "p50", "p90", "max"}) {
    if (auto v = value_of(p.statistics, std::string("label_delay_") + q)) delay[q] = *v;
  }
  j["label_delay_seconds"] = delay.empty() ? Json(nullptr) : std::move(delay);
  j["statistics"] = statistics_json(p.statistics);
  Json ref = Json::object();
  ref["rows"] = p.reference_rows;
  ref["labelled_rows"] = p.reference_labelled;
  ref["statistics"] = statistics_json(p.reference);
  j["reference"] = std::move(ref);
  j["changes"] = statistics_json(p.changes);
  j["breaches"] = breaches_json(p.breaches);
  if (p.window) j["window"] = window_json(*p.window);  // labels.delay
  if (p.labels_settled) j["labels_settled"] = true;
  if (p.labels_unchanged_since) {
    j["labels_unchanged_since"] = format_rfc3339(*p.labels_unchanged_since);
  }
  return j;
}

PerformanceResult performance_of(const Json& j) {
  PerformanceResult p;
  p.task = text(j, "task");
  if (p.task != "binary" && p.task != "multiclass" && p.task != "regression") bad("unknown task");
  p.status = status_of(j);
  p.rows = count(j, "rows");
  p.labelled = count(j, "labelled_rows");
  p.unlabelled = count(j, "unlabelled_rows");
  p.skipped = count(j, "skipped_rows");
  p.statistics = statistics_of(member(j, "statistics"));
  const Json& ref = member(j, "reference");
  p.reference_rows = count(ref, "rows");
  p.reference_labelled = count(ref, "labelled_rows");
  p.reference = statistics_of(member(ref, "statistics"));
  p.changes = statistics_of(member(j, "changes"));
  p.breaches = breaches_of(j);
  if (j.contains("window")) p.window = window_of(member(j, "window"));
  if (j.contains("labels_settled")) {
    const Json& settled = member(j, "labels_settled");
    if (!settled.is_boolean()) bad("\"labels_settled\" is not a boolean");
    p.labels_settled = settled.get<bool>();
  }
  if (j.contains("labels_unchanged_since")) {
    p.labels_unchanged_since = time_of(j, "labels_unchanged_since");
  }
  return p;
}

Json system_json(const SystemResult& r) {
  Json j = Json::object();
  j["latency_rows"] = r.latencies;
  j["requests"] = r.requests;
  j["errors"] = r.errors;
  j["statistics"] = statistics_json(r.statistics);
  j["breaches"] = breaches_json(r.breaches);
  return j;
}

SystemResult system_of(const Json& j) {
  SystemResult r;
  r.latencies = count(j, "latency_rows");
  r.requests = count(j, "requests");
  r.errors = count(j, "errors");
  r.statistics = statistics_of(member(j, "statistics"));
  r.breaches = breaches_of(j);
  return r;
}

Json confidence_json(const ConfidenceResult& r) {
  Json c = statistics_json(r.statistics.values);
  c["rows"] = r.statistics.count;
  c["breaches"] = breaches_json(r.breaches);
  return c;
}

ConfidenceResult confidence_of(const Json& confidence) {
  if (!confidence.is_object()) bad("\"confidence\" is not an object");
  ConfidenceResult c;
  for (const auto& [k, v] : confidence.items()) {
    if (k == "breaches" || k == "rows") continue;
    c.statistics.values.emplace_back(k, number(v, k));
  }
  canonical_order(c.statistics.values);
  if (confidence.contains("rows")) c.statistics.count = count(confidence, "rows");
  c.breaches = breaches_of(confidence);
  return c;
}

Json segment_json(const SegmentResult& s) {
  Json j = Json::object();
  j["segment"] = s.segment;
  j["status"] = to_string(s.status);
  j["current_rows"] = s.current_rows;
  j["reference_rows"] = s.reference_rows;
  Json features = Json::array();
  for (const auto& f : s.features) features.push_back(feature_json(f, true));
  j["features"] = std::move(features);
  j["prediction"] = s.prediction ? feature_json(*s.prediction, false) : Json(nullptr);
  j["confidence"] = s.confidence ? confidence_json(*s.confidence) : Json(nullptr);
  return j;
}

SegmentResult segment_of(const Json& j) {
  if (!j.is_object()) bad("a segment is not an object");
  SegmentResult s;
  s.segment = text(j, "segment");
  s.status = status_of(j);
  s.current_rows = count(j, "current_rows");
  s.reference_rows = count(j, "reference_rows");
  const Json& features = member(j, "features");
  if (!features.is_array()) bad("\"features\" of a segment is not an array");
  for (const auto& f : features) s.features.push_back(feature_of(f, true));
  const Json& prediction = member(j, "prediction");
  if (!prediction.is_null()) s.prediction = feature_of(prediction, false);
  const Json& confidence = member(j, "confidence");
  if (!confidence.is_null()) s.confidence = confidence_of(confidence);
  return s;
}

Json arm_json(const ChallengerArm& a) {
  Json j = Json::object();
  j["rows"] = a.rows;
  j["predictions"] = a.predictions;
  j["labelled_rows"] = a.labelled;
  j["performance"] = statistics_json(a.performance);
  return j;
}

ChallengerArm arm_of(const Json& j) {
  ChallengerArm a;
  a.rows = count(j, "rows");
  a.predictions = count(j, "predictions");
  a.labelled = count(j, "labelled_rows");
  a.performance = statistics_of(member(j, "performance"));
  return a;
}

Json challenger_json(const ChallengerResult& r) {
  Json j = Json::object();
  j["status"] = to_string(r.status);
  j["verdict"] = r.verdict;
  j["significantly_better"] = r.verdict == "better";
  j["metric"] = r.metric.empty() ? Json(nullptr) : Json(r.metric);
  j["test"] = r.test.empty() ? Json(nullptr) : Json(r.test);
  j["paired"] = r.paired;
  j["alpha"] = r.alpha;
  j["min_rows"] = r.min_rows;
  j["champion"] = arm_json(r.champion);
  j["challenger"] = arm_json(r.challenger);
  j["statistics"] = statistics_json(r.statistics);
  j["breaches"] = breaches_json(r.breaches);
  if (r.error) j["error"] = *r.error;
  return j;
}

ChallengerResult challenger_of(const Json& j) {
  ChallengerResult r;
  r.status = status_of(j);
  r.verdict = text(j, "verdict");
  if (r.verdict != "better" && r.verdict != "worse" && r.verdict != "no_difference" &&
      r.verdict != "unknown") {
    bad("unknown verdict");
  }
  const Json& metric = member(j, "metric");
  if (!metric.is_null()) r.metric = text(j, "metric");
  const Json& test = member(j, "test");
  if (!test.is_null()) r.test = text(j, "test");
  const Json& paired = member(j, "paired");
  if (!paired.is_boolean()) bad("\"paired\" is not a boolean");
  r.paired = paired.get<bool>();
  r.alpha = number(member(j, "alpha"), "alpha");
  r.min_rows = count(j, "min_rows");
  r.champion = arm_of(member(j, "champion"));
  r.challenger = arm_of(member(j, "challenger"));
  r.statistics = statistics_of(member(j, "statistics"));
  r.breaches = breaches_of(j);
  if (j.contains("error")) r.error = text(j, "error");
  return r;
}

Json names_json(const std::vector<std::string>& names) { return breaches_json(names); }

std::vector<std::string> names_of(const Json& j, const char* key) {
  const Json& b = member(j, key);
  if (!b.is_array()) bad(std::string("\"") + key + "\" is not an array");
  std::vector<std::string> out;
  for (const auto& x : b) {
    if (!x.is_string()) bad(std::string("an entry of \"") + key + "\" is not a string");
    out.push_back(x.get<std::string>());
  }
  return out;
}

Json freshness_json(const FreshnessResult& r) {
  Json j = Json::object();
  j["checked"] = r.checked;
  j["newest_row"] = r.newest_row ? Json(format_rfc3339(*r.newest_row)) : Json(nullptr);
  j["rows"] = r.rows;
  j["baseline"] = r.baseline.empty() ? Json(nullptr) : Json(r.baseline);
  j["baseline_windows"] = r.baseline_windows;
  if (r.freshness_baseline_windows) j["freshness_baseline_windows"] = *r.freshness_baseline_windows;
  j["statistics"] = statistics_json(r.statistics);
  j["breaches"] = breaches_json(r.breaches);
  return j;
}

FreshnessResult freshness_of(const Json& j) {
  FreshnessResult r;
  const Json& checked = member(j, "checked");
  if (!checked.is_boolean()) bad("\"checked\" is not a boolean");
  r.checked = checked.get<bool>();
  if (!member(j, "newest_row").is_null()) r.newest_row = time_of(j, "newest_row");
  r.rows = count(j, "rows");
  if (!member(j, "baseline").is_null()) r.baseline = text(j, "baseline");
  r.baseline_windows = count(j, "baseline_windows");
  if (j.contains("freshness_baseline_windows")) {
    r.freshness_baseline_windows = count(j, "freshness_baseline_windows");
  }
  r.statistics = statistics_of(member(j, "statistics"));
  r.breaches = breaches_of(j);
  return r;
}

Json optional_number(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? Json(*v) : Json(nullptr);
}

std::optional<double> optional_number_of(const Json& j, const char* key) {
  const Json& v = member(j, key);
  if (v.is_null()) return std::nullopt;
  return number(v, key);
}

Json metric_json(const MetricResult& m) {
  Json j = Json::object();
  j["name"] = m.name;
  j["kind"] = m.kind;
  j["status"] = m.status;
  j["value"] = optional_number(value_of(m.statistics, "value"));
  j["baseline"] = optional_number(value_of(m.statistics, "baseline"));
  j["change"] = optional_number(value_of(m.statistics, "change"));
  j["p_value"] = optional_number(value_of(m.statistics, "p_value"));
  j["rows"] = m.rows;
  j["baseline_rows"] = m.baseline_rows;
  j["baseline_kind"] = m.baseline_kind;
  j["baseline_windows"] = m.baseline_windows;
  j["test"] = m.test.empty() ? Json(nullptr) : Json(m.test);
  j["test_statistic"] = optional_number(m.test_statistic);
  j["breaches"] = breaches_json(m.breaches);
  j["not_significant"] = names_json(m.not_significant);
  j["level"] = optional_number(m.level);
  j["below"] = m.below;
  j["cleared"] = m.cleared;
  j["message"] = m.message;
  return j;
}

MetricResult metric_of(const Json& j) {
  if (!j.is_object()) bad("a metric is not an object");
  MetricResult m;
  m.name = text(j, "name");
  m.kind = text(j, "kind");
  m.status = text(j, "status");
  if (m.status != "ok" && m.status != "breach" && m.status != "not_significant" &&
      m.status != "insufficient_data" && m.status != "error") {
    bad("unknown metric status");
  }
  for (const char* key : {"value", "baseline", "change", "p_value"}) {
    if (auto v = optional_number_of(j, key)) m.statistics.emplace_back(key, *v);
  }
  m.rows = count(j, "rows");
  m.baseline_rows = count(j, "baseline_rows");
  m.baseline_kind = text(j, "baseline_kind");
  m.baseline_windows = count(j, "baseline_windows");
  if (!member(j, "test").is_null()) m.test = text(j, "test");
  m.test_statistic = optional_number_of(j, "test_statistic");
  m.breaches = breaches_of(j);
  m.not_significant = names_of(j, "not_significant");
  m.level = optional_number_of(j, "level");
  const Json& below = member(j, "below");
  const Json& cleared = member(j, "cleared");
  if (!below.is_boolean() || !cleared.is_boolean())
    bad("\"below\" or \"cleared\" is not a boolean");
  m.below = below.get<bool>();
  m.cleared = cleared.get<bool>();
  m.message = text(j, "message");
  return m;
}

}  // namespace

std::string to_json(const Evaluation& e) {
  Json j = Json::object();
  j["monitor"] = e.monitor;
  j["evaluated_at"] = format_rfc3339(e.evaluated_at);
  j["status"] = to_string(e.status);
  j["current_window"] = window_json(e.current_window);
  j["reference_window"] = window_json(e.reference_window);
  Json features = Json::array();
  for (const auto& f : e.features) features.push_back(feature_json(f, true));
  j["features"] = std::move(features);
  j["prediction"] = e.prediction ? feature_json(*e.prediction, false) : Json(nullptr);
  j["confidence"] = e.confidence ? confidence_json(*e.confidence) : Json(nullptr);
  // Sections of the extensions are present only for monitors that configure them.
  if (e.dataset) j["dataset"] = dataset_json(*e.dataset);
  if (e.performance) j["performance"] = performance_json(*e.performance);
  if (e.system) j["system"] = system_json(*e.system);
  if (!e.segment_column.empty()) {
    j["segment_column"] = e.segment_column;
    Json segments = Json::array();
    for (const auto& s : e.segments) segments.push_back(segment_json(s));
    j["segments"] = std::move(segments);
  }
  if (e.challenger) j["challenger"] = challenger_json(*e.challenger);
  if (e.freshness) j["freshness"] = freshness_json(*e.freshness);
  if (!e.metrics.empty()) {
    Json metrics = Json::array();
    for (const auto& m : e.metrics) metrics.push_back(metric_json(m));
    j["metrics"] = std::move(metrics);
  }
  j["error"] = e.error ? Json(*e.error) : Json(nullptr);
  // Invalid UTF-8 in a name or category is replaced rather than thrown on: the result must be
  // written out whatever the data held.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Evaluation evaluation_from_json(std::string_view json) {
  try {
    const Json j = Json::parse(json);
    if (!j.is_object()) bad("not an object");
    Evaluation e;
    e.monitor = text(j, "monitor");
    e.evaluated_at = time_of(j, "evaluated_at");
    e.status = status_of(j);
    e.current_window = window_of(member(j, "current_window"));
    e.reference_window = window_of(member(j, "reference_window"));
    const Json& features = member(j, "features");
    if (!features.is_array()) bad("\"features\" is not an array");
    for (const auto& f : features) e.features.push_back(feature_of(f, true));
    const Json& prediction = member(j, "prediction");
    if (!prediction.is_null()) e.prediction = feature_of(prediction, false);
    const Json& confidence = member(j, "confidence");
    if (!confidence.is_null()) e.confidence = confidence_of(confidence);
    if (j.contains("dataset")) e.dataset = dataset_of(member(j, "dataset"));
    if (j.contains("performance")) e.performance = performance_of(member(j, "performance"));
    if (j.contains("system")) e.system = system_of(member(j, "system"));
    if (j.contains("segment_column")) {
      e.segment_column = text(j, "segment_column");
      const Json& segments = member(j, "segments");
      if (!segments.is_array()) bad("\"segments\" is not an array");
      for (const auto& s : segments) e.segments.push_back(segment_of(s));
    }
    if (j.contains("challenger")) e.challenger = challenger_of(member(j, "challenger"));
    if (j.contains("freshness")) e.freshness = freshness_of(member(j, "freshness"));
    if (j.contains("metrics")) {
      const Json& metrics = member(j, "metrics");
      if (!metrics.is_array()) bad("\"metrics\" is not an array");
      for (const auto& m : metrics) e.metrics.push_back(metric_of(m));
    }
    const Json& error = member(j, "error");
    if (error.is_string()) {
      e.error = error.get<std::string>();
    } else if (!error.is_null()) {
      bad("\"error\" is neither a string nor null");
    }
    return e;
  } catch (const nlohmann::json::exception& ex) {
    throw std::runtime_error(std::string("malformed evaluation JSON: ") + ex.what());
  }
}

}  // namespace driftd::drift
