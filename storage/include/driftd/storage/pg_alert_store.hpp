#pragma once
// alerts::AlertStore in the state schema: alert state per (monitor, feature, statistic), the
// notification outbox (written in the same transaction as the state change) and silences.

#include <memory>

#include "driftd/alerts/types.hpp"
#include "driftd/storage/pg_result_store.hpp"

namespace driftd::storage {

class PgAlertStore final : public alerts::AlertStore {
 public:
  explicit PgAlertStore(StateOptions options);
  ~PgAlertStore() override;
  std::vector<alerts::Alert> load_alerts(const std::string& monitor) override;
  std::vector<alerts::Alert> all_alerts() override;
  void commit(std::vector<alerts::Alert>& changed, const std::vector<alerts::Notification>& queued) override;
  std::vector<alerts::Notification> due(const std::string& sink, Timestamp now, std::size_t limit) override;
  std::optional<Timestamp> next_due(const std::string& sink) override;
  void update_delivery(const alerts::Notification& n) override;
  std::int64_t queue_depth(const std::string& sink) override;
  std::vector<alerts::Silence> silences(bool include_expired) override;
  void save_silence(const alerts::Silence& s) override;
  bool expire_silence(const std::string& id, Timestamp now) override;
  // Notifications in any state, newest first (inspection of failed deliveries).
  std::vector<alerts::Notification> notifications(const std::string& sink, std::size_t limit);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace driftd::storage
