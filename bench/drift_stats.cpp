// All numerical statistics of 20 features over two windows, against std::sort of the same data.
//
//   bench_drift_stats [ROWS]     (default 1000000 rows per window)
//
// Prints, as medians of 3 runs and as ratios to the single-threaded std::sort of the same
// values (NaN removed, since std::sort cannot order them): a cold evaluation (prepare both
// windows, freeze the reference, compare) and one against an already frozen reference (prepare
// the current window, compare), both on 2 threads; then the size and the serialise/deserialise
// time of the frozen reference.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "driftd/drift/evaluation.hpp"

using namespace driftd;
using namespace driftd::drift;

namespace {

constexpr int kFeatures = 20;
constexpr int kThreads = 2;
constexpr int kRuns = 3;
constexpr double kMissingShare = 0.03;

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// CPU seconds of the whole process (all threads): unlike wall time, not inflated when other
// processes compete for the 2 cores, so it tells a slow machine from a slow program.
double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Dynamic dispatch of the columns over kThreads threads: columns differ in cost (integer-valued
// ones skip most radix passes), so static halves would leave one thread idle.
void threads_for(std::size_t n, const std::function<void(std::size_t)>& task) {
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (std::size_t i; (i = next.fetch_add(1)) < n;) task(i);
    });
  }
  for (auto& t : threads) t.join();
}

// Feature f of one window: a mix of shapes, with the current window drifting in some.
std::vector<double> generate(int f, bool current, std::size_t rows, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<double> v(rows);
  const double shift = current ? 0.1 * (f % 3) : 0;
  switch (f % 4) {
    case 0: {
      std::normal_distribution<double> d(shift, 1 + 0.05 * f);
      for (auto& x : v) x = d(rng);
      break;
    }
    case 1: {
      std::lognormal_distribution<double> d(3 + shift, 1.5);
      for (auto& x : v) x = d(rng) * 1e3;
      break;
    }
    case 2: {  // integer-valued: heavy ties
      std::poisson_distribution<int> d(4 + 2 * shift);
      for (auto& x : v) x = d(rng);
      break;
    }
    default: {
      for (auto& x : v) x = u(rng) + shift;
      break;
    }
  }
  for (auto& x : v) {
    if (u(rng) < kMissingShare) x = missing_value();
  }
  return v;
}

