#pragma once
// driftd's configuration as plain structs (CONTRACT section 2 plus documented extensions).
// Produced by load_file()/load_string(); every value here has been validated.

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "driftd/common/redact.hpp"
#include "driftd/common/time.hpp"
#include "driftd/drift/business_kinds.hpp"
#include "driftd/drift/catalog.hpp"
#include "driftd/drift/thresholds.hpp"

namespace driftd::config {

using namespace std::chrono_literals;

enum class FeatureKind { numerical, categorical };
std::string_view to_string(FeatureKind k);

struct ServerOptions {
  std::string listen = "127.0.0.1:9464";  // host:port; port 0 picks a free port
  std::string api_token_env;              // empty: no token
  std::string external_url;               // base URL used in links; default http://<listen>
  std::size_t max_body_bytes = 1 << 20;
  Duration read_timeout = 10s;   // a request's headers and body, in total
  Duration write_timeout = 10s;  // one answer, in total
  int max_connections = 256;
  int max_connections_per_client = 32;  // per client IP address
};

struct DatabaseOptions {
  std::string url;   // DRIFTD_DATABASE_URL overrides (applied by the loader)
  int url_line = 0;  // the line of database.url in the file; 0 when DRIFTD_DATABASE_URL set it
  std::string state_schema = "driftd";
  Duration statement_timeout = 60s;
  Duration connect_timeout = 10s;
  int read_connections = 2;  // parallel connections used to stream one evaluation's windows
};

// One equality filter `column = value`; the value is kept as text and always bound as a parameter.
struct WhereFilter {
  std::string column;
  std::string value;
  int line = 0;
};

// Where a feature's values come from: a column, or a key of a jsonb column (`json->>key`).
struct ValueSource {
  std::string column;  // set for a plain column
  std::string json;    // set (with key) for a jsonb key
  std::string key;
  int line = 0;  // of `column` or `json`
  bool is_json() const { return !json.empty(); }
};

struct FeatureConfig {
  std::string name;
  ValueSource source;
  FeatureKind kind = FeatureKind::numerical;
  int line = 0;
};

struct ConfidenceConfig {
  ValueSource source;
  double low = 0.6;
  int line = 0;
};

struct ReferenceConfig {
  enum class Kind { fixed, offset, table };
  Kind kind = Kind::offset;
  // fixed: (from, to]; table: optional bounds on the other table's timestamp column
  std::optional<Timestamp> from;
  std::optional<Timestamp> to;
  Duration offset{0};              // offset: (at - offset - window, at - offset]
  std::string table;               // table: every row of this table (training snapshot)
  std::string timestamp_column;    // table: defaults to the monitor's timestamp_column
  std::vector<WhereFilter> where;  // table: its own filters (the monitor's do not apply)
  int line = 0;
  int timestamp_column_line = 0;  // 0: the monitor's timestamp_column applies
};

// Severities and the threshold rule are drift's (thresholds.hpp): one type from the file to the
// alert engine.
using drift::parse_severity;
using drift::Severity;

// A threshold as configured: the rule, and where it was written.
struct ThresholdConfig : drift::Threshold {
  int line = 0;
};

// `[monitors.dataset_drift]`: the share of drifted features, their p-values corrected for testing
// many features at once.
struct DatasetDriftConfig {
  enum class Correction { none, bonferroni, holm, benjamini_hochberg };
  // Which p-value decides a feature: `automatic` takes ks_pvalue of numerical features and
  // chi2_pvalue of categorical ones; the others test only the features that have that one.
  enum class PValue { automatic, ks_pvalue, chi2_pvalue };
  Correction correction = Correction::benjamini_hochberg;
  double alpha = 0.05;
  PValue statistic = PValue::automatic;
  int line = 0;
};
std::string_view to_string(DatasetDriftConfig::Correction c);

// `[monitors.labels]`: where the true outcomes of the predictions come from (delayed labels), so
// that the realised performance of the model is measured.
struct LabelsConfig {
  enum class Task { binary, multiclass, regression };
  Task task = Task::binary;
  std::string column;                // the label: a column of the monitor's table, or of `table`
  std::string table;                 // empty: the labels are in the monitor's own table
  std::string key;                   // with `table`: its column matched with ...
  std::string prediction_key;        // ... this column of the monitor's table
  std::string timestamp_column;      // optional: when the label arrived (for label_delay_*)
  std::string positive = "1";        // binary: the positive class, compared as text
  std::optional<ValueSource> score;  // binary: the score of the positive class (default: the
                                     // confidence, else a numerical prediction)
  double threshold = 0.5;            // binary: predicted positive when score >= threshold
  // Labels arrive this long after their predictions: performance at `at` is judged on the window
  // (at - delay - window, at - delay], whose labels have had time to land. 0: the current window.
  Duration delay{0};
  Duration lookback{0};                  // re-evaluate past instants within it as labels arrive
  int lookback_per_tick = 4;             // at most this many re-evaluations per scheduled tick
  std::optional<std::int64_t> min_rows;  // labelled rows needed on each side; default min_rows
  int line = 0;
  bool joined() const { return !table.empty(); }
};
std::string_view to_string(LabelsConfig::Task t);

// `[monitors.system]`: system health of the model service from optional columns of the log.
struct SystemConfig {
  std::string latency_column;       // empty: no latency statistics
  std::string latency_unit = "ms";  // "ms", "s" or "us": what the column holds
  double latency_to_ms = 1;         // factor turning the column's unit into milliseconds
  std::string error_column;         // empty: no error rate
  std::vector<std::string> error_values = {"true"};  // values (as text) that mean "an error"
  int line = 0;
};

// `segment = { column = "country", max = 10 }`: every feature statistic per value of a column as
// well as overall, for the `max` values with the most rows in the current window (the others
// together as "__other__").
struct SegmentConfig {
  std::string column;
  int max = 10;
  int line = 0;
};

// `[monitors.challenger]`: two model versions of the monitor's table compared over the current
// window (champion / challenger). Each version is the monitor's `where` ANDed with its own filters.
struct ChallengerConfig {
  std::vector<WhereFilter> champion;    // e.g. { model_version = "v1" }
  std::vector<WhereFilter> challenger;  // e.g. { model_version = "v2" }
  std::string key;      // optional: the column identifying a request both versions scored
  double alpha = 0.05;  // significance level of the performance test
  std::optional<std::int64_t> min_rows;  // rows (and labelled rows) per version; default min_rows
  double tolerance = 0;                  // numerical predictions agree when |a - b| <= tolerance
  int line = 0;
};

// `baseline = ...` of a business metric or of volume: what "normal" is.
struct BaselineConfig {
  // none: absolute thresholds only; reference: the monitor's reference window (offset or fixed);
  // hour_of_week: the same window 1..weeks whole weeks ago, combined robustly (median, MAD)
  drift::BaselineKind kind = drift::BaselineKind::reference;
  int weeks = 4;      // hour_of_week
  int min_weeks = 2;  // hour_of_week: weeks with rows needed (default: half of weeks, at least 1)
  int line = 0;
};

// `volume = { drop = 0.5 }`: the current window's rows against the baseline's (as
// volume_ratio). The loader turns drop / rise into a threshold on volume_ratio.
struct VolumeConfig {
  std::optional<double> drop;
  std::optional<double> rise;
  BaselineConfig baseline;
  int line = 0;
};

// `[[monitors.metrics]]`: a business metric over the monitor's windows.
struct MetricConfig {
  std::string
      name;  // [a-z0-9_]+, unique in the monitor; alerts: feature __metrics__, statistic name
  drift::MetricKind kind = drift::MetricKind::rate;
  std::optional<ValueSource> value;        // column / json + key: rate, mean, sum, count
  std::optional<ValueSource> numerator;    // ratio
  std::optional<ValueSource> denominator;  // ratio
  std::vector<std::string> equals;         // rate: `equals = v` or `in = [...]` (as text)
  std::optional<double> greater_than;      // rate over a number
  std::vector<WhereFilter> where;          // the metric's own equality filters
  std::string sql;                         // kind sql: one aggregate expression
  std::optional<double> drop, rise, below, above;
  std::optional<double> resolve_drop, resolve_rise, resolve_below, resolve_above;
  int for_count = 1;
  std::optional<Severity> severity;
  double alpha = 0.05;
  std::optional<std::int64_t> min_rows;  // default: the monitor's min_rows
  BaselineConfig baseline;
  bool retrain = false;  // a breach is a reason to retrain (GET .../retrain)
  int line = 0;
};

struct MonitorConfig {
  std::string name;
  std::string table;
  std::string timestamp_column;
  std::vector<WhereFilter> where;
  Duration schedule{0};
  Duration window{0};
  Duration jitter{0};  // extension: random delay in [0, jitter) added to each scheduled tick
  ReferenceConfig reference;
  std::int64_t min_rows = 100;
  std::int64_t max_rows = 1000000;
  int bins = 10;
  std::optional<FeatureConfig> prediction;  // name is "__prediction__"
  std::optional<ConfidenceConfig> confidence;
  std::vector<FeatureConfig> features;
  std::optional<DatasetDriftConfig> dataset_drift;
  std::optional<LabelsConfig> labels;
  std::optional<SystemConfig> system;
  std::optional<SegmentConfig> segment;
  std::optional<ChallengerConfig> challenger;
  // `freshness = "15m"`: the newest row older than this at evaluation time fires (the loader adds
  // the threshold on freshness_seconds).
  std::optional<Duration> freshness;
  // `freshness = { max_age = "15m", baseline = { seasonality = "hour_of_week" } }`: the limit is
  // on the age beyond the usual age at the same instant of earlier weeks (freshness_excess_seconds)
  std::optional<BaselineConfig> freshness_baseline;
  std::optional<VolumeConfig> volume;
  std::vector<MetricConfig> metrics;
  std::vector<ThresholdConfig> thresholds;  // defaults merged in: psi 0.2, missing_rate 0.05,
                                            // low_confidence_rate 0.2
  Duration repeat_interval = 4h;            // re-notify a still-firing alert
  int failing_after = 3;                    // consecutive errors before a "monitor failing" alert
  int line = 0;
  int table_line = 0;
  int timestamp_column_line = 0;
};

struct SinkConfig {
  enum class Type { webhook, slack, pagerduty, alertmanager };
  std::string name;
  Type type = Type::webhook;
  std::string url;
  std::string secret_env;  // webhook: signing secret; pagerduty: routing key
  Severity min_severity = Severity::low;
  Duration timeout = 10s;             // per attempt
  std::vector<std::string> monitors;  // empty: every monitor
  int line = 0;
};
std::string_view to_string(SinkConfig::Type t);

struct AlertingOptions {
  Duration initial_backoff = 1s;
  Duration max_backoff = 5min;
  Duration give_up_after = 24h;  // a notification still undelivered after this is dead-lettered
  std::vector<std::string> allowed_hosts;  // empty: any host (but see allow_loopback)
  // Sinks on loopback addresses (127.0.0.0/8, ::1, localhost) are allowed unless this is false;
  // the loader makes it false by default as soon as an allow-list is given (a restricted setup
  // reaches loopback only when it lists it). Link-local and cloud-metadata addresses only when
  // listed.
  bool allow_loopback = true;
};

struct SchedulerOptions {
  int workers = 0;                // evaluation worker threads; 0 = number of cores
  Duration shutdown_grace = 30s;  // how long SIGTERM waits for in-flight evaluations
};

struct Config {
  std::string path;
  ServerOptions server;
  SchedulerOptions scheduler;
  DatabaseOptions database;
  AlertingOptions alerting;
  std::vector<MonitorConfig> monitors;
  std::vector<SinkConfig> sinks;

