// The TOML walk: turns a parsed document into Config, collecting every problem on the way.
// This is the only file that includes toml++ (a heavy header).

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <sstream>

#include "checks.hpp"
#include "driftd/config/config.hpp"

#if !TOML_EXCEPTIONS
#error "the loader expects toml++ built with exceptions (toml::parse_error)"
#endif

namespace driftd::config {
namespace {

using detail::quote;

constexpr const char* kDatabaseUrlEnv = "DRIFTD_DATABASE_URL";
using drift::kConfidenceName;
using drift::kPredictionName;
constexpr std::int64_t kNoLimit = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kNoFloor = std::numeric_limits<std::int64_t>::min();

constexpr std::string_view kDurationHint =
    R"(e.g. "30s", "5m", "1h30m", "7d"; units ms, s, m, h, d, w)";
constexpr std::string_view kTimeHint = R"(e.g. "2026-01-01T00:00:00Z")";

const std::vector<std::string> kRootKeys = {"server",   "database", "scheduler",
                                            "alerting", "monitors", "sinks"};
const std::vector<std::string> kServerKeys = {
    "listen",       "api_token_env", "external_url",    "max_body_bytes",
    "read_timeout", "write_timeout", "max_connections", "max_connections_per_client"};
const std::vector<std::string> kDatabaseKeys = {"url", "state_schema", "statement_timeout",
                                                "connect_timeout", "read_connections"};
const std::vector<std::string> kSchedulerKeys = {"workers", "shutdown_grace"};
const std::vector<std::string> kAlertingKeys = {"initial_backoff", "max_backoff", "give_up_after",
                                                "allowed_hosts", "allow_loopback"};
const std::vector<std::string> kMonitorKeys = {"name",
                                               "table",
                                               "timestamp_column",
                                               "where",
                                               "schedule",
                                               "window",
                                               "jitter",
                                               "reference",
                                               "min_rows",
                                               "max_rows",
                                               "bins",
                                               "prediction",
                                               "confidence",
                                               "features",
                                               "thresholds",
                                               "repeat_interval",
                                               "failing_after",
                                               "dataset_drift",
                                               "labels",
                                               "system",
                                               "segment",
                                               "challenger",
                                               "freshness",
                                               "volume",
                                               "metrics"};
const std::vector<std::string> kFreshnessKeys = {"max_age", "for", "severity", "baseline"};
const std::vector<std::string> kVolumeKeys = {"drop", "rise",     "resolve_drop", "resolve_rise",
                                              "for",  "severity", "baseline"};
const std::vector<std::string> kBaselineKeys = {"seasonality", "weeks", "min_weeks"};
const std::vector<std::string> kSeasonalities = {"hour_of_week"};
const std::vector<std::string> kBaselineNames = {"reference", "none"};
const std::vector<std::string> kMetricKeys = {
    "name",          "kind",          "column", "json",         "key",          "numerator",
    "denominator",   "equals",        "in",     "greater_than", "where",        "sql",
    "drop",          "rise",          "below",  "above",        "resolve_drop", "resolve_rise",
    "resolve_below", "resolve_above", "for",    "severity",     "alpha",        "min_rows",
    "baseline",      "retrain"};
const std::vector<std::string> kMetricKinds = {"rate", "mean", "sum", "ratio", "count", "sql"};
const std::vector<std::string> kSegmentKeys = {"column", "max"};
const std::vector<std::string> kChallengerKeys = {"champion", "challenger", "key",
                                                  "alpha",    "min_rows",   "tolerance"};
const std::vector<std::string> kSystemKeys = {"latency_column", "latency_unit", "error_column",
                                              "error_values"};
const std::vector<std::string> kLatencyUnits = {"ms", "s", "us"};
const std::vector<std::string> kLabelsKeys = {
    "column", "table",     "key",      "prediction_key",    "timestamp_column", "task", "positive",
    "score",  "threshold", "lookback", "lookback_per_tick", "min_rows",         "delay"};
const std::vector<std::string> kScoreKeys = {"column", "json", "key"};
const std::vector<std::string> kTasks = {"binary", "multiclass", "regression"};
const std::vector<std::string> kDatasetDriftKeys = {"correction", "alpha", "statistic"};
const std::vector<std::string> kCorrections = {"benjamini_hochberg", "bonferroni", "holm", "none"};
const std::vector<std::string> kDatasetPValues = {"auto", "ks_pvalue", "chi2_pvalue"};
const std::vector<std::string> kReferenceKeys = {"from",  "to",    "offset",
                                                 "table", "where", "timestamp_column"};
const std::vector<std::string> kFeatureKeys = {"name", "column", "json", "key", "kind"};
const std::vector<std::string> kPredictionKeys = {"column", "json", "key", "kind"};
const std::vector<std::string> kConfidenceKeys = {"column", "json", "key", "low"};
const std::vector<std::string> kThresholdKeys = {
    "above", "below", "resolve_below", "resolve_above", "for", "severity", "auto", "k", "chunks"};
const std::vector<std::string> kSinkKeys = {"name",         "type",    "url",     "secret_env",
                                            "min_severity", "timeout", "monitors"};
const std::vector<std::string> kKinds = {"numerical", "categorical"};
const std::vector<std::string> kSinkTypes = {"webhook", "slack", "pagerduty", "alertmanager"};
const std::vector<std::string> kSeverities = {"low", "medium", "high", "critical"};

struct DefaultThreshold {
  std::string_view statistic;
  double level;
};
constexpr DefaultThreshold kDefaultThresholds[] = {
    {"psi", 0.2}, {"missing_rate", 0.05}, {"low_confidence_rate", 0.2}};

// Default threshold of roc_auc_drop (binary) / accuracy_drop (multiclass) with labels.
constexpr double kDefaultPerformanceDrop = 0.02;

enum class Need { optional, required };

const char* process_getenv(const char* name) { return std::getenv(name); }

int line_of(const toml::node& n) { return static_cast<int>(n.source().begin.line); }
int line_of(const toml::key& k) { return static_cast<int>(k.source().begin.line); }

template <typename T>
std::string streamed(const T& v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// The value as the user wrote it, with its TOML type, for "expected X, got Y" messages.
std::string describe(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "string " + quote(n.as_string()->get());
    case toml::node_type::integer:
      return "integer " + std::to_string(n.as_integer()->get());
    case toml::node_type::floating_point:
      return "float " + detail::format_double(n.as_floating_point()->get());
    case toml::node_type::boolean:
      return n.as_boolean()->get() ? "boolean true" : "boolean false";
    case toml::node_type::date:
      return "date " + streamed(n.as_date()->get());
    case toml::node_type::time:
      return "time " + streamed(n.as_time()->get());
    case toml::node_type::date_time:
      return "date-time " + streamed(n.as_date_time()->get());
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string join(const std::vector<std::string>& items, bool quoted) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += quoted ? quote(item) : item;
  }
  return out;
}

std::string did_you_mean_value(std::string_view value, const std::vector<std::string>& choices) {
  std::string match = closest_match(value, choices);
  return match.empty() ? "" : " (did you mean " + quote(match) + "?)";
}

// A table's entries in the order they appear in the file (toml++ keeps them sorted by key).
std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(const toml::table& t) {
  std::vector<std::pair<const toml::key*, const toml::node*>> out;
  for (auto&& [k, v] : t) out.emplace_back(&k, &v);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    const auto& pa = a.first->source().begin;
    const auto& pb = b.first->source().begin;
    return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
  });
  return out;
}

std::optional<Timestamp> to_timestamp(const toml::date_time& dt) {
  using namespace std::chrono;
  if (!dt.offset) return std::nullopt;
  year_month_day ymd{year{dt.date.year}, month{dt.date.month}, day{dt.date.day}};
  if (!ymd.ok()) return std::nullopt;
  Duration since_midnight = hours{dt.time.hour} + minutes{dt.time.minute} +
                            seconds{dt.time.second} +
                            duration_cast<Duration>(nanoseconds{dt.time.nanosecond});
  return Timestamp{sys_days{ymd}.time_since_epoch() + since_midnight - minutes{dt.offset->minutes}};
}

// One table of the document and the name it is reported under ("monitors[0] (fraud-v2)").
struct Scope {
  const toml::table& table;
  std::string path;  // "" for the document root

  std::string at(std::string_view key) const {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  int line() const { return std::max(line_of(table), 1); }
  const toml::node* get(std::string_view key) const { return table.get(key); }
  bool has(std::string_view key) const { return table.contains(key); }
  int line_of_key(std::string_view key) const {
    const toml::node* n = table.get(key);
    return n ? line_of(*n) : line();
  }
};

class Loader {
 public:
  Loader(std::string file, const char* (*getenv_fn)(const char*))
      : file_(std::move(file)), getenv_(getenv_fn) {}

  Config load(std::string_view text) {
    toml::table root;
    try {
      root = toml::parse(text, std::string_view(file_));
    } catch (const toml::parse_error& e) {
      add(static_cast<int>(e.source().begin.line),
          "TOML syntax error: " + std::string(e.description()));
      throw ConfigError(std::move(problems_));
    }
    Config config;
    config.path = file_;
    Scope doc{root, ""};
    check_keys(doc, kRootKeys);
    config.server = server(doc);
    config.scheduler = scheduler(doc);
    const std::size_t before_database = problems_.size();
    config.database = database(doc);
    const bool database_ok = problems_.size() == before_database;
    config.alerting = alerting(doc);
    config.monitors = monitors(doc);
    config.sinks = sinks(doc);
    if (!problems_.empty()) {
      std::stable_sort(problems_.begin(), problems_.end(),
                       [](const Problem& a, const Problem& b) { return a.line < b.line; });
      std::shared_ptr<const Config> partial;
      if (database_ok) partial = std::make_shared<const Config>(readable_part(std::move(config)));
      throw ConfigError(std::move(problems_), std::move(partial));
    }
    return config;
  }

 private:
  void add(int line, std::string message) {
    problems_.push_back(Problem{file_, line, std::move(message)});
  }

  // The names of one array's entries (name -> index, line): a name used twice is a problem at
  // the second entry's `name`, naming the first.
  using SeenNames = std::map<std::string, std::pair<std::size_t, int>>;
  void note_name(SeenNames& seen, const Scope& s, const std::string& name, std::size_t i, int line,
                 const char* array) {
    if (name.empty()) return;
    auto [it, inserted] = seen.emplace(name, std::make_pair(i, line));
    if (inserted) return;
    add(s.line_of_key("name"), s.at("name") + ": " + quote(name) + " is already used by " + array +
                                   "[" + std::to_string(it->second.first) + "] (line " +
                                   std::to_string(it->second.second) + ")");
  }

