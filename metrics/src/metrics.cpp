#include "driftd/metrics/metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

namespace driftd::metrics {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;
using prometheus::Labels;

namespace {

const char* const kStatuses[] = {"ok", "drift", "insufficient_data", "error"};

// A family plus the series it holds, by key, so series can be found and removed again.
template <typename T>
struct Series {
  Family<T>* family = nullptr;
  std::map<std::vector<std::string>, T*> items;

  template <typename... Args>
  T& get(const std::vector<std::string>& names, const std::vector<std::string>& values,
         Args&&... args) {
    auto it = items.find(values);
    if (it != items.end()) return *it->second;
    Labels labels;
    for (std::size_t i = 0; i < names.size(); ++i) labels[names[i]] = values[i];
    T& m = family->Add(labels, std::forward<Args>(args)...);
    items.emplace(values, &m);
    return m;
  }
  // Removes the series whose first label value (the monitor or sink) matches and `keep` says no.
  template <typename Keep>
  void remove_if_not(Keep keep) {
    for (auto it = items.begin(); it != items.end();) {
      if (!keep(it->first)) {
        family->Remove(it->second);
        it = items.erase(it);
      } else {
        ++it;
      }
    }
  }
};

double read_first_number(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      std::istringstream s(line.substr(key.size()));
      double v = 0;
      s >> v;
      return v;
    }
  }
  return 0;
}

}  // namespace

ProcessStats read_process_stats() {
  ProcessStats p;
  static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  static const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  std::ifstream stat("/proc/self/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may contain spaces) start after the last ')'.
  auto close = content.rfind(')');
  if (close != std::string::npos) {
    std::istringstream s(content.substr(close + 2));
    std::vector<std::string> f;
    std::string x;
    while (s >> x) f.push_back(x);
    // f[0] is field 3 (state); utime=14, stime=15, num_threads=20, starttime=22, vsize=23, rss=24
    auto field = [&](int n) {
      return static_cast<std::size_t>(n - 3) < f.size()
                 ? std::stod(f[static_cast<std::size_t>(n - 3)])
                 : 0.0;
    };
    p.cpu_seconds = (field(14) + field(15)) / ticks;
    p.threads = field(20);
    double boot = read_first_number("/proc/stat", "btime ");
    p.start_time_seconds = boot + field(22) / ticks;
    p.virtual_bytes = field(23);
    p.resident_bytes = field(24) * page;
  }
  if (DIR* d = ::opendir("/proc/self/fd")) {
    int n = 0;
    while (::readdir(d) != nullptr) ++n;
    ::closedir(d);
    p.open_fds = n - 3;  // ".", ".." and the directory's own descriptor
  }
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0) p.max_fds = static_cast<double>(rl.rlim_cur);
  return p;
}

struct Metrics::Impl {
  std::mutex mutex;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  // The per-feature statistics (monitors x features x statistics series: tens of thousands) change
  // only when an evaluation finishes; their text is rendered then, not at every scrape.
  std::shared_ptr<prometheus::Registry> statistics_registry =
      std::make_shared<prometheus::Registry>();
  std::string statistics_text;
  bool statistics_dirty = true;
  Series<Gauge> segment_stat, segment_rows;  // bounded by the monitors' segment.max
  Series<Gauge> feature_stat, confidence, dataset_stat, performance_stat, system_stat,
      challenger_stat, freshness_stat, business_metric, status, window_rows, last_eval,
      alerts_firing, queue_depth, next_run, build_info, database_up, frozen_cache, reload_ok;
  Series<Counter> evaluations, notifications, skipped, reevaluations, http_requests, reloads;
  Series<Histogram> duration, http_duration;
  Series<Gauge> process;  // process_* gauges (label-less)
  Series<Counter> process_cpu;
  double last_cpu = 0;
  std::set<std::string> monitors;
  bool restricted = false;  // after retain_monitors(): only those monitors get series
  // A late update for a monitor a reload removed (an evaluation still finishing) must not bring
  // its series back.
  bool unknown(const std::string& monitor) const {
    return restricted && monitors.count(monitor) == 0;
  }
};

