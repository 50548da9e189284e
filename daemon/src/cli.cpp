#include "driftd/daemon/cli.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alerting.hpp"
#include "database_check.hpp"
#include "driftd/common/clock.hpp"
#include "driftd/common/log.hpp"
#include "driftd/config/config.hpp"
#include "driftd/daemon/evaluator.hpp"
#include "driftd/daemon/plan.hpp"
#include "driftd/daemon/scheduler.hpp"
#include "driftd/daemon/service.hpp"
#include "driftd/drift/evaluation.hpp"
#include "driftd/storage/pg_result_store.hpp"
#include "driftd/storage/pg_window_source.hpp"
#include "monitor_run.hpp"
#include "receiver.hpp"
#include "service_support.hpp"

namespace driftd::daemon {

const char* version() { return "driftd " DRIFTD_VERSION; }

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage = R"(usage:
  driftd [run] --config FILE                 run the daemon (SIGTERM/SIGINT stop, SIGHUP reloads)
  driftd check --config FILE                 validate the config and the database tables
  driftd run-once --config FILE [--monitor NAME] [--at RFC3339] [--deliver-timeout DURATION]
                                             evaluate once, store, print JSON (one line each)
  driftd backfill --config FILE --monitor NAME --from RFC3339 --to RFC3339
                                             evaluate every scheduled instant in [from, to)
  driftd receive --listen HOST:PORT [--secret-env NAME]
                                             a webhook receiver printing what arrives (for trying sinks)
  driftd --version

options:
  --log-level debug|info|warn|error          (default info)
  --log-format text|json                     (default text)
)";

struct Args {
  std::string command;
  std::map<std::string, std::string> options;
  std::vector<std::string> errors;
  const std::string* get(const std::string& k) const {
    auto it = options.find(k);
    return it == options.end() ? nullptr : &it->second;
  }
};

Args parse_args(int argc, char** argv) {
  static const std::vector<std::string> kCommands = {"run", "check", "run-once", "backfill",
                                                     "receive"};
  static const std::vector<std::string> kWithValue = {
      "config", "monitor",   "at",         "deliver-timeout", "from",
      "to",     "log-level", "log-format", "listen",          "secret-env"};
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--version" || arg == "-V") {
      a.command = "version";
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      a.command = "help";
      continue;
    }
    if (arg == "-c") arg = "--config";
    if (arg.rfind("--", 0) == 0) {
      std::string key = arg.substr(2), value;
      auto eq = key.find('=');
      bool inline_value = eq != std::string::npos;
      if (inline_value) {
        value = key.substr(eq + 1);
        key = key.substr(0, eq);
      }
      if (std::find(kWithValue.begin(), kWithValue.end(), key) == kWithValue.end()) {
        std::string hint = config::closest_match(key, kWithValue);
        a.errors.push_back("unknown option --" + key +
                           (hint.empty() ? "" : " (did you mean --" + hint + "?)"));
        continue;
      }
      if (!inline_value) {
        if (i + 1 >= argc) {
          a.errors.push_back("option --" + key + " needs a value");
          continue;
        }
        value = argv[++i];
      }
      a.options[key] = value;
      continue;
    }
    if (a.command.empty() &&
        std::find(kCommands.begin(), kCommands.end(), arg) != kCommands.end()) {
      a.command = arg;
      continue;
    }
    std::string hint = config::closest_match(arg, kCommands);
    a.errors.push_back("unexpected argument \"" + arg + "\"" +
                       (hint.empty() ? "" : " (did you mean " + hint + "?)"));
  }
  if (a.command.empty()) a.command = "run";
  return a;
}

bool setup_logging(const Args& a) {
  log::Level level = log::Level::info;
  log::Format format = log::Format::text;
  if (const auto* l = a.get("log-level")) {
    auto p = log::parse_level(*l);
    if (!p) {
      std::fprintf(stderr, "error: --log-level must be debug, info, warn or error\n");
      return false;
    }
    level = *p;
  }
  if (const auto* f = a.get("log-format")) {
    if (*f == "json") {
      format = log::Format::json;
    } else if (*f != "text") {
      std::fprintf(stderr, "error: --log-format must be text or json\n");
      return false;
    }
  }
  log::configure(level, format);
  return true;
}