  // What of a monitor had a problem, so that ConfigError::partial() leaves it out.
  struct Flawed {
    bool source = false;  // name, table, timestamp_column or where: the monitor is left out
    bool reference = false, prediction = false, confidence = false, labels = false, system = false,
         segment = false, challenger = false;
    std::vector<bool> features;  // per out.features
  };
  bool since(std::size_t mark) const { return problems_.size() > mark; }

  // The monitors as far as they were read without a problem: each entry with a problem of its
  // own is left out (a monitor whose table, timestamp_column or filters had one, whole), so
  // that `check` can still check the rest against the database.
  Config readable_part(Config c) {
    std::vector<MonitorConfig> kept;
    for (std::size_t i = 0; i < c.monitors.size() && i < flawed_.size(); ++i) {
      MonitorConfig& m = c.monitors[i];
      const Flawed& f = flawed_[i];
      if (f.source) continue;
      std::vector<FeatureConfig> features;
      for (std::size_t k = 0; k < m.features.size(); ++k)
        if (k >= f.features.size() || !f.features[k]) features.push_back(std::move(m.features[k]));
      m.features = std::move(features);
      if (f.prediction) m.prediction.reset();
      if (f.confidence) m.confidence.reset();
      if (f.labels) m.labels.reset();
      if (f.system) m.system.reset();
      if (f.segment) m.segment.reset();
      if (f.challenger) m.challenger.reset();
      if (f.reference) m.reference = ReferenceConfig{};  // not a table: nothing of it to check
      if (m.features.empty() && !m.prediction) continue;
      kept.push_back(std::move(m));
    }
    c.monitors = std::move(kept);
    c.sinks.clear();
    return c;
  }

  void type_error(const toml::node& n, const std::string& path, std::string_view expected) {
    add(line_of(n), path + ": expected " + std::string(expected) + ", got " + describe(n));
  }

  void check_keys(const Scope& s, const std::vector<std::string>& allowed) {
    for (const auto& [key, node] : in_file_order(s.table)) {
      const std::string k(key->str());
      if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
      std::string message = s.path.empty() ? "unknown top-level key '" + k + "'"
                                           : s.path + ": unknown key '" + k + "'";
      std::string match = closest_match(k, allowed);
      message += match.empty() ? " (expected one of: " + join(allowed, false) + ")"
                               : " (did you mean '" + match + "'?)";
      add(line_of(*key), std::move(message));
    }
  }

  // The node under `key`, reporting it missing when required (at the line of the table).
  const toml::node* need(const Scope& s, std::string_view key, Need need, std::string_view hint) {
    const toml::node* n = s.get(key);
    if (!n && need == Need::required) {
      std::string message = s.path.empty() ? "" : s.path + ": ";
      message += "missing required key '" + std::string(key) + "'";
      if (!hint.empty()) message += " (" + std::string(hint) + ")";
      add(s.line(), std::move(message));
    }
    return n;
  }

  std::optional<std::string> get_string(const Scope& s, std::string_view key, Need need_it,
                                        std::string_view hint = "") {
    const toml::node* n = need(s, key, need_it, hint);
    if (!n) return std::nullopt;
    if (!n->is_string()) {
      type_error(*n, s.at(key), "a string");
      return std::nullopt;
    }
    return n->as_string()->get();
  }

  std::optional<std::string> get_choice(const Scope& s, std::string_view key, Need need_it,
                                        const std::vector<std::string>& choices) {
    auto value = get_string(s, key, need_it, "one of " + join(choices, true));
    if (!value) return std::nullopt;
    if (std::find(choices.begin(), choices.end(), *value) == choices.end()) {
      add(s.line_of_key(key), s.at(key) + ": " + quote(*value) + " is not one of " +
                                  join(choices, true) + did_you_mean_value(*value, choices));
      return std::nullopt;
    }
    return value;
  }

  std::optional<std::int64_t> get_integer(const Scope& s, std::string_view key, Need need_it,
                                          std::int64_t lo, std::int64_t hi) {
    const toml::node* n = need(s, key, need_it, "an integer");
    if (!n) return std::nullopt;
    if (!n->is_integer()) {
      type_error(*n, s.at(key), "an integer");
      return std::nullopt;
    }
    std::int64_t v = n->as_integer()->get();
    if (v < lo || v > hi) {
      std::string expected = hi == kNoLimit ? "at least " + std::to_string(lo)
                                            : std::to_string(lo) + " to " + std::to_string(hi);
      add(line_of(*n),
          s.at(key) + ": " + std::to_string(v) + " is out of range (expected " + expected + ")");
      return std::nullopt;
    }
    return v;
  }

  // A finite number; integers are accepted where a float is expected.
  std::optional<double> get_number(const Scope& s, std::string_view key, Need need_it) {
    const toml::node* n = need(s, key, need_it, "a number");
    if (!n) return std::nullopt;
    return number(*n, s.at(key), "a number");
  }

  std::optional<double> number(const toml::node& n, const std::string& path,
                               std::string_view expected) {
    double v = 0;
    if (n.is_integer()) {
      v = static_cast<double>(n.as_integer()->get());
    } else if (n.is_floating_point()) {
      v = n.as_floating_point()->get();
    } else {
      type_error(n, path, expected);
      return std::nullopt;
    }
    if (!std::isfinite(v)) {
      add(line_of(n), path + ": " + detail::format_double(v) + " is not a finite number");
      return std::nullopt;
    }
    return v;
  }

  std::optional<Duration> get_duration(const Scope& s, std::string_view key, Need need_it) {
    const toml::node* n = need(s, key, need_it, "a duration such as \"5m\"");
    if (!n) return std::nullopt;
    if (!n->is_string()) {
      type_error(*n, s.at(key), "a duration string such as \"5m\"");
      return std::nullopt;
    }
    const std::string& text = n->as_string()->get();
    auto d = parse_duration(text);
    if (!d && duration_fault(text) == DurationFault::too_large) {
      add(line_of(*n), s.at(key) + ": " + quote(text) +
                           " is too large (at most 100 years: \"36600d\", \"5228w4d\")");
    } else if (!d) {
      add(line_of(*n), s.at(key) + ": " + quote(text) + " is not a positive duration (" +
                           std::string(kDurationHint) + ")");
    }
    return d;
  }

  // An RFC 3339 string, or a TOML offset date-time (written without quotes).
  std::optional<Timestamp> get_time(const Scope& s, std::string_view key, Need need_it) {
    const toml::node* n =
        need(s, key, need_it, "an RFC 3339 time such as \"2026-01-01T00:00:00Z\"");
    if (!n) return std::nullopt;
    if (n->is_string()) {
      const std::string& text = n->as_string()->get();
      auto t = parse_rfc3339(text);
      if (!t) {
        add(line_of(*n), s.at(key) + ": " + quote(text) +
                             " is not an RFC 3339 time with a UTC offset (" +
                             std::string(kTimeHint) + ")");
      }
      return t;
    }
    if (n->is_date_time()) {
      auto t = to_timestamp(n->as_date_time()->get());
      if (!t) {
        add(line_of(*n), s.at(key) + ": " + describe(*n) +
                             " has no UTC offset (add \"Z\" or \"+01:00\", " +
                             std::string(kTimeHint) + ")");
      }
      return t;
    }
    type_error(*n, s.at(key), "an RFC 3339 time such as \"2026-01-01T00:00:00Z\"");
    return std::nullopt;
  }

  const toml::table* get_table(const Scope& s, std::string_view key, Need need_it,
                               std::string_view hint = "a table") {
    const toml::node* n = need(s, key, need_it, hint);
    if (!n) return nullptr;
    if (!n->is_table()) {
      type_error(*n, s.at(key), hint);
      return nullptr;
    }
    return n->as_table();
  }

  const toml::array* get_array(const Scope& s, std::string_view key, Need need_it,
                               std::string_view hint) {
    const toml::node* n = need(s, key, need_it, hint);
    if (!n) return nullptr;
    if (!n->is_array()) {
      type_error(*n, s.at(key), hint);
      return nullptr;
    }
    return n->as_array();
  }

  // The name of an environment variable (never its value: these hold secrets).
  std::optional<std::string> get_env_name(const Scope& s, std::string_view key) {
    auto name = get_string(s, key, Need::optional);
    if (name && !detail::is_plain_identifier(*name)) {
      // Not echoed: a value that is not a variable name may well be the secret itself.
      add(s.line_of_key(key),
          s.at(key) +
              ": is not an environment variable name (letters, digits and '_', not "
              "starting with a digit); it names the variable that holds the secret, not "
              "the secret itself");
      return std::nullopt;
    }
    return name;
  }

  void check_name(const Scope& s, std::string_view key, const std::string& value, bool is_table) {
    std::string why = is_table ? detail::check_table_name(value) : detail::check_column_name(value);
    if (!why.empty()) add(s.line_of_key(key), s.at(key) + ": " + quote(value) + " " + why);
  }

  ServerOptions server(const Scope& doc) {
    ServerOptions out;
    const toml::table* t = get_table(doc, "server", Need::optional);
    if (!t) {
      out.external_url = "http://" + out.listen;
      return out;
    }
    Scope s{*t, "server"};
    check_keys(s, kServerKeys);
    bool listen_ok = true;
    if (auto listen = get_string(s, "listen", Need::optional)) {
      out.listen = *listen;
      if (std::string why = detail::check_listen(*listen); !why.empty()) {
        add(s.line_of_key("listen"), s.at("listen") + ": " + quote(*listen) + " " + why);
        listen_ok = false;
      }
    }
    if (auto env = get_env_name(s, "api_token_env")) out.api_token_env = *env;
    if (auto url = get_string(s, "external_url", Need::optional)) {
      if (std::string why = detail::check_http_url(*url); !why.empty()) {
        add(s.line_of_key("external_url"),
            s.at("external_url") + ": " + quote(mask_password(*url)) + " " + why);
      }
      out.external_url = *url;
      while (out.external_url.size() > 1 && out.external_url.back() == '/') {
        out.external_url.pop_back();
      }
    } else if (listen_ok) {
      out.external_url = "http://" + out.listen;
    }
    if (auto v = get_integer(s, "max_body_bytes", Need::optional, 1, kNoLimit)) {
      out.max_body_bytes = static_cast<std::size_t>(*v);
    }
    if (auto d = get_duration(s, "read_timeout", Need::optional)) out.read_timeout = *d;
    if (auto d = get_duration(s, "write_timeout", Need::optional)) out.write_timeout = *d;
    if (auto v = get_integer(s, "max_connections", Need::optional, 1, 65535)) {
      out.max_connections = static_cast<int>(*v);
    }
    if (auto v = get_integer(s, "max_connections_per_client", Need::optional, 1, 65535)) {
      out.max_connections_per_client = static_cast<int>(*v);
      if (out.max_connections_per_client > out.max_connections) {
        add(s.line_of_key("max_connections_per_client"),
            s.at("max_connections_per_client") + ": " + std::to_string(*v) + " is above " +
                s.at("max_connections") + " (" + std::to_string(out.max_connections) + ")");
      }
    }
    return out;
  }

