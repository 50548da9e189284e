#include "driftd/daemon/plan.hpp"

#include <algorithm>
#include <charconv>

#include "driftd/common/hash.hpp"

namespace driftd::daemon {

const drift::Column* ColumnHandle::in(const drift::WindowData& data) const {
  return index_ && *index_ < data.columns.size() ? &data.columns[*index_] : nullptr;
}

drift::PerformanceColumns WindowColumns::performance(const drift::WindowData& data) const {
  drift::PerformanceColumns c;
  c.label = label.in(data);
  c.score = score.in(data);
  c.predicted = predicted.in(data);
  c.label_time = label_time.in(data);
  c.prediction_time = prediction_time.in(data);
  return c;
}

drift::SystemColumns WindowColumns::system(const drift::WindowData& data) const {
  return {latency.in(data), error.in(data)};
}

drift::ChallengerColumns WindowColumns::challenger(const drift::WindowData& data) const {
  drift::ChallengerColumns c;
  c.prediction = prediction.in(data);
  c.confidence = confidence.in(data);
  c.key = key.in(data);
  c.performance = performance(data);
  return c;
}

std::uint64_t window_seed(const std::optional<Timestamp>& from,
                          const std::optional<Timestamp>& to) {
  return FieldHash()
      .add(from ? format_rfc3339(*from) : "-")
      .add(to ? format_rfc3339(*to) : "-")
      .value();
}

drift::WindowRequest WindowPlan::at(Timestamp instant) const {
  drift::WindowRequest r = request;
  switch (bounds) {
    case Bounds::trailing:
      r.to = instant;
      r.from = instant - length;
      break;
    case Bounds::offset:
      r.to = instant - offset;
      r.from = *r.to - length;
      break;
    case Bounds::fixed:
      break;
  }
  r.sample_seed = window_seed(r.from, r.to);
  return r;
}

drift::AggregateRequest BusinessPlan::at(Timestamp instant,
                                         const drift::WindowRequest& reference) const {
  drift::AggregateRequest r = request;
  constexpr Duration kWeek = std::chrono::hours(24 * 7);
  if (freshness_checked()) {
    r.newest_until = instant;
    for (int w = 1; w <= freshness_weeks; ++w) r.newest_earlier.push_back(instant - w * kWeek);
  }
  if (r.aggregates.empty()) return r;
  r.windows.push_back({instant - window, instant});
  if (reference_window) {
    r.windows.push_back({reference.from.value_or(Timestamp{}), reference.to.value_or(Timestamp{})});
  }
  for (int w = 1; w <= weeks; ++w) {
    r.windows.push_back({instant - w * kWeek - window, instant - w * kWeek});
  }
  return r;
}

namespace {

drift::FeatureKind kind_of(config::FeatureKind k) {
  return k == config::FeatureKind::numerical ? drift::FeatureKind::numerical
                                             : drift::FeatureKind::categorical;
}

drift::ColumnRequest column_of(const config::ValueSource& s, drift::FeatureKind kind) {
  drift::ColumnRequest c;
  c.kind = kind;
  if (s.is_json()) {
    c.column = s.json;
    c.json_key = s.key;
  } else {
    c.column = s.column;
  }
  return c;
}

// A column read for a section: outside the sampling hash unless `hashed`.
drift::ColumnRequest auxiliary(std::string column, drift::FeatureKind kind, bool joined = false,
                               bool hashed = false) {
  drift::ColumnRequest c;
  c.column = std::move(column);
  c.kind = kind;
  c.joined = joined;
  c.hashed = hashed;
  return c;
}

std::vector<std::pair<std::string, std::string>> where_of(
    const std::vector<config::WhereFilter>& w) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : w) out.emplace_back(f.column, f.value);
  return out;
}

bool same_source(const config::ValueSource& a, const config::ValueSource& b) {
  return a.column == b.column && a.json == b.json && a.key == b.key;
}

ColumnHandle add_column(WindowPlan& p, drift::ColumnRequest c, ConfigOrigin origin) {
  p.request.columns.push_back(std::move(c));
  p.origins.columns.push_back(std::move(origin));
  return ColumnHandle(p.request.columns.size() - 1);
}

int line_or(int line, int fallback) { return line > 0 ? line : fallback; }

ConfigOrigin source_origin(std::string what, std::string name, const config::ValueSource& s,
                           int entry_line) {
  return {std::move(what), std::move(name), line_or(s.line, entry_line)};
}

