#include <pqxx/pqxx>

#include "driftd/common/log.hpp"
#include "driftd/storage/pg_result_store.hpp"
#include "state_db.hpp"

namespace driftd::storage {

std::string with_schema(std::string sql, const std::string& quoted_schema) {
  const std::string token = "{schema}";
  for (std::size_t p = sql.find(token); p != std::string::npos; p = sql.find(token, p)) {
    sql.replace(p, token.size(), quoted_schema);
    p += quoted_schema.size();
  }
  return sql;
}

namespace {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// Append-only: a released migration is never edited; changes come as new versions.
const Migration kMigrations[] = {
    {1, "evaluations, statistics, frozen references", R"sql(
CREATE TABLE {schema}.evaluations (
  id             bigserial PRIMARY KEY,
  monitor        text NOT NULL,
  evaluated_at   timestamptz NOT NULL,
  status         text NOT NULL,
  current_rows   bigint NOT NULL DEFAULT 0,
  reference_rows bigint NOT NULL DEFAULT 0,
  body           jsonb NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (monitor, evaluated_at)
);
CREATE INDEX evaluations_monitor_time ON {schema}.evaluations (monitor, evaluated_at DESC);
CREATE TABLE {schema}.statistics (
  evaluation_id bigint NOT NULL REFERENCES {schema}.evaluations (id) ON DELETE CASCADE,
  monitor       text NOT NULL,
  evaluated_at  timestamptz NOT NULL,
  feature       text NOT NULL,
  statistic     text NOT NULL,
  value         double precision NOT NULL,
  PRIMARY KEY (evaluation_id, feature, statistic)
);
CREATE INDEX statistics_series ON {schema}.statistics (monitor, feature, statistic, evaluated_at);
CREATE TABLE {schema}.frozen_references (
  monitor     text NOT NULL,
  fingerprint text NOT NULL,
  part        integer NOT NULL,
  parts       integer NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  size_bytes  bigint NOT NULL,
  body        bytea NOT NULL,
  PRIMARY KEY (monitor, fingerprint, part)
);
-- already-compressed-like data (sorted doubles): skip the compression attempt
ALTER TABLE {schema}.frozen_references ALTER COLUMN body SET STORAGE EXTERNAL;
)sql"},
    {2, "alerts, notification outbox, silences", R"sql(
CREATE TABLE {schema}.alerts (
  id                bigserial PRIMARY KEY,
  monitor           text NOT NULL,
  feature           text NOT NULL,
  statistic         text NOT NULL,
  state             text NOT NULL,
  severity          text NOT NULL,
  value             double precision NOT NULL DEFAULT 0,
  threshold         double precision NOT NULL DEFAULT 0,
  below             boolean NOT NULL DEFAULT false,
  consecutive       integer NOT NULL DEFAULT 0,
  started_at        timestamptz,
  fired_at          timestamptz,
  resolved_at       timestamptz,
  last_notified_at  timestamptz,
  last_evaluated_at timestamptz NOT NULL,
  top_contributors  jsonb NOT NULL DEFAULT '[]',
  message           text NOT NULL DEFAULT '',
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (monitor, feature, statistic)
);
CREATE TABLE {schema}.notifications (
  id              text PRIMARY KEY,
  sink            text NOT NULL,
  monitor         text NOT NULL,
  status          text NOT NULL,
  body            text NOT NULL,
  created_at      timestamptz NOT NULL,
  state           text NOT NULL,
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error      text NOT NULL DEFAULT '',
  delivered_at    timestamptz
);
CREATE INDEX notifications_due ON {schema}.notifications (sink, next_attempt_at, created_at)
  WHERE state = 'pending';
CREATE INDEX notifications_sink_time ON {schema}.notifications (sink, created_at DESC);
CREATE TABLE {schema}.silences (
  id         text PRIMARY KEY,
  monitor    text NOT NULL,
  feature    text,
  statistic  text,
  starts_at  timestamptz NOT NULL,
  ends_at    timestamptz NOT NULL,
  comment    text NOT NULL,
  created_by text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL
);
)sql"},
    {3, "alerts per segment", R"sql(
ALTER TABLE {schema}.alerts ADD COLUMN segment text NOT NULL DEFAULT '';
ALTER TABLE {schema}.alerts DROP CONSTRAINT alerts_monitor_feature_statistic_key;
ALTER TABLE {schema}.alerts ADD CONSTRAINT alerts_monitor_feature_statistic_segment_key
  UNIQUE (monitor, feature, statistic, segment);
)sql"},
};

}  // namespace

int latest_schema_version() { return kMigrations[std::size(kMigrations) - 1].version; }

std::vector<int> migrate(const StateOptions& options) {
  StateDb db(options);
  std::string schema = db.schema();
  return db.transact([&](pqxx::work& tx) {
    // One lock per schema name serialises concurrent starts; the loser then finds the work done.
    tx.exec_params("SELECT pg_advisory_xact_lock(hashtextextended('driftd.migrate.' || $1, 0))",
                   options.schema);
    // CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists: a
    // role given a schema of its own (CREATE SCHEMA driftd AUTHORIZATION driftd) has no such right.
    if (tx.exec_params("SELECT 1 FROM pg_namespace WHERE nspname = $1", options.schema).empty())
      tx.exec("CREATE SCHEMA " + schema);
    tx.exec(with_schema(
        "CREATE TABLE IF NOT EXISTS {schema}.schema_migrations ("
        " version int PRIMARY KEY, description text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())",
        schema));
    std::vector<int> applied;
    int current = 0;
    auto r = tx.exec(with_schema("SELECT coalesce(max(version), 0) FROM {schema}.schema_migrations", schema));
    current = r[0][0].as<int>();
    if (current > latest_schema_version()) {
      throw std::runtime_error("the state schema is at version " + std::to_string(current) +
                               ", newer than this driftd knows (" +
                               std::to_string(latest_schema_version()) +
                               "): upgrade driftd or use another state_schema");
    }
    for (const auto& m : kMigrations) {
      if (m.version <= current) continue;
      tx.exec(with_schema(m.sql, schema));
      tx.exec_params(with_schema("INSERT INTO {schema}.schema_migrations (version, description) VALUES ($1, $2)", schema),
                     m.version, std::string(m.description));
      applied.push_back(m.version);
    }
    return applied;
  });
}

}  // namespace driftd::storage
