#include "driftd/storage/pg_result_store.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "state_db.hpp"

namespace driftd::storage {

namespace {

// One row per statistic of the whole window (drift::for_each_statistic), handed over as one
// jsonb array: the same walk as the metrics, whatever sections an evaluation has.
constexpr const char* kInsertStatistics = R"sql(
INSERT INTO {schema}.statistics (evaluation_id, monitor, evaluated_at, feature, statistic, value)
SELECT e.id, e.monitor, e.evaluated_at, s.feature, s.statistic, s.value
  FROM {schema}.evaluations e,
       jsonb_to_recordset($2::jsonb) AS s (feature text, statistic text, value float8)
 WHERE e.id = $1
)sql";

// The statistics table's rows of `e`: the whole window's (segments are in the body only), the
// current window's (the reference's performance too), finite values only.
std::string statistic_rows(const drift::Evaluation& e) {
  nlohmann::json rows = nlohmann::json::array();
  drift::for_each_statistic(e, [&](const drift::StatisticRow& r) {
    if (!r.segment.empty() || r.reference || !std::isfinite(r.value)) return;
    // A business metric's value is stored as (__metrics__, <metric>), the rest as
    // (__metrics__, <metric>.<statistic>): the alert on it names the same series.
    std::string statistic(r.statistic);
    if (!r.metric.empty()) {
      statistic =
          statistic == "value" ? std::string(r.metric) : std::string(r.metric) + "." + statistic;
    }
    rows.push_back({{"feature", r.subject}, {"statistic", statistic}, {"value", r.value}});
  });
  return rows.dump();
}

// Series of many keys in one statement: each key ([monitor, feature, statistic, below]) is one
// range scan of the statistics_series index, newest first, at most $4 rows (or buckets of $5
// microseconds, keeping their worst value).
constexpr const char* kSeriesRaw = R"sql(
SELECT k.i, (extract(epoch from p.evaluated_at) * 1000000)::int8, p.value
  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS k(key, i)
  CROSS JOIN LATERAL (
    SELECT s.evaluated_at, s.value FROM {schema}.statistics s
     WHERE s.monitor = k.key->>0 AND s.feature = k.key->>1 AND s.statistic = k.key->>2
       AND ($2::timestamptz IS NULL OR s.evaluated_at >= $2::timestamptz)
       AND ($3::timestamptz IS NULL OR s.evaluated_at <= $3::timestamptz)
     ORDER BY s.evaluated_at DESC LIMIT $4) p
)sql";

constexpr const char* kSeriesBuckets = R"sql(
SELECT k.i, (extract(epoch from p.evaluated_at) * 1000000)::int8, p.value
  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS k(key, i)
  CROSS JOIN LATERAL (
    SELECT max(s.evaluated_at) AS evaluated_at,
           CASE WHEN (k.key->>3)::boolean THEN min(s.value) ELSE max(s.value) END AS value
      FROM {schema}.statistics s
     WHERE s.monitor = k.key->>0 AND s.feature = k.key->>1 AND s.statistic = k.key->>2
       AND ($2::timestamptz IS NULL OR s.evaluated_at >= $2::timestamptz)
       AND ($3::timestamptz IS NULL OR s.evaluated_at <= $3::timestamptz)
     GROUP BY floor(extract(epoch from s.evaluated_at) * 1000000 / $5::int8)
     ORDER BY 1 DESC LIMIT $4) p
)sql";

}  // namespace

struct PgResultStore::Impl {
  explicit Impl(StateOptions o) : db(std::move(o)) {}
  StateDb db;
};

