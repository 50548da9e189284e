#include "driftd/daemon/monitor_plan.hpp"

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

std::vector<std::pair<std::string, std::string>> where_of(const std::vector<config::WhereFilter>& w) {
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
    s.thresholds.push_back(
        {t.statistic, t.direction == config::Threshold::Direction::below, t.level});
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

std::uint64_t window_seed(const std::optional<Timestamp>& from, const std::optional<Timestamp>& to) {
  Fnv f;
  f.add(from ? format_rfc3339(*from) : "-");
  f.add(to ? format_rfc3339(*to) : "-");
  return f.h;
}

drift::WindowRequest current_request(const config::MonitorConfig& m, Timestamp at) {
  drift::WindowRequest r;
  r.table = m.table;
  r.timestamp_column = m.timestamp_column;
  r.where = where_of(m.where);
  r.from = at - m.window;
  r.to = at;
  r.columns = columns_of(m);
  r.max_rows = static_cast<std::uint64_t>(m.max_rows);
  r.sample_seed = window_seed(r.from, r.to);
  return r;
}

drift::WindowRequest reference_request(const config::MonitorConfig& m, Timestamp at) {
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

bool reference_is_stable(const config::MonitorConfig& m) {
  return m.reference.kind != config::ReferenceConfig::Kind::offset;
}

std::string reference_fingerprint(const config::MonitorConfig& m) {
  drift::WindowRequest r = reference_request(m, Timestamp{});
  Fnv f;
  f.add("driftd-frozen-v1");
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
  }
  f.add(std::to_string(m.bins));
  f.add(std::to_string(m.max_rows));
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(f.h));
  return buf;
}

}  // namespace driftd::daemon