  SchedulerOptions scheduler(const Scope& doc) {
    SchedulerOptions out;
    const toml::table* t = get_table(doc, "scheduler", Need::optional);
    if (!t) return out;
    Scope s{*t, "scheduler"};
    check_keys(s, kSchedulerKeys);
    if (auto v = get_integer(s, "workers", Need::optional, 0, 1024)) {
      out.workers = static_cast<int>(*v);
    }
    if (auto d = get_duration(s, "shutdown_grace", Need::optional)) out.shutdown_grace = *d;
    return out;
  }

  DatabaseOptions database(const Scope& doc) {
    DatabaseOptions out;
    const char* env = getenv_(kDatabaseUrlEnv);
    const bool env_set = env != nullptr && *env != '\0';
    const toml::table* t = get_table(doc, "database", Need::optional);
    if (!t) {
      if (!doc.has("database") && !env_set) {
        add(doc.line(), "missing required table [database] (it needs at least 'url', unless " +
                            std::string(kDatabaseUrlEnv) + " is set)");
      }
    } else {
      Scope s{*t, "database"};
      check_keys(s, kDatabaseKeys);
      auto url = get_string(s, "url", Need::optional);
      if (!s.has("url") && !env_set) {
        add(s.line(),
            "database: missing required key 'url' (or set " + std::string(kDatabaseUrlEnv) + ")");
      }
      if (url && !env_set) {
        if (std::string why = detail::check_database_url(*url); !why.empty()) {
          add(s.line_of_key("url"), "database.url: " + quote(mask_password(*url)) + " " + why);
        }
        out.url = *url;
        out.url_line = s.line_of_key("url");
      }
      if (auto schema = get_string(s, "state_schema", Need::optional)) {
        if (!detail::is_plain_identifier(*schema) || schema->size() > detail::kMaxIdentifier) {
          add(s.line_of_key("state_schema"),
              "database.state_schema: " + quote(*schema) +
                  " is not a plain identifier (letters, digits and '_', not starting with a "
                  "digit, at most 63 characters)");
        } else {
          out.state_schema = *schema;
        }
      }
      if (auto d = get_duration(s, "statement_timeout", Need::optional)) out.statement_timeout = *d;
      if (auto d = get_duration(s, "connect_timeout", Need::optional)) out.connect_timeout = *d;
      if (auto v = get_integer(s, "read_connections", Need::optional, 1, 8)) {
        out.read_connections = static_cast<int>(*v);
      }
    }
    if (env_set) {
      out.url = env;
      if (std::string why = detail::check_database_url(out.url); !why.empty()) {
        add(0, std::string(kDatabaseUrlEnv) +
                   " (overrides database.url): " + quote(mask_password(out.url)) + " " + why);
      }
    }
    return out;
  }

  AlertingOptions alerting(const Scope& doc) {
    AlertingOptions out;
    const toml::table* t = get_table(doc, "alerting", Need::optional);
    if (!t) return out;
    Scope s{*t, "alerting"};
    check_keys(s, kAlertingKeys);
    auto initial = get_duration(s, "initial_backoff", Need::optional);
    auto max = get_duration(s, "max_backoff", Need::optional);
    if (initial) out.initial_backoff = *initial;
    if (max) out.max_backoff = *max;
    bool initial_ok = initial || !s.has("initial_backoff");
    bool max_ok = max || !s.has("max_backoff");
    if (initial_ok && max_ok && out.max_backoff < out.initial_backoff) {
      if (max) {
        add(s.line_of_key("max_backoff"),
            "alerting.max_backoff: " + format_duration(out.max_backoff) +
                " is shorter than initial_backoff (" + format_duration(out.initial_backoff) + ")");
      } else {
        add(s.line_of_key("initial_backoff"),
            "alerting.initial_backoff: " + format_duration(out.initial_backoff) +
                " exceeds max_backoff (" + format_duration(out.max_backoff) + ", the default)");
      }
    }
    if (auto d = get_duration(s, "give_up_after", Need::optional)) out.give_up_after = *d;
    if (const toml::array* hosts =
            get_array(s, "allowed_hosts", Need::optional, "an array of host names")) {
      for (std::size_t i = 0; i < hosts->size(); ++i) {
        const toml::node& h = *hosts->get(i);
        std::string path = "alerting.allowed_hosts[" + std::to_string(i) + "]";
        if (!h.is_string()) {
          type_error(h, path, "a host name string");
        } else if (h.as_string()->get().empty()) {
          add(line_of(h), path + ": is empty");
        } else {
          out.allowed_hosts.push_back(h.as_string()->get());
        }
      }
    }
    // Default: loopback is reachable (the contract's own example sink is on 127.0.0.1) until an
    // allow-list restricts destinations; then only what it lists, unless said otherwise here.
    out.allow_loopback = out.allowed_hosts.empty();
    if (const toml::node* n = s.get("allow_loopback")) {
      if (n->is_boolean()) {
        out.allow_loopback = n->as_boolean()->get();
      } else {
        type_error(*n, s.at("allow_loopback"), "true or false");
      }
    }
    return out;
  }

  // `where = { column = value, ... }`: equality filters, values kept as text.
  std::vector<WhereFilter> where(const Scope& s) { return filters(s, "where", Need::optional); }

  // A table of equality filters under `key` (`where`, or a champion / challenger version).
  std::vector<WhereFilter> filters(const Scope& s, std::string_view key, Need need_it) {
    std::vector<WhereFilter> out;
    const toml::table* t =
        get_table(s, key, need_it, "a table of column = value, e.g. { model = \"fraud\" }");
    if (!t) return out;
    Scope w{*t, s.at(key)};
    for (const auto& [key, node] : in_file_order(*t)) {
      WhereFilter f;
      f.column = key->str();
      f.line = line_of(*node);
      std::string path = w.at(f.column);
      if (std::string why = detail::check_column_name(f.column); !why.empty()) {
        add(line_of(*key), w.path + ": column " + quote(f.column) + " " + why);
      }
      switch (node->type()) {
        case toml::node_type::string:
          f.value = node->as_string()->get();
          break;
        case toml::node_type::integer:
          f.value = std::to_string(node->as_integer()->get());
          break;
        case toml::node_type::floating_point:
          f.value = detail::format_double(node->as_floating_point()->get());
          break;
        case toml::node_type::boolean:
          f.value = node->as_boolean()->get() ? "true" : "false";
          break;
        case toml::node_type::date:
        case toml::node_type::time:
        case toml::node_type::date_time:
          add(f.line, path + ": got " + describe(*node) +
                          "; write dates and times as quoted strings to compare them as text");
          continue;
        default:
          type_error(*node, path, "a string, integer, float or boolean");
          continue;
      }
      out.push_back(std::move(f));
    }
    return out;
  }

  ReferenceConfig reference(const Scope& m, const std::string& timestamp_column) {
    ReferenceConfig out;
    constexpr std::string_view kShapes =
        R"({ from = "...", to = "..." } (a fixed window), { offset = "7d" } or { table = "schema.table" })";
    const toml::node* n = need(m, "reference", Need::required, "one of " + std::string(kShapes));
    if (!n) return out;
    out.line = line_of(*n);
    if (!n->is_table()) {
      type_error(*n, m.at("reference"), "one of " + std::string(kShapes));
      return out;
    }
    Scope r{*n->as_table(), m.at("reference")};
    check_keys(r, kReferenceKeys);
    const bool has_table = r.has("table");
    const bool has_offset = r.has("offset");
    const bool has_bounds = r.has("from") || r.has("to");
    std::vector<std::string> found;
    if (has_bounds) found.push_back(r.has("from") ? "from" : "to");
    if (has_offset) found.push_back("offset");
    if (has_table) found.push_back("table");
    if (has_offset && (has_table || has_bounds)) {
      add(out.line, r.path + ": give exactly one of " + std::string(kShapes) + " (found " +
                        join(found, false) + ")");
      return out;
    }
    if (!has_table && !has_offset && !has_bounds) {
      add(out.line, r.path + ": give one of " + std::string(kShapes));
      return out;
    }
    if (!has_table) {
      for (std::string_view key : {"where", "timestamp_column"}) {
        if (r.has(key)) {
          add(r.line_of_key(key),
              r.at(key) + ": only a { table = ... } reference takes its own '" + std::string(key) +
                  "' (the monitor's own settings apply to this reference window)");
        }
      }
    }
    if (has_offset) {
      out.kind = ReferenceConfig::Kind::offset;
      if (auto d = get_duration(r, "offset", Need::required)) out.offset = *d;
      return out;
    }
    const Need bounds = has_table ? Need::optional : Need::required;
    out.from = get_time(r, "from", bounds);
    out.to = get_time(r, "to", bounds);
    if (out.from && out.to && !(*out.from < *out.to)) {
      add(r.line_of_key("from"), r.at("from") + " (" + format_rfc3339(*out.from) +
                                     ") must be before " + r.at("to") + " (" +
                                     format_rfc3339(*out.to) + ")");
    }
    if (!has_table) {
      out.kind = ReferenceConfig::Kind::fixed;
      return out;
    }
    out.kind = ReferenceConfig::Kind::table;
    if (auto table = get_string(r, "table", Need::required)) {
      check_name(r, "table", *table, true);
      out.table = *table;
    }
    out.timestamp_column = timestamp_column;
    if (auto ts = get_string(r, "timestamp_column", Need::optional)) {
      check_name(r, "timestamp_column", *ts, false);
      out.timestamp_column = *ts;
      out.timestamp_column_line = r.line_of_key("timestamp_column");
    }
    out.where = where(r);
    return out;
  }

  // Exactly one of `column` or `json` + `key`.
  ValueSource source(const Scope& s) {
    ValueSource out;
    const bool has_column = s.has("column");
    const bool has_json = s.has("json");
    const bool has_key = s.has("key");
    if (auto column = get_string(s, "column", Need::optional)) {
      check_name(s, "column", *column, false);
      out.column = *column;
      out.line = s.line_of_key("column");
    }
    if (auto json = get_string(s, "json", Need::optional)) {
      check_name(s, "json", *json, false);
      out.json = *json;
      out.line = s.line_of_key("json");
    }
    if (auto key = get_string(s, "key", Need::optional)) {
      if (key->empty()) add(s.line_of_key("key"), s.at("key") + ": is empty");
      out.key = *key;
    }
    if (has_column && (has_json || has_key)) {
      add(s.line_of_key(has_json ? "json" : "key"),
          s.path + ": give either 'column' or 'json' + 'key', not both");
    } else if (!has_column && !has_json && !has_key) {
      add(s.line(), s.path +
                        ": missing required key 'column' (or 'json' + 'key' for a key of a jsonb "
                        "column)");
    } else if (has_json && !has_key) {
      add(s.line_of_key("json"),
          s.at("json") + ": needs 'key' too (the key to read from the jsonb column)");
    } else if (has_key && !has_json) {
      add(s.line_of_key("key"),
          s.at("key") + ": needs 'json' too (the jsonb column that holds it)");
    }
    return out;
  }

