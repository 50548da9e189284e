// Server-side render time of the status pages at 200 monitors × 20 features, against the JSON
// the API serialises for the same data (GET /api/v1/monitors) measured in the same run.
//
//   bench_ui_render [MONITORS] [FEATURES]     (default 200 and 20)
//
// Prints medians of 9 runs: the overview (one row per monitor with its worst statistic and a
// 48-point sparkline), one monitor's report (every feature's bars, statistics, contributors and a
// 120-point history chart, plus confidence and performance sections), and the alerts page
// (a firing alert per monitor and 50 silences). The bound is 200 ms of server time per
// page; the database reads around a render are not included (see docs/performance.md).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "driftd/drift/evaluation.hpp"
#include "driftd/ui/pages.hpp"

using namespace driftd;

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kRuns = 9;

double median_ms(const std::function<std::size_t()>& f, std::size_t* bytes) {
  std::vector<double> t;
  for (int i = 0; i < kRuns; ++i) {
    const auto t0 = Clock::now();
    *bytes = f();
    t.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

drift::FeatureResult feature(int i, std::mt19937_64& rng) {
  drift::FeatureResult f;
  f.name = "feature_" + std::to_string(i);
  std::normal_distribution<double> ref(0, 1), cur(i % 4 == 0 ? 0.5 : 0, 1);
  if (i % 5 == 4) {
    f.kind = drift::FeatureKind::categorical;
    std::vector<std::optional<std::string>> r, c;
    for (int k = 0; k < 2000; ++k) {
      r.push_back("cat_" + std::to_string(static_cast<int>(std::fabs(ref(rng)) * 10)));
      c.push_back("cat_" + std::to_string(static_cast<int>(std::fabs(cur(rng)) * 10)));
    }
    f.statistics = drift::compare_categorical(drift::freeze_categorical(drift::count_values(r)),
                                              drift::count_values(c));
  } else {
    std::vector<double> r, c;
    for (int k = 0; k < 2000; ++k) {
      r.push_back(ref(rng));
      c.push_back(cur(rng));
    }
    f.statistics = drift::compare_numerical(drift::freeze_numerical(drift::sort_values(r), 10),
                                            drift::sort_values(c));
  }
  const auto psi = f.statistics.get("psi");
  f.status = psi && *psi > 0.2 ? drift::Status::drift : drift::Status::ok;
  if (f.status == drift::Status::drift) f.breaches = {"psi"};
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  const int monitors = argc > 1 ? std::atoi(argv[1]) : 200;
  const int features = argc > 2 ? std::atoi(argv[2]) : 20;
  std::mt19937_64 rng(42);
  const Timestamp now = *parse_rfc3339("2026-11-27T12:00:30Z");
  const std::vector<drift::Threshold> thresholds = {
      drift::Threshold::above("psi", 0.2), drift::Threshold::above("missing_rate", 0.05),
      drift::Threshold::above("low_confidence_rate", 0.2),
      drift::Threshold::above("roc_auc_drop", 0.02)};

  // One evaluation's features, reused by every monitor (only the names of monitors differ).
  std::vector<drift::FeatureResult> fs;
  for (int i = 0; i < features; ++i) fs.push_back(feature(i, rng));
  std::vector<drift::Evaluation> evaluations;
  for (int m = 0; m < monitors; ++m) {
    drift::Evaluation e;
    e.monitor = "monitor-" + std::to_string(m);
    e.evaluated_at = now - std::chrono::seconds(30);
    e.current_window = {e.evaluated_at - std::chrono::hours(1), e.evaluated_at, 2000, false, 2000};
    e.reference_window = e.current_window;
    e.features = fs;
    e.status = drift::Status::drift;
    e.confidence = drift::ConfidenceResult{};
    e.confidence->statistics.values = {
        {"mean", 0.8}, {"p10", 0.5}, {"p50", 0.8}, {"p90", 0.95}, {"low_confidence_rate", 0.1}};
    e.performance = drift::PerformanceResult{};
    e.performance->task = "binary";
    e.performance->statistics = {{"accuracy", 0.9}, {"roc_auc", 0.85}, {"label_coverage", 0.7}};
    e.performance->reference = {{"accuracy", 0.91}, {"roc_auc", 0.88}};
    e.performance->changes = {{"accuracy_drop", 0.01}, {"roc_auc_drop", 0.03}};
    e.performance->breaches = {"roc_auc_drop"};
    evaluations.push_back(std::move(e));
  }

  std::size_t bytes = 0;
  const double json_all = median_ms(
      [&] {
        std::size_t n = 0;
        for (const auto& e : evaluations) n += drift::to_json(e).size();
        return n;
      },
      &bytes);
  const std::size_t json_all_bytes = bytes;

  const double overview = median_ms(
      [&] {
        ui::OverviewPage p;
        for (const auto& e : evaluations) {
          ui::MonitorRow r;
          r.name = e.monitor;
          r.status = "drift";
          r.evaluated_at = e.evaluated_at;
          r.next_run_at = now + std::chrono::seconds(30);
          r.features = e.features.size();
          r.worst = ui::worst_statistic(e, thresholds);
          for (int i = 0; i < 48; ++i)
            r.worst_history.push_back({now - std::chrono::minutes(48 - i), 0.1 + 0.01 * i});
          p.monitors.push_back(std::move(r));
          ui::AlertView a;
          a.monitor = e.monitor;
          a.state = "firing";
          p.alerts.push_back(std::move(a));
        }
        ui::PageContext ctx;
        ctx.now = now;
        return ui::render_overview(p, ctx).size();
      },
      &bytes);
  const std::size_t overview_bytes = bytes;

  const double json_one = median_ms([&] { return drift::to_json(evaluations[0]).size(); }, &bytes);
  const double monitor = median_ms(
      [&] {
        ui::MonitorPage p;
        p.name = evaluations[0].monitor;
        p.status = "drift";
        p.latest = evaluations[0];
        p.thresholds = thresholds;
        const auto keys = ui::history_keys(*p.latest, p.history, thresholds);
        for (const auto& k : keys) {
          drift::StatisticSeries s;
          s.key = k;
          for (int i = 0; i < 120; ++i)
            s.points.push_back({now - std::chrono::minutes(12 * (120 - i)), 0.05 + 0.002 * i});
          p.series.push_back(std::move(s));
        }
        ui::PageContext ctx;
        ctx.now = now;
        return ui::render_monitor(p, ctx).size();
      },
      &bytes);
  const std::size_t monitor_bytes = bytes;

  const double alerts = median_ms(
      [&] {
        ui::AlertsPage p;
        for (const auto& e : evaluations) {
          ui::AlertView a;
          a.id = e.monitor;
          a.monitor = e.monitor;
          a.feature = "feature_0";
          a.statistic = "psi";
          a.state = "firing";
          a.severity = "high";
          a.value = 0.3;
          a.threshold = 0.2;
          a.started_at = now - std::chrono::hours(1);
          p.alerts.push_back(a);
          p.monitors.push_back(e.monitor);
        }
        for (int i = 0; i < 50; ++i) {
          ui::SilenceView s;
          s.id = std::to_string(i);
          s.monitor = "monitor-" + std::to_string(i);
          s.active = true;
          s.ends_at = now + std::chrono::hours(2);
          s.comment = "maintenance";
          p.silences.push_back(s);
        }
        ui::PageContext ctx;
        ctx.now = now;
        return ui::render_alerts(p, ctx).size();
      },
      &bytes);
  const std::size_t alerts_bytes = bytes;

  std::printf("status pages, %d monitors x %d features (median of %d runs)\n", monitors, features,
              kRuns);
  std::printf("  baseline: API JSON of all monitors  %8.2f ms  %8zu bytes\n", json_all,
              json_all_bytes);
  std::printf("  overview (GET /)                    %8.2f ms  %8zu bytes  %5.2fx the JSON\n",
              overview, overview_bytes, overview / json_all);
  std::printf("  baseline: API JSON of one monitor   %8.2f ms\n", json_one);
  std::printf("  report (GET /ui/monitors/{name})    %8.2f ms  %8zu bytes  %5.2fx its JSON\n",
              monitor, monitor_bytes, monitor / json_one);
  std::printf("  alerts (GET /ui/alerts)             %8.2f ms  %8zu bytes\n", alerts, alerts_bytes);
  const double worst = std::max({overview, monitor, alerts});
  std::printf("  slowest page: %.2f ms of the 200 ms budget (%s)\n", worst,
              worst < 200 ? "within" : "OVER");
  return 0;
}
