import { type Dialect, type MigrationSpec, sqlTypes } from '@switchboard/shared/sql';

/** ai-models' tables (prefixed ai_): the usage ledger, the SQLite/PostgreSQL response cache, the embedded vector store. */
export function aiMigrations(dialect: Dialect): MigrationSpec {
  const t = sqlTypes(dialect);
  return {
    name: 'ai',
    steps: [
      [
        `CREATE TABLE ai_usage (
          seq ${t.autoId},
          day TEXT NOT NULL,
          caller TEXT NOT NULL,
          model TEXT NOT NULL,
          provider TEXT NOT NULL,
          tool TEXT NOT NULL,
          input_tokens ${t.bigint} NOT NULL,
          output_tokens ${t.bigint} NOT NULL,
          cost_micro_usd ${t.bigint} NOT NULL,
          cache_hit ${t.boolean} NOT NULL,
          estimated ${t.boolean} NOT NULL,
          latency_ms ${t.bigint} NOT NULL,
          correlation_id TEXT NOT NULL,
          created_at ${t.bigint} NOT NULL
        )`,
        'CREATE INDEX ai_usage_caller_day ON ai_usage (caller, day)',
        'CREATE INDEX ai_usage_day ON ai_usage (day, model)',
        `CREATE TABLE ai_cache (
          cache_key TEXT PRIMARY KEY,
          model TEXT NOT NULL,
          body TEXT NOT NULL,
          bytes ${t.bigint} NOT NULL,
          created_at ${t.bigint} NOT NULL,
          expires_at ${t.bigint} NOT NULL,
          hits ${t.bigint} NOT NULL DEFAULT 0
        )`,
        'CREATE INDEX ai_cache_expires ON ai_cache (expires_at)',
        `CREATE TABLE ai_cache_counter (name TEXT PRIMARY KEY, value ${t.bigint} NOT NULL)`,
        `CREATE TABLE ai_collection (
          name TEXT PRIMARY KEY,
          dimension INTEGER NOT NULL,
          distance TEXT NOT NULL,
          embedding_model TEXT,
          version ${t.bigint} NOT NULL DEFAULT 0,
          created_at ${t.bigint} NOT NULL
        )`,
        `CREATE TABLE ai_point (
          collection TEXT NOT NULL REFERENCES ai_collection (name) ON DELETE CASCADE,
          id TEXT NOT NULL,
          doc_id TEXT NOT NULL,
          chunk INTEGER NOT NULL,
          text TEXT NOT NULL,
          metadata TEXT NOT NULL,
          vector ${t.bytes} NOT NULL,
          PRIMARY KEY (collection, id)
        )`,
        'CREATE INDEX ai_point_doc ON ai_point (collection, doc_id)',
      ],
    ],
  };
}