  const MonitorConfig* find_monitor(std::string_view name) const;
};

struct Problem {
  std::string file;
  int line = 0;  // 0: no line (e.g. the file could not be read)
  std::string message;
  std::string to_string() const;  // "FILE:LINE: message"
};

// Thrown by the loader with every problem found in the file.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<Problem> problems, std::shared_ptr<const Config> partial = {});
  const std::vector<Problem>& problems() const { return problems_; }
  // What of the file could still be read, for checks that go on despite the problems (`driftd
  // check` checks its monitors against the database): every monitor entry without a problem of
  // its own (a feature, a section), the monitors whose table, timestamp_column and filters had
  // none, no sinks. nullptr when [database] itself had a problem. Never to be run.
  const Config* partial() const { return partial_.get(); }

 private:
  std::vector<Problem> problems_;
  std::shared_ptr<const Config> partial_;
};

// Loads and validates a config file. `env` looks up environment variables (DRIFTD_DATABASE_URL);
// pass nullptr to use the process environment. Throws ConfigError.
Config load_file(const std::string& path);
// As above, with environment lookups through `getenv_fn` (nullptr: the process environment).
Config load_file(const std::string& path, const char* (*getenv_fn)(const char*));
Config load_string(std::string_view toml_text, const std::string& path,
                   const char* (*getenv_fn)(const char*) = nullptr);

// mask_password (what of a database URL may be shown): common/redact.hpp.
using driftd::mask_password;

// Names of every statistic a threshold may refer to (CONTRACT section 5 and extensions): the
// catalog's (drift/catalog.hpp), in its order.
const std::vector<std::string>& known_statistics();
// The statistics whose threshold may be learned (`auto`): the catalog's learnable ones.
const std::vector<std::string>& learnable_statistics();

// The closest of `candidates` to `word` within a small edit distance, or "" (for "did you mean").
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace driftd::config