  std::optional<FeatureKind> kind(const Scope& s) {
    auto k = get_choice(s, "kind", Need::required, kKinds);
    if (!k) return std::nullopt;
    return *k == "categorical" ? FeatureKind::categorical : FeatureKind::numerical;
  }

  FeatureConfig feature(const Scope& f) {
    FeatureConfig out;
    out.line = f.line();
    check_keys(f, kFeatureKeys);
    if (auto name = get_string(f, "name", Need::required, "the name used in results and alerts")) {
      out.name = *name;
      if (name->empty()) {
        add(f.line_of_key("name"), f.at("name") + ": is empty");
      } else if (*name == kPredictionName || *name == kConfidenceName) {
        add(f.line_of_key("name"), f.at("name") + ": " + quote(*name) +
                                       " is reserved (configure the prediction and the confidence "
                                       "in [monitors.prediction] and [monitors.confidence])");
      }
    }
    out.source = source(f);
    if (auto k = kind(f)) out.kind = *k;
    return out;
  }

  // `[monitors.labels]`; `mc` is the monitor parsed so far (its prediction and confidence).
  std::optional<LabelsConfig> labels(const Scope& m, const MonitorConfig& mc) {
    const toml::table* t = get_table(m, "labels", Need::optional,
                                     "a table such as { column = \"label\", task = \"binary\" }");
    if (!t) return std::nullopt;
    Scope s{*t, m.at("labels")};
    check_keys(s, kLabelsKeys);
    LabelsConfig out;
    out.line = s.line();
    if (auto task = get_choice(s, "task", Need::required, kTasks)) {
      using T = LabelsConfig::Task;
      out.task = *task == "multiclass"   ? T::multiclass
                 : *task == "regression" ? T::regression
                                         : T::binary;
    }
    if (auto c = get_string(s, "column", Need::required, "the column that holds the label")) {
      check_name(s, "column", *c, false);
      out.column = *c;
    }
    if (auto table = get_string(s, "table", Need::optional)) {
      check_name(s, "table", *table, true);
      out.table = *table;
    }
    auto key = get_string(s, "key", Need::optional);
    auto prediction_key = get_string(s, "prediction_key", Need::optional);
    if (key) check_name(s, "key", *key, false);
    if (prediction_key) check_name(s, "prediction_key", *prediction_key, false);
    if (s.has("table")) {
      if (!s.has("key")) {
        add(s.line(), s.path +
                          ": missing required key 'key' (the label table's column that "
                          "identifies the prediction)");
      }
      if (!s.has("prediction_key")) {
        add(s.line(), s.path + ": missing required key 'prediction_key' (the column of " +
                          quote(mc.table) + " that '" + (key ? *key : std::string("key")) +
                          "' matches)");
      }
    } else {
      for (std::string_view k : {"key", "prediction_key"}) {
        if (s.has(k)) {
          add(s.line_of_key(k), s.at(k) +
                                    ": only labels in another table ('table') are joined "
                                    "by a key");
        }
      }
    }
    if (key) out.key = *key;
    if (prediction_key) out.prediction_key = *prediction_key;
    if (auto ts = get_string(s, "timestamp_column", Need::optional)) {
      check_name(s, "timestamp_column", *ts, false);
      out.timestamp_column = *ts;
    }
    const bool binary = out.task == LabelsConfig::Task::binary;
    auto binary_only = [&](std::string_view k) {
      if (s.has(k) && !binary && s.has("task")) {
        add(s.line_of_key(k), s.at(k) + ": only for task = \"binary\"");
      }
    };
    binary_only("positive");
    binary_only("threshold");
    binary_only("score");
    if (auto p = get_string(s, "positive", Need::optional)) out.positive = *p;
    if (auto th = get_number(s, "threshold", Need::optional)) out.threshold = *th;
    if (const toml::node* n = s.get("score")) {
      if (n->is_string()) {
        ValueSource v;
        v.column = n->as_string()->get();
        check_name(s, "score", v.column, false);
        out.score = v;
      } else if (n->is_table()) {
        Scope ss{*n->as_table(), s.at("score")};
        check_keys(ss, kScoreKeys);
        out.score = source(ss);
      } else {
        type_error(*n, s.at("score"), "a column name or a table such as { column = \"score\" }");
      }
    }
    if (auto d = get_duration(s, "lookback", Need::optional)) out.lookback = *d;
    if (auto d = get_duration(s, "delay", Need::optional)) out.delay = *d;
    if (auto v = get_integer(s, "lookback_per_tick", Need::optional, 1, 1000)) {
      out.lookback_per_tick = static_cast<int>(*v);
    }
    if (auto v = get_integer(s, "min_rows", Need::optional, 1, kNoLimit)) out.min_rows = *v;
    // What the task needs from the monitor's prediction.
    if (s.has("task") && m.has("prediction") && mc.prediction) {
      const bool categorical = mc.prediction->kind == FeatureKind::categorical;
      if (out.task == LabelsConfig::Task::multiclass && !categorical) {
        add(s.line_of_key("task"), s.at("task") +
                                       ": \"multiclass\" compares the predicted class with the "
                                       "label: [monitors.prediction] must be categorical");
      } else if (out.task == LabelsConfig::Task::regression && categorical) {
        add(s.line_of_key("task"), s.at("task") +
                                       ": \"regression\" compares the predicted value with the "
                                       "label: [monitors.prediction] must be numerical");
      }
    } else if (s.has("task") && !m.has("prediction")) {
      const bool has_score = s.has("score") || m.has("confidence");
      if (!binary || !has_score) {
        add(s.line_of_key("task"),
            s.at("task") +
                ": the labels are compared with the prediction: add "
                "[monitors.prediction]" +
                (binary ? std::string(" (or a score: labels.score or [monitors.confidence])")
                        : ""));
      }
    }
    return out;
  }

  std::optional<SegmentConfig> segment(const Scope& m) {
    const toml::table* t = get_table(m, "segment", Need::optional,
                                     "a table such as { column = \"country\", max = 10 }");
    if (!t) return std::nullopt;
    Scope s{*t, m.at("segment")};
    check_keys(s, kSegmentKeys);
    SegmentConfig out;
    out.line = s.line();
    if (auto c = get_string(s, "column", Need::required, "the column whose values are segments")) {
      check_name(s, "column", *c, false);
      out.column = *c;
    }
    if (auto v = get_integer(s, "max", Need::optional, 1, 100)) out.max = static_cast<int>(*v);
    return out;
  }

  std::optional<SystemConfig> system(const Scope& m) {
    const toml::table* t =
        get_table(m, "system", Need::optional,
                  "a table such as { latency_column = \"latency_ms\", error_column = \"status\" }");
    if (!t) return std::nullopt;
    Scope s{*t, m.at("system")};
    check_keys(s, kSystemKeys);
    SystemConfig out;
    out.line = s.line();
    if (auto c = get_string(s, "latency_column", Need::optional)) {
      check_name(s, "latency_column", *c, false);
      out.latency_column = *c;
    }
    if (auto u = get_choice(s, "latency_unit", Need::optional, kLatencyUnits)) {
      out.latency_unit = *u;
      out.latency_to_ms = *u == "s" ? 1000.0 : *u == "us" ? 0.001 : 1.0;
      if (!s.has("latency_column")) {
        add(s.line_of_key("latency_unit"),
            s.at("latency_unit") + ": goes with 'latency_column' (the column it describes)");
      }
    }
    if (auto c = get_string(s, "error_column", Need::optional)) {
      check_name(s, "error_column", *c, false);
      out.error_column = *c;
    }
    if (const toml::array* values =
            get_array(s, "error_values", Need::optional,
                      "an array of values meaning an error, e.g. [\"error\", \"timeout\"]")) {
      out.error_values.clear();
      if (!s.has("error_column")) {
        add(s.line_of_key("error_values"),
            s.at("error_values") + ": goes with 'error_column' (the column they are values of)");
      }
      if (values->empty()) {
        add(s.line_of_key("error_values"),
            s.at("error_values") + ": is empty (leave it out for a boolean column: true = error)");
      }
      for (std::size_t i = 0; i < values->size(); ++i) {
        const toml::node& v = *values->get(i);
        const std::string path = s.at("error_values") + "[" + std::to_string(i) + "]";
        if (v.is_string()) {
          out.error_values.push_back(v.as_string()->get());
        } else if (v.is_integer()) {
          out.error_values.push_back(std::to_string(v.as_integer()->get()));  // HTTP status codes
        } else if (v.is_boolean()) {
          out.error_values.push_back(v.as_boolean()->get() ? "true" : "false");
        } else {
          type_error(v, path, "a string, integer or boolean");
        }
      }
    }
    return out;
  }