Metrics::Metrics(const std::string& version) : impl_(std::make_unique<Impl>()) {
  auto& r = *impl_->registry;
  auto& m = *impl_;
  m.feature_stat.family = &prometheus::BuildGauge()
                               .Name("driftd_feature_statistic")
                               .Help(
                                   "Latest value of a drift or data-quality statistic of a feature "
                                   "(the prediction is __prediction__).")
                               .Register(*m.statistics_registry);
  m.confidence.family = &prometheus::BuildGauge()
                             .Name("driftd_confidence")
                             .Help("Latest confidence statistics of a monitor's predictions.")
                             .Register(*m.statistics_registry);
  m.dataset_stat.family = &prometheus::BuildGauge()
                               .Name("driftd_dataset_statistic")
                               .Help(
                                   "Latest dataset-level drift statistics of a monitor "
                                   "(drifted_feature_share, drifted_features, tested_features).")
                               .Register(*m.statistics_registry);
  m.performance_stat.family = &prometheus::BuildGauge()
                                   .Name("driftd_performance_statistic")
                                   .Help(
                                       "Latest realised performance of a monitor's labelled "
                                       "predictions (metrics, label coverage and delay, changes "
                                       "against the reference; reference_* for the reference's).")
                                   .Register(*m.statistics_registry);
  m.system_stat.family =
      &prometheus::BuildGauge()
           .Name("driftd_system_statistic")
           .Help(
               "Latest system health of a monitor's service: latency_* (milliseconds), error_rate, "
               "throughput_per_minute, volume_change.")
           .Register(*m.statistics_registry);
  m.segment_stat.family =
      &prometheus::BuildGauge()
           .Name("driftd_segment_statistic")
           .Help(
               "Latest drift statistic of a feature (__prediction__, __confidence__) within one "
               "segment of a monitor: the largest segment.max values of its segment column, the "
               "rest as __other__.")
           .Register(*m.statistics_registry);
  m.segment_rows.family = &prometheus::BuildGauge()
                               .Name("driftd_segment_rows")
                               .Help(
                                   "Rows of one segment of a monitor in the latest evaluation's "
                                   "current or reference window (after sampling).")
                               .Register(*m.statistics_registry);
  m.challenger_stat.family =
      &prometheus::BuildGauge()
           .Name("driftd_challenger_statistic")
           .Help(
               "Latest champion / challenger comparison of a monitor's two model versions "
               "(prediction_* divergence, agreement_rate, confidence_difference, "
               "performance_difference, performance_pvalue, challenger_better, challenger_worse).")
           .Register(*m.statistics_registry);
  m.freshness_stat.family =
      &prometheus::BuildGauge()
           .Name("driftd_freshness_statistic")
           .Help(
               "Latest freshness and volume of a monitor's table: freshness_seconds (age of the "
               "newest row at evaluation time), window_rows, baseline_rows, volume_ratio.")
           .Register(*m.statistics_registry);
  m.business_metric.family =
      &prometheus::BuildGauge()
           .Name("driftd_business_metric")
           .Help(
               "Latest business metric of a monitor ([[monitors.metrics]]): its value, baseline, "
               "change ((value - baseline) / |baseline|) and p_value.")
           .Register(*m.statistics_registry);
  m.status.family = &prometheus::BuildGauge()
                         .Name("driftd_monitor_status")
                         .Help(
                             "1 for the monitor's current status (ok, drift, insufficient_data, "
                             "error), 0 for the others.")
                         .Register(r);
  m.window_rows.family =
      &prometheus::BuildGauge()
           .Name("driftd_window_rows")
           .Help("Rows in the current and reference windows of the latest evaluation.")
           .Register(r);
  m.last_eval.family = &prometheus::BuildGauge()
                            .Name("driftd_last_evaluation_timestamp_seconds")
                            .Help("Unix time of the latest evaluation's instant.")
                            .Register(r);
  m.alerts_firing.family = &prometheus::BuildGauge()
                                .Name("driftd_alerts_firing")
                                .Help("Alerts of the monitor currently firing.")
                                .Register(r);
  m.queue_depth.family = &prometheus::BuildGauge()
                              .Name("driftd_notification_queue_depth")
                              .Help("Notifications waiting for delivery to the sink.")
                              .Register(r);
  m.next_run.family = &prometheus::BuildGauge()
                           .Name("driftd_next_evaluation_timestamp_seconds")
                           .Help("Unix time of the monitor's next scheduled evaluation.")
                           .Register(r);
  m.build_info.family = &prometheus::BuildGauge()
                             .Name("driftd_build_info")
                             .Help("Always 1; the version label says which driftd runs.")
                             .Register(r);
  m.database_up.family = &prometheus::BuildGauge()
                              .Name("driftd_database_up")
                              .Help("1 when the database answered the latest check, else 0.")
                              .Register(r);
  m.reload_ok.family =
      &prometheus::BuildGauge()
           .Name("driftd_config_last_reload_successful")
           .Help(
               "0 when the latest SIGHUP reload was rejected (the previous configuration keeps "
               "running), else 1.")
           .Register(r);
  m.reloads.family = &prometheus::BuildCounter()
                          .Name("driftd_config_reloads_total")
                          .Help("SIGHUP reloads by result (applied, rejected).")
                          .Register(r);
  m.frozen_cache.family = &prometheus::BuildGauge()
                               .Name("driftd_frozen_reference_cache_bytes")
                               .Help("Memory held by frozen references kept for reuse.")
                               .Register(r);
  m.evaluations.family = &prometheus::BuildCounter()
                              .Name("driftd_evaluations_total")
                              .Help("Evaluations by result (ok, drift, insufficient_data, error).")
                              .Register(r);
  m.notifications.family =
      &prometheus::BuildCounter()
           .Name("driftd_notifications_total")
           .Help("Notification delivery attempts by outcome (delivered, retried, failed, dropped).")
           .Register(r);
  m.skipped.family = &prometheus::BuildCounter()
                          .Name("driftd_scheduler_skipped_total")
                          .Help(
                              "Scheduled evaluations skipped because the previous one of the "
                              "monitor was still running.")
                          .Register(r);
  m.reevaluations.family =
      &prometheus::BuildCounter()
           .Name("driftd_reevaluations_total")
           .Help("Past instants evaluated again because their labels arrived (labels look-back).")
           .Register(r);
  m.http_requests.family = &prometheus::BuildCounter()
                                .Name("driftd_http_requests_total")
                                .Help("HTTP requests served, by handler and status code.")
                                .Register(r);
  m.duration.family =
      &prometheus::BuildHistogram()
           .Name("driftd_evaluation_duration_seconds")
           .Help("Time to evaluate a monitor: reading both windows and computing every statistic.")
           .Register(r);
  m.http_duration.family = &prometheus::BuildHistogram()
                                .Name("driftd_http_request_duration_seconds")
                                .Help("Time to answer HTTP requests, by handler.")
                                .Register(r);
  m.process.family = &prometheus::BuildGauge()
                          .Name("process_resident_memory_bytes")
                          .Help("Resident memory size in bytes.")
                          .Register(r);
  m.process_cpu.family = &prometheus::BuildCounter()
                              .Name("process_cpu_seconds_total")
                              .Help("Total user and system CPU time spent in seconds.")
                              .Register(r);
  m.build_info.get({"version"}, {version}).Set(1);
  m.database_up.get({}, {}).Set(0);
  m.frozen_cache.get({}, {}).Set(0);
  m.reload_ok.get({}, {}).Set(1);
}