PgResultStore::PgResultStore(StateOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
PgResultStore::~PgResultStore() = default;

void PgResultStore::save(const drift::Evaluation& e) {
  std::string body = drift::to_json(e);
  std::string schema = impl_->db.schema();
  impl_->db.transact([&](pqxx::work& tx) {
    auto r = tx.exec_params1(
        with_schema(
            "INSERT INTO {schema}.evaluations"
            " (monitor, evaluated_at, status, current_rows, reference_rows, body)"
            " VALUES ($1, $2::timestamptz, $3, $4, $5, $6::jsonb)"
            " ON CONFLICT (monitor, evaluated_at) DO UPDATE SET status = EXCLUDED.status,"
            " current_rows = EXCLUDED.current_rows, reference_rows = EXCLUDED.reference_rows,"
            " body = EXCLUDED.body, created_at = now()"
            " RETURNING id",
            schema),
        e.monitor, format_rfc3339(e.evaluated_at), std::string(drift::to_string(e.status)),
        static_cast<long long>(e.current_window.rows),
        static_cast<long long>(e.reference_window.rows), body);
    long long id = r[0].as<long long>();
    tx.exec_params(with_schema("DELETE FROM {schema}.statistics WHERE evaluation_id = $1", schema),
                   id);
    tx.exec_params(with_schema(kInsertStatistics, schema), id, statistic_rows(e));
  });
}

std::optional<drift::Evaluation> PgResultStore::latest(const std::string& monitor) {
  drift::HistoryQuery q;
  q.limit = 1;
  auto h = history(monitor, q);
  if (h.empty()) return std::nullopt;
  return std::move(h.front());
}

std::vector<drift::Evaluation> PgResultStore::history(const std::string& monitor,
                                                      const drift::HistoryQuery& q) {
  std::string schema = impl_->db.schema();
  std::string from = q.from ? format_rfc3339(*q.from) : "";
  std::string to = q.to ? format_rfc3339(*q.to) : "";
  auto rows = impl_->db.transact([&](pqxx::work& tx) {
    return tx.exec_params(
        with_schema("SELECT body::text FROM {schema}.evaluations WHERE monitor = $1"
                    " AND ($2::timestamptz IS NULL OR evaluated_at >= $2::timestamptz)"
                    " AND ($3::timestamptz IS NULL OR evaluated_at <= $3::timestamptz)"
                    " ORDER BY evaluated_at DESC LIMIT $4",
                    schema),
        monitor, q.from ? from.c_str() : nullptr, q.to ? to.c_str() : nullptr,
        static_cast<long long>(q.limit));
  });
  std::vector<drift::Evaluation> out;
  out.reserve(rows.size());
  for (const auto& row : rows) out.push_back(drift::evaluation_from_json(row[0].c_str()));
  return out;
}

std::vector<drift::StatisticSeries> PgResultStore::series(
    const std::vector<drift::StatisticKey>& keys, const drift::SeriesQuery& q) {
  std::vector<drift::StatisticSeries> out(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) out[i].key = keys[i];
  if (keys.empty() || q.limit == 0) return out;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& k : keys) list.push_back({k.monitor, k.feature, k.statistic, k.below});
  const std::string key_json = list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const std::string schema = impl_->db.schema();
  const std::string from = q.from ? format_rfc3339(*q.from) : "";
  const std::string to = q.to ? format_rfc3339(*q.to) : "";
  const bool buckets = q.bucket.count() > 0;
  auto rows = impl_->db.transact([&](pqxx::work& tx) {
    if (buckets) {
      return tx.exec_params(with_schema(kSeriesBuckets, schema), key_json,
                            q.from ? from.c_str() : nullptr, q.to ? to.c_str() : nullptr,
                            static_cast<long long>(q.limit),
                            static_cast<long long>(q.bucket.count()));
    }
    return tx.exec_params(with_schema(kSeriesRaw, schema), key_json,
                          q.from ? from.c_str() : nullptr, q.to ? to.c_str() : nullptr,
                          static_cast<long long>(q.limit));
  });
  for (const auto& r : rows) {
    const auto i = r[0].as<long long>() - 1;  // WITH ORDINALITY counts from 1
    if (i < 0 || static_cast<std::size_t>(i) >= out.size()) continue;
    out[static_cast<std::size_t>(i)].points.push_back(
        {Timestamp(Duration(r[1].as<long long>())), r[2].as<double>()});
  }
  for (auto& s : out) {
    std::sort(s.points.begin(), s.points.end(),
              [](const auto& a, const auto& b) { return a.at < b.at; });
  }
  return out;
}

std::vector<drift::ResultStore::WaitingInstant> PgResultStore::instants_missing_labels(
    const std::string& monitor, Timestamp from, Timestamp to, std::size_t limit) {
  std::string schema = impl_->db.schema();
  auto rows = impl_->db.transact([&](pqxx::work& tx) {
    return tx.exec_params(
        with_schema(
            "SELECT (extract(epoch from evaluated_at) * 1000000)::int8,"
            " coalesce((body->'performance'->>'labelled_rows')::bigint, 0),"
            " (extract(epoch from coalesce((body->'performance'->>'labels_unchanged_since')"
            "::timestamptz, created_at)) * 1000000)::int8"
            " FROM {schema}.evaluations"
            " WHERE monitor = $1 AND evaluated_at >= $2::timestamptz AND evaluated_at < "
            "$3::timestamptz"
            " AND status <> 'error'"
            " AND (jsonb_typeof(body->'performance') IS DISTINCT FROM 'object'"
            "      OR (coalesce((body->'performance'->>'rows')::bigint, 0) > 0"
            "          AND coalesce((body->'performance'->>'label_coverage')::float8, 0) < 1"
            "          AND NOT coalesce((body->'performance'->>'labels_settled')::boolean, false)))"
            " ORDER BY created_at, evaluated_at LIMIT $4",
            schema),
        monitor, format_rfc3339(from), format_rfc3339(to), static_cast<long long>(limit));
  });
  std::vector<WaitingInstant> out;
  for (const auto& r : rows) {
    out.push_back({Timestamp(Duration(r[0].as<long long>())),
                   static_cast<std::uint64_t>(r[1].as<long long>()),
                   Timestamp(Duration(r[2].as<long long>()))});
  }
  return out;
}

