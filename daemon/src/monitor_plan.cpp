#include "driftd/daemon/monitor_plan.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace driftd::daemon {
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

std::vector<drift::ColumnRequest> columns_of(const config::MonitorConfig& m) {
  std::vector<drift::ColumnRequest> cols;
  for (const auto& f : m.features) cols.push_back(column_of(f.source, kind_of(f.kind)));
  if (m.prediction) cols.push_back(column_of(m.prediction->source, kind_of(m.prediction->kind)));
  if (m.confidence) cols.push_back(column_of(m.confidence->source, drift::FeatureKind::numerical));
  return cols;
}

std::vector<std::pair<std::string, std::string>> where_of(
    const std::vector<config::WhereFilter>& w) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : w) out.emplace_back(f.column, f.value);
  return out;
}

// FNV-1a, 64 bits: stable across builds and platforms (std::hash is not).
struct Fnv {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  void add(std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
    h ^= 0xff;  // field separator
    h *= 0x100000001b3ULL;
  }
};

std::string format_number(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  return std::string(buf, end);
}

}  // namespace

drift::EvaluationSpec evaluation_spec(const config::MonitorConfig& m) {
  drift::EvaluationSpec s;
  s.monitor = m.name;
  for (const auto& f : m.features) s.columns.push_back({f.name, kind_of(f.kind)});
  if (m.prediction) {
    s.columns.push_back({std::string(drift::kPredictionName), kind_of(m.prediction->kind)});
    s.has_prediction = true;
  }
  if (m.confidence) {
    s.columns.push_back({"__confidence__", drift::FeatureKind::numerical});
    s.confidence_low = m.confidence->low;
  }
  s.bins = m.bins;
  s.min_rows = static_cast<std::uint64_t>(m.min_rows);
  for (const auto& t : m.thresholds) {
    drift::ThresholdSpec spec{t.statistic, t.direction == config::Threshold::Direction::below,
                              t.level};
    spec.learned = t.learned;
    spec.k = t.k;
    spec.chunks = t.chunks;
    s.thresholds.push_back(std::move(spec));
  }
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

std::uint64_t window_seed(const std::optional<Timestamp>& from,
                          const std::optional<Timestamp>& to) {
  Fnv f;
  f.add(from ? format_rfc3339(*from) : "-");
  f.add(to ? format_rfc3339(*to) : "-");
  return f.h;
}

namespace {

drift::ColumnRequest auxiliary(std::string column, drift::FeatureKind kind, bool joined,
                               bool hashed) {
  drift::ColumnRequest c;
  c.column = std::move(column);
  c.kind = kind;
  c.joined = joined;
  c.hashed = hashed;
  return c;
}

bool same_source(const config::ValueSource& a, const config::ValueSource& b) {
  return a.column == b.column && a.json == b.json && a.key == b.key;
}

int add_column(drift::WindowRequest& r, drift::ColumnRequest c) {
  r.columns.push_back(std::move(c));
  return static_cast<int>(r.columns.size()) - 1;
}

// Adds what the labels need to a request whose main columns (if any) are laid out in `layout`.
void add_label_columns(const config::MonitorConfig& m, drift::WindowRequest& r,
                       ColumnLayout& layout) {
  if (!m.labels) return;
  const auto& l = *m.labels;
  using Task = config::LabelsConfig::Task;
  if (l.joined()) r.join = drift::JoinRequest{l.table, l.key, l.prediction_key};
  // Labels arrive after the fact: they stay out of the sampling hash so a window keeps its sample.
  layout.label =
      add_column(r, auxiliary(l.column,
                              l.task == Task::regression ? drift::FeatureKind::numerical
                                                         : drift::FeatureKind::categorical,
                              l.joined(), false));
  if (l.task == Task::binary) {
    if (l.score) {
      if (m.confidence && layout.confidence >= 0 && same_source(*l.score, m.confidence->source)) {
        layout.score = layout.confidence;
      } else if (m.prediction && layout.prediction >= 0 &&
                 m.prediction->kind == config::FeatureKind::numerical &&
                 same_source(*l.score, m.prediction->source)) {
        layout.score = layout.prediction;
      } else {
        auto score = column_of(*l.score, drift::FeatureKind::numerical);
        score.hashed = false;  // the sample of the features must not depend on what else is read
        layout.score = add_column(r, std::move(score));
      }
    } else if (m.confidence && layout.confidence >= 0) {
      layout.score = layout.confidence;
    } else if (m.prediction && layout.prediction >= 0 &&
               m.prediction->kind == config::FeatureKind::numerical) {
      layout.score = layout.prediction;
    }
  }
  if (!l.timestamp_column.empty()) {
    auto label_time =
        auxiliary(l.timestamp_column, drift::FeatureKind::numerical, l.joined(), false);
    label_time.epoch = true;
    layout.label_time = add_column(r, std::move(label_time));
    auto prediction_time =
        auxiliary(r.timestamp_column, drift::FeatureKind::numerical, false, false);
    prediction_time.epoch = true;
    layout.prediction_time = add_column(r, std::move(prediction_time));
  }
}

// Adds the system-health columns (the current window's only).
void add_system_columns(const config::MonitorConfig& m, drift::WindowRequest& r,
                        ColumnLayout& layout) {
  if (!m.system) return;
  if (!m.system->latency_column.empty()) {
    layout.latency = add_column(
        r, auxiliary(m.system->latency_column, drift::FeatureKind::numerical, false, false));
  }
  if (!m.system->error_column.empty()) {
    layout.error = add_column(
        r, auxiliary(m.system->error_column, drift::FeatureKind::categorical, false, false));
  }
}

// Adds the segment column (both windows): text, outside the sampling hash so that a window's
// sample does not depend on it.
void add_segment_column(const config::MonitorConfig& m, drift::WindowRequest& r,
                        ColumnLayout& layout) {
  if (!m.segment) return;
  layout.segment =
      add_column(r, auxiliary(m.segment->column, drift::FeatureKind::categorical, false, false));
}

ColumnLayout main_layout(const config::MonitorConfig& m, const drift::WindowRequest& r) {
  ColumnLayout layout;
  layout.main = r.columns.size();
  const int n = static_cast<int>(r.columns.size());
  if (m.confidence) layout.confidence = n - 1;
  if (m.prediction) layout.prediction = n - 1 - (m.confidence ? 1 : 0);
  return layout;
}

}  // namespace

drift::WindowRequest current_request(const config::MonitorConfig& m, Timestamp at) {
  return plan_current(m, at).request;
}

PlannedRequest plan_current(const config::MonitorConfig& m, Timestamp at) {
  drift::WindowRequest r;
  r.table = m.table;
  r.timestamp_column = m.timestamp_column;
  r.where = where_of(m.where);
  r.from = at - m.window;
  r.to = at;
  r.columns = columns_of(m);
  r.max_rows = static_cast<std::uint64_t>(m.max_rows);
  r.sample_seed = window_seed(r.from, r.to);
  PlannedRequest p{std::move(r), {}};
  p.layout = main_layout(m, p.request);
  add_label_columns(m, p.request, p.layout);
  add_system_columns(m, p.request, p.layout);
  add_segment_column(m, p.request, p.layout);
  return p;
}

drift::WindowRequest reference_request(const config::MonitorConfig& m, Timestamp at) {
  return plan_reference(m, at).request;
}

namespace {

// The reference window's bounds, table and filters, without columns.
drift::WindowRequest reference_window(const config::MonitorConfig& m, Timestamp at) {
  drift::WindowRequest r;
  r.table = m.table;
  r.timestamp_column = m.timestamp_column;
  r.where = where_of(m.where);
  r.columns = columns_of(m);
  r.max_rows = static_cast<std::uint64_t>(m.max_rows);
  const auto& ref = m.reference;
  switch (ref.kind) {
    case config::ReferenceConfig::Kind::fixed:
      r.from = ref.from;
      r.to = ref.to;
      break;
    case config::ReferenceConfig::Kind::offset:
      r.to = at - ref.offset;
      r.from = *r.to - m.window;
      break;
    case config::ReferenceConfig::Kind::table:
      r.table = ref.table;
      r.timestamp_column = ref.timestamp_column.empty() ? m.timestamp_column : ref.timestamp_column;
      r.where = where_of(ref.where);
      r.from = ref.from;
      r.to = ref.to;
      break;
  }
  r.sample_seed = window_seed(r.from, r.to);
  return r;
}

}  // namespace

PlannedRequest plan_reference(const config::MonitorConfig& m, Timestamp at) {
  PlannedRequest p{reference_window(m, at), {}};
  p.layout = main_layout(m, p.request);
  add_label_columns(m, p.request, p.layout);
  if (has_learned_thresholds(m)) {
    auto time = auxiliary(p.request.timestamp_column, drift::FeatureKind::numerical, false, false);
    time.epoch = true;
    p.layout.time = add_column(p.request, std::move(time));
  }
  add_segment_column(m, p.request, p.layout);
  return p;
}

bool has_learned_thresholds(const config::MonitorConfig& m) {
  return std::any_of(m.thresholds.begin(), m.thresholds.end(),
                     [](const config::Threshold& t) { return t.learned; });
}

std::optional<PlannedRequest> plan_reference_performance(const config::MonitorConfig& m,
                                                         Timestamp at) {
  if (!m.labels) return std::nullopt;
  // Every main column at its place in a full read, although only the prediction and the confidence
  // are used: they are what picks the sample of a window over max_rows, so the reference's
  // performance is measured on the rows a full read keeps, whichever read measured it.
  PlannedRequest p{reference_window(m, at), {}};
  p.layout = main_layout(m, p.request);
  add_label_columns(m, p.request, p.layout);
  return p;
}

std::optional<drift::SystemSpec> system_spec(const config::MonitorConfig& m) {
  if (!m.system) return std::nullopt;
  drift::SystemSpec s;
  s.latency_to_ms = m.system->latency_to_ms;
  s.error_values = m.system->error_values;
  return s;
}

drift::SystemColumns system_columns(const drift::WindowData& data, const ColumnLayout& layout) {
  drift::SystemColumns c;
  auto at = [&](int i) -> const drift::Column* {
    return i >= 0 && static_cast<std::size_t>(i) < data.columns.size()
               ? &data.columns[static_cast<std::size_t>(i)]
               : nullptr;
  };
  c.latency = at(layout.latency);
  c.error = at(layout.error);
  return c;
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

drift::PerformanceColumns performance_columns(const config::MonitorConfig& m,
                                              const drift::WindowData& data,
                                              const ColumnLayout& layout) {
  drift::PerformanceColumns c;
  auto at = [&](int i) -> const drift::Column* {
    return i >= 0 && static_cast<std::size_t>(i) < data.columns.size()
               ? &data.columns[static_cast<std::size_t>(i)]
               : nullptr;
  };
  c.label = at(layout.label);
  c.score = at(layout.score);
  c.label_time = at(layout.label_time);
  c.prediction_time = at(layout.prediction_time);
  if (m.labels && m.prediction) {
    using Task = config::LabelsConfig::Task;
    const bool categorical = m.prediction->kind == config::FeatureKind::categorical;
    // binary: the model's own class when it outputs one; a numerical prediction is its score.
    const bool use = m.labels->task == Task::regression ? !categorical : categorical;
    if (use) c.predicted = at(layout.prediction);
  }
  return c;
}

std::optional<PlannedRequest> plan_version(const config::MonitorConfig& m, Timestamp at,
                                           bool challenger) {
  if (!m.challenger || !m.prediction) return std::nullopt;
  PlannedRequest p;
  drift::WindowRequest& r = p.request;
  r.table = m.table;
  r.timestamp_column = m.timestamp_column;
  r.where = where_of(m.where);
  for (const auto& w : where_of(challenger ? m.challenger->challenger : m.challenger->champion)) {
    r.where.push_back(w);
  }
  r.from = at - m.window;
  r.to = at;
  r.max_rows = static_cast<std::uint64_t>(m.max_rows);
  r.sample_seed = window_seed(r.from, r.to);
  const bool keyed = !m.challenger->key.empty();
  auto main = [keyed](drift::ColumnRequest c) {
    c.hashed = !keyed;
    return c;
  };
  p.layout.prediction =
      add_column(r, main(column_of(m.prediction->source, kind_of(m.prediction->kind))));
  if (m.confidence) {
    p.layout.confidence =
        add_column(r, main(column_of(m.confidence->source, drift::FeatureKind::numerical)));
  }
  p.layout.main = r.columns.size();
  add_label_columns(m, r, p.layout);
  if (keyed) {
    p.layout.key =
        add_column(r, auxiliary(m.challenger->key, drift::FeatureKind::categorical, false, true));
  }
  return p;
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

drift::ChallengerColumns challenger_columns(const config::MonitorConfig& m,
                                            const drift::WindowData& data,
                                            const ColumnLayout& layout) {
  drift::ChallengerColumns c;
  auto at = [&](int i) -> const drift::Column* {
    return i >= 0 && static_cast<std::size_t>(i) < data.columns.size()
               ? &data.columns[static_cast<std::size_t>(i)]
               : nullptr;
  };
  c.prediction = at(layout.prediction);
  c.confidence = at(layout.confidence);
  c.key = at(layout.key);
  if (m.labels) c.performance = performance_columns(m, data, layout);
  return c;
}

bool reference_is_stable(const config::MonitorConfig& m) {
  return m.reference.kind != config::ReferenceConfig::Kind::offset;
}

std::string reference_fingerprint(const config::MonitorConfig& m) {
  drift::WindowRequest r = reference_request(m, Timestamp{});
  Fnv f;
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
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(f.h));
  return buf;
}

}  // namespace driftd::daemon