std::vector<ConfigOrigin> where_origins(const std::vector<config::WhereFilter>& w) {
  std::vector<ConfigOrigin> out;
  for (const auto& f : w) out.push_back({"where", f.column, f.line});
  return out;
}

drift::EvaluationSpec evaluation_spec(const config::MonitorConfig& m) {
  drift::EvaluationSpec s;
  s.monitor = m.name;
  for (const auto& f : m.features) s.columns.push_back({f.name, kind_of(f.kind)});
  if (m.prediction) {
    s.columns.push_back({std::string(drift::kPredictionName), kind_of(m.prediction->kind)});
    s.has_prediction = true;
  }
  if (m.confidence) {
    s.columns.push_back({std::string(drift::kConfidenceName), drift::FeatureKind::numerical});
    s.confidence_low = m.confidence->low;
  }
  s.bins = m.bins;
  s.min_rows = static_cast<std::uint64_t>(m.min_rows);
  s.thresholds.assign(m.thresholds.begin(), m.thresholds.end());
  if (m.dataset_drift) {
    drift::DatasetDriftSpec d;
    using C = config::DatasetDriftConfig::Correction;
    using P = config::DatasetDriftConfig::PValue;
    switch (m.dataset_drift->correction) {
      case C::none:
        d.correction = drift::PValueCorrection::none;
        break;
      case C::bonferroni:
        d.correction = drift::PValueCorrection::bonferroni;
        break;
      case C::holm:
        d.correction = drift::PValueCorrection::holm;
        break;
      case C::benjamini_hochberg:
        d.correction = drift::PValueCorrection::benjamini_hochberg;
        break;
    }
    d.alpha = m.dataset_drift->alpha;
    d.statistic = m.dataset_drift->statistic == P::ks_pvalue     ? "ks_pvalue"
                  : m.dataset_drift->statistic == P::chi2_pvalue ? "chi2_pvalue"
                                                                 : "";
    s.dataset_drift = d;
  }
  return s;
}

// The monitor's table and filters, every row until bounded by at().
WindowPlan window_of(const config::MonitorConfig& m) {
  WindowPlan p;
  drift::WindowRequest& r = p.request;
  r.table = m.table;
  r.timestamp_column = m.timestamp_column;
  r.where = where_of(m.where);
  r.max_rows = static_cast<std::uint64_t>(m.max_rows);
  p.origins.table = {"table", "", line_or(m.table_line, m.line)};
  p.origins.timestamp_column = {"timestamp_column", "", line_or(m.timestamp_column_line, m.line)};
  p.origins.where = where_origins(m.where);
  return p;
}

// The spec's columns (features, prediction, confidence) first, in the spec's order.
void add_main_columns(const config::MonitorConfig& m, WindowPlan& p) {
  for (const auto& f : m.features) {
    add_column(p, column_of(f.source, kind_of(f.kind)),
               source_origin("feature", f.name, f.source, f.line));
  }
  if (m.prediction) {
    p.columns.prediction =
        add_column(p, column_of(m.prediction->source, kind_of(m.prediction->kind)),
                   source_origin("prediction", "", m.prediction->source, m.prediction->line));
  }
  if (m.confidence) {
    p.columns.confidence =
        add_column(p, column_of(m.confidence->source, drift::FeatureKind::numerical),
                   source_origin("confidence", "", m.confidence->source, m.confidence->line));
  }
  p.columns.main = p.request.columns.size();
}