  // `[monitors.challenger]`; `mc` is the monitor parsed so far (its where and prediction).
  std::optional<ChallengerConfig> challenger(const Scope& m, const MonitorConfig& mc) {
    const toml::table* t = get_table(
        m, "challenger", Need::optional,
        "a table such as { champion = { model_version = \"v1\" }, challenger = { model_version = "
        "\"v2\" } }");
    if (!t) return std::nullopt;
    Scope s{*t, m.at("challenger")};
    check_keys(s, kChallengerKeys);
    ChallengerConfig out;
    out.line = s.line();
    out.champion = filters(s, "champion", Need::required);
    out.challenger = filters(s, "challenger", Need::required);
    for (std::string_view side : {"champion", "challenger"}) {
      const auto& f = side == "champion" ? out.champion : out.challenger;
      const toml::node* n = s.get(side);
      if (n && n->is_table() && n->as_table()->empty()) {
        add(line_of(*n), s.at(side) +
                             ": is empty; give the filters that select this model version, e.g. "
                             "{ model_version = \"v1\" }");
      }
      for (const auto& w : f) {
        for (const auto& mw : mc.where) {
          if (mw.column == w.column) {
            add(w.line, s.at(side) + "." + w.column + ": the monitor's where already filters " +
                            quote(w.column) + " (line " + std::to_string(mw.line) +
                            "); a version's filters are ANDed with it, so leave that column out "
                            "of the monitor's where");
          }
        }
      }
    }
    auto sorted = [](std::vector<WhereFilter> f) {
      std::vector<std::pair<std::string, std::string>> out;
      for (auto& w : f) out.emplace_back(std::move(w.column), std::move(w.value));
      std::sort(out.begin(), out.end());
      return out;
    };
    if (!out.champion.empty() && sorted(out.champion) == sorted(out.challenger)) {
      add(s.line_of_key("challenger"),
          s.at("challenger") + ": selects the same rows as " + s.at("champion") +
              "; the two versions must differ in at least one filter value");
    }
    if (auto k = get_string(s, "key", Need::optional)) {
      check_name(s, "key", *k, false);
      out.key = *k;
    }
    if (auto a = get_number(s, "alpha", Need::optional)) {
      if (*a <= 0 || *a >= 1) {
        add(s.line_of_key("alpha"), s.at("alpha") + ": " + detail::format_double(*a) +
                                        " is out of range (expected strictly between 0 and 1)");
      }
      out.alpha = *a;
    }
    if (auto v = get_integer(s, "min_rows", Need::optional, 1, kNoLimit)) out.min_rows = *v;
    if (auto tol = get_number(s, "tolerance", Need::optional)) {
      if (*tol < 0) {
        add(s.line_of_key("tolerance"),
            s.at("tolerance") + ": " + detail::format_double(*tol) + " must not be negative");
      } else if (mc.prediction && mc.prediction->kind == FeatureKind::categorical) {
        add(s.line_of_key("tolerance"),
            s.at("tolerance") +
                ": only for a numerical prediction (categorical predictions "
                "agree when they are equal)");
      }
      out.tolerance = *tol;
    }
    if (!m.has("prediction")) {
      add(s.line(), s.path +
                        ": compares the predictions of two model versions: add "
                        "[monitors.prediction]");
    }
    return out;
  }

  std::optional<DatasetDriftConfig> dataset_drift(const Scope& m) {
    const toml::table* t =
        get_table(m, "dataset_drift", Need::optional,
                  "a table such as { correction = \"benjamini_hochberg\", alpha = 0.05 }");
    if (!t) return std::nullopt;
    Scope s{*t, m.at("dataset_drift")};
    check_keys(s, kDatasetDriftKeys);
    DatasetDriftConfig out;
    out.line = s.line();
    if (auto c = get_choice(s, "correction", Need::optional, kCorrections)) {
      using C = DatasetDriftConfig::Correction;
      for (C x : {C::none, C::bonferroni, C::holm, C::benjamini_hochberg}) {
        if (to_string(x) == *c) out.correction = x;
      }
    }
    if (auto a = get_number(s, "alpha", Need::optional)) {
      if (*a <= 0 || *a >= 1) {
        add(s.line_of_key("alpha"), s.at("alpha") + ": " + detail::format_double(*a) +
                                        " is out of range (expected strictly between 0 and 1)");
      }
      out.alpha = *a;
    }
    if (auto p = get_choice(s, "statistic", Need::optional, kDatasetPValues)) {
      using P = DatasetDriftConfig::PValue;
      out.statistic = *p == "ks_pvalue"     ? P::ks_pvalue
                      : *p == "chi2_pvalue" ? P::chi2_pvalue
                                            : P::automatic;
    }
    return out;
  }

  std::vector<ThresholdConfig> thresholds(const Scope& m, const ReferenceConfig& reference) {
    std::vector<ThresholdConfig> out;
    const toml::table* t = get_table(m, "thresholds", Need::optional,
                                     "a table of statistic = threshold, e.g. { psi = 0.2 }");
    if (t) {
      Scope ts{*t, m.at("thresholds")};
      const auto& known = known_statistics();
      for (const auto& [key, node] : in_file_order(*t)) {
        const std::string stat(key->str());
        if (std::find(known.begin(), known.end(), stat) == known.end()) {
          std::string match = closest_match(stat, known);
          add(line_of(*key), ts.path + ": unknown statistic '" + stat + "'" +
                                 (match.empty() ? " (expected one of: " + join(known, false) + ")"
                                                : " (did you mean '" + match + "'?)"));
          continue;
        }
        if (const auto* info = drift::find_statistic(stat);
            info != nullptr && info->section == drift::Section::metrics) {
          add(line_of(*key), ts.at(stat) +
                                 ": a business metric's thresholds are its own: give drop, rise, "
                                 "below or above in its [[monitors.metrics]] table");
          continue;
        }
        if (auto th = threshold(ts, stat, *node)) {
          if (th->learned && reference.kind == ReferenceConfig::Kind::offset &&
              m.has("reference")) {
            add(th->line, ts.at(stat) +
                              ": a learned (auto) threshold needs a reference that does not move "
                              "(from/to or a table): an offset reference is a new window at every "
                              "evaluation, too short to split into chunks");
          }
          out.push_back(std::move(*th));
        }
      }
    }
    for (const auto& d : kDefaultThresholds) {
      bool given = t && t->contains(d.statistic);
      if (given) continue;
      ThresholdConfig th;
      th.statistic = std::string(d.statistic);
      th.level = th.resolve_level = d.level;
      out.push_back(std::move(th));
    }
    return out;
  }

  std::optional<ThresholdConfig> threshold(const Scope& ts, const std::string& stat,
                                           const toml::node& node) {
    ThresholdConfig out;
    out.statistic = stat;
    out.line = line_of(node);
    const std::string path = ts.at(stat);
    constexpr std::string_view kExpected =
        "a number or a table such as { above = 0.1, resolve_below = 0.08, for = 2 }";
    auto learnable = [&](int line) {
      const auto& l = learnable_statistics();
      if (std::find(l.begin(), l.end(), stat) != l.end()) return true;
      add(line, path + ": no threshold can be learned for '" + stat +
                    "' (auto works for statistics where higher means more drift: " +
                    join(l, false) + ")");
      return false;
    };
    if (node.is_string()) {
      if (node.as_string()->get() != "auto") {
        add(line_of(node), path + ": expected " + std::string(kExpected) + ", got " +
                               describe(node) + " (or \"auto\" to learn it from the reference)");
        return std::nullopt;
      }
      out.learned = true;
      if (!learnable(out.line)) return std::nullopt;
      return out;
    }
    if (!node.is_table()) {
      if (!node.is_integer() && !node.is_floating_point()) {
        type_error(node, path, kExpected);
        return std::nullopt;
      }
      auto level = number(node, path, kExpected);
      if (!level) return std::nullopt;
      out.level = out.resolve_level = *level;
      return out;
    }
    Scope s{*node.as_table(), path};
    check_keys(s, kThresholdKeys);
    if (const toml::node* a = s.get("auto")) {
      if (!a->is_boolean()) {
        type_error(*a, s.at("auto"), "true");
        return std::nullopt;
      }
      if (!a->as_boolean()->get()) {
        add(line_of(*a), s.at("auto") + ": false; give 'above' or 'below' instead");
        return std::nullopt;
      }
      out.learned = true;
      bool ok = learnable(s.line());
      for (std::string_view k : {"above", "below", "resolve_below", "resolve_above"}) {
        if (s.has(k)) {
          add(s.line_of_key(k), s.at(k) +
                                    ": a learned threshold has no fixed level (leave out "
                                    "'" +
                                    std::string(k) + "' or 'auto')");
          ok = false;
        }
      }
      if (auto k = get_number(s, "k", Need::optional)) {
        if (*k < 0) {
          add(s.line_of_key("k"), s.at("k") + ": " + detail::format_double(*k) +
                                      " is out of range (expected at least 0)");
          ok = false;
        }
        out.k = *k;
      }
      if (auto c = get_integer(s, "chunks", Need::optional, 2, 1000)) {
        out.chunks = static_cast<int>(*c);
      }
      if (auto v = get_integer(s, "for", Need::optional, 1, 1000000)) {
        out.for_count = static_cast<int>(*v);
      }
      if (auto sev = get_choice(s, "severity", Need::optional, kSeverities)) {
        out.severity = parse_severity(*sev);
      }
      if (!ok) return std::nullopt;
      return out;
    }
    for (std::string_view k : {"k", "chunks"}) {
      if (s.has(k)) {
        add(s.line_of_key(k), s.at(k) + ": goes with 'auto = true' (a learned threshold)");
      }
    }
    const bool has_above = s.has("above");
    const bool has_below = s.has("below");
    auto above = get_number(s, "above", Need::optional);
    auto below = get_number(s, "below", Need::optional);
    bool ok = true;
    if (has_above && has_below) {
      add(s.line(), path + ": give either 'above' or 'below', not both");
      ok = false;
    } else if (!has_above && !has_below) {
      add(s.line(), path + ": missing 'above' or 'below' (the level that fires the alert)");
      ok = false;
    } else if (!above && !below) {
      ok = false;  // already reported as a bad value
    }
    out.direction = has_below && !has_above ? drift::Threshold::Direction::below
                                            : drift::Threshold::Direction::above;
    out.level = above ? *above : below ? *below : 0.0;
    out.resolve_level = out.level;
    auto resolve_below = get_number(s, "resolve_below", Need::optional);
    auto resolve_above = get_number(s, "resolve_above", Need::optional);
    if (s.has("resolve_below") && has_below && !has_above) {
      add(s.line_of_key("resolve_below"),
          s.at("resolve_below") + ": goes with 'above'; with 'below' use 'resolve_above'");
      ok = false;
    } else if (resolve_below && above) {
      if (*resolve_below > *above) {
        add(s.line_of_key("resolve_below"),
            s.at("resolve_below") + ": " + detail::format_double(*resolve_below) +
                " must not exceed the 'above' level (" + detail::format_double(*above) + ")");
        ok = false;
      }
      out.resolve_level = *resolve_below;
    }
    if (s.has("resolve_above") && has_above && !has_below) {
      add(s.line_of_key("resolve_above"),
          s.at("resolve_above") + ": goes with 'below'; with 'above' use 'resolve_below'");
      ok = false;
    } else if (resolve_above && below) {
      if (*resolve_above < *below) {
        add(s.line_of_key("resolve_above"),
            s.at("resolve_above") + ": " + detail::format_double(*resolve_above) +
                " must be at least the 'below' level (" + detail::format_double(*below) + ")");
        ok = false;
      }
      out.resolve_level = *resolve_above;
    }
    if (auto v = get_integer(s, "for", Need::optional, 1, 1000000))
      out.for_count = static_cast<int>(*v);
    if (auto sev = get_choice(s, "severity", Need::optional, kSeverities)) {
      out.severity = parse_severity(*sev);
    }
    if (!ok) return std::nullopt;
    return out;
  }