WindowData make_window(const std::vector<std::vector<double>>& columns, std::size_t rows) {
  WindowData w;
  w.rows = rows;
  w.rows_in_window = rows;
  for (const auto& c : columns) {
    NumericalColumn col;
    for (double x : c) col.values.push_back(x);
    w.columns.emplace_back(std::move(col));
  }
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t rows = 1'000'000;
  if (argc > 1) {
    char* end = nullptr;
    const unsigned long long n = std::strtoull(argv[1], &end, 10);
    if (*end != '\0' || n < 10) {
      std::fprintf(stderr, "usage: %s [ROWS >= 10]\n", argv[0]);
      return 2;
    }
    rows = static_cast<std::size_t>(n);
  }

  std::printf(
      "drift_stats: %d features x (%zu reference + %zu current) doubles, %.0f%% NaN, "
      "%d threads, median of %d runs\n",
      kFeatures, rows, rows, kMissingShare * 100, kThreads, kRuns);
  std::mt19937_64 rng(20261127);
  std::vector<std::vector<double>> ref_data, cur_data;
  for (int f = 0; f < kFeatures; ++f) ref_data.push_back(generate(f, false, rows, rng));
  for (int f = 0; f < kFeatures; ++f) cur_data.push_back(generate(f, true, rows, rng));

  EvaluationSpec spec;
  spec.monitor = "bench";
  for (int f = 0; f < kFeatures; ++f) {
    spec.columns.push_back({"f" + std::to_string(f), FeatureKind::numerical});
  }
  Threshold psi;
  psi.statistic = "psi";
  psi.level = 0.2;
  Threshold ks = psi;
  ks.statistic = "ks_pvalue";
  ks.direction = Threshold::Direction::below;
  ks.level = 0.01;
  spec.thresholds = {psi, ks};

  std::vector<double> sort_t, cold_t, frozen_t, ser_t, de_t, sort_cpu, cold_cpu, frozen_cpu;
  std::size_t serialized_size = 0;
  std::size_t drifting = 0;
  for (int run = 0; run < kRuns; ++run) {
    // The yardstick: std::sort of every column of both windows, one thread.
    double sort_s = 0, sort_c = 0;
    for (const auto* data : {&ref_data, &cur_data}) {
      for (const auto& c : *data) {
        std::vector<double> copy;
        copy.reserve(c.size());
        for (double x : c) {
          if (!std::isnan(x)) copy.push_back(x);
        }
        const auto t0 = Clock::now();
        const double c0 = cpu_seconds();
        std::sort(copy.begin(), copy.end());
        sort_s += seconds_since(t0);
        sort_c += cpu_seconds() - c0;
      }
    }
    sort_t.push_back(sort_s);
    sort_cpu.push_back(sort_c);

    auto ref_window = make_window(ref_data, rows);
    auto cur_window = make_window(cur_data, rows);
    auto t0 = Clock::now();
    double c0 = cpu_seconds();
    auto frozen = freeze(spec, prepare_window(spec, std::move(ref_window), threads_for));
    const auto cold =
        compare(spec, frozen, prepare_window(spec, std::move(cur_window), threads_for), Timestamp{},
                threads_for);
    cold_t.push_back(seconds_since(t0));
    cold_cpu.push_back(cpu_seconds() - c0);

    cur_window = make_window(cur_data, rows);
    t0 = Clock::now();
    c0 = cpu_seconds();
    const auto warm =
        compare(spec, frozen, prepare_window(spec, std::move(cur_window), threads_for), Timestamp{},
                threads_for);
    frozen_t.push_back(seconds_since(t0));
    frozen_cpu.push_back(cpu_seconds() - c0);
    if (to_json(warm) != to_json(cold)) {
      std::fprintf(stderr, "cold and frozen evaluations differ\n");
      return 1;
    }
    drifting = 0;
    for (const auto& f : warm.features) drifting += f.status == Status::drift;

    t0 = Clock::now();
    const std::string bytes = serialize(frozen);
    ser_t.push_back(seconds_since(t0));
    serialized_size = bytes.size();
    t0 = Clock::now();
    const auto restored = deserialize_frozen_reference(bytes);
    de_t.push_back(seconds_since(t0));
    if (!compatible(restored, spec)) {
      std::fprintf(stderr, "the deserialised reference does not fit the spec\n");
      return 1;
    }
  }

  const double sort_s = median(sort_t);
  std::printf("std::sort of the same %zu doubles (1 thread): %8.3f s   (yardstick)\n",
              2 * rows * kFeatures, sort_s);
  std::printf(
      "cold: prepare both + freeze + compare:        %8.3f s   %.3fx sort  (target <= 1.0)\n",
      median(cold_t), median(cold_t) / sort_s);
  std::printf(
      "frozen reference: prepare current + compare:  %8.3f s   %.3fx sort  (target <= 0.5)\n",
      median(frozen_t), median(frozen_t) / sort_s);
  std::printf("frozen reference: %zu bytes (%.1f MB), serialise %.3f s, deserialise %.3f s\n",
              serialized_size, serialized_size / 1e6, median(ser_t), median(de_t));
  std::printf("CPU time (all threads): sort %.3f s, cold %.3f s (%.3fx), frozen %.3f s (%.3fx)\n",
              median(sort_cpu), median(cold_cpu), median(cold_cpu) / median(sort_cpu),
              median(frozen_cpu), median(frozen_cpu) / median(sort_cpu));
  std::printf("features flagged as drifting: %zu of %d\n", drifting, kFeatures);
  return 0;
}