// Adds what the labels need to a read whose main columns (if any) are in place.
void add_label_columns(const config::MonitorConfig& m, WindowPlan& p) {
  if (!m.labels) return;
  const auto& l = *m.labels;
  using Task = config::LabelsConfig::Task;
  drift::WindowRequest& r = p.request;
  WindowColumns& c = p.columns;
  if (l.joined()) {
    r.join = drift::JoinRequest{l.table, l.key, l.prediction_key};
    p.origins.join = {"labels", "", l.line};
  }
  // Labels arrive after the fact: they stay out of the sampling hash so a window keeps its sample.
  c.label = add_column(p,
                       auxiliary(l.column,
                                 l.task == Task::regression ? drift::FeatureKind::numerical
                                                            : drift::FeatureKind::categorical,
                                 l.joined()),
                       {"labels.column", "", l.line});
  const bool numerical_prediction =
      m.prediction && m.prediction->kind == config::FeatureKind::numerical;
  if (l.task == Task::binary) {
    if (l.score) {
      if (m.confidence && c.confidence && same_source(*l.score, m.confidence->source)) {
        c.score = c.confidence;
      } else if (numerical_prediction && c.prediction &&
                 same_source(*l.score, m.prediction->source)) {
        c.score = c.prediction;
      } else {
        auto score = column_of(*l.score, drift::FeatureKind::numerical);
        score.hashed = false;  // the sample of the features must not depend on what else is read
        c.score =
            add_column(p, std::move(score), source_origin("labels.score", "", *l.score, l.line));
      }
    } else if (m.confidence && c.confidence) {
      c.score = c.confidence;
    } else if (numerical_prediction && c.prediction) {
      c.score = c.prediction;
    }
  }
  // The model's own output: binary and multiclass its class, regression its value (a numerical
  // prediction of a binary model is its score).
  if (m.prediction && (l.task == Task::regression) == numerical_prediction) {
    c.predicted = c.prediction;
  }
  if (!l.timestamp_column.empty()) {
    auto label_time = auxiliary(l.timestamp_column, drift::FeatureKind::numerical, l.joined());
    label_time.epoch = true;
    c.label_time = add_column(p, std::move(label_time), {"labels.timestamp_column", "", l.line});
    auto prediction_time = auxiliary(r.timestamp_column, drift::FeatureKind::numerical);
    prediction_time.epoch = true;
    c.prediction_time = add_column(p, std::move(prediction_time), p.origins.timestamp_column);
  }
}

// The segment column (both windows): text, outside the sampling hash so that a window's sample
// does not depend on it.
void add_segment_column(const config::MonitorConfig& m, WindowPlan& p) {
  if (m.segment) {
    p.columns.segment = add_column(p, auxiliary(m.segment->column, drift::FeatureKind::categorical),
                                   {"segment", "", m.segment->line});
  }
}

bool has_learned_thresholds(const config::MonitorConfig& m) {
  return std::any_of(m.thresholds.begin(), m.thresholds.end(),
                     [](const config::ThresholdConfig& t) { return t.learned; });
}

bool delayed_labels(const config::MonitorConfig& m) {
  return m.labels && m.labels->delay > Duration::zero();
}

WindowPlan plan_current(const config::MonitorConfig& m) {
  WindowPlan p = window_of(m);
  p.bounds = WindowPlan::Bounds::trailing;
  p.length = m.window;
  add_main_columns(m, p);
  if (!delayed_labels(m)) add_label_columns(m, p);
  if (m.system) {
    if (!m.system->latency_column.empty()) {
      p.columns.latency =
          add_column(p, auxiliary(m.system->latency_column, drift::FeatureKind::numerical),
                     {"system.latency_column", "", m.system->line});
    }
    if (!m.system->error_column.empty()) {
      p.columns.error =
          add_column(p, auxiliary(m.system->error_column, drift::FeatureKind::categorical),
                     {"system.error_column", "", m.system->line});
    }
  }
  add_segment_column(m, p);
  return p;
}

// The reference window's bounds, table and filters, with its main columns.
WindowPlan reference_window(const config::MonitorConfig& m) {
  WindowPlan p = window_of(m);
  const auto& ref = m.reference;
  switch (ref.kind) {
    case config::ReferenceConfig::Kind::fixed:
      p.bounds = WindowPlan::Bounds::fixed;
      p.request.from = ref.from;
      p.request.to = ref.to;
      break;
    case config::ReferenceConfig::Kind::offset:
      p.bounds = WindowPlan::Bounds::offset;
      p.length = m.window;
      p.offset = ref.offset;
      break;
    case config::ReferenceConfig::Kind::table:
      p.bounds = WindowPlan::Bounds::fixed;
      p.request.table = ref.table;
      p.request.timestamp_column =
          ref.timestamp_column.empty() ? m.timestamp_column : ref.timestamp_column;
      p.request.where = where_of(ref.where);
      p.request.from = ref.from;
      p.request.to = ref.to;
      p.origins.table = {"reference.table", "", line_or(ref.line, m.line)};
      if (ref.timestamp_column_line > 0)
        p.origins.timestamp_column = {"reference.timestamp_column", "", ref.timestamp_column_line};
      p.origins.where = where_origins(ref.where);
      break;
  }
  add_main_columns(m, p);
  return p;
}

