#include "driftd/daemon/evaluator.hpp"

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

#include "driftd/common/log.hpp"
#include "driftd/drift/challenger.hpp"
#include "driftd/drift/segments.hpp"

namespace driftd::daemon {

drift::ParallelFor thread_parallel_for(int threads) {
  return [threads](std::size_t n, const std::function<void(std::size_t)>& task) {
    std::size_t workers = std::min<std::size_t>(n, static_cast<std::size_t>(std::max(1, threads)));
    if (workers <= 1) {
      for (std::size_t i = 0; i < n; ++i) task(i);
      return;
    }
    std::atomic<std::size_t> next{0};
    std::exception_ptr error;
    std::mutex error_mutex;
    auto run = [&] {
      for (std::size_t i = next++; i < n; i = next++) {
        try {
          task(i);
        } catch (...) {
          std::lock_guard lock(error_mutex);
          if (!error) error = std::current_exception();
        }
      }
    };
    std::vector<std::jthread> pool;
    for (std::size_t t = 1; t < workers; ++t) pool.emplace_back(run);
    run();
    pool.clear();
    if (error) std::rethrow_exception(error);
  };
}

std::size_t approximate_bytes(const drift::FrozenReference& ref) {
  std::size_t bytes = sizeof(ref);
  for (const auto& col : ref.frozen) {
    if (const auto* n = std::get_if<drift::FrozenNumerical>(&col)) {
      bytes += n->sample.values.size() * sizeof(double) + n->edges.size() * 16;
    } else if (const auto* c = std::get_if<drift::FrozenCategorical>(&col)) {
      for (const auto& s : c->counts.categories) bytes += s.size() + 40;
    }
  }
  return bytes;
}

std::shared_ptr<const drift::FrozenReference> FrozenCache::get(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->ref;
}

void FrozenCache::put(const std::string& key, std::shared_ptr<const drift::FrozenReference> ref) {
  std::lock_guard lock(mutex_);
  std::size_t bytes = approximate_bytes(*ref);
  if (auto it = index_.find(key); it != index_.end()) {
    used_ -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
  }
  if (bytes > budget_) return;  // would evict everything else for one entry
  lru_.push_front({key, std::move(ref), bytes});
  index_[key] = lru_.begin();
  used_ += bytes;
  while (used_ > budget_ && !lru_.empty()) {
    used_ -= lru_.back().bytes;
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

void FrozenCache::retain(const std::set<std::string>& keys) {
  std::lock_guard lock(mutex_);
  for (auto it = lru_.begin(); it != lru_.end();) {
    if (keys.count(it->key) == 0) {
      used_ -= it->bytes;
      index_.erase(it->key);
      it = lru_.erase(it);
    } else {
      ++it;
    }
  }
}

std::size_t FrozenCache::bytes() const {
  std::lock_guard lock(mutex_);
  return used_;
}

Evaluator::Evaluator(drift::WindowSource& source, drift::ResultStore* store,
                     EvaluatorOptions options)
    : source_(source), store_(store), options_(options), cache_(options.frozen_cache_bytes) {}

std::shared_ptr<const drift::FrozenReference> Evaluator::load_stored(const MonitorPlan& plan) {
  if (store_ == nullptr) return nullptr;
  try {
    auto ref = std::make_shared<drift::FrozenReference>();
    bool found = store_->load_frozen(
        plan.name, plan.fingerprint, [&](std::size_t i, std::size_t parts, std::string_view bytes) {
          drift::FrozenReference part = drift::deserialize_frozen_reference(bytes);
          if (part.columns.size() != 1 || part.frozen.size() != 1)
            throw std::runtime_error("a stored part holds " + std::to_string(part.columns.size()) +
                                     " columns");
          if (i == 0) {
            ref->info = part.info;
            ref->bins = part.bins;
            ref->columns.reserve(parts);
            ref->frozen.reserve(parts);
          }
          ref->columns.push_back(std::move(part.columns.front()));
          ref->frozen.push_back(std::move(part.frozen.front()));
          for (auto& l : part.learned) {
            l.column = i;  // each part holds one column: its thresholds refer to column 0 there
            ref->learned.push_back(std::move(l));
          }
        });
    if (!found || !drift::compatible(*ref, plan.spec)) return nullptr;
    cache_.put(plan.frozen_key, ref);
    return ref;
  } catch (const std::exception& e) {
    // A damaged or unreadable frozen reference is rebuilt from the table.
    log::warn("frozen reference unusable, reading the reference window again",
              {{"monitor", plan.name}, {"reason", e.what()}});
    return nullptr;
  }
}

void Evaluator::store_frozen(const MonitorPlan& plan, const drift::FrozenReference& frozen) {
  if (store_ == nullptr) return;
  try {
    // One part per column: a part is serialised only when it is written.
    store_->save_frozen(plan.name, plan.fingerprint, frozen.columns.size(), [&](std::size_t i) {
      drift::FrozenReference part;
      part.info = frozen.info;
      part.bins = frozen.bins;
      part.columns = {frozen.columns[i]};
      part.frozen = {frozen.frozen[i]};
      for (const auto& l : frozen.learned) {
        if (l.column != i) continue;
        part.learned.push_back(l);
        part.learned.back().column = 0;
      }
      return drift::serialize(part);
    });
  } catch (const std::exception& e) {
    log::warn("could not store the frozen reference",
              {{"monitor", plan.name}, {"reason", e.what()}});
  }
}

namespace {

// What is computed from the rows of a window before its feature columns are prepared (and
// consumed): the sections beyond feature drift.
struct RowResults {
  std::optional<drift::WindowPerformance> performance;
  std::optional<drift::WindowSystem> system;           // the current window's
  std::vector<drift::LearnedColumnThreshold> learned;  // the reference's `auto` thresholds
  std::optional<drift::SegmentedRows> segments;        // monitors with a segment
};

// Computes the row-level sections of `data` (read by `window`) and drops the columns only they
// needed, leaving the evaluation spec's columns. System health is the current window's only.
RowResults take_rows(const MonitorPlan& plan, const WindowColumns& columns, drift::WindowData& data,
                     bool current) {
  RowResults r;
  if (const drift::Column* time = columns.time.in(data); time != nullptr && !current) {
    r.learned = drift::learn_reference_thresholds(plan.spec, data, *time);
  }
  if (plan.performance && columns.label) {
    r.performance = drift::window_performance(*plan.performance, columns.performance(data));
  }
  if (plan.system && current) r.system = drift::window_system(*plan.system, columns.system(data));
  if (const drift::Column* segment = columns.segment.in(data)) {
    r.segments = drift::segmented_rows(data, columns.main, *segment);
  }
  data.columns.resize(columns.main);
  return r;
}

// A cache key for the reference's performance: the frozen reference's, plus what turns its rows
// into metrics.
std::string performance_key(const std::string& frozen_key, const drift::PerformanceSpec& ps) {
  return frozen_key + "/" + std::string(drift::to_string(ps.task)) + "/" + ps.positive + "/" +
         std::to_string(ps.threshold);
}

// Runs `side` (if any) on a thread of its own and `main` on this one. A failure of either stops
// the other through `stop`, and the first failure is the one rethrown: the other then only says
// that it was cancelled.
void run_side_by_side(std::stop_source& stop, const std::function<void()>& side,
                      const std::function<void()>& main) {
  std::exception_ptr side_error;
  std::atomic<int> first_failure{0};  // 1 side, 2 main
  std::jthread thread;
  if (side) {
    thread = std::jthread([&] {
      try {
        side();
      } catch (...) {
        int none = 0;
        first_failure.compare_exchange_strong(none, 1);
        side_error = std::current_exception();
        stop.request_stop();
      }
    });
  }
  try {
    main();
  } catch (...) {
    int none = 0;
    first_failure.compare_exchange_strong(none, 2);
    stop.request_stop();
    if (thread.joinable()) thread.join();
    if (side_error && first_failure == 1) std::rethrow_exception(side_error);
    throw;
  }
  if (thread.joinable()) thread.join();
  if (side_error) std::rethrow_exception(side_error);
}

using Clock = std::chrono::steady_clock;

}  // namespace

// One evaluation in progress: its inputs, the windows as they are read, what the rows gave.
struct Evaluator::Run {
  Run(const MonitorPlan& p, Timestamp instant, std::stop_token caller, int compute_threads)
      : plan(p),
        at(instant),
        current_request(p.current.at(instant)),
        reference_request(p.reference.at(instant)),
        outer(std::move(caller)),
        pf(thread_parallel_for(compute_threads)) {}
  const MonitorPlan& plan;
  Timestamp at;
  drift::WindowRequest current_request;
  drift::WindowRequest reference_request;
  std::stop_token outer;  // the caller's: shutting down
  // One stop for every read: a failure of one abandons the others at once.
  std::stop_source stop;
  drift::ParallelFor pf;
  Clock::time_point started = Clock::now();
  std::shared_ptr<const drift::FrozenReference> reference;
  drift::PreparedWindow current;
  RowResults current_rows;
  RowResults reference_rows;
  bool used_frozen = false;
  double read_seconds = 0;

  // Reads the current window and prepares it (`pf`: the current window alone may use every
  // compute thread; beside the reference's read, one).
  void read_current(drift::WindowSource& source, const drift::ParallelFor& prepare) {
    drift::WindowData data = source.read(current_request, stop.get_token());
    read_seconds = std::chrono::duration<double>(Clock::now() - started).count();
    current_rows = take_rows(plan, plan.current.columns, data, true);
    current = drift::prepare_window(plan.spec, std::move(data), prepare);
  }
  // Reads the reference window whole and freezes it, its learned thresholds included.
  std::shared_ptr<drift::FrozenReference> read_reference(drift::WindowSource& source,
                                                         const drift::ParallelFor& prepare) {
    drift::WindowData data = source.read(reference_request, stop.get_token());
    reference_rows = take_rows(plan, plan.reference.columns, data, false);
    auto built = std::make_shared<drift::FrozenReference>(
        drift::freeze(plan.spec, drift::prepare_window(plan.spec, std::move(data), prepare)));
    built->learned = std::move(reference_rows.learned);
    return built;
  }
};

// The reference from memory or the state schema, the current window read meanwhile. False when
// there is none to reuse (or the stored one is unusable: then the current window is read and the
// reference still missing).
bool Evaluator::reuse_frozen(Run& run) {
  const MonitorPlan& plan = run.plan;
  std::shared_ptr<const drift::FrozenReference> cached = cache_.get(plan.frozen_key);
  bool stored = false;
  if (!cached && store_ != nullptr) {
    try {
      stored = store_->has_frozen(plan.name, plan.fingerprint);
    } catch (const std::exception& e) {
      log::debug("cannot look up the frozen reference",
                 {{"monitor", plan.name}, {"error", e.what()}});
    }
  }
  if (!cached && !stored) return false;
  // Only the current window to read, split over the read connections, while the frozen reference
  // loads from the state schema on the side (and, with labels still arriving, the reference's
  // label columns are read again).
  std::shared_ptr<const drift::FrozenReference> loaded = cached;
  std::jthread loader;
  if (!cached) loader = std::jthread([&] { loaded = load_stored(plan); });
  const std::string perf_key =
      plan.performance ? performance_key(plan.frozen_key, *plan.performance) : "";
  if (plan.performance) run.reference_rows.performance = cached_reference_performance(perf_key);
  std::function<void()> read_reference_performance;
  if (plan.reference_performance && !run.reference_rows.performance) {
    read_reference_performance = [&] {
      const WindowPlan& narrow = *plan.reference_performance;
      drift::WindowData data = source_.read(narrow.at(run.at), run.stop.get_token());
      run.reference_rows = take_rows(plan, narrow.columns, data, false);
    };
  }
  run.current_request.parallelism = options_.read_connections;
  run_side_by_side(run.stop, read_reference_performance,
                   [&] { run.read_current(source_, run.pf); });
  if (loader.joinable()) loader.join();
  run.reference = loaded;
  run.used_frozen = loaded != nullptr;
  if (!loaded) {
    // The stored reference was unusable: read the reference window after all.
    auto built = run.read_reference(source_, run.pf);
    cache_.put(plan.frozen_key, built);
    store_frozen(plan, *built);
    run.reference = built;
  }
  return true;
}

// Both windows at once, each read and prepared on its own thread.
void Evaluator::read_fresh(Run& run) {
  std::shared_ptr<drift::FrozenReference> built;
  run_side_by_side(
      run.stop, [&] { built = run.read_reference(source_, drift::serial_for); },
      [&] { run.read_current(source_, drift::serial_for); });
  run.reference = built;
  if (run.plan.frozen) {
    cache_.put(run.plan.frozen_key, built);
    store_frozen(run.plan, *built);
  }
}

// The reference provider: frozen in memory, stored in the state schema, or read fresh.
void Evaluator::read_windows(Run& run) {
  if (run.plan.frozen && reuse_frozen(run)) return;
  read_fresh(run);
}

std::optional<drift::WindowPerformance> Evaluator::cached_reference_performance(
    const std::string& key) {
  std::lock_guard lock(performance_mutex_);
  auto it = reference_performance_.find(key);
  if (it == reference_performance_.end()) return std::nullopt;
  return it->second;
}

void Evaluator::remember_reference_performance(const std::string& key,
                                               const drift::WindowPerformance& p) {
  // Only a reference whose labels have all arrived is final; until then it is measured again.
  if (p.statistics.unlabelled > 0) return;
  std::lock_guard lock(performance_mutex_);
  if (reference_performance_.size() > 1000) reference_performance_.clear();
  reference_performance_[key] = p;
}

void Evaluator::add_performance(Run& run, drift::Evaluation& e) {
  const MonitorPlan& plan = run.plan;
  std::optional<drift::WindowInfo> delayed;
  if (plan.performance && plan.delayed_performance) {
    // labels.delay: the labels of the window that ends `delay` before the instant.
    const drift::WindowRequest request = plan.delayed_performance->at(run.at);
    drift::WindowData data = source_.read(request, run.stop.get_token());
    delayed = drift::WindowInfo{data.from, data.to, data.rows, data.sampled, data.rows_in_window};
    run.current_rows.performance =
        take_rows(plan, plan.delayed_performance->columns, data, false).performance;
  }
  if (!plan.performance || !run.current_rows.performance || !run.reference_rows.performance) {
    return;
  }
  if (plan.frozen) {
    remember_reference_performance(performance_key(plan.frozen_key, *plan.performance),
                                   *run.reference_rows.performance);
  }
  drift::add_performance(e, *plan.performance, *run.current_rows.performance,
                         *run.reference_rows.performance, plan.spec.thresholds);
  if (e.performance) e.performance->window = delayed;
}

void Evaluator::add_system(Run& run, drift::Evaluation& e) {
  if (!run.plan.system || !run.current_rows.system) return;
  drift::add_system(e, *run.current_rows.system,
                    run.reference_request.from.has_value() && run.reference_request.to.has_value(),
                    run.plan.spec.thresholds);
}

void Evaluator::add_segments(Run& run, drift::Evaluation& e) {
  const MonitorPlan& plan = run.plan;
  if (!plan.segment || !run.current_rows.segments || !run.reference_rows.segments) return;
  drift::add_segments(e, plan.spec, plan.segment->column, plan.segment->max,
                      std::move(*run.current_rows.segments),
                      std::move(*run.reference_rows.segments), run.pf);
}

void Evaluator::add_challenger(Run& run, drift::Evaluation& e) {
  const MonitorPlan& plan = run.plan;
  if (!plan.comparison || !plan.champion || !plan.challenger) return;
  // A comparison that cannot be read (a version's column gone, a scan timing out) fails its own
  // section only: the monitor's drift, performance and system sections stand.
  try {
    // The two model versions over the current window, each read on its own connection.
    drift::WindowData champion;
    drift::WindowData challenger;
    run_side_by_side(
        run.stop, [&] { champion = source_.read(plan.champion->at(run.at), run.stop.get_token()); },
        [&] { challenger = source_.read(plan.challenger->at(run.at), run.stop.get_token()); });
    drift::add_challenger(
        e, drift::compare_versions(*plan.comparison, plan.champion->columns.challenger(champion),
                                   plan.challenger->columns.challenger(challenger),
                                   plan.spec.thresholds));
  } catch (const std::exception& ex) {
    if (run.outer.stop_requested()) throw;  // shutting down: the evaluation is abandoned
    drift::ChallengerResult failed;
    failed.status = drift::Status::error;
    failed.alpha = plan.comparison->alpha;
    failed.min_rows = plan.comparison->min_rows;
    failed.error = ex.what();
    log::warn("champion / challenger comparison failed",
              {{"monitor", plan.name}, {"at", format_rfc3339(run.at)}, {"error", ex.what()}});
    e.challenger = std::move(failed);
  }
}

std::optional<std::vector<std::optional<double>>> Evaluator::cached_reference_aggregates(
    const std::string& key) {
  std::lock_guard lock(aggregates_mutex_);
  auto it = reference_aggregates_.find(key);
  if (it == reference_aggregates_.end()) return std::nullopt;
  return it->second;
}

void Evaluator::remember_reference_aggregates(const std::string& key,
                                              const std::vector<std::optional<double>>& values) {
  std::lock_guard lock(aggregates_mutex_);
  if (reference_aggregates_.size() > 1000) reference_aggregates_.clear();
  reference_aggregates_[key] = values;
}

void Evaluator::add_business(Run& run, drift::Evaluation& e) {
  const MonitorPlan& plan = run.plan;
  if (!plan.business || !plan.business->reads()) return;
  const BusinessPlan& b = *plan.business;
  auto seconds = [](Timestamp from, Timestamp to) {
    return std::chrono::duration<double>(to - from).count();
  };
  drift::AggregateResult got;
  std::optional<std::string> failure;
  // A failed aggregate read (a metric's column gone, its SQL failing) fails these sections only.
  try {
    drift::AggregateRequest request = b.at(run.at, run.reference_request);
    // A reference window that does not move is aggregated once and kept, like a frozen
    // reference: the statement then reads only the windows that move.
    std::optional<std::vector<std::optional<double>>> fixed;
    if (b.reference_window && b.reference_fixed && request.windows.size() > 1) {
      const drift::TimeRange reference = request.windows[1];
      request.windows.erase(request.windows.begin() + 1);
      fixed = cached_reference_aggregates(b.reference_key);
      if (!fixed) {
        drift::AggregateRequest once = b.request;
        once.windows = {reference};
        auto r = source_.aggregate(once, run.stop.get_token());
        if (r.values.size() != 1) throw drift::SourceError("aggregate read: no reference row");
        fixed = r.values.front();
        remember_reference_aggregates(b.reference_key, *fixed);
      }
    }
    got = source_.aggregate(request, run.stop.get_token());
    if (fixed && !got.values.empty()) got.values.insert(got.values.begin() + 1, *fixed);
    if (got.values.size() != b.window_count())
      throw drift::SourceError("aggregate read: " + std::to_string(got.values.size()) +
                               " windows instead of " + std::to_string(b.window_count()));
  } catch (const std::exception& ex) {
    if (run.outer.stop_requested()) throw;
    failure = ex.what();
    log::warn("freshness / business metrics read failed",
              {{"monitor", plan.name}, {"at", format_rfc3339(run.at)}, {"error", ex.what()}});
  }
  const drift::AggregateRequest windows = b.at(run.at, run.reference_request);
  // windows[0] current, [1] the reference (if read), then the weeks, newest first.
  const std::size_t first_week = b.reference_window ? 2 : 1;
  auto aggregates_of = [&](std::size_t window, std::size_t first,
                           std::size_t n) -> std::vector<std::optional<double>> {
    std::vector<std::optional<double>> out;
    if (failure || window >= got.values.size()) return out;
    for (std::size_t k = 0; k < n; ++k) {
      out.push_back(first + k < got.values[window].size() ? got.values[window][first + k]
                                                          : std::nullopt);
    }
    return out;
  };
  if (b.freshness) {
    if (failure && b.freshness_checked()) {
      // Without the newest row, freshness cannot be judged: left out (its alert keeps its state).
    } else {
      drift::FreshnessInputs in;
      in.newest = got.newest;
      in.weekly_newest = got.newest_earlier;
      if (b.freshness->baseline == drift::BaselineKind::reference && run.reference_request.from &&
          run.reference_request.to) {
        in.reference_rows = e.reference_window.rows_in_window;
        in.reference_seconds = seconds(*run.reference_request.from, *run.reference_request.to);
      }
      if (b.volume_rows) {
        for (int w = 0; w < b.weeks; ++w) {
          auto v = aggregates_of(first_week + static_cast<std::size_t>(w), *b.volume_rows, 1);
          in.weekly_rows.push_back(v.empty() ? std::nullopt : v.front());
        }
      }
      drift::add_freshness(e, *b.freshness, in, plan.spec.thresholds);
    }
  }
  if (b.metrics.empty()) return;
  std::vector<drift::MetricResult> results;
  for (std::size_t i = 0; i < b.metrics.size(); ++i) {
    const drift::MetricSpec& spec = b.metrics[i];
    if (failure) {
      drift::MetricResult r;
      r.name = spec.name;
      r.kind = std::string(drift::to_string(spec.kind));
      r.status = "error";
      r.baseline_kind = std::string(drift::to_string(spec.baseline));
      r.message = "not computed: " + *failure;
      results.push_back(std::move(r));
      continue;
    }
    const std::size_t first = b.metric_aggregates[i];
    const std::size_t n = (i + 1 < b.metric_aggregates.size() ? b.metric_aggregates[i + 1]
                                                              : b.request.aggregates.size()) -
                          first;
    auto window_of = [&](std::size_t w) {
      const auto& range = windows.windows[w];
      return drift::metric_window(spec.kind, aggregates_of(w, first, n),
                                  seconds(range.from, range.to));
    };
    const drift::MetricWindow current = window_of(0);
    std::vector<drift::MetricWindow> baseline;
    if (spec.baseline == drift::BaselineKind::reference && b.reference_window) {
      baseline.push_back(window_of(1));
    } else if (spec.baseline == drift::BaselineKind::hour_of_week) {
      // This metric's own number of weeks: the first ones of the weeks read.
      const std::size_t weeks = std::min<std::size_t>(static_cast<std::size_t>(b.weeks),
                                                      plan.config->metrics[i].baseline.weeks);
      for (std::size_t w = 0; w < weeks; ++w) baseline.push_back(window_of(first_week + w));
    }
    results.push_back(drift::evaluate_metric(spec, current, baseline));
  }
  drift::add_metrics(e, std::move(results));
}

drift::Evaluation Evaluator::evaluate(const MonitorPlan& plan, Timestamp at, std::stop_token stop,
                                      EvaluationTimings* timings) {
  Run run(plan, at, stop, options_.compute_threads);
  std::stop_callback forward(stop, [&run] { run.stop.request_stop(); });
  // The sections beyond feature drift, in the order they are added.
  using Section = void (Evaluator::*)(Run&, drift::Evaluation&);
  static constexpr Section kSections[] = {&Evaluator::add_performance, &Evaluator::add_system,
                                          &Evaluator::add_segments, &Evaluator::add_challenger,
                                          &Evaluator::add_business};
  auto finish = [&](drift::Evaluation e) {
    if (timings != nullptr) {
      timings->read_seconds = run.read_seconds;
      timings->total_seconds = std::chrono::duration<double>(Clock::now() - run.started).count();
      timings->frozen_reference_used = run.used_frozen;
    }
    return e;
  };
  try {
    read_windows(run);
    drift::Evaluation e = drift::compare(plan.spec, *run.reference, run.current, at, run.pf);
    for (Section section : kSections) (this->*section)(run, e);
    return finish(std::move(e));
  } catch (const std::exception& ex) {
    drift::Evaluation failed;
    failed.monitor = plan.name;
    failed.evaluated_at = at;
    failed.status = drift::Status::error;
    failed.current_window.from = *run.current_request.from;
    failed.current_window.to = *run.current_request.to;
    failed.reference_window.from = run.reference_request.from.value_or(Timestamp{});
    failed.reference_window.to = run.reference_request.to.value_or(Timestamp{});
    failed.error = ex.what();
    run.read_seconds = 0;
    run.used_frozen = false;
    return finish(std::move(failed));
  }
}

}  // namespace driftd::daemon