// Loads the config or prints every problem. Returns nullopt on failure.
std::optional<config::Config> load_config(const Args& a, FILE* out) {
  const std::string* path = a.get("config");
  if (path == nullptr) {
    std::fprintf(stderr, "error: --config FILE is required\n\n%s", kUsage);
    return std::nullopt;
  }
  try {
    return load_config_file(*path);
  } catch (const config::ConfigError& e) {
    for (const auto& p : e.problems()) std::fprintf(out, "%s\n", p.to_string().c_str());
    std::fflush(out);
    return std::nullopt;
  }
}

// Creates or migrates the state schema; false (logged) when it cannot.
bool prepare_state_schema(const config::Config& cfg) {
  try {
    for (int v : storage::migrate(state_options(cfg)))
      log::info("state schema migrated", {{"schema", cfg.database.state_schema}, {"version", v}});
    return true;
  } catch (const std::exception& e) {
    log::error("cannot prepare the state schema",
               {{"schema", cfg.database.state_schema}, {"error", e.what()}});
    return false;
  }
}

int cmd_run_once(const Args& a) {
  auto loaded = load_config(a, stderr);
  if (!loaded) return kExitUsage;
  auto compiled = compile(std::move(*loaded));
  const config::Config& cfg = compiled->config();
  std::vector<const MonitorPlan*> plans;
  if (const auto* name = a.get("monitor")) {
    const auto* plan = compiled->find(*name);
    if (plan == nullptr) {
      std::string names;
      for (const auto& x : cfg.monitors) names += (names.empty() ? "" : ", ") + x.name;
      std::fprintf(stderr, "error: no monitor named \"%s\" in %s (monitors: %s)\n", name->c_str(),
                   cfg.path.c_str(), names.c_str());
      return kExitUsage;
    }
    plans.push_back(plan);
  } else {
    for (const auto& plan : compiled->monitors()) plans.push_back(&plan);
  }
  Timestamp at;
  if (const auto* at_text = a.get("at")) {
    auto t = parse_rfc3339(*at_text);
    if (!t) {
      std::fprintf(stderr,
                   "error: --at \"%s\" is not an RFC 3339 time (e.g. 2026-11-27T12:00:00Z)\n",
                   at_text->c_str());
      return kExitUsage;
    }
    at = *t;
  } else {
    at = std::chrono::floor<std::chrono::seconds>(SystemClock().now());
  }
  if (const auto* d = a.get("deliver-timeout"); d != nullptr && !parse_duration(*d)) {
    std::fprintf(stderr, "error: --deliver-timeout \"%s\" is not a duration (e.g. 10s)\n",
                 d->c_str());
    return kExitUsage;
  }

  if (!prepare_state_schema(cfg)) return kExitFailed;
  storage::PgWindowSource source(pg_options(cfg));
  storage::PgResultStore store(state_options(cfg));
  Evaluator evaluator(source, &store, evaluator_options(cfg));
  SystemClock clock;
  Alerting alerting(cfg, clock, nullptr);
  // The alert rules run as in the daemon; what they queue is delivered below.
  MonitorRun runs(evaluator, store, &alerting);
  RunHooks hooks;
  hooks.evaluated = [](RunOutcome& o) {
    log_evaluation(o.evaluation, o.timings);
    return true;
  };

  int exit_code = kExitOk;
  for (const auto* plan : plans) {
    RunOutcome o = runs.run(*plan, at, {}, hooks);
    if (!o.stored) {
      log::error("cannot store the evaluation",
                 {{"monitor", plan->name}, {"error", o.store_error}});
      exit_code = kExitFailed;
    }
    std::string line = drift::to_json(o.evaluation) + "\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
    if (o.evaluation.status == drift::Status::error) exit_code = kExitFailed;
  }
  if (!cfg.sinks.empty()) {
    Duration deliver =
        *parse_duration(a.get("deliver-timeout") ? *a.get("deliver-timeout") : "10s");
    std::int64_t pending = alerting.drain(clock.now() + deliver);
    if (pending > 0)
      log::warn("notifications still queued; the daemon (or the next run-once) delivers them",
                {{"pending", pending}, {"deliver_timeout", format_duration(deliver)}});
  }
  return exit_code;
}

std::string eta_text(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "?";
  return format_duration(std::chrono::duration_cast<Duration>(
      std::chrono::seconds(static_cast<long long>(seconds + 0.5))));
}