  // `baseline = "reference" | "none" | { seasonality = "hour_of_week", weeks = 4 }` under `key`
  // of `s` (a metric or volume of `mc`); the default is the monitor's reference window, or none
  // when the reference is another table.
  BaselineConfig baseline(const Scope& s, const MonitorConfig& mc) {
    BaselineConfig out;
    const bool table_reference = mc.reference.kind == ReferenceConfig::Kind::table;
    out.kind = table_reference ? drift::BaselineKind::none : drift::BaselineKind::reference;
    out.line = s.line();
    const toml::node* n = s.get("baseline");
    if (!n) return out;
    out.line = line_of(*n);
    constexpr std::string_view kExpected =
        R"("reference", "none" or a table such as { seasonality = "hour_of_week", weeks = 4 })";
    if (n->is_string()) {
      const std::string& v = n->as_string()->get();
      if (v == "none") {
        out.kind = drift::BaselineKind::none;
      } else if (v == "reference") {
        if (table_reference) {
          add(out.line, s.at("baseline") +
                            ": the monitor's reference is another table (a training snapshot), "
                            "not a window of " +
                            quote(mc.table) +
                            "; use { seasonality = \"hour_of_week\", weeks = 4 } instead");
        }
        out.kind = drift::BaselineKind::reference;
      } else {
        add(out.line, s.at("baseline") + ": " + quote(v) + " is not one of " +
                          join(kBaselineNames, true) + " (or a table such as { seasonality = " +
                          "\"hour_of_week\", weeks = 4 })" + did_you_mean_value(v, kBaselineNames));
      }
      return out;
    }
    if (!n->is_table()) {
      type_error(*n, s.at("baseline"), kExpected);
      return out;
    }
    Scope b{*n->as_table(), s.at("baseline")};
    check_keys(b, kBaselineKeys);
    if (get_choice(b, "seasonality", Need::required, kSeasonalities)) {
      out.kind = drift::BaselineKind::hour_of_week;
    }
    if (auto w = get_integer(b, "weeks", Need::optional, 1, 52)) out.weeks = static_cast<int>(*w);
    out.min_weeks = std::max(1, out.weeks / 2);
    if (auto w = get_integer(b, "min_weeks", Need::optional, 1, 52)) {
      if (*w > out.weeks) {
        add(b.line_of_key("min_weeks"), b.at("min_weeks") + ": " + std::to_string(*w) +
                                            " exceeds weeks (" + std::to_string(out.weeks) + ")");
      }
      out.min_weeks = static_cast<int>(*w);
    }
    if (out.kind == drift::BaselineKind::hour_of_week && mc.window > std::chrono::hours(24 * 7)) {
      add(out.line, b.path + ": the window (" + format_duration(mc.window) +
                        ") is longer than a week; the same hour of the week needs a window of at "
                        "most 7d");
    }
    return out;
  }

  // A fraction in (0, 1) (drop) or above 0 (rise, any other) under `key`.
  std::optional<double> get_fraction(const Scope& s, std::string_view key, bool below_one) {
    auto v = get_number(s, key, Need::optional);
    if (!v) return std::nullopt;
    if (*v <= 0 || (below_one && *v >= 1)) {
      add(s.line_of_key(key), s.at(key) + ": " + detail::format_double(*v) +
                                  (below_one ? " is out of range (expected strictly between 0 "
                                               "and 1: 0.1 is a 10% drop)"
                                             : " is out of range (expected above 0: 0.5 is 50% "
                                               "more)"));
      return std::nullopt;
    }
    return v;
  }

  // `freshness = "15m"` (or { max_age = "15m", for = 2, severity = "high" }) and
  // `volume = { drop = 0.5 }`: thresholds on freshness_seconds and volume_ratio.
  void freshness_and_volume(const Scope& m, MonitorConfig& out) {
    auto given = [&](std::string_view statistic) {
      for (const auto& t : out.thresholds) {
        if (t.statistic == statistic) return &t;
      }
      return static_cast<const ThresholdConfig*>(nullptr);
    };
    if (const toml::node* n = m.get("freshness")) {
      ThresholdConfig th;
      th.statistic = "freshness_seconds";
      th.line = line_of(*n);
      std::optional<Duration> age;
      if (n->is_string()) {
        age = get_duration(m, "freshness", Need::required);
      } else if (n->is_table()) {
        Scope f{*n->as_table(), m.at("freshness")};
        check_keys(f, kFreshnessKeys);
        age = get_duration(f, "max_age", Need::required);
        if (auto v = get_integer(f, "for", Need::optional, 1, 1000000))
          th.for_count = static_cast<int>(*v);
        if (auto sev = get_choice(f, "severity", Need::optional, kSeverities))
          th.severity = parse_severity(*sev);
        if (f.has("baseline")) {
          BaselineConfig b = baseline(f, out);
          if (b.kind == drift::BaselineKind::hour_of_week) {
            out.freshness_baseline = b;
            th.statistic = "freshness_excess_seconds";
          } else if (b.kind == drift::BaselineKind::reference) {
            add(b.line, f.at("baseline") +
                            ": freshness compares with the same instant of earlier weeks only: "
                            "{ seasonality = \"hour_of_week\", weeks = 4 } (or leave it out)");
          }
        }
      } else {
        type_error(*n, m.at("freshness"),
                   R"(a duration such as "15m" or a table such as { max_age = "15m", for = 2 })");
      }
      if (const ThresholdConfig* other = given(th.statistic)) {
        add(th.line, m.at("freshness") + ": " + th.statistic + " already has a threshold (line " +
                         std::to_string(other->line) + "); give one of them");
      } else if (age) {
        out.freshness = *age;
        th.level = th.resolve_level = std::chrono::duration<double>(*age).count();
        out.thresholds.push_back(std::move(th));
      }
    }
    const toml::table* v = get_table(m, "volume", Need::optional,
                                     "a table such as { drop = 0.5 } (fires on half the rows)");
    if (!v) return;
    Scope vs{*v, m.at("volume")};
    check_keys(vs, kVolumeKeys);
    VolumeConfig vc;
    vc.line = vs.line();
    vc.drop = get_fraction(vs, "drop", true);
    vc.rise = get_fraction(vs, "rise", false);
    vc.baseline = baseline(vs, out);
    ThresholdConfig th;
    th.statistic = "volume_ratio";
    th.line = vc.line;
    bool ok = vc.drop.has_value() != vc.rise.has_value();
    if (vs.has("drop") && vs.has("rise")) {
      add(vc.line, vs.path + ": give either 'drop' or 'rise', not both (one alert per monitor)");
    } else if (!vs.has("drop") && !vs.has("rise")) {
      add(vc.line,
          vs.path + ": missing 'drop' (or 'rise'): the change that fires, e.g. drop = 0.5");
    }
    if (vc.drop) {
      th.direction = drift::Threshold::Direction::below;
      th.level = th.resolve_level = 1 - *vc.drop;
      if (auto r = get_fraction(vs, "resolve_drop", true)) {
        if (*r > *vc.drop) {
          add(vs.line_of_key("resolve_drop"), vs.at("resolve_drop") + ": must not exceed 'drop' (" +
                                                  detail::format_double(*vc.drop) + ")");
        }
        th.resolve_level = 1 - *r;
      }
    } else if (vc.rise) {
      th.direction = drift::Threshold::Direction::above;
      th.level = th.resolve_level = 1 + *vc.rise;
      if (auto r = get_fraction(vs, "resolve_rise", false)) {
        if (*r > *vc.rise) {
          add(vs.line_of_key("resolve_rise"), vs.at("resolve_rise") + ": must not exceed 'rise' (" +
                                                  detail::format_double(*vc.rise) + ")");
        }
        th.resolve_level = 1 + *r;
      }
    }
    for (std::string_view k : {"resolve_drop", "resolve_rise"}) {
      const bool matches = (k == "resolve_drop") == vs.has("drop");
      if (vs.has(k) && !matches) {
        add(vs.line_of_key(k),
            vs.at(k) + ": goes with '" + std::string(k == "resolve_drop" ? "drop" : "rise") + "'");
      }
    }
    if (auto c = get_integer(vs, "for", Need::optional, 1, 1000000))
      th.for_count = static_cast<int>(*c);
    if (auto sev = get_choice(vs, "severity", Need::optional, kSeverities))
      th.severity = parse_severity(*sev);
    if (vc.baseline.kind == drift::BaselineKind::none && !vs.has("baseline")) {
      add(vc.line, vs.path +
                       ": the monitor's reference is another table, so volume has no baseline "
                       "window; give baseline = { seasonality = \"hour_of_week\", weeks = 4 }");
      ok = false;
    } else if (vc.baseline.kind == drift::BaselineKind::none) {
      add(vc.baseline.line, vs.at("baseline") + ": volume needs a baseline to compare with");
      ok = false;
    }
    if (const ThresholdConfig* other = given(th.statistic)) {
      add(vc.line, vs.path + ": volume_ratio already has a threshold (line " +
                       std::to_string(other->line) + "); give one of them");
      ok = false;
    }
    if (ok) out.thresholds.push_back(std::move(th));
    out.volume = std::move(vc);
  }

  // A text value for comparing with a column as text: a string, an integer or a boolean.
  std::optional<std::string> text_value(const toml::node& n, const std::string& path) {
    if (n.is_string()) return n.as_string()->get();
    if (n.is_integer()) return std::to_string(n.as_integer()->get());
    if (n.is_boolean()) return n.as_boolean()->get() ? "true" : "false";
    type_error(n, path, "a string, integer or boolean (compared with the column as text)");
    return std::nullopt;
  }

  // `numerator` / `denominator` of a ratio: a column name, or { column = ... } / { json, key }.
  std::optional<ValueSource> value_source(const Scope& s, std::string_view key) {
    const toml::node* n = s.get(key);
    if (!n) return std::nullopt;
    if (n->is_string()) {
      ValueSource v;
      v.column = n->as_string()->get();
      check_name(s, key, v.column, false);
      return v;
    }
    if (!n->is_table()) {
      type_error(*n, s.at(key),
                 R"(a column name or a table such as { json = "payload", key = "revenue" })");
      return std::nullopt;
    }
    Scope vs{*n->as_table(), s.at(key)};
    check_keys(vs, kScoreKeys);
    return source(vs);
  }