WindowPlan plan_reference(const config::MonitorConfig& m) {
  WindowPlan p = reference_window(m);
  add_label_columns(m, p);
  if (has_learned_thresholds(m)) {
    auto time = auxiliary(p.request.timestamp_column, drift::FeatureKind::numerical);
    time.epoch = true;
    p.columns.time = add_column(p, std::move(time), p.origins.timestamp_column);
  }
  add_segment_column(m, p);
  return p;
}

std::optional<WindowPlan> plan_reference_performance(const config::MonitorConfig& m) {
  if (!m.labels) return std::nullopt;
  // Every main column at its place in a full read, although only the prediction and the confidence
  // are used: they are what picks the sample of a window over max_rows, so the reference's
  // performance is measured on the rows a full read keeps, whichever read measured it.
  WindowPlan p = reference_window(m);
  add_label_columns(m, p);
  return p;
}

// The window whose labels judge performance with labels.delay: the current window's filters and
// main columns (so that a window over max_rows keeps the sample a current read of it keeps),
// shifted back by the delay.
std::optional<WindowPlan> plan_delayed_performance(const config::MonitorConfig& m) {
  if (!delayed_labels(m)) return std::nullopt;
  WindowPlan p = window_of(m);
  p.bounds = WindowPlan::Bounds::offset;
  p.length = m.window;
  p.offset = m.labels->delay;
  add_main_columns(m, p);
  add_label_columns(m, p);
  return p;
}

std::optional<WindowPlan> plan_version(const config::MonitorConfig& m, bool challenger) {
  if (!m.challenger || !m.prediction) return std::nullopt;
  WindowPlan p = window_of(m);
  const auto& version = challenger ? m.challenger->challenger : m.challenger->champion;
  for (const auto& w : where_of(version)) p.request.where.push_back(w);
  for (auto& o : where_origins(version)) {
    o.what = challenger ? "challenger.challenger" : "challenger.champion";
    p.origins.where.push_back(std::move(o));
  }
  p.bounds = WindowPlan::Bounds::trailing;
  p.length = m.window;
  // With a key, only the key decides the sample of a large window, so both versions keep the
  // same requests.
  const bool keyed = !m.challenger->key.empty();
  auto main = [keyed](drift::ColumnRequest c) {
    c.hashed = !keyed;
    return c;
  };
  p.columns.prediction =
      add_column(p, main(column_of(m.prediction->source, kind_of(m.prediction->kind))),
                 source_origin("prediction", "", m.prediction->source, m.prediction->line));
  if (m.confidence) {
    p.columns.confidence =
        add_column(p, main(column_of(m.confidence->source, drift::FeatureKind::numerical)),
                   source_origin("confidence", "", m.confidence->source, m.confidence->line));
  }
  p.columns.main = p.request.columns.size();
  add_label_columns(m, p);
  if (keyed) {
    p.columns.key =
        add_column(p, auxiliary(m.challenger->key, drift::FeatureKind::categorical, false, true),
                   {"challenger.key", "", m.challenger->line});
  }
  return p;
}

std::optional<drift::PerformanceSpec> performance_spec(const config::MonitorConfig& m) {
  if (!m.labels) return std::nullopt;
  drift::PerformanceSpec s;
  using Task = config::LabelsConfig::Task;
  s.task = m.labels->task == Task::binary       ? drift::LabelTask::binary
           : m.labels->task == Task::multiclass ? drift::LabelTask::multiclass
                                                : drift::LabelTask::regression;
  s.positive = m.labels->positive;
  s.threshold = m.labels->threshold;
  s.min_rows = static_cast<std::uint64_t>(m.labels->min_rows.value_or(m.min_rows));
  return s;
}

std::optional<drift::SystemSpec> system_spec(const config::MonitorConfig& m) {
  if (!m.system) return std::nullopt;
  drift::SystemSpec s;
  s.latency_to_ms = m.system->latency_to_ms;
  s.error_values = m.system->error_values;
  return s;
}

std::optional<drift::ChallengerSpec> challenger_spec(const config::MonitorConfig& m) {
  if (!m.challenger || !m.prediction) return std::nullopt;
  drift::ChallengerSpec s;
  s.prediction_kind = kind_of(m.prediction->kind);
  s.bins = m.bins;
  s.performance = performance_spec(m);
  s.tolerance = m.challenger->tolerance;
  s.alpha = m.challenger->alpha;
  s.min_rows = static_cast<std::uint64_t>(m.challenger->min_rows.value_or(m.min_rows));
  return s;
}

