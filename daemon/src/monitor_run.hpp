#pragma once
// One evaluation of a monitor at an instant, as every command runs it: evaluate from the plan,
// store the result, apply the alert rules to it. The daemon (ticks, POST /run, the labels'
// look-back), run-once and backfill differ only in the hooks and in whether they alert.
// Private to daemon.

#include <functional>
#include <stop_token>
#include <string>

#include "alerting.hpp"
#include "driftd/daemon/evaluator.hpp"
#include "driftd/daemon/plan.hpp"
#include "driftd/drift/sources.hpp"

namespace driftd::daemon {

struct RunOutcome {
  drift::Evaluation evaluation;
  EvaluationTimings timings;
  bool stored = false;
  std::string store_error;  // why it was not stored ("" when stored or not attempted)
  bool abandoned = false;   // the `evaluated` hook stopped the run before it was stored
};

struct RunHooks {
  // Right after the evaluation, before it is stored (it may still amend it): false abandons the
  // run (nothing stored, nothing alerted). The daemon publishes here, so a state database that
  // hangs cannot delay the metrics and the API.
  std::function<bool(RunOutcome&)> evaluated;
  // Whether the state schema can take the result (the daemon migrates it lazily).
  std::function<bool()> schema_ready;
};

class MonitorRun {
 public:
  // `alerting` null: results are stored, no alert rule runs (backfill, the look-back).
  MonitorRun(Evaluator& evaluator, drift::ResultStore& store, Alerting* alerting)
      : evaluator_(evaluator), store_(store), alerting_(alerting) {}
  RunOutcome run(const MonitorPlan& plan, Timestamp at, std::stop_token stop = {},
                 const RunHooks& hooks = {});

 private:
  Evaluator& evaluator_;
  drift::ResultStore& store_;
  Alerting* alerting_;
};

// The log line of an evaluation: its outcome, row counts, drifted features and timings. A
// failure is an error, unless `repeated` (the same outage seen again: debug).
void log_evaluation(const drift::Evaluation& e, const EvaluationTimings& t, bool repeated = false);

}  // namespace driftd::daemon