  // Why `sql` is not one aggregate expression, or "": statements, comments and parameters are
  // refused, and parentheses must balance outside quotes (so the expression cannot close the
  // one driftd wraps it in).
  static std::string sql_problem(std::string_view sql) {
    if (sql.find_first_not_of(" \t\r\n") == std::string_view::npos) return "is empty";
    int depth = 0;
    char quote = 0;
    for (std::size_t i = 0; i < sql.size(); ++i) {
      const char c = sql[i];
      if (quote != 0) {
        if (c == quote) quote = 0;  // a doubled quote reopens at once: the same rule holds
        continue;
      }
      if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == ';') {
        return "contains ';': give one expression, not statements";
      } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
        return "contains a comment ('--'): give one expression";
      } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
        return "contains a comment ('/*'): give one expression";
      } else if (c == '$') {
        return "contains '$' (parameters and dollar quoting are not allowed)";
      } else if (c == '(') {
        ++depth;
      } else if (c == ')' && --depth < 0) {
        return "closes a parenthesis it did not open";
      }
    }
    if (quote != 0) return "has an unterminated quote";
    if (depth != 0) return "leaves a parenthesis open";
    return "";
  }

  MetricConfig metric(const Scope& s, const MonitorConfig& mc) {
    MetricConfig out;
    out.line = s.line();
    check_keys(s, kMetricKeys);
    if (auto name =
            get_string(s, "name", Need::required, "[a-z0-9_]+, used in alerts and metrics")) {
      const bool ok = !name->empty() && std::all_of(name->begin(), name->end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      });
      if (!ok) {
        add(s.line_of_key("name"), s.at("name") + ": " + quote(*name) +
                                       " may only contain lowercase letters, digits and '_'");
      }
      out.name = *name;
    }
    std::optional<drift::MetricKind> kind;
    if (auto k = get_choice(s, "kind", Need::required, kMetricKinds)) {
      kind = drift::parse_metric_kind(*k);
      out.kind = *kind;
    }
    using K = drift::MetricKind;
    const std::string kind_name = kind ? std::string(drift::to_string(*kind)) : "";
    auto not_for_kind = [&](std::string_view key, std::string_view why) {
      if (kind && s.has(key)) {
        add(s.line_of_key(key),
            s.at(key) + ": not for kind = " + quote(kind_name) + " (" + std::string(why) + ")");
        return true;
      }
      return false;
    };
    const bool has_value = s.has("column") || s.has("json") || s.has("key");
    // The value: rate, mean, sum, count (optional there).
    if (kind && (*kind == K::ratio || *kind == K::sql)) {
      for (std::string_view k : {"column", "json", "key"}) {
        not_for_kind(k, *kind == K::ratio ? "a ratio takes 'numerator' and 'denominator'"
                                          : "the expression names its columns");
      }
    } else if (kind && (has_value || *kind != K::count)) {
      out.value = source(s);
    }
    if (kind && *kind == K::ratio) {
      out.numerator = value_source(s, "numerator");
      out.denominator = value_source(s, "denominator");
      for (std::string_view k : {"numerator", "denominator"}) {
        if (!s.has(k)) {
          add(s.line(), s.path + ": missing required key '" + std::string(k) +
                            "' (kind = \"ratio\" is sum(numerator) / sum(denominator))");
        }
      }
    } else {
      not_for_kind("numerator", "only a ratio has one");
      not_for_kind("denominator", "only a ratio has one");
    }
    // What counts for a rate.
    const int selectors =
        (s.has("equals") ? 1 : 0) + (s.has("in") ? 1 : 0) + (s.has("greater_than") ? 1 : 0);
    if (kind && *kind == K::rate) {
      if (selectors != 1) {
        add(s.line(), s.path +
                          ": a rate needs exactly one of 'equals', 'in' or 'greater_than' (what "
                          "counts, e.g. equals = true for a converted flag)");
      }
      if (const toml::node* n = s.get("equals")) {
        if (auto v = text_value(*n, s.at("equals"))) out.equals.push_back(*v);
      }
      if (const toml::array* values =
              get_array(s, "in", Need::optional, "an array of values, e.g. [\"click\", \"buy\"]")) {
        if (values->empty()) add(s.line_of_key("in"), s.at("in") + ": is empty");
        for (std::size_t i = 0; i < values->size(); ++i) {
          if (auto v = text_value(*values->get(i), s.at("in") + "[" + std::to_string(i) + "]"))
            out.equals.push_back(*v);
        }
      }
      out.greater_than = get_number(s, "greater_than", Need::optional);
    } else {
      for (std::string_view k : {"equals", "in", "greater_than"})
        not_for_kind(k, "only a rate counts values");
    }
    out.where = where(s);
    if (kind && *kind == K::sql) {
      if (auto sql = get_string(s, "sql", Need::required,
                                "an aggregate expression, e.g. \"percentile_cont(0.9) WITHIN GROUP "
                                "(ORDER BY amount)\"")) {
        if (std::string why = sql_problem(*sql); !why.empty()) {
          add(s.line_of_key("sql"), s.at("sql") + ": " + why);
        }
        out.sql = *sql;
      }
      if (s.has("where")) {
        add(s.line_of_key("where"), s.at("where") +
                                        ": not for kind = \"sql\" (filter inside the expression: "
                                        "count(*) FILTER (WHERE ...))");
      }
    } else {
      not_for_kind("sql", "an expression is kind = \"sql\"");
    }
    // Thresholds.
    out.drop = get_fraction(s, "drop", true);
    out.rise = get_fraction(s, "rise", false);
    out.below = get_number(s, "below", Need::optional);
    out.above = get_number(s, "above", Need::optional);
    if (out.below && out.above && !(*out.below < *out.above)) {
      add(s.line_of_key("above"), s.at("above") + ": " + detail::format_double(*out.above) +
                                      " must be above 'below' (" +
                                      detail::format_double(*out.below) + ")");
    }
    struct Resolve {
      std::string_view key, with;
      std::optional<double>* into;
    };
    for (const Resolve& r : {Resolve{"resolve_drop", "drop", &out.resolve_drop},
                             Resolve{"resolve_rise", "rise", &out.resolve_rise},
                             Resolve{"resolve_above", "below", &out.resolve_above},
                             Resolve{"resolve_below", "above", &out.resolve_below}}) {
      if (!s.has(r.key)) continue;
      if (!s.has(r.with)) {
        add(s.line_of_key(r.key), s.at(r.key) + ": goes with '" + std::string(r.with) + "'");
        continue;
      }
      auto v = get_number(s, r.key, Need::optional);
      if (!v) continue;
      bool ok = true;
      if (r.key == "resolve_drop") ok = out.drop && *v >= 0 && *v <= *out.drop;
      if (r.key == "resolve_rise") ok = out.rise && *v >= 0 && *v <= *out.rise;
      if (r.key == "resolve_above") ok = out.below && *v >= *out.below;
      if (r.key == "resolve_below") ok = out.above && *v <= *out.above;
      if (!ok) {
        add(s.line_of_key(r.key), s.at(r.key) + ": " + detail::format_double(*v) +
                                      (r.key == "resolve_drop" || r.key == "resolve_rise"
                                           ? " must be between 0 and '" + std::string(r.with) + "'"
                                       : r.key == "resolve_above" ? " must be at least 'below'"
                                                                  : " must not exceed 'above'"));
        continue;
      }
      *r.into = v;
    }
    if (auto v = get_integer(s, "for", Need::optional, 1, 1000000))
      out.for_count = static_cast<int>(*v);
    if (auto sev = get_choice(s, "severity", Need::optional, kSeverities))
      out.severity = parse_severity(*sev);
    if (auto a = get_number(s, "alpha", Need::optional)) {
      if (*a <= 0 || *a >= 1) {
        add(s.line_of_key("alpha"), s.at("alpha") + ": " + detail::format_double(*a) +
                                        " is out of range (expected strictly between 0 and 1)");
      }
      out.alpha = *a;
    }
    if (auto v = get_integer(s, "min_rows", Need::optional, 1, kNoLimit)) out.min_rows = *v;
    out.baseline = baseline(s, mc);
    if (out.baseline.kind == drift::BaselineKind::none) {
      for (std::string_view k : {"drop", "rise"}) {
        if (!s.has(k)) continue;
        add(s.line_of_key(k),
            s.at(k) + ": is relative to a baseline, and this metric has none (" +
                (s.has("baseline") ? std::string("baseline = \"none\"")
                                   : "the monitor's reference is another table") +
                "); give baseline = { seasonality = \"hour_of_week\", weeks = 4 } or use "
                "'below' / 'above'");
      }
    }
    if (const toml::node* n = s.get("retrain")) {
      if (n->is_boolean()) {
        out.retrain = n->as_boolean()->get();
      } else {
        type_error(*n, s.at("retrain"), "true or false");
      }
    }
    return out;
  }

  std::vector<MetricConfig> metrics(const Scope& m, const MonitorConfig& mc) {
    std::vector<MetricConfig> out;
    const toml::array* arr =
        get_array(m, "metrics", Need::optional, "an array of tables ([[monitors.metrics]])");
    if (!arr) return out;
    SeenNames seen;
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const toml::node& n = *arr->get(i);
      std::string path = m.at("metrics") + "[" + std::to_string(i) + "]";
      if (!n.is_table()) {
        type_error(n, path, "a table");
        continue;
      }
      Scope s{*n.as_table(), path};
      MetricConfig c = metric(s, mc);
      note_name(seen, s, c.name, i, c.line, "metrics");
      out.push_back(std::move(c));
    }
    return out;
  }

  std::vector<MonitorConfig> monitors(const Scope& doc) {
    std::vector<MonitorConfig> out;
    const toml::node* n = doc.get("monitors");
    if (!n) {
      add(doc.line(), "no monitors: add at least one [[monitors]] table");
      return out;
    }
    if (!n->is_array()) {
      type_error(*n, "monitors", "an array of tables ([[monitors]])");
      return out;
    }
    const toml::array& arr = *n->as_array();
    if (arr.empty()) add(line_of(*n), "monitors: is empty; add at least one [[monitors]] table");
    SeenNames seen;
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const toml::node& m = *arr.get(i);
      std::string path = "monitors[" + std::to_string(i) + "]";
      if (!m.is_table()) {
        type_error(m, path, "a table");
        continue;
      }
      const toml::table& t = *m.as_table();
      if (const toml::node* name = t.get("name"); name && name->is_string()) {
        path += " (" + name->as_string()->get() + ")";
        monitor_names_.push_back(name->as_string()->get());
      }
      MonitorConfig mc = monitor(Scope{t, path});
      note_name(seen, Scope{t, path}, mc.name, i, mc.line, "monitors");
      out.push_back(std::move(mc));
    }
    return out;
  }

  MonitorConfig monitor(const Scope& m) {
    MonitorConfig out;
    out.line = m.line();
    check_keys(m, kMonitorKeys);
    Flawed flawed;
    std::size_t mark = problems_.size();
    if (auto name = get_string(m, "name", Need::required, "[a-z0-9_.-]+, unique")) {
      if (!detail::is_monitor_name(*name)) {
        std::string lowered = *name;
        std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        std::string hint =
            detail::is_monitor_name(lowered) ? " (did you mean " + quote(lowered) + "?)" : "";
        add(m.line_of_key("name"),
            m.at("name") + ": " + quote(*name) +
                " may only contain lowercase letters, digits, '_', '.' and '-'" + hint);
      } else {
        out.name = *name;
      }
    }
    if (auto table = get_string(m, "table", Need::required,
                                "the table to read, e.g. \"public.predictions\"")) {
      check_name(m, "table", *table, true);
      out.table = *table;
      out.table_line = m.line_of_key("table");
    }
    if (auto ts = get_string(m, "timestamp_column", Need::required,
                             "a timestamptz or timestamp column")) {
      check_name(m, "timestamp_column", *ts, false);
      out.timestamp_column = *ts;
      out.timestamp_column_line = m.line_of_key("timestamp_column");
    }
    out.where = where(m);
    flawed.source = since(mark);
    auto schedule = get_duration(m, "schedule", Need::required);
    if (schedule) out.schedule = *schedule;
    if (auto window = get_duration(m, "window", Need::required)) out.window = *window;
    if (auto jitter = get_duration(m, "jitter", Need::optional)) {
      out.jitter = *jitter;
      if (schedule && *jitter >= *schedule) {
        add(m.line_of_key("jitter"), m.at("jitter") + ": " + format_duration(*jitter) +
                                         " must be shorter than schedule (" +
                                         format_duration(*schedule) + ")");
      }
    }
    mark = problems_.size();
    out.reference = reference(m, out.timestamp_column);
    flawed.reference = since(mark);

    auto min_rows = get_integer(m, "min_rows", Need::optional, 1, kNoLimit);
    // max_rows' floor is min_rows (said below, with min_rows' value), not 1.
    auto max_rows = get_integer(m, "max_rows", Need::optional, kNoFloor, kNoLimit);
    if (min_rows) out.min_rows = *min_rows;
    if (max_rows) out.max_rows = *max_rows;
    bool rows_ok = (min_rows || !m.has("min_rows")) && (max_rows || !m.has("max_rows"));
    if (max_rows && *max_rows < 1 && !rows_ok) {
      add(m.line_of_key("max_rows"), m.at("max_rows") + ": " + std::to_string(*max_rows) +
                                         " is out of range (expected at least min_rows)");
    } else if (rows_ok && out.max_rows < out.min_rows) {
      if (max_rows) {
        add(m.line_of_key("max_rows"),
            m.at("max_rows") + ": " + std::to_string(out.max_rows) + " is less than min_rows (" +
                std::to_string(out.min_rows) + (min_rows ? ")" : ", the default)"));
      } else {
        add(m.line_of_key("min_rows"), m.at("min_rows") + ": " + std::to_string(out.min_rows) +
                                           " exceeds max_rows (" + std::to_string(out.max_rows) +
                                           ", the default)");
      }
    }
    if (auto bins = get_integer(m, "bins", Need::optional, 2, 1000))
      out.bins = static_cast<int>(*bins);

    if (const toml::table* p =
            get_table(m, "prediction", Need::optional,
                      "a table such as { column = \"prediction\", kind = \"categorical\" }")) {
      Scope ps{*p, m.at("prediction")};
      mark = problems_.size();
      check_keys(ps, kPredictionKeys);
      FeatureConfig pred;
      pred.name = std::string(kPredictionName);
      pred.line = ps.line();
      pred.source = source(ps);
      if (auto k = kind(ps)) pred.kind = *k;
      out.prediction = std::move(pred);
      flawed.prediction = since(mark);
    }
    if (const toml::table* c =
            get_table(m, "confidence", Need::optional,
                      "a table such as { column = \"confidence\", low = 0.6 }")) {
      Scope cs{*c, m.at("confidence")};
      mark = problems_.size();
      check_keys(cs, kConfidenceKeys);
      ConfidenceConfig conf;
      conf.line = cs.line();
      conf.source = source(cs);
      if (auto low = get_number(cs, "low", Need::optional)) {
        if (*low <= 0 || *low >= 1) {
          add(cs.line_of_key("low"), cs.at("low") + ": " + detail::format_double(*low) +
                                         " is out of range (expected strictly between 0 and 1)");
        }
        conf.low = *low;
      }
      out.confidence = std::move(conf);
      flawed.confidence = since(mark);
    }
    // A features key of the wrong type is reported as such, not also as "nothing to monitor".
    const toml::node* features_node = m.get("features");
    const bool any_feature =
        features_node && !(features_node->is_array() && features_node->as_array()->empty());
    if (const toml::array* features = get_array(m, "features", Need::optional,
                                                "an array of tables ([[monitors.features]])")) {
      SeenNames seen;
      for (std::size_t i = 0; i < features->size(); ++i) {
        const toml::node& f = *features->get(i);
        std::string path = m.at("features") + "[" + std::to_string(i) + "]";
        if (!f.is_table()) {
          type_error(f, path, "a table");
          continue;
        }
        Scope fs{*f.as_table(), path};
        mark = problems_.size();
        FeatureConfig fc = feature(fs);
        note_name(seen, fs, fc.name, i, fc.line, "features");
        out.features.push_back(std::move(fc));
        flawed.features.push_back(since(mark));
      }
    }
    if (!any_feature && !m.has("prediction")) {
      add(m.line(),
          m.path + ": nothing to monitor: add [[monitors.features]] or [monitors.prediction]");
    }
    out.dataset_drift = dataset_drift(m);
    mark = problems_.size();
    out.labels = labels(m, out);
    flawed.labels = since(mark);
    mark = problems_.size();
    out.system = system(m);
    flawed.system = since(mark);
    mark = problems_.size();
    out.segment = segment(m);
    flawed.segment = since(mark);
    mark = problems_.size();
    out.challenger = challenger(m, out);
    flawed.challenger = since(mark);
    flawed_.push_back(std::move(flawed));
    out.thresholds = thresholds(m, out.reference);
    freshness_and_volume(m, out);
    out.metrics = metrics(m, out);
    if (out.labels) {
      // Realised performance alerts by default on a fall of the headline metric.
      const char* headline = out.labels->task == LabelsConfig::Task::binary       ? "roc_auc_drop"
                             : out.labels->task == LabelsConfig::Task::multiclass ? "accuracy_drop"
                                                                                  : nullptr;
      const bool given = headline && std::any_of(out.thresholds.begin(), out.thresholds.end(),
                                                 [&](const ThresholdConfig& t) {
                                                   return t.statistic == headline;
                                                 });
      if (headline && !given) {
        ThresholdConfig th;
        th.statistic = headline;
        th.level = th.resolve_level = kDefaultPerformanceDrop;
        out.thresholds.push_back(std::move(th));
      }
    }
    if (auto d = get_duration(m, "repeat_interval", Need::optional)) out.repeat_interval = *d;
    if (auto v = get_integer(m, "failing_after", Need::optional, 1, 1000000)) {
      out.failing_after = static_cast<int>(*v);
    }
    return out;
  }

  std::vector<SinkConfig> sinks(const Scope& doc) {
    std::vector<SinkConfig> out;
    const toml::array* arr =
        get_array(doc, "sinks", Need::optional, "an array of tables ([[sinks]])");
    if (!arr) return out;
    SeenNames seen;
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const toml::node& n = *arr->get(i);
      std::string path = "sinks[" + std::to_string(i) + "]";
      if (!n.is_table()) {
        type_error(n, path, "a table");
        continue;
      }
      const toml::table& t = *n.as_table();
      if (const toml::node* name = t.get("name"); name && name->is_string()) {
        path += " (" + name->as_string()->get() + ")";
      }
      Scope s{t, path};
      SinkConfig sc = sink(s);
      note_name(seen, s, sc.name, i, sc.line, "sinks");
      out.push_back(std::move(sc));
    }
    return out;
  }

  SinkConfig sink(const Scope& s) {
    SinkConfig out;
    out.line = s.line();
    check_keys(s, kSinkKeys);
    if (auto name = get_string(s, "name", Need::required, "unique among sinks")) {
      if (name->empty()) {
        add(s.line_of_key("name"), s.at("name") + ": is empty");
      } else {
        out.name = *name;
      }
    }
    if (auto type = get_choice(s, "type", Need::required, kSinkTypes)) {
      using T = SinkConfig::Type;
      for (T t : {T::webhook, T::slack, T::pagerduty, T::alertmanager}) {
        if (to_string(t) == *type) out.type = t;
      }
    }
    if (auto url = get_string(s, "url", Need::required, "an http:// or https:// URL")) {
      if (std::string why = detail::check_http_url(*url); !why.empty()) {
        add(s.line_of_key("url"), s.at("url") + ": " + quote(mask_password(*url)) + " " + why);
      }
      out.url = *url;
    }
    if (auto env = get_env_name(s, "secret_env")) out.secret_env = *env;
    if (out.type == SinkConfig::Type::pagerduty && s.get("type") && !s.has("secret_env")) {
      add(s.line(), s.path +
                        ": missing required key 'secret_env' (type \"pagerduty\" needs the "
                        "environment variable that holds the routing key)");
    }
    if (auto sev = get_choice(s, "min_severity", Need::optional, kSeverities)) {
      out.min_severity = *parse_severity(*sev);
    }
    if (auto d = get_duration(s, "timeout", Need::optional)) out.timeout = *d;
    if (const toml::array* monitors =
            get_array(s, "monitors", Need::optional, "an array of monitor names")) {
      if (monitors->empty()) {
        add(s.line_of_key("monitors"),
            s.at("monitors") + ": is empty; leave it out to send every monitor's alerts here");
      }
      for (std::size_t i = 0; i < monitors->size(); ++i) {
        const toml::node& m = *monitors->get(i);
        std::string path = s.at("monitors") + "[" + std::to_string(i) + "]";
        if (!m.is_string()) {
          type_error(m, path, "a monitor name");
          continue;
        }
        const std::string& name = m.as_string()->get();
        if (std::find(monitor_names_.begin(), monitor_names_.end(), name) == monitor_names_.end()) {
          add(line_of(m), path + ": no monitor is named " + quote(name) +
                              did_you_mean_value(name, monitor_names_));
          continue;
        }
        out.monitors.push_back(name);
      }
    }
    return out;
  }

  std::string file_;
  const char* (*getenv_)(const char*);
  std::vector<Problem> problems_;
  std::vector<std::string> monitor_names_;  // as written, valid or not: for sinks' references
  std::vector<Flawed> flawed_;              // per monitor read, in order
};

}  // namespace

Config load_string(std::string_view toml_text, const std::string& path,
                   const char* (*getenv_fn)(const char*)) {
  Loader loader(path, getenv_fn ? getenv_fn : &process_getenv);
  return loader.load(toml_text);
}

}  // namespace driftd::config