drift::ColumnRequest source_column(const config::ValueSource& s, drift::FeatureKind kind) {
  drift::ColumnRequest c;
  c.kind = kind;
  if (s.is_json()) {
    c.column = s.json;
    c.json_key = s.key;
  } else {
    c.column = s.column;
  }
  return c;
}

drift::MetricSpec metric_spec(const config::MonitorConfig& m, const config::MetricConfig& c) {
  drift::MetricSpec s;
  s.name = c.name;
  s.kind = c.kind;
  s.drop = c.drop;
  s.rise = c.rise;
  s.below = c.below;
  s.above = c.above;
  s.resolve_drop = c.resolve_drop;
  s.resolve_rise = c.resolve_rise;
  s.resolve_below = c.resolve_below;
  s.resolve_above = c.resolve_above;
  s.alpha = c.alpha;
  s.min_rows = static_cast<std::uint64_t>(c.min_rows.value_or(m.min_rows));
  s.baseline = c.baseline.kind;
  s.min_weeks = static_cast<std::size_t>(c.baseline.min_weeks);
  return s;
}

drift::MetricQuery metric_query(const config::MetricConfig& c) {
  drift::MetricQuery q;
  using K = drift::MetricKind;
  if (c.kind == K::ratio) {
    if (c.numerator) q.value = source_column(*c.numerator, drift::FeatureKind::numerical);
    if (c.denominator) q.denominator = source_column(*c.denominator, drift::FeatureKind::numerical);
  } else if (c.value) {
    // A rate over text values compares text; every other value is a number.
    const bool text = c.kind == K::rate && !c.greater_than;
    q.value = source_column(*c.value,
                            text ? drift::FeatureKind::categorical : drift::FeatureKind::numerical);
  }
  q.equals = c.equals;
  q.greater_than = c.greater_than;
  q.where = where_of(c.where);
  q.sql = c.sql;
  return q;
}

std::string format_number(double v);

std::optional<BusinessPlan> business_plan(const config::MonitorConfig& m) {
  if (!m.freshness && !m.volume && m.metrics.empty()) return std::nullopt;
  BusinessPlan p;
  p.request.table = m.table;
  p.request.timestamp_column = m.timestamp_column;
  p.request.where = where_of(m.where);
  p.window = m.window;
  auto weeks_of = [&](const config::BaselineConfig& b) {
    if (b.kind == drift::BaselineKind::hour_of_week) p.weeks = std::max(p.weeks, b.weeks);
  };
  if (m.freshness || m.volume) {
    drift::FreshnessSpec f;
    f.freshness = m.freshness.has_value();
    if (m.freshness) {
      // The newest row is looked for within a few of its own periods first (cheap with any index).
      p.request.newest_lookback = std::max<Duration>(m.window, *m.freshness * 4);
      if (m.freshness_baseline) {
        f.freshness_baseline = drift::BaselineKind::hour_of_week;
        f.freshness_min_weeks = static_cast<std::size_t>(m.freshness_baseline->min_weeks);
        p.freshness_weeks = m.freshness_baseline->weeks;
      }
    }
    f.volume = m.volume.has_value();
    if (m.volume) {
      f.baseline = m.volume->baseline.kind;
      f.min_weeks = static_cast<std::size_t>(m.volume->baseline.min_weeks);
      weeks_of(m.volume->baseline);
      if (f.baseline == drift::BaselineKind::hour_of_week) {
        p.volume_rows = p.request.aggregates.size();
        p.request.aggregates.push_back(drift::Aggregate{});  // rows
      }
    }
    p.freshness = f;
  }
  for (const auto& c : m.metrics) {
    p.metrics.push_back(metric_spec(m, c));
    p.metric_aggregates.push_back(p.request.aggregates.size());
    for (auto& a : drift::metric_aggregates(c.kind, metric_query(c)))
      p.request.aggregates.push_back(std::move(a));
    if (c.baseline.kind == drift::BaselineKind::reference) p.reference_window = true;
    weeks_of(c.baseline);
  }
  if (p.reference_window && m.reference.kind == config::ReferenceConfig::Kind::fixed) {
    p.reference_fixed = true;
    FieldHash f;
    f.add("driftd-aggregates-v1");
    f.add(m.name);
    f.add(m.table);
    f.add(m.timestamp_column);
    for (const auto& [c, v] : p.request.where) {
      f.add(c);
      f.add(v);
    }
    f.add(m.reference.from ? format_rfc3339(*m.reference.from) : "-");
    f.add(m.reference.to ? format_rfc3339(*m.reference.to) : "-");
    for (const auto& a : p.request.aggregates) {
      f.add(std::to_string(static_cast<int>(a.function)));
      if (a.value) {
        f.add(a.value->column);
        f.add(a.value->json_key);
        f.add(a.value->kind == drift::FeatureKind::numerical ? "n" : "c");
      } else {
        f.add("-");
      }
      f.add(std::to_string(a.equals.size()));
      for (const auto& e : a.equals) f.add(e);
      f.add(a.greater_than ? format_number(*a.greater_than) : "-");
      f.add(std::to_string(a.where.size()));
      for (const auto& [c, v] : a.where) {
        f.add(c);
        f.add(v);
      }
      f.add(a.sql);
    }
    p.reference_key = m.name + "/" + f.hex();
  }
  return p;
}