Metrics::~Metrics() = default;

void Metrics::record_evaluation(const drift::Evaluation& e, double duration_seconds) {
  auto& m = *impl_;
  std::lock_guard lock(m.mutex);
  const std::string& mon = e.monitor;
  if (m.unknown(mon)) return;
  std::string status(drift::to_string(e.status));
  m.evaluations.get({"monitor", "result"}, {mon, status}).Increment();
  static const Histogram::BucketBoundaries kBuckets = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                       2.5,  5,     10,   30,  60,   120, 300};
  m.duration.get({"monitor"}, {mon}, kBuckets).Observe(duration_seconds);
  for (const char* s : kStatuses)
    m.status.get({"monitor", "status"}, {mon, s}).Set(status == s ? 1 : 0);
  m.last_eval.get({"monitor"}, {mon}).Set(to_unix_seconds(e.evaluated_at));
  if (e.status == drift::Status::error) return;  // keep the latest known values
  m.statistics_dirty = true;

  m.window_rows.get({"monitor", "window"}, {mon, "current"})
      .Set(static_cast<double>(e.current_window.rows));
  m.window_rows.get({"monitor", "window"}, {mon, "reference"})
      .Set(static_cast<double>(e.reference_window.rows));
  // The monitor's statistic series become exactly those of this evaluation: every family of
  // statistics keeps this monitor's series that the evaluation has, and loses the others (a
  // section gone, a segment no longer among the largest: the families stay bounded).
  Series<Gauge>* const families[] = {&m.feature_stat,     &m.confidence,      &m.dataset_stat,
                                     &m.performance_stat, &m.system_stat,     &m.challenger_stat,
                                     &m.freshness_stat,   &m.business_metric, &m.segment_stat};
  std::map<Series<Gauge>*, std::set<std::vector<std::string>>> present;
  auto set = [&](Series<Gauge>& series, const std::vector<std::string>& names,
                 std::vector<std::string> key, double value) {
    series.get(names, key).Set(value);
    present[&series].insert(std::move(key));
  };
  drift::for_each_statistic(e, [&](const drift::StatisticRow& r) {
    const std::string subject(r.subject), statistic(r.statistic);
    if (!r.segment.empty()) {
      set(m.segment_stat, {"monitor", "segment", "feature", "statistic"},
          {mon, std::string(r.segment), subject, statistic}, r.value);
      return;
    }
    switch (r.section) {
      case drift::Section::feature:
        set(m.feature_stat, {"monitor", "feature", "statistic"}, {mon, subject, statistic},
            r.value);
        return;
      case drift::Section::confidence:
        set(m.confidence, {"monitor", "statistic"}, {mon, statistic}, r.value);
        return;
      case drift::Section::dataset:
        set(m.dataset_stat, {"monitor", "statistic"}, {mon, statistic}, r.value);
        return;
      case drift::Section::performance:
        set(m.performance_stat, {"monitor", "statistic"},
            {mon, r.reference ? "reference_" + statistic : statistic}, r.value);
        return;
      case drift::Section::system:
        set(m.system_stat, {"monitor", "statistic"}, {mon, statistic}, r.value);
        return;
      case drift::Section::challenger:
        set(m.challenger_stat, {"monitor", "statistic"}, {mon, statistic}, r.value);
        return;
      case drift::Section::freshness:
        set(m.freshness_stat, {"monitor", "statistic"}, {mon, statistic}, r.value);
        return;
      case drift::Section::metrics:
        set(m.business_metric, {"monitor", "metric", "statistic"},
            {mon, std::string(r.metric), statistic}, r.value);
        return;
    }
  });
  for (Series<Gauge>* family : families) {
    const auto& keys = present[family];
    family->remove_if_not(
        [&](const std::vector<std::string>& k) { return k[0] != mon || keys.count(k) > 0; });
  }
  std::set<std::vector<std::string>> seg_rows;
  for (const auto& sg : e.segments) {
    for (const auto& [window, rows] :
         {std::pair<const char*, std::uint64_t>{"current", sg.current_rows},
          {"reference", sg.reference_rows}}) {
      std::vector<std::string> key{mon, sg.segment, window};
      m.segment_rows.get({"monitor", "segment", "window"}, key).Set(static_cast<double>(rows));
      seg_rows.insert(std::move(key));
    }
  }
  m.segment_rows.remove_if_not(
      [&](const std::vector<std::string>& k) { return k[0] != mon || seg_rows.count(k) > 0; });
}

