#pragma once
// driftd's own tables in the state schema: migrations, evaluations (whole JSON plus one row per
// feature x statistic, readable by Grafana's PostgreSQL datasource) and frozen references.

#include <memory>
#include <string>

#include "driftd/drift/sources.hpp"
#include "driftd/storage/pg_window_source.hpp"

namespace driftd::storage {

struct StateOptions {
  std::string url;
  std::string schema = "driftd";
  Duration statement_timeout = std::chrono::seconds(60);
  Duration connect_timeout = std::chrono::seconds(10);
};

// Applies the versioned migrations of the state schema in one transaction under an advisory
// lock (safe when several processes start at once; idempotent). Returns the versions applied
// by this call. Throws std::runtime_error.
std::vector<int> migrate(const StateOptions& options);
int latest_schema_version();

// A lost connection is re-established on the next call, with backoff (1 s doubling to 30 s)
// between failed attempts; calls made while backing off fail fast. Thread-safe.
class PgResultStore final : public drift::ResultStore {
 public:
  explicit PgResultStore(StateOptions options);
  ~PgResultStore() override;
  void save(const drift::Evaluation& evaluation) override;
  std::optional<drift::Evaluation> latest(const std::string& monitor) override;
  std::vector<drift::Evaluation> history(const std::string& monitor,
                                         const drift::HistoryQuery& q) override;
  std::vector<WaitingInstant> instants_missing_labels(const std::string& monitor, Timestamp from,
                                                      Timestamp to, std::size_t limit) override;
  std::optional<drift::Evaluation> latest_with_performance(const std::string& monitor,
                                                           Timestamp since) override;
  bool has_frozen(const std::string& monitor, const std::string& fingerprint) override;
  bool load_frozen(const std::string& monitor, const std::string& fingerprint,
                   const PartConsumer& consume) override;
  void save_frozen(const std::string& monitor, const std::string& fingerprint, std::size_t parts,
                   const std::function<std::string(std::size_t part)>& part) override;
  // The statistics table's values of each key (one query for all of them), in the order of
  // `keys`; see drift::SeriesQuery for the buckets.
  std::vector<drift::StatisticSeries> series(const std::vector<drift::StatisticKey>& keys,
                                             const drift::SeriesQuery& q);
  // Deletes evaluations older than `before` (retention); returns how many.
  std::uint64_t prune(Timestamp before);
  // Checks the connection (for /readyz); throws std::runtime_error with the reason.
  void ping();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace driftd::storage