std::string format_number(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  return std::string(buf, end);
}

std::string reference_fingerprint(const config::MonitorConfig& m, const WindowPlan& reference) {
  const drift::WindowRequest r = reference.at(Timestamp{});
  FieldHash f;
  // v2: point masses of the reference have bins of their own (drift/statistics.hpp), so a
  // reference frozen by an older driftd is frozen again rather than looked up.
  f.add("driftd-frozen-v2");
  f.add(r.table);
  f.add(r.timestamp_column);
  for (const auto& [c, v] : r.where) {
    f.add(c);
    f.add(v);
  }
  f.add(r.from ? format_rfc3339(*r.from) : "-");
  f.add(r.to ? format_rfc3339(*r.to) : "-");
  for (const auto& c : r.columns) {
    f.add(c.column);
    f.add(c.json_key);
    f.add(c.kind == drift::FeatureKind::numerical ? "n" : "c");
    if (c.joined || c.epoch) f.add(std::string(c.joined ? "j" : "") + (c.epoch ? "e" : ""));
  }
  if (r.join) {
    f.add("join");
    f.add(r.join->table);
    f.add(r.join->key);
    f.add(r.join->prediction_key);
  }
  f.add(std::to_string(m.bins));
  f.add(std::to_string(m.max_rows));
  // Learned thresholds are stored with the reference: what they are learned with is part of it,
  // the way of learning included ("auto-floor": σ floored, drift/auto_threshold.hpp), so that a
  // reference frozen by an older driftd learns its levels again.
  for (const auto& t : m.thresholds) {
    if (!t.learned) continue;
    f.add("auto-floor");
    f.add(t.statistic);
    f.add(format_number(t.k));
    f.add(std::to_string(t.chunks));
  }
  return f.hex();
}

}  // namespace

MonitorPlan compile_monitor(const config::MonitorConfig& m) {
  MonitorPlan p;
  p.config = &m;
  p.name = m.name;
  p.spec = evaluation_spec(m);
  p.current = plan_current(m);
  p.reference = plan_reference(m);
  p.reference_performance = plan_reference_performance(m);
  p.delayed_performance = plan_delayed_performance(m);
  p.champion = plan_version(m, false);
  p.challenger = plan_version(m, true);
  p.performance = performance_spec(m);
  p.system = system_spec(m);
  p.comparison = challenger_spec(m);
  p.business = business_plan(m);
  for (const auto& metric : m.metrics) {
    if (metric.retrain) p.retrain_metrics.push_back(metric.name);
  }
  if (m.segment)
    p.segment = MonitorPlan::Segment{m.segment->column, static_cast<std::size_t>(m.segment->max)};
  // A monitor with a segment reads its reference window every time: the segments need the
  // reference's rows, which a frozen reference does not keep.
  p.frozen = m.reference.kind != config::ReferenceConfig::Kind::offset && !m.segment;
  p.fingerprint = reference_fingerprint(m, p.reference);
  p.frozen_key = m.name + "/" + p.fingerprint;
  p.rules = alerts::compile_rules(m);
  return p;
}

CompiledConfig::CompiledConfig(config::Config config) : config_(std::move(config)) {
  plans_.reserve(config_.monitors.size());
  for (const auto& m : config_.monitors) plans_.push_back(compile_monitor(m));
}

const MonitorPlan* CompiledConfig::find(std::string_view name) const {
  for (const auto& p : plans_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::shared_ptr<const CompiledConfig> compile(config::Config config) {
  return std::make_shared<const CompiledConfig>(std::move(config));
}

}  // namespace driftd::daemon
