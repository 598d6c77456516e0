import { type Dialect, type MigrationSpec, sqlTypes } from '@switchboard/shared/sql';

/** The outbox schema: deliveries, one target row per recipient, verification codes. Append steps; never edit one. */
export function notifyMigrations(dialect: Dialect): MigrationSpec {
  const t = sqlTypes(dialect);
  return {
    name: 'notify',
    steps: [
      [
        `CREATE TABLE notify_delivery (
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          severity TEXT NOT NULL,
          title TEXT NOT NULL,
          tags TEXT NOT NULL DEFAULT '[]',
          created_at ${t.bigint} NOT NULL,
          created_by TEXT NOT NULL,
          correlation_id TEXT,
          dedupe_key TEXT,
          dedupe_count INTEGER NOT NULL DEFAULT 1,
          idempotency_key TEXT,
          request_hash TEXT,
          UNIQUE (created_by, idempotency_key)
        )`,
        'CREATE INDEX notify_delivery_created ON notify_delivery (created_at)',
        'CREATE INDEX notify_delivery_dedupe ON notify_delivery (dedupe_key, created_at)',
        `CREATE TABLE notify_target (
          id TEXT PRIMARY KEY,
          delivery_id TEXT NOT NULL REFERENCES notify_delivery (id),
          position INTEGER NOT NULL,
          channel TEXT NOT NULL,
          recipient TEXT NOT NULL,
          payload TEXT NOT NULL,
          status TEXT NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at ${t.bigint} NOT NULL,
          lease_until ${t.bigint},
          attempt_started_at ${t.bigint},
          worker TEXT,
          provider_id TEXT,
          provider_status TEXT,
          reason TEXT,
          sent_at ${t.bigint},
          delivered_at ${t.bigint},
          updated_at ${t.bigint} NOT NULL
        )`,
        'CREATE INDEX notify_target_due ON notify_target (status, next_attempt_at)',
        'CREATE INDEX notify_target_delivery ON notify_target (delivery_id, position)',
        'CREATE INDEX notify_target_provider ON notify_target (provider_id)',
        `CREATE TABLE notify_verification (
          id TEXT PRIMARY KEY,
          channel TEXT NOT NULL,
          recipient TEXT NOT NULL,
          salt TEXT NOT NULL,
          code_hash TEXT NOT NULL,
          created_by TEXT NOT NULL,
          created_at ${t.bigint} NOT NULL,
          expires_at ${t.bigint} NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          max_attempts INTEGER NOT NULL,
          consumed_at ${t.bigint},
          delivery_id TEXT
        )`,
      ],
    ],
  };
}