void Metrics::retain_monitors(const std::set<std::string>& monitors) {
  auto& m = *impl_;
  std::lock_guard lock(m.mutex);
  auto keep = [&](const std::vector<std::string>& k) { return monitors.count(k[0]) > 0; };
  m.statistics_dirty = true;
  m.feature_stat.remove_if_not(keep);
  m.confidence.remove_if_not(keep);
  m.dataset_stat.remove_if_not(keep);
  m.performance_stat.remove_if_not(keep);
  m.system_stat.remove_if_not(keep);
  m.segment_stat.remove_if_not(keep);
  m.segment_rows.remove_if_not(keep);
  m.challenger_stat.remove_if_not(keep);
  m.freshness_stat.remove_if_not(keep);
  m.business_metric.remove_if_not(keep);
  m.status.remove_if_not(keep);
  m.window_rows.remove_if_not(keep);
  m.last_eval.remove_if_not(keep);
  m.alerts_firing.remove_if_not(keep);
  m.next_run.remove_if_not(keep);
  m.evaluations.remove_if_not(keep);
  m.skipped.remove_if_not(keep);
  m.reevaluations.remove_if_not(keep);
  m.duration.remove_if_not(keep);
  m.monitors = monitors;
  m.restricted = true;
  for (const auto& mon : monitors) {
    m.alerts_firing.get({"monitor"}, {mon});
    m.skipped.get({"monitor"}, {mon});
  }
}

