// The alert state machine: inactive → pending → firing → resolved, per (monitor, feature,
// statistic), plus the monitor-failing alert; then grouping into one notification per sink.

#include "driftd/alerts/engine.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include "driftd/alerts/render.hpp"

namespace driftd::alerts {
namespace {

using config::SinkConfig;
using drift::Threshold;

// One alert while process() works on it.
struct Work {
  Alert alert;
  bool dirty = false;                          // must be written back
  bool ruled = false;                          // a rule of the current config covers it
  bool silenced = false;                       // an active silence matches it
  int rank = std::numeric_limits<int>::max();  // position in notifications: config order
  std::optional<Change> change;                // announced in this evaluation, and why
};

// A feature, the prediction or the confidence: something thresholds apply to.
struct Subject {
  std::string name;
  std::string segment{};                                    // "" for the whole window
  const drift::FeatureStatistics* features = nullptr;       // feature or prediction
  const drift::ConfidenceStatistics* confidence = nullptr;  // the confidence
  const drift::NamedValues* values = nullptr;               // a monitor-level section
  // Levels learned from the reference (`auto` thresholds), carried by the evaluation.
  const std::vector<drift::AppliedThreshold>* learned = nullptr;
  // System health is judged on evaluations with too few rows for drift too (a traffic collapse
  // is news); other subjects only on `ok` / `drift` evaluations.
  bool judged_without_enough_rows = false;
  std::optional<double> get(const std::string& statistic) const {
    if (features) return features->get(statistic);
    if (confidence) return confidence->get(statistic);
    if (values) return drift::value_of(*values, statistic);
    return std::nullopt;  // configured but absent from this evaluation: undefined
  }
  std::vector<drift::Contributor> top() const {
    return features ? features->top_contributors : std::vector<drift::Contributor>{};
  }
};

// The values of one subject in `e` (none where the evaluation lacks it: its alerts stay ruled,
// nothing changes). `performance` holds what the performance section is judged on.
Subject subject_of(const SubjectRule& rule, const drift::Evaluation& e,
                   drift::NamedValues& performance) {
  using drift::Section;
  Subject s{rule.name};
  switch (rule.section) {
    case Section::feature:
      if (rule.name == drift::kPredictionName) {
        if (e.prediction) {
          s.features = &e.prediction->statistics;
          s.learned = &e.prediction->thresholds;
        }
      } else {
        for (const auto& r : e.features) {
          if (r.name == rule.name) {
            s.features = &r.statistics;
            s.learned = &r.thresholds;
          }
        }
      }
      break;
    case Section::confidence:
      if (e.confidence) s.confidence = &e.confidence->statistics;
      break;
    case Section::dataset:
      if (e.dataset) s.values = &e.dataset->statistics;
      break;
    case Section::performance:
      // The quality metrics and their changes are judged only where the section had enough
      // labelled rows on each side, the label-arrival statistics always (judged()). Labelled
      // rows are counted apart from the window's rows: the section's own status says whether
      // there were enough, also on an evaluation with too few rows for drift.
      if (e.performance) {
        performance = e.performance->judged();
        s.values = &performance;
      }
      s.judged_without_enough_rows = true;
      break;
    case Section::challenger:
      // Champion / challenger thresholds apply only where both versions had min_rows rows; a
      // comparison that failed leaves its alerts as they are. The versions' rows are read apart
      // from the monitor's windows: the section's own status says whether there were enough.
      if (e.challenger && e.challenger->status != drift::Status::insufficient_data &&
          e.challenger->status != drift::Status::error) {
        s.values = &e.challenger->statistics;
      }
      s.judged_without_enough_rows = true;
      break;
    case Section::system:
      if (e.system) s.values = &e.system->statistics;
      s.judged_without_enough_rows = true;
      break;
    case Section::freshness:
      // A stalled feed leaves the window empty: judged on insufficient_data evaluations too.
      if (e.freshness) s.values = &e.freshness->statistics;
      s.judged_without_enough_rows = true;
      break;
    case Section::metrics:
      break;  // judged per metric (MonitorRules::metrics)
  }
  return s;
}

// The features, prediction and confidence of every segment of the evaluation. A segment with too
// few rows (insufficient_data) keeps its alerts as they are, like the whole window.
std::vector<Subject> segment_subjects_of(const MonitorRules& rules, const drift::Evaluation& e) {
  std::vector<Subject> out;
  if (!rules.segmented) return out;
  for (const auto& sg : e.segments) {
    if (sg.status != drift::Status::ok && sg.status != drift::Status::drift) {
      // Listed without values: its alerts stay ruled, nothing changes.
      for (const auto& r : sg.features) out.push_back(Subject{r.name, sg.segment});
      if (sg.prediction) out.push_back(Subject{std::string(drift::kPredictionName), sg.segment});
      if (sg.confidence) out.push_back(Subject{std::string(drift::kConfidenceName), sg.segment});
      continue;
    }
    for (const auto& r : sg.features) {
      Subject s{r.name, sg.segment};
      s.features = &r.statistics;
      s.learned = &r.thresholds;
      out.push_back(s);
    }
    if (sg.prediction) {
      Subject s{std::string(drift::kPredictionName), sg.segment};
      s.features = &sg.prediction->statistics;
      s.learned = &sg.prediction->thresholds;
      out.push_back(s);
    }
    if (sg.confidence) {
      Subject s{std::string(drift::kConfidenceName), sg.segment};
      s.confidence = &sg.confidence->statistics;
      out.push_back(s);
    }
  }
  return out;
}

// Starts a new incident on a record that is inactive or resolved: what the previous incident
// left (times, notification stamp, count) must not leak into this one.
void start_incident(Alert& a, Timestamp at) {
  a.consecutive = 0;
  a.started_at = at;
  a.fired_at.reset();
  a.resolved_at.reset();
  a.last_notified_at.reset();
  a.message.clear();
}

void resolve(Work& w, Timestamp at) {
  Alert& a = w.alert;
  a.state = AlertState::resolved;
  a.resolved_at = at;
  a.consecutive = 0;
  w.dirty = true;
  // A resolve is only news to someone who heard about the firing.
  if (a.last_notified_at && !w.silenced) w.change = Change::resolved;
}

void to_inactive(Work& w) {
  Alert& a = w.alert;
  a.state = AlertState::inactive;
  a.consecutive = 0;
  a.started_at.reset();
  w.dirty = true;
}

// One subject's value judged against its rule in one evaluation.
struct Judgement {
  double value = 0;
  double level = 0;
  bool below = false;
  bool breach = false;  // crossed: advances pending, fires after for_count
  bool clear = false;   // past the resolve level: a firing alert resolves (hysteresis)
  int for_count = 1;
  Severity severity = Severity::medium;
  std::string message;
};

void apply_judgement(Work& w, const Judgement& j, const std::vector<drift::Contributor>& top,
                     Timestamp at) {
  Alert& a = w.alert;
  const bool breach = j.breach;
  const bool clear = j.clear;
  const int for_count = std::max(1, j.for_count);
  const bool active = a.state == AlertState::pending || a.state == AlertState::firing;
  if (!active && !breach) return;  // nothing to record: no incident, no breach

  a.threshold = j.level;
  a.below = j.below;
  a.value = j.value;
  a.top_contributors = top;
  a.last_evaluated_at = at;
  w.dirty = true;

  switch (a.state) {
    case AlertState::inactive:
    case AlertState::resolved:
      start_incident(a, at);
      [[fallthrough]];
    case AlertState::pending:
      if (!breach) {
        to_inactive(w);
        return;
      }
      ++a.consecutive;
      // Decided while pending and frozen when firing, so fire, repeats and resolve of an
      // incident reach the same sinks.
      a.severity = j.severity;
      if (!j.message.empty()) a.message = j.message;
      if (a.consecutive >= for_count) {
        a.state = AlertState::firing;
        a.fired_at = at;
      } else {
        a.state = AlertState::pending;
      }
      return;
    case AlertState::firing:
      a.consecutive = breach ? a.consecutive + 1 : 0;
      if (!j.message.empty()) a.message = j.message;
      if (clear) resolve(w, at);
      return;
  }
}

void apply_threshold(Work& w, const Threshold& t, double v,
                     const std::vector<drift::Contributor>& top, Timestamp at) {
  // Hysteresis: a firing alert stays firing in the band between resolve_level and level.
  apply_judgement(
      w, {v, t.level, t.below(), t.crossed(v), t.resolved(v), t.for_count, severity_of(t, v), ""},
      top, at);
}

void apply_failure(Work& w, const MonitorRules& m, const drift::Evaluation& e) {
  Alert& a = w.alert;
  if (a.state == AlertState::inactive || a.state == AlertState::resolved) {
    start_incident(a, e.evaluated_at);
  }
  ++a.consecutive;
  a.value = a.consecutive;
  a.threshold = m.failing_after;
  a.below = false;
  a.severity = Severity::high;
  a.message = e.error.value_or("evaluation failed");
  a.last_evaluated_at = e.evaluated_at;
  w.dirty = true;
  if (a.state != AlertState::firing) {
    if (a.consecutive >= std::max(1, m.failing_after)) {
      a.state = AlertState::firing;
      a.fired_at = e.evaluated_at;
    } else {
      a.state = AlertState::pending;
    }
  }
}

bool is_active(const Alert& a) {
  return a.state == AlertState::pending || a.state == AlertState::firing;
}

// Whether `t` judges otherwise than the rule the alert was last judged with.
bool rule_changed(const Alert& a, const Threshold& t) {
  return a.threshold != t.level || a.below != t.below();
}

bool is_silenced(const AlertKey& k, const std::vector<Silence>& silences, Timestamp now) {
  return std::any_of(silences.begin(), silences.end(),
                     [&](const Silence& s) { return s.active(now) && s.matches(k); });
}

}  // namespace

bool sink_accepts(const SinkConfig& sink, const std::string& monitor, Severity severity) {
  if (severity < sink.min_severity) return false;
  return sink.monitors.empty() ||
         std::find(sink.monitors.begin(), sink.monitors.end(), monitor) != sink.monitors.end();
}

EngineResult process(const MonitorRules& monitor, const drift::Evaluation& e,
                     std::vector<Alert> current, const std::vector<Silence>& silences,
                     Timestamp now, const Routing& routing) {
  std::vector<Work> works;
  std::map<AlertKey, std::size_t> index;
  for (auto& a : current) {
    if (a.key.monitor != monitor.monitor || index.count(a.key)) continue;
    index.emplace(a.key, works.size());
    Work w;
    w.alert = std::move(a);
    works.push_back(std::move(w));
  }
  auto find = [&](const AlertKey& k) -> Work* {
    auto it = index.find(k);
    return it == index.end() ? nullptr : &works[it->second];
  };
  auto create = [&](const AlertKey& k) -> Work& {
    Work w;
    w.alert.key = k;
    index.emplace(k, works.size());
    works.push_back(std::move(w));
    return works.back();
  };
  for (auto& w : works) w.silenced = is_silenced(w.alert.key, silences, now);

  // Drift rules: every threshold on every feature, the prediction and the confidence. Only an
  // evaluation that saw enough data may fire or resolve them.
  const bool data_ok = e.status == drift::Status::ok || e.status == drift::Status::drift;
  int rank = 0;
  drift::NamedValues performance;
  std::vector<Subject> subjects;
  for (const auto& rule : monitor.subjects) subjects.push_back(subject_of(rule, e, performance));
  for (auto& s : segment_subjects_of(monitor, e)) subjects.push_back(std::move(s));
  for (const auto& subject : subjects) {
    for (const auto& configured : monitor.thresholds) {
      AlertKey key{monitor.monitor, subject.name, configured.statistic, subject.segment};
      Work* w = find(key);
      const int my_rank = rank++;
      if (w) {
        w->ruled = true;
        w->rank = my_rank;
      }
      const bool judged = subject.segment.empty()
                              ? data_ok || (subject.judged_without_enough_rows &&
                                            e.status == drift::Status::insufficient_data)
                              : subject.features || subject.confidence;
      if (!judged) continue;
      // A learned threshold's level is the one the evaluation learned for this subject; without
      // one (nothing learned here) the rule does not apply, as an undefined statistic.
      const auto t = configured.applied(subject.learned);
      if (!t) continue;
      auto v = subject.get(t->statistic);
      // Undefined in this evaluation (too few labels...): no transition, unless the rule itself
      // changed since the alert was judged (a reload raised or lowered the threshold): then its
      // last value is judged again by the new rule, so a firing alert can resolve without
      // waiting for data it may not get for a long time.
      if (!v && w && is_active(w->alert) && rule_changed(w->alert, *t)) {
        v = w->alert.value;
      }
      if (!v) continue;
      if (!w) {
        if (!t->crossed(*v)) continue;  // no record until a first breach
        w = &create(key);
        w->ruled = true;
        w->rank = my_rank;
        w->silenced = is_silenced(key, silences, now);
      }
      apply_threshold(*w, *t, *v, subject.top(), e.evaluated_at);
    }
  }

  // Business metrics: drift judged each one (thresholds against its baseline, the significance
  // gate); a metric with too few rows, no baseline or a failed read changes nothing.
  for (const auto& rule : monitor.metrics) {
    AlertKey key{monitor.monitor, std::string(drift::kMetricsName), rule.name};
    Work* w = find(key);
    const int my_rank = rank++;
    if (w) {
      w->ruled = true;
      w->rank = my_rank;
    }
    if (e.status == drift::Status::error) continue;
    const drift::MetricResult* m = nullptr;
    for (const auto& r : e.metrics) {
      if (r.name == rule.name) m = &r;
    }
    if (m == nullptr || !m->level || m->status == "insufficient_data") continue;
    const auto v = drift::value_of(m->statistics, "value");
    if (!v) continue;
    Judgement j;
    j.value = *v;
    j.level = *m->level;
    j.below = m->below;
    j.breach = !m->breaches.empty();
    j.clear = m->cleared;
    j.for_count = rule.for_count;
    j.severity = rule.severity.value_or(Severity::medium);
    j.message = m->message;
    if (!w) {
      if (!j.breach) continue;
      w = &create(key);
      w->ruled = true;
      w->rank = my_rank;
      w->silenced = is_silenced(key, silences, now);
    }
    apply_judgement(*w, j, {}, e.evaluated_at);
  }

  // The monitor-failing alert.
  const AlertKey failing_key{monitor.monitor, "", std::string(kMonitorFailing)};
  if (e.status == drift::Status::error) {
    Work* w = find(failing_key);
    if (!w) {
      w = &create(failing_key);
      w->silenced = is_silenced(failing_key, silences, now);
    }
    apply_failure(*w, monitor, e);
  } else if (Work* w = find(failing_key)) {
    if (w->alert.state == AlertState::firing) {
      resolve(*w, e.evaluated_at);
    } else if (w->alert.state == AlertState::pending) {
      to_inactive(*w);
    }
  }
  if (Work* w = find(failing_key)) {
    w->ruled = true;
    w->rank = -1;  // a broken monitor is the first thing to read
  }

  // A failed evaluation has no segments: their alerts stay as they are, as the whole window's.
  if (e.status == drift::Status::error && monitor.segmented) {
    for (auto& w : works) {
      if (!w.alert.key.segment.empty()) w.ruled = true;
    }
  }

  // Alerts whose threshold or feature left the config, and those of a segment no longer among the
  // largest: nothing will ever resolve them otherwise.
  for (auto& w : works) {
    if (w.ruled) continue;
    if (w.alert.state == AlertState::firing) {
      resolve(w, e.evaluated_at);
    } else if (w.alert.state == AlertState::pending) {
      to_inactive(w);
    }
  }

  // Announce firing alerts never announced (new, or their silence ended) and repeat the others
  // every repeat_interval, whatever the evaluation's status: they are still firing.
  for (auto& w : works) {
    Alert& a = w.alert;
    if (a.state != AlertState::firing || w.silenced) continue;
    if (!a.last_notified_at) {
      w.change = Change::fired;
    } else if (now - *a.last_notified_at >= monitor.repeat_interval) {
      w.change = Change::repeated;
    } else {
      continue;
    }
    a.last_notified_at = now;
    w.dirty = true;
  }
  for (auto& w : works) {
    if (w.change == Change::resolved) {
      w.alert.last_notified_at = now;
    }
  }

  std::vector<const Work*> ordered;
  for (const auto& w : works) ordered.push_back(&w);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const Work* a, const Work* b) { return a->rank < b->rank; });

  EngineResult out;
  for (const auto& sink : routing.sinks) {
    NotificationGroup g;
    g.monitor = monitor.monitor;
    g.evaluated_at = e.evaluated_at;
    g.current_window = e.current_window;
    g.reference_window = e.reference_window;
    g.external_url = routing.external_url;
    g.schedule = monitor.schedule;
    bool others_firing = false;  // announced firing alerts of this sink that are not in the group
    for (const Work* w : ordered) {
      const Alert& a = w->alert;
      if (!sink_accepts(sink, monitor.monitor, a.severity)) continue;
      if (w->change) {
        g.alerts.push_back({a, *w->change});
      } else if (a.state == AlertState::firing && a.last_notified_at) {
        others_firing = true;
        // Alertmanager forgets an alert at its endsAt unless it is posted again.
        if (sink.type == SinkConfig::Type::alertmanager && !w->silenced) {
          g.alerts.push_back({a, Change::reposted});
        } else {
          // Still part of the incident: the notification says so and PagerDuty keeps its
          // severity.
          g.others_severity = std::max(g.others_severity, a.severity);
          ++g.others_firing;
        }
      }
    }
    if (g.alerts.empty()) continue;
    // One PagerDuty incident per monitor: resolve it only when nothing of the monitor fires.
    if (sink.type == SinkConfig::Type::pagerduty && g.status() == "resolved" && others_firing) {
      continue;
    }
    g.id = routing.new_id();
    Notification n;
    n.id = g.id;
    n.sink = sink.name;
    n.monitor = monitor.monitor;
    n.status = std::string(g.status());
    n.body = render(sink, g, routing.secrets);
    n.created_at = now;
    n.next_attempt_at = now;
    out.notifications.push_back(std::move(n));
  }

  for (auto& w : works) {
    if (w.alert.state == AlertState::firing) ++out.firing;
    if (w.dirty) out.changed.push_back(std::move(w.alert));
  }
  return out;
}

}  // namespace driftd::alerts
