#include "driftd/daemon/evaluator.hpp"

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

#include "driftd/common/log.hpp"
#include "driftd/daemon/monitor_plan.hpp"
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

void FrozenCache::erase_monitor(const std::string& monitor) {
  std::lock_guard lock(mutex_);
  std::string prefix = monitor + "/";
  for (auto it = lru_.begin(); it != lru_.end();) {
    if (it->key.rfind(prefix, 0) == 0) {
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

std::shared_ptr<const drift::FrozenReference> Evaluator::load_stored(
    const config::MonitorConfig& m, const drift::EvaluationSpec& spec, const std::string& key) {
  if (store_ == nullptr) return nullptr;
  try {
    auto ref = std::make_shared<drift::FrozenReference>();
    bool found = store_->load_frozen(
        m.name, reference_fingerprint(m),
        [&](std::size_t i, std::size_t parts, std::string_view bytes) {
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
    if (!found || !drift::compatible(*ref, spec)) return nullptr;
    cache_.put(key, ref);
    return ref;
  } catch (const std::exception& e) {
    // A damaged or unreadable frozen reference is rebuilt from the table.
    log::warn("frozen reference unusable, reading the reference window again",
              {{"monitor", m.name}, {"reason", e.what()}});
    return nullptr;
  }
}

void Evaluator::store_frozen(const config::MonitorConfig& m, const drift::FrozenReference& frozen) {
  if (store_ == nullptr) return;
  try {
    // One part per column: a part is serialised only when it is written.
    store_->save_frozen(m.name, reference_fingerprint(m), frozen.columns.size(),
                        [&](std::size_t i) {
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
    log::warn("could not store the frozen reference", {{"monitor", m.name}, {"reason", e.what()}});
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

// Computes the row-level sections of `data` and drops the columns only they needed, leaving the
// evaluation spec's columns. System health is the current window's only.
RowResults take_rows(const config::MonitorConfig& m, const drift::EvaluationSpec& spec,
                     const std::optional<drift::PerformanceSpec>& ps, drift::WindowData& data,
                     const ColumnLayout& layout, bool current) {
  RowResults r;
  if (!current && layout.time >= 0) {
    r.learned = drift::learn_reference_thresholds(
        spec, data, data.columns[static_cast<std::size_t>(layout.time)]);
  }
  if (ps) r.performance = drift::window_performance(*ps, performance_columns(m, data, layout));
  if (auto ss = system_spec(m); ss && current) {
    r.system = drift::window_system(*ss, system_columns(data, layout));
  }
  if (layout.segment >= 0) {
    r.segments = drift::segmented_rows(data, layout.main,
                                       data.columns[static_cast<std::size_t>(layout.segment)]);
  }
  data.columns.resize(layout.main);
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

}  // namespace

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

drift::Evaluation Evaluator::evaluate(const config::MonitorConfig& m, Timestamp at,
                                      std::stop_token stop, EvaluationTimings* timings) {
  using clock = std::chrono::steady_clock;
  auto started = clock::now();
  drift::EvaluationSpec spec = evaluation_spec(m);
  PlannedRequest cur_plan = plan_current(m, at);
  PlannedRequest ref_plan = plan_reference(m, at);
  drift::WindowRequest& cur_req = cur_plan.request;
  drift::WindowRequest& ref_req = ref_plan.request;
  const std::optional<drift::PerformanceSpec> perf = performance_spec(m);
  // A monitor with a segment reads its reference window every time: the segments need the
  // reference's rows, which a frozen reference does not keep.
  bool stable = reference_is_stable(m) && !m.segment;
  std::string key = m.name + "/" + reference_fingerprint(m);
  const std::string perf_key = perf ? performance_key(key, *perf) : "";

  drift::Evaluation failed;
  failed.monitor = m.name;
  failed.evaluated_at = at;
  failed.status = drift::Status::error;
  failed.current_window.from = *cur_req.from;
  failed.current_window.to = *cur_req.to;
  failed.reference_window.from = ref_req.from.value_or(Timestamp{});
  failed.reference_window.to = ref_req.to.value_or(Timestamp{});

  // One stop for every read: a failure of one abandons the others at once.
  std::stop_source local;
  std::stop_callback forward(stop, [&local] { local.request_stop(); });
  bool used_frozen = false;
  double read_seconds = 0;
  auto pf = thread_parallel_for(options_.compute_threads);
  try {
    std::shared_ptr<const drift::FrozenReference> frozen;
    drift::PreparedWindow current;
    RowResults cur_rows;
    RowResults ref_rows;
    std::shared_ptr<const drift::FrozenReference> cached = stable ? cache_.get(key) : nullptr;
    bool stored = false;
    if (stable && !cached && store_ != nullptr) {
      try {
        stored = store_->has_frozen(m.name, reference_fingerprint(m));
      } catch (const std::exception& e) {
        log::debug("cannot look up the frozen reference",
                   {{"monitor", m.name}, {"error", e.what()}});
      }
    }
    if (cached || stored) {
      // Only the current window to read, split over the read connections, while the frozen
      // reference loads from the state schema on the side (and, with labels still arriving, the
      // reference's label columns are read again).
      std::shared_ptr<const drift::FrozenReference> loaded = cached;
      std::jthread loader;
      if (!cached) loader = std::jthread([&] { loaded = load_stored(m, spec, key); });
      if (perf) ref_rows.performance = cached_reference_performance(perf_key);
      std::function<void()> read_reference_performance;
      if (perf && !ref_rows.performance) {
        read_reference_performance = [&] {
          auto narrow = plan_reference_performance(m, at);
          drift::WindowData data = source_.read(narrow->request, local.get_token());
          ref_rows = take_rows(m, spec, perf, data, narrow->layout, false);
        };
      }
      cur_req.parallelism = options_.read_connections;
      run_side_by_side(local, read_reference_performance, [&] {
        drift::WindowData data = source_.read(cur_req, local.get_token());
        read_seconds = std::chrono::duration<double>(clock::now() - started).count();
        cur_rows = take_rows(m, spec, perf, data, cur_plan.layout, true);
        current = drift::prepare_window(spec, std::move(data), pf);
      });
      if (loader.joinable()) loader.join();
      frozen = loaded;
      used_frozen = frozen != nullptr;
    }
    if (!frozen && (cached || stored)) {
      // The stored reference was unusable: read the reference window after all.
      drift::WindowData data = source_.read(ref_req, local.get_token());
      ref_rows = take_rows(m, spec, perf, data, ref_plan.layout, false);
      auto built = std::make_shared<drift::FrozenReference>(
          drift::freeze(spec, drift::prepare_window(spec, std::move(data), pf)));
      built->learned = std::move(ref_rows.learned);
      cache_.put(key, built);
      store_frozen(m, *built);
      frozen = built;
    } else if (!frozen) {
      // Both windows at once, each read and sorted on its own thread.
      std::shared_ptr<drift::FrozenReference> built;
      run_side_by_side(
          local,
          [&] {
            drift::WindowData data = source_.read(ref_req, local.get_token());
            ref_rows = take_rows(m, spec, perf, data, ref_plan.layout, false);
            built = std::make_shared<drift::FrozenReference>(drift::freeze(
                spec, drift::prepare_window(spec, std::move(data), drift::serial_for)));
            built->learned = std::move(ref_rows.learned);
          },
          [&] {
            drift::WindowData data = source_.read(cur_req, local.get_token());
            read_seconds = std::chrono::duration<double>(clock::now() - started).count();
            cur_rows = take_rows(m, spec, perf, data, cur_plan.layout, true);
            current = drift::prepare_window(spec, std::move(data), drift::serial_for);
          });
      frozen = built;
      if (stable) {
        cache_.put(key, frozen);
        store_frozen(m, *frozen);
      }
    }
    drift::Evaluation e = drift::compare(spec, *frozen, current, at, pf);
    if (perf && cur_rows.performance && ref_rows.performance) {
      if (stable) remember_reference_performance(perf_key, *ref_rows.performance);
      drift::add_performance(e, *perf, *cur_rows.performance, *ref_rows.performance,
                             spec.thresholds);
    }
    if (m.system && cur_rows.system) {
      drift::add_system(e, *cur_rows.system, ref_req.from.has_value() && ref_req.to.has_value(),
                        spec.thresholds);
    }
    if (m.segment && cur_rows.segments && ref_rows.segments) {
      drift::add_segments(e, spec, m.segment->column, static_cast<std::size_t>(m.segment->max),
                          std::move(*cur_rows.segments), std::move(*ref_rows.segments), pf);
    }
    if (auto cs = challenger_spec(m)) {
      // A comparison that cannot be read (a version's column gone, a scan timing out) fails its
      // own section only: the monitor's drift, performance and system sections stand.
      try {
        // The two model versions over the current window, each read on its own connection.
        auto champion_plan = plan_version(m, at, false);
        auto challenger_plan = plan_version(m, at, true);
        drift::WindowData champion_data;
        drift::WindowData challenger_data;
        run_side_by_side(
            local, [&] { champion_data = source_.read(champion_plan->request, local.get_token()); },
            [&] { challenger_data = source_.read(challenger_plan->request, local.get_token()); });
        drift::add_challenger(
            e,
            drift::compare_versions(
                *cs, challenger_columns(m, champion_data, champion_plan->layout),
                challenger_columns(m, challenger_data, challenger_plan->layout), spec.thresholds));
      } catch (const std::exception& ex) {
        if (stop.stop_requested()) throw;  // shutting down: the whole evaluation is abandoned
        drift::ChallengerResult failed_section;
        failed_section.status = drift::Status::error;
        failed_section.alpha = cs->alpha;
        failed_section.min_rows = cs->min_rows;
        failed_section.error = ex.what();
        log::warn("champion / challenger comparison failed",
                  {{"monitor", m.name}, {"at", format_rfc3339(at)}, {"error", ex.what()}});
        e.challenger = std::move(failed_section);
      }
    }
    if (timings != nullptr) {
      timings->read_seconds = read_seconds;
      timings->total_seconds = std::chrono::duration<double>(clock::now() - started).count();
      timings->frozen_reference_used = used_frozen;
    }
    return e;
  } catch (const std::exception& ex) {
    failed.error = ex.what();
    if (timings != nullptr)
      timings->total_seconds = std::chrono::duration<double>(clock::now() - started).count();
    return failed;
  }
}

}  // namespace driftd::daemon