void Metrics::retain_sinks(const std::set<std::string>& sinks) {
  auto& m = *impl_;
  std::lock_guard lock(m.mutex);
  auto keep = [&](const std::vector<std::string>& k) { return sinks.count(k[0]) > 0; };
  m.notifications.remove_if_not(keep);
  m.queue_depth.remove_if_not(keep);
  for (const auto& s : sinks) m.queue_depth.get({"sink"}, {s});
}

void Metrics::set_alerts_firing(const std::string& monitor, std::int64_t n) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->unknown(monitor)) return;
  impl_->alerts_firing.get({"monitor"}, {monitor}).Set(static_cast<double>(n));
}

void Metrics::count_notification(const std::string& sink, const std::string& result) {
  std::lock_guard lock(impl_->mutex);
  impl_->notifications.get({"sink", "result"}, {sink, result}).Increment();
}

void Metrics::set_queue_depth(const std::string& sink, std::int64_t depth) {
  std::lock_guard lock(impl_->mutex);
  impl_->queue_depth.get({"sink"}, {sink}).Set(static_cast<double>(depth));
}

void Metrics::count_skipped_tick(const std::string& monitor) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->unknown(monitor)) return;
  impl_->skipped.get({"monitor"}, {monitor}).Increment();
}

void Metrics::count_reevaluation(const std::string& monitor) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->unknown(monitor)) return;
  impl_->reevaluations.get({"monitor"}, {monitor}).Increment();
}

void Metrics::set_next_run(const std::string& monitor, double unix_seconds) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->unknown(monitor)) return;
  impl_->next_run.get({"monitor"}, {monitor}).Set(unix_seconds);
}

void Metrics::set_database_up(bool up) {
  std::lock_guard lock(impl_->mutex);
  impl_->database_up.get({}, {}).Set(up ? 1 : 0);
}

void Metrics::record_reload(bool applied) {
  std::lock_guard lock(impl_->mutex);
  impl_->reload_ok.get({}, {}).Set(applied ? 1 : 0);
  impl_->reloads.get({"result"}, {applied ? "applied" : "rejected"}).Increment();
}

void Metrics::count_http_request(const std::string& handler, int status, double seconds) {
  std::lock_guard lock(impl_->mutex);
  impl_->http_requests.get({"handler", "code"}, {handler, std::to_string(status)}).Increment();
  static const Histogram::BucketBoundaries kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                       0.025,  0.05,  0.1,    0.25,  1};
  impl_->http_duration.get({"handler"}, {handler}, kBuckets).Observe(seconds);
}

void Metrics::set_frozen_cache_bytes(double bytes) {
  std::lock_guard lock(impl_->mutex);
  impl_->frozen_cache.get({}, {}).Set(bytes);
}

std::string Metrics::exposition() {
  auto& m = *impl_;
  ProcessStats p = read_process_stats();
  std::vector<prometheus::MetricFamily> families;
  std::string statistics;
  {
    std::lock_guard lock(m.mutex);
    if (m.statistics_dirty) {
      std::ostringstream text;
      prometheus::TextSerializer().Serialize(text, m.statistics_registry->Collect());
      m.statistics_text = text.str();
      m.statistics_dirty = false;
    }
    statistics = m.statistics_text;
    m.process.get({}, {}).Set(p.resident_bytes);
    double delta = p.cpu_seconds - m.last_cpu;
    if (delta > 0) {
      m.process_cpu.get({}, {}).Increment(delta);
      m.last_cpu = p.cpu_seconds;
    }
    families = m.registry->Collect();
  }
  std::ostringstream out;
  out << statistics;
  prometheus::TextSerializer().Serialize(out, families);
  // The remaining standard process metrics, written directly (they are read at scrape time).
  auto gauge = [&](const char* name, const char* help, double v) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " gauge\n" << name << ' ';
    out.precision(17);
    out << v << '\n';
  };
  gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", p.virtual_bytes);
  gauge("process_open_fds", "Number of open file descriptors.", p.open_fds);
  gauge("process_max_fds", "Maximum number of open file descriptors.", p.max_fds);
  gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
        p.start_time_seconds);
  gauge("process_threads", "Number of OS threads in the process.", p.threads);
  return out.str();
}

}  // namespace driftd::metrics