int cmd_backfill(const Args& a) {
  auto loaded = load_config(a, stderr);
  if (!loaded) return kExitUsage;
  auto compiled = compile(std::move(*loaded));
  const config::Config& cfg = compiled->config();
  const std::string* name = a.get("monitor");
  const std::string* from_text = a.get("from");
  const std::string* to_text = a.get("to");
  if (name == nullptr || from_text == nullptr || to_text == nullptr) {
    std::fprintf(stderr, "error: backfill needs --monitor NAME --from RFC3339 --to RFC3339\n");
    return kExitUsage;
  }
  const MonitorPlan* plan = compiled->find(*name);
  if (plan == nullptr) {
    std::fprintf(stderr, "error: no monitor named \"%s\" in %s\n", name->c_str(), cfg.path.c_str());
    return kExitUsage;
  }
  const config::MonitorConfig* m = plan->config;
  auto from = parse_rfc3339(*from_text);
  auto to = parse_rfc3339(*to_text);
  if (!from || !to) {
    std::fprintf(stderr,
                 "error: --from and --to must be RFC 3339 times (e.g. 2026-11-01T00:00:00Z)\n");
    return kExitUsage;
  }
  if (*from >= *to) {
    std::fprintf(stderr, "error: --from must be before --to\n");
    return kExitUsage;
  }
  // Every scheduled instant in [from, to): the multiples of the schedule, as the daemon runs them.
  std::vector<Timestamp> instants;
  Timestamp first = floor_aligned(*from, m->schedule);
  if (first < *from) first += m->schedule;
  for (Timestamp t = first; t < *to; t += m->schedule) {
    instants.push_back(t);
    if (instants.size() > 1000000) {
      std::fprintf(
          stderr,
          "error: more than 1,000,000 instants between --from and --to; backfill in parts\n");
      return kExitUsage;
    }
  }
  if (instants.empty()) {
    std::fprintf(stderr, "nothing to do: no %s instant of monitor %s in [%s, %s)\n",
                 format_duration(m->schedule).c_str(), m->name.c_str(), from_text->c_str(),
                 to_text->c_str());
    return kExitOk;
  }
  if (!prepare_state_schema(cfg)) return kExitFailed;
  storage::PgWindowSource source(pg_options(cfg));
  storage::PgResultStore store(state_options(cfg));
  Evaluator evaluator(source, &store, evaluator_options(cfg));
  MonitorRun runs(evaluator, store, nullptr);  // sends no notifications
  bool tty = ::isatty(STDERR_FILENO) != 0;
  auto started = std::chrono::steady_clock::now();
  std::size_t failed = 0, done = 0, drifted = 0;
  int last_decile = -1;
  for (Timestamp at : instants) {
    RunOutcome o = runs.run(*plan, at);
    const drift::Evaluation& e = o.evaluation;
    if (!o.stored) {
      log::error("cannot store the evaluation",
                 {{"monitor", m->name}, {"at", format_rfc3339(at)}, {"error", o.store_error}});
      ++failed;
    }
    if (e.status == drift::Status::error) {
      ++failed;
      log::error(
          "evaluation failed",
          {{"monitor", m->name}, {"at", format_rfc3339(at)}, {"error", e.error.value_or("")}});
    }
    if (e.status == drift::Status::drift) ++drifted;
    std::string line = drift::to_json(e) + "\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
    ++done;
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
    double eta = rate > 0 ? static_cast<double>(instants.size() - done) / rate : -1;
    int decile = static_cast<int>(done * 10 / instants.size());
    if (tty) {
      std::fprintf(stderr,
                   "\rbackfill %s: %zu/%zu (%.1f%%) %.1f/s ETA %s, %zu drift, %zu failed   ",
                   m->name.c_str(), done, instants.size(),
                   100.0 * static_cast<double>(done) / static_cast<double>(instants.size()), rate,
                   eta_text(eta).c_str(), drifted, failed);
    } else if (decile != last_decile) {
      log::info("backfill progress", {{"monitor", m->name},
                                      {"done", done},
                                      {"total", instants.size()},
                                      {"rate_per_s", rate},
                                      {"eta", eta_text(eta)}});
    }
    last_decile = decile;
  }
  std::fflush(stdout);
  if (tty) std::fprintf(stderr, "\n");
  log::info("backfill finished",
            {{"monitor", m->name},
             {"evaluations", done},
             {"drift", drifted},
             {"failed", failed},
             {"seconds",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}});
  return failed > 0 ? kExitFailed : kExitOk;
}

