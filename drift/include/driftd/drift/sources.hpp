#pragma once
// The interfaces through which the evaluation pipeline gets rows and keeps results. Declared
// here, next to the types they carry; implemented by storage (PostgreSQL) and by test fakes.

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "driftd/common/time.hpp"
#include "driftd/drift/evaluation.hpp"
#include "driftd/drift/window.hpp"

namespace driftd::drift {

// One value to read per row: a column, or a key of a json/jsonb column.
struct ColumnRequest {
  std::string column;    // the column, or the json column when json_key is set
  std::string json_key;  // empty: plain column
  FeatureKind kind = FeatureKind::numerical;
  bool joined = false;  // a column of the joined table (WindowRequest::join), not of `table`
  bool epoch = false;   // a timestamp column read as Unix seconds (numerical)
  // Whether the value takes part in the hash that picks the sample of a large window. Values that
  // change after the fact (labels arriving) stay out of it, so a window keeps its sample.
  bool hashed = true;
  bool is_json() const { return !json_key.empty(); }
};

// Another table joined to every row: `LEFT JOIN table ON table.key = <row's prediction_key>`
// (delayed labels). Rows without a match keep NULLs in the joined columns.
struct JoinRequest {
  std::string table;           // "schema.table" or "table"
  std::string key;             // its column matched ...
  std::string prediction_key;  // ... with this column of the window's table
};

struct WindowRequest {
  std::string table;             // "schema.table" or "table"; always quoted as identifiers
  std::string timestamp_column;  // may be empty when from/to are both unset
  std::vector<std::pair<std::string, std::string>> where;  // column = value (bound as parameters)
  std::optional<Timestamp> from;                           // rows with timestamp > from
  std::optional<Timestamp> to;                             // rows with timestamp <= to
  std::vector<ColumnRequest> columns;
  std::optional<JoinRequest> join;
  std::uint64_t max_rows = 1000000;  // larger windows are sampled uniformly down to this
  std::uint64_t sample_seed = 0;     // same seed and data -> same sample
  int parallelism = 1;               // connections to split the time range over
};

// A half-open range of time (from, to], as windows are.
struct TimeRange {
  Timestamp from{};
  Timestamp to{};
};

// One number the database computes over the rows of a window (business metrics): exact whatever
// the window's size, since the rows never leave the database. Missing values are as for features:
// SQL NULL, NaN, ±Infinity, an absent JSON key or a JSON value that is not a number.
struct Aggregate {
  enum class Function {
    rows,        // rows that pass `where` (with `value` set: rows whose value is not missing)
    matches,     // rows whose value is in `equals` (text), or above `greater_than` (a number)
    sum,         // sum of the value's non-missing numbers (NULL without any)
    mean,        // their mean
    variance,    // their sample variance (n − 1; NULL below two values)
    expression,  // `sql`, an aggregate expression over the rows (the operator's own SQL)
  };
  Function function = Function::rows;
  std::optional<ColumnRequest> value;  // numerical or categorical (text), plain column or json key
  std::vector<std::string> equals;     // matches: text values that count
  std::optional<double> greater_than;  // matches: a numerical value counts above this
  // Equality filters of this aggregate beside the window's own (values bound, cast to the type).
  std::vector<std::pair<std::string, std::string>> where;
  std::string sql;  // expression only; one expression, checked by the config loader
};

// Aggregates over several windows of one table, in one statement (one row per window), and the
// newest timestamp of the table (freshness). Filters and bounds are bound parameters.
struct AggregateRequest {
  std::string table;
  std::string timestamp_column;
  std::vector<std::pair<std::string, std::string>> where;  // the monitor's filters
  std::vector<TimeRange> windows;
  std::vector<Aggregate> aggregates;  // computed over every window
  // Set: also the newest timestamp at or before this instant (among the rows passing `where`),
  // looked for first within `newest_lookback` of it (cheap whatever the index), then further.
  std::optional<Timestamp> newest_until;
  Duration newest_lookback{0};
  // Also the newest timestamp at or before each of these instants (a seasonal freshness baseline:
  // the same instant of earlier weeks), looked for the same way.
  std::vector<Timestamp> newest_earlier;
};

struct AggregateResult {
  std::optional<Timestamp> newest;  // no row at all at or before newest_until: unset
  std::vector<std::optional<Timestamp>> newest_earlier;  // one per request.newest_earlier
  // values[w][a]: aggregate a over window w; nullopt where SQL gave NULL (nothing to sum).
  std::vector<std::vector<std::optional<double>>> values;
};

// A failure to read a window (database down, table missing, timeout...). `what()` is safe to
// show and log: it never contains credentials.
class SourceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class WindowSource {
 public:
  virtual ~WindowSource() = default;
  // Reads the rows of the window; throws SourceError. Thread-safe: concurrent reads are fine.
  // A stop request abandons the read promptly (SourceError "cancelled").
  virtual WindowData read(const WindowRequest& request, std::stop_token stop = {}) = 0;
  // Computes the aggregates of `request` in one read-only transaction (statement_timeout
  // applies); throws SourceError. Thread-safe.
  virtual AggregateResult aggregate(const AggregateRequest& request, std::stop_token stop = {}) = 0;
};

struct HistoryQuery {
  std::optional<Timestamp> from;
  std::optional<Timestamp> to;
  std::size_t limit = 100;
};

// One statistic of a monitor over time, as the state schema's statistics table holds it. `feature`
// is a feature's name, __prediction__, __confidence__, __dataset__, __performance__, __system__
// or __challenger__ (segments are not in it).
struct StatisticKey {
  std::string monitor;
  std::string feature;
  std::string statistic;
  bool below = false;  // small is bad (p-values): a bucket's worst value is its smallest
};
struct StatisticPoint {
  Timestamp at{};
  double value = 0;
};
struct StatisticSeries {
  StatisticKey key;
  std::vector<StatisticPoint> points;  // oldest first
};
struct SeriesQuery {
  std::optional<Timestamp> from;  // inclusive
  std::optional<Timestamp> to;    // inclusive
  std::size_t limit = 100;        // the newest points (or buckets) per series
  // > 0: one point per bucket of this width (aligned to the Unix epoch): its worst value (the
  // largest, the smallest when `below`) at the time of its last evaluation, so that a breach never
  // disappears from a long range.
  Duration bucket{0};
};

class ResultStore {
 public:
  virtual ~ResultStore() = default;
  // Stores the evaluation whole and one row per feature x statistic; replaces an earlier
  // evaluation of the same monitor at the same instant. Throws std::runtime_error.
  virtual void save(const Evaluation& evaluation) = 0;
  virtual std::optional<Evaluation> latest(const std::string& monitor) = 0;
  // Newest first.
  virtual std::vector<Evaluation> history(const std::string& monitor, const HistoryQuery& q) = 0;
  // An instant whose stored evaluation waits for labels: how many it had, and since when that
  // number has not changed (its labels_unchanged_since, else when it was first stored).
  struct WaitingInstant {
    Timestamp at{};
    std::uint64_t labelled = 0;
    Timestamp unchanged_since{};
    bool operator==(const WaitingInstant&) const = default;
  };
  // Instants in [from, to) whose stored evaluation still waits for labels (a performance section
  // with rows, a label coverage below 1 and labels not settled, or none at all; never `error`
  // evaluations), the least recently stored first, at most `limit`: what a look-back
  // re-evaluates next.
  virtual std::vector<WaitingInstant> instants_missing_labels(const std::string& monitor,
                                                              Timestamp from, Timestamp to,
                                                              std::size_t limit) = 0;
  // The newest evaluation at or after `since` whose performance section had enough labelled rows
  // (its status ok or drift).
  virtual std::optional<Evaluation> latest_with_performance(const std::string& monitor,
                                                            Timestamp since) = 0;
  // Frozen references by monitor and fingerprint (a digest of what the reference depends on),
  // stored as `parts` serialised pieces so that neither side ever holds two copies of it whole.
  virtual bool has_frozen(const std::string& monitor, const std::string& fingerprint) = 0;
  // Hands each stored part, in order, to `consume` (the bytes are valid during the call only);
  // false when the monitor has no complete frozen reference with that fingerprint.
  using PartConsumer =
      std::function<void(std::size_t part, std::size_t parts, std::string_view bytes)>;
  virtual bool load_frozen(const std::string& monitor, const std::string& fingerprint,
                           const PartConsumer& consume) = 0;
  // Replaces the monitor's frozen reference; `part(i)` makes part i of `parts`.
  virtual void save_frozen(const std::string& monitor, const std::string& fingerprint,
                           std::size_t parts,
                           const std::function<std::string(std::size_t part)>& part) = 0;
};

}  // namespace driftd::drift
