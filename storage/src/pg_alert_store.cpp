#include "driftd/storage/pg_alert_store.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "state_db.hpp"

namespace driftd::storage {

using json = nlohmann::json;

namespace {

// Timestamps travel as RFC 3339 text into the database and as microseconds since the epoch out.
constexpr const char* kAlertColumns =
    "id, monitor, feature, statistic, state, severity, value, threshold, below, consecutive,"
    " (extract(epoch from started_at) * 1000000)::int8,"
    " (extract(epoch from fired_at) * 1000000)::int8,"
    " (extract(epoch from resolved_at) * 1000000)::int8,"
    " (extract(epoch from last_notified_at) * 1000000)::int8,"
    " (extract(epoch from last_evaluated_at) * 1000000)::int8,"
    " top_contributors::text, message, segment";

constexpr const char* kNotificationColumns =
    "id, sink, monitor, status, body, (extract(epoch from created_at) * 1000000)::int8, state, "
    "attempts,"
    " (extract(epoch from next_attempt_at) * 1000000)::int8, last_error,"
    " (extract(epoch from delivered_at) * 1000000)::int8";

constexpr const char* kSilenceColumns =
    "id, monitor, feature, statistic, (extract(epoch from starts_at) * 1000000)::int8,"
    " (extract(epoch from ends_at) * 1000000)::int8, comment, created_by,"
    " (extract(epoch from created_at) * 1000000)::int8";

std::optional<Timestamp> ts_of(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return Timestamp(Duration(f.as<long long>()));
}

std::string text(Timestamp t) { return format_rfc3339(t); }

// Holds the text of an optional timestamp so a `const char*` (NULL when absent) can be bound.
struct OptText {
  explicit OptText(const std::optional<Timestamp>& t)
      : has(t.has_value()), value(t ? format_rfc3339(*t) : "") {}
  const char* get() const { return has ? value.c_str() : nullptr; }
  bool has;
  std::string value;
};

std::string contributors_json(const std::vector<drift::Contributor>& cs) {
  json a = json::array();
  for (const auto& c : cs)
    a.push_back({{"bin", c.bin},
                 {"reference_share", c.reference_share},
                 {"current_share", c.current_share},
                 {"psi", c.psi}});
  return a.dump();
}

std::vector<drift::Contributor> contributors_from(const std::string& text) {
  std::vector<drift::Contributor> out;
  auto a = json::parse(text, nullptr, false);
  if (!a.is_array()) return out;
  for (const auto& c : a) {
    drift::Contributor x;
    x.bin = c.value("bin", "");
    x.reference_share = c.value("reference_share", 0.0);
    x.current_share = c.value("current_share", 0.0);
    x.psi = c.value("psi", 0.0);
    out.push_back(std::move(x));
  }
  return out;
}

alerts::Alert alert_from(const pqxx::row& r) {
  alerts::Alert a;
  a.id = r[0].as<long long>();
  a.key = {r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>()};
  a.state =
      alerts::parse_alert_state(r[4].as<std::string>()).value_or(alerts::AlertState::inactive);
  a.severity = drift::parse_severity(r[5].as<std::string>()).value_or(drift::Severity::medium);
  a.value = r[6].as<double>();
  a.threshold = r[7].as<double>();
  a.below = r[8].as<bool>();
  a.consecutive = r[9].as<int>();
  a.started_at = ts_of(r[10]);
  a.fired_at = ts_of(r[11]);
  a.resolved_at = ts_of(r[12]);
  a.last_notified_at = ts_of(r[13]);
  a.last_evaluated_at = ts_of(r[14]).value_or(Timestamp{});
  a.top_contributors = contributors_from(r[15].as<std::string>());
  a.message = r[16].as<std::string>();
  a.key.segment = r[17].as<std::string>();
  return a;
}

alerts::Notification notification_from(const pqxx::row& r) {
  alerts::Notification n;
  n.id = r[0].as<std::string>();
  n.sink = r[1].as<std::string>();
  n.monitor = r[2].as<std::string>();
  n.status = r[3].as<std::string>();
  n.body = r[4].as<std::string>();
  n.created_at = ts_of(r[5]).value_or(Timestamp{});
  n.state =
      alerts::parse_delivery_state(r[6].as<std::string>()).value_or(alerts::DeliveryState::pending);
  n.attempts = r[7].as<int>();
  n.next_attempt_at = ts_of(r[8]).value_or(Timestamp{});
  n.last_error = r[9].as<std::string>();
  n.delivered_at = ts_of(r[10]);
  return n;
}

alerts::Silence silence_from(const pqxx::row& r) {
  alerts::Silence s;
  s.id = r[0].as<std::string>();
  s.monitor = r[1].as<std::string>();
  if (!r[2].is_null()) s.feature = r[2].as<std::string>();
  if (!r[3].is_null()) s.statistic = r[3].as<std::string>();
  s.starts_at = ts_of(r[4]).value_or(Timestamp{});
  s.ends_at = ts_of(r[5]).value_or(Timestamp{});
  s.comment = r[6].as<std::string>();
  s.created_by = r[7].as<std::string>();
  s.created_at = ts_of(r[8]).value_or(Timestamp{});
  return s;
}

}  // namespace

struct PgAlertStore::Impl {
  explicit Impl(StateOptions o) : db(std::move(o)) {}
  StateDb db;
  std::string sql(const std::string& t) { return with_schema(t, db.schema()); }
};

PgAlertStore::PgAlertStore(StateOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
PgAlertStore::~PgAlertStore() = default;

std::vector<alerts::Alert> PgAlertStore::load_alerts(const std::string& monitor) {
  std::string q = impl_->sql(std::string("SELECT ") + kAlertColumns +
                             " FROM {schema}.alerts WHERE monitor = $1 ORDER BY id");
  auto rows = impl_->db.transact([&](pqxx::work& tx) { return tx.exec_params(q, monitor); });
  std::vector<alerts::Alert> out;
  for (const auto& r : rows) out.push_back(alert_from(r));
  return out;
}

std::vector<alerts::Alert> PgAlertStore::all_alerts() {
  std::string q = impl_->sql(std::string("SELECT ") + kAlertColumns +
                             " FROM {schema}.alerts ORDER BY monitor, feature, statistic, segment");
  auto rows = impl_->db.transact([&](pqxx::work& tx) { return tx.exec(q); });
  std::vector<alerts::Alert> out;
  for (const auto& r : rows) out.push_back(alert_from(r));
  return out;
}

void PgAlertStore::commit(std::vector<alerts::Alert>& changed,
                          const std::vector<alerts::Notification>& queued) {
  std::string upsert = impl_->sql(
      "INSERT INTO {schema}.alerts (monitor, feature, statistic, state, severity, value, "
      "threshold, below,"
      " consecutive, started_at, fired_at, resolved_at, last_notified_at, last_evaluated_at, "
      "top_contributors,"
      " message, segment, updated_at)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::timestamptz, $11::timestamptz, "
      "$12::timestamptz,"
      " $13::timestamptz, $14::timestamptz, $15::jsonb, $16, $17, now())"
      " ON CONFLICT (monitor, feature, statistic, segment) DO UPDATE SET state = EXCLUDED.state,"
      " severity = EXCLUDED.severity, value = EXCLUDED.value, threshold = EXCLUDED.threshold,"
      " below = EXCLUDED.below, consecutive = EXCLUDED.consecutive, started_at = "
      "EXCLUDED.started_at,"
      " fired_at = EXCLUDED.fired_at, resolved_at = EXCLUDED.resolved_at,"
      " last_notified_at = EXCLUDED.last_notified_at, last_evaluated_at = "
      "EXCLUDED.last_evaluated_at,"
      " top_contributors = EXCLUDED.top_contributors, message = EXCLUDED.message, updated_at = "
      "now()"
      " RETURNING id");
  std::string insert = impl_->sql(
      "INSERT INTO {schema}.notifications (id, sink, monitor, status, body, created_at, state, "
      "attempts,"
      " next_attempt_at, last_error) VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7, $8, "
      "$9::timestamptz, $10)"
      " ON CONFLICT (id) DO NOTHING");
  std::vector<std::int64_t> ids = impl_->db.transact([&](pqxx::work& tx) {
    std::vector<std::int64_t> out;
    for (const auto& a : changed) {
      OptText started(a.started_at), fired(a.fired_at), resolved(a.resolved_at),
          notified(a.last_notified_at);
      auto r = tx.exec_params1(upsert, a.key.monitor, a.key.feature, a.key.statistic,
                               std::string(alerts::to_string(a.state)),
                               std::string(drift::to_string(a.severity)), a.value, a.threshold,
                               a.below, a.consecutive, started.get(), fired.get(), resolved.get(),
                               notified.get(), text(a.last_evaluated_at),
                               contributors_json(a.top_contributors), a.message, a.key.segment);
      out.push_back(r[0].as<long long>());
    }
    for (const auto& n : queued) {
      tx.exec_params(insert, n.id, n.sink, n.monitor, n.status, n.body, text(n.created_at),
                     std::string(alerts::to_string(n.state)), n.attempts, text(n.next_attempt_at),
                     n.last_error);
    }
    return out;
  });
  for (std::size_t i = 0; i < changed.size(); ++i) changed[i].id = ids[i];
}

// The oldest pending notification of each monitor of a sink ($1): the only one of its monitor
// that may be attempted, so that a monitor's notifications arrive in the order they were queued.
constexpr const char* kMonitorHeads =
    "SELECT DISTINCT ON (monitor) * FROM {schema}.notifications"
    " WHERE sink = $1 AND state = 'pending' ORDER BY monitor, created_at, id";

std::vector<alerts::Notification> PgAlertStore::due(const std::string& sink, Timestamp now,
                                                    std::size_t limit) {
  std::string q =
      impl_->sql(std::string("SELECT ") + kNotificationColumns + " FROM (" + kMonitorHeads +
                 ") heads WHERE next_attempt_at <= $2::timestamptz"
                 " ORDER BY created_at, id LIMIT $3");
  auto rows = impl_->db.transact([&](pqxx::work& tx) {
    return tx.exec_params(q, sink, text(now), static_cast<long long>(limit));
  });
  std::vector<alerts::Notification> out;
  for (const auto& r : rows) out.push_back(notification_from(r));
  return out;
}

std::optional<Timestamp> PgAlertStore::next_due(const std::string& sink) {
  std::string q =
      impl_->sql(std::string("SELECT (extract(epoch from min(next_attempt_at)) * 1000000)::int8 "
                             "FROM (") +
                 kMonitorHeads + ") heads");
  auto rows = impl_->db.transact([&](pqxx::work& tx) { return tx.exec_params(q, sink); });
  return ts_of(rows[0][0]);
}

void PgAlertStore::update_delivery(const alerts::Notification& n) {
  std::string q = impl_->sql(
      "UPDATE {schema}.notifications SET state = $2, attempts = $3, next_attempt_at = "
      "$4::timestamptz,"
      " last_error = $5, delivered_at = $6::timestamptz WHERE id = $1");
  OptText delivered(n.delivered_at);
  impl_->db.transact([&](pqxx::work& tx) {
    tx.exec_params(q, n.id, std::string(alerts::to_string(n.state)), n.attempts,
                   text(n.next_attempt_at), n.last_error, delivered.get());
  });
}

std::int64_t PgAlertStore::queue_depth(const std::string& sink) {
  std::string q = impl_->sql(
      "SELECT count(*) FROM {schema}.notifications WHERE sink = $1 AND state = 'pending'");
  auto rows = impl_->db.transact([&](pqxx::work& tx) { return tx.exec_params(q, sink); });
  return rows[0][0].as<long long>();
}

std::vector<alerts::Silence> PgAlertStore::silences(bool include_expired) {
  std::string q =
      impl_->sql(std::string("SELECT ") + kSilenceColumns + " FROM {schema}.silences" +
                 (include_expired ? "" : " WHERE ends_at > now()") + " ORDER BY created_at, id");
  auto rows = impl_->db.transact([&](pqxx::work& tx) { return tx.exec(q); });
  std::vector<alerts::Silence> out;
  for (const auto& r : rows) out.push_back(silence_from(r));
  return out;
}

void PgAlertStore::save_silence(const alerts::Silence& s) {
  std::string q = impl_->sql(
      "INSERT INTO {schema}.silences (id, monitor, feature, statistic, starts_at, ends_at, "
      "comment, created_by,"
      " created_at) VALUES ($1, $2, $3, $4, $5::timestamptz, $6::timestamptz, $7, $8, "
      "$9::timestamptz)");
  impl_->db.transact([&](pqxx::work& tx) {
    tx.exec_params(q, s.id, s.monitor, s.feature ? s.feature->c_str() : nullptr,
                   s.statistic ? s.statistic->c_str() : nullptr, text(s.starts_at), text(s.ends_at),
                   s.comment, s.created_by, text(s.created_at));
  });
}

bool PgAlertStore::expire_silence(const std::string& id, Timestamp now) {
  std::string q = impl_->sql(
      "UPDATE {schema}.silences SET ends_at = LEAST(ends_at, $2::timestamptz) WHERE id = $1 AND "
      "ends_at > $2::timestamptz");
  std::string exists = impl_->sql("SELECT count(*) FROM {schema}.silences WHERE id = $1");
  return impl_->db.transact([&](pqxx::work& tx) {
    tx.exec_params(q, id, text(now));
    return tx.exec_params(exists, id)[0][0].as<long long>() > 0;
  });
}

std::vector<alerts::Notification> PgAlertStore::notifications(const std::string& sink,
                                                              std::size_t limit) {
  std::string q = impl_->sql(
      std::string("SELECT ") + kNotificationColumns +
      " FROM {schema}.notifications WHERE sink = $1 ORDER BY created_at DESC, id LIMIT $2");
  auto rows = impl_->db.transact(
      [&](pqxx::work& tx) { return tx.exec_params(q, sink, static_cast<long long>(limit)); });
  std::vector<alerts::Notification> out;
  for (const auto& r : rows) out.push_back(notification_from(r));
  return out;
}

}  // namespace driftd::storage