std::optional<drift::Evaluation> PgResultStore::latest_with_performance(const std::string& monitor,
                                                                        Timestamp since) {
  std::string schema = impl_->db.schema();
  auto rows = impl_->db.transact([&](pqxx::work& tx) {
    return tx.exec_params(
        with_schema("SELECT body::text FROM {schema}.evaluations WHERE monitor = $1"
                    " AND evaluated_at >= $2::timestamptz"
                    " AND body->'performance'->>'status' IN ('ok', 'drift')"
                    " ORDER BY evaluated_at DESC LIMIT 1",
                    schema),
        monitor, format_rfc3339(since));
  });
  if (rows.empty()) return std::nullopt;
  return drift::evaluation_from_json(rows[0][0].c_str());
}

bool PgResultStore::has_frozen(const std::string& monitor, const std::string& fingerprint) {
  std::string q = with_schema(
      "SELECT count(*) = max(parts) FROM {schema}.frozen_references WHERE monitor = $1 AND "
      "fingerprint = $2",
      impl_->db.schema());
  auto r =
      impl_->db.transact([&](pqxx::work& tx) { return tx.exec_params(q, monitor, fingerprint); });
  return !r[0][0].is_null() && r[0][0].as<bool>();
}

bool PgResultStore::load_frozen(const std::string& monitor, const std::string& fingerprint,
                                const PartConsumer& consume) {
  // One part per query, in binary: at most one part is held here at a time.
  auto conn = impl_->db.raw_connection();
  std::string schema = impl_->db.schema();
  PgResult count =
      conn->exec_params(with_schema("SELECT max(parts), count(*) FROM {schema}.frozen_references "
                                    "WHERE monitor = $1 AND fingerprint = $2",
                                    schema),
                        {monitor, fingerprint}, {});
  if (PQgetisnull(count.get(), 0, 0)) return false;
  long parts = std::stol(PQgetvalue(count.get(), 0, 0));
  if (std::stol(PQgetvalue(count.get(), 0, 1)) != parts) return false;  // incomplete: rebuild
  std::string q = with_schema(
      "SELECT body FROM {schema}.frozen_references WHERE monitor = $1 AND fingerprint = $2 AND "
      "part = $3",
      schema);
  for (long i = 0; i < parts; ++i) {
    PgResult r =
        conn->exec_params(q, {monitor, fingerprint, std::to_string(i)}, {}, /*binary_result=*/true);
    if (PQntuples(r.get()) != 1) return false;
    consume(static_cast<std::size_t>(i), static_cast<std::size_t>(parts),
            std::string_view(PQgetvalue(r.get(), 0, 0),
                             static_cast<std::size_t>(PQgetlength(r.get(), 0, 0))));
  }
  return true;
}

void PgResultStore::save_frozen(const std::string& monitor, const std::string& fingerprint,
                                std::size_t parts,
                                const std::function<std::string(std::size_t part)>& part) {
  std::string schema = impl_->db.schema();
  auto conn = impl_->db.raw_connection();
  conn->exec("BEGIN", {});
  // Older fingerprints of the monitor are of no further use.
  conn->exec_params(
      with_schema("DELETE FROM {schema}.frozen_references WHERE monitor = $1", schema), {monitor},
      {});
  std::string insert = with_schema(
      "INSERT INTO {schema}.frozen_references (monitor, fingerprint, part, parts, size_bytes, body)"
      " VALUES ($1, $2, $3, $4, $5, $6)",
      schema);
  for (std::size_t i = 0; i < parts; ++i) {
    std::string bytes = part(i);
    std::string size = std::to_string(bytes.size());
    try {
      conn->exec_params(
          insert,
          {monitor, fingerprint, std::to_string(i), std::to_string(parts), size, std::move(bytes)},
          {}, false, {false, false, false, false, false, true});
    } catch (const drift::SourceError& e) {
      throw std::runtime_error(std::string("cannot store the frozen reference: ") + e.what());
    }
  }
  conn->exec("COMMIT", {});
}

std::uint64_t PgResultStore::prune(Timestamp before) {
  std::string schema = impl_->db.schema();
  return impl_->db.transact([&](pqxx::work& tx) {
    auto r = tx.exec_params(
        with_schema("DELETE FROM {schema}.evaluations WHERE evaluated_at < $1::timestamptz",
                    schema),
        format_rfc3339(before));
    return static_cast<std::uint64_t>(r.affected_rows());
  });
}

void PgResultStore::ping() {
  impl_->db.transact([](pqxx::work& tx) { tx.exec("SELECT 1"); });
}

}  // namespace driftd::storage