// What `check` says of a monitor's labels: which window judges performance, and how long the
// look-back keeps evaluating instants again (not problems: facts an operator should know).
std::vector<std::string> labels_notes(const config::MonitorConfig& m) {
  std::vector<std::string> out;
  if (!m.labels) return out;
  const auto& l = *m.labels;
  if (l.delay > Duration::zero()) {
    out.push_back("labels: performance at each instant is judged on the window (at - " +
                  format_duration(l.delay + m.window) + ", at - " + format_duration(l.delay) +
                  "] (labels.delay), whose labels have had " + format_duration(l.delay) +
                  " to arrive");
  } else {
    out.push_back("labels: performance is judged on the current window (" +
                  format_duration(m.window) +
                  "); if labels arrive later than that, set labels.delay to how late they are");
  }
  if (l.lookback > Duration::zero()) {
    out.push_back("labels: instants within " + format_duration(l.lookback) +
                  " are evaluated again (at most " + std::to_string(l.lookback_per_tick) +
                  " per tick) until their labels are complete or none arrived over " +
                  format_duration(std::max(l.delay, m.window)) + " (then taken as final)");
  }
  return out;
}

// Every problem at once: the file's, then what the database says of every monitor the file
// describes well enough to check (ConfigError::partial()).
int cmd_check(const Args& a) {
  const std::string* path = a.get("config");
  if (path == nullptr) {
    std::fprintf(stderr, "error: --config FILE is required\n\n%s", kUsage);
    return kExitUsage;
  }
  std::shared_ptr<const CompiledConfig> compiled;
  std::size_t file_problems = 0;
  try {
    compiled = compile(load_config_file(*path));
  } catch (const config::ConfigError& e) {
    for (const auto& p : e.problems()) std::printf("%s\n", p.to_string().c_str());
    file_problems = e.problems().size();
    if (e.partial() == nullptr || e.partial()->monitors.empty()) {
      std::fflush(stdout);
      return kExitFailed;
    }
    compiled = compile(*e.partial());
  }
  const config::Config& cfg = compiled->config();
  storage::PgWindowSource source(pg_options(cfg));
  DatabaseCheck db = check_database(*compiled, source, SystemClock().now());
  if (!db.reachable) {
    std::printf("database: %s\n", db.error.c_str());
    return kExitFailed;
  }
  for (const auto& p : db.problems) std::printf("%s\n", p.to_string().c_str());
  if (file_problems > 0 || !db.problems.empty()) return kExitFailed;
  std::printf(
      "%s: ok (%zu monitors, %zu sinks; database reachable, every table and column usable)\n",
      cfg.path.c_str(), cfg.monitors.size(), cfg.sinks.size());
  for (const auto& plan : compiled->monitors()) {
    for (const auto& note : labels_notes(*plan.config)) {
      std::printf("note: monitor %s: %s\n", plan.name.c_str(), note.c_str());
    }
  }
  return kExitOk;
}

}  // namespace

int run_cli(int argc, char** argv) {
  Args a = parse_args(argc, argv);
  if (!a.errors.empty()) {
    for (const auto& e : a.errors) std::fprintf(stderr, "error: %s\n", e.c_str());
    std::fprintf(stderr, "\n%s", kUsage);
    return kExitUsage;
  }
  if (a.command == "version") {
    std::printf("%s\n", version());
    return kExitOk;
  }
  if (a.command == "help") {
    std::printf("%s", kUsage);
    return kExitOk;
  }
  if (!setup_logging(a)) return kExitUsage;
  try {
    if (a.command == "run-once") return cmd_run_once(a);
    if (a.command == "check") return cmd_check(a);
    if (a.command == "backfill") return cmd_backfill(a);
    if (a.command == "receive") {
      const std::string* listen = a.get("listen");
      const std::string* secret = a.get("secret-env");
      return run_receiver(listen != nullptr ? *listen : "127.0.0.1:9465",
                          secret != nullptr ? *secret : "");
    }
    if (a.command == "run") {
      const std::string* path = a.get("config");
      if (path == nullptr) {
        std::fprintf(stderr, "error: --config FILE is required\n\n%s", kUsage);
        return kExitUsage;
      }
      return run_daemon(*path);
    }
    std::fprintf(stderr, "error: unknown command \"%s\"\n\n%s", a.command.c_str(), kUsage);
    return kExitUsage;
  } catch (const std::exception& e) {
    log::error("fatal", {{"error", e.what()}});
    return kExitFailed;
  }
}

}  // namespace driftd::daemon
