#include "monitor_run.hpp"

#include "driftd/common/log.hpp"

namespace driftd::daemon {

RunOutcome MonitorRun::run(const MonitorPlan& plan, Timestamp at, std::stop_token stop,
                           const RunHooks& hooks) {
  RunOutcome o;
  o.evaluation = evaluator_.evaluate(plan, at, stop, &o.timings);
  if (hooks.evaluated && !hooks.evaluated(o)) {
    o.abandoned = true;
    return o;
  }
  if (hooks.schema_ready && !hooks.schema_ready()) {
    o.store_error = "state schema not ready (database unreachable)";
    return o;
  }
  try {
    store_.save(o.evaluation);
    o.stored = true;
  } catch (const std::exception& e) {
    o.store_error = e.what();
    return o;
  }
  if (alerting_ != nullptr) alerting_->on_evaluation(plan.rules, o.evaluation);
  return o;
}

void log_evaluation(const drift::Evaluation& e, const EvaluationTimings& t, bool repeated) {
  if (e.status == drift::Status::error) {
    log::write(repeated ? log::Level::debug : log::Level::error, "evaluation failed",
               {{"monitor", e.monitor},
                {"at", format_rfc3339(e.evaluated_at)},
                {"duration_s", t.total_seconds},
                {"error", e.error.value_or("evaluation failed")}});
    return;
  }
  std::size_t drifted = 0;
  for (const auto& f : e.features)
    if (f.status == drift::Status::drift) ++drifted;
  log::info("evaluation finished", {{"monitor", e.monitor},
                                    {"at", format_rfc3339(e.evaluated_at)},
                                    {"status", std::string(drift::to_string(e.status))},
                                    {"current_rows", e.current_window.rows},
                                    {"reference_rows", e.reference_window.rows},
                                    {"drifted_features", drifted},
                                    {"frozen_reference", t.frozen_reference_used},
                                    {"read_s", t.read_seconds},
                                    {"duration_s", t.total_seconds}});
}

}  // namespace driftd::daemon
