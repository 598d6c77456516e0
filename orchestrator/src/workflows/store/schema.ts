import { type Dialect, type MigrationSpec, sqlTypes } from '@switchboard/shared/sql';

/**
 * The run store's tables, versions in `workflows_schema_version`. Version 1 is the schema both stores created
 * before the SQL layer (with IF NOT EXISTS, so a database made by them is adopted as it is).
 */
export function workflowMigrations(dialect: Dialect): MigrationSpec {
  const t = sqlTypes(dialect);
  const falseValue = dialect === 'postgres' ? 'false' : '0';
  return {
    name: 'workflows',
    steps: [
      [
        `CREATE TABLE IF NOT EXISTS wf_runs (
          run_id TEXT PRIMARY KEY,
          workflow TEXT NOT NULL,
          version TEXT NOT NULL,
          definition_hash TEXT NOT NULL,
          definition TEXT NOT NULL,
          from_registry ${t.boolean} NOT NULL DEFAULT ${falseValue},
          input TEXT,
          status TEXT NOT NULL,
          output TEXT,
          error TEXT,
          idempotency_key TEXT UNIQUE,
          caller TEXT NOT NULL,
          is_task ${t.boolean} NOT NULL DEFAULT ${falseValue},
          task_ttl ${t.bigint},
          cancel_requested TEXT,
          lease_owner TEXT,
          lease_until ${t.bigint},
          created_at ${t.bigint} NOT NULL,
          updated_at ${t.bigint} NOT NULL,
          finished_at ${t.bigint}
        )`,
        'CREATE INDEX IF NOT EXISTS wf_runs_created ON wf_runs (created_at DESC, run_id DESC)',
        'CREATE INDEX IF NOT EXISTS wf_runs_status ON wf_runs (status, lease_until)',
        `CREATE TABLE IF NOT EXISTS wf_steps (
          run_id TEXT NOT NULL,
          key TEXT NOT NULL,
          step_id TEXT NOT NULL,
          kind TEXT NOT NULL,
          status TEXT NOT NULL,
          attempts INTEGER NOT NULL,
          output TEXT,
          sealed TEXT,
          error TEXT,
          data TEXT,
          ord INTEGER NOT NULL,
          done_seq INTEGER,
          started_at ${t.bigint} NOT NULL,
          finished_at ${t.bigint},
          PRIMARY KEY (run_id, key)
        )`,
        `CREATE TABLE IF NOT EXISTS wf_checkpoints (
          seq ${t.autoId},
          run_id TEXT NOT NULL,
          key TEXT NOT NULL,
          event TEXT NOT NULL,
          attempt INTEGER NOT NULL,
          definition_hash TEXT NOT NULL,
          at ${t.bigint} NOT NULL,
          detail TEXT
        )`,
        'CREATE INDEX IF NOT EXISTS wf_checkpoints_run ON wf_checkpoints (run_id, seq)',
        `CREATE TABLE IF NOT EXISTS wf_definitions (
          name TEXT NOT NULL,
          version TEXT NOT NULL,
          hash TEXT NOT NULL,
          definition TEXT NOT NULL,
          source TEXT NOT NULL,
          created_at ${t.bigint} NOT NULL,
          PRIMARY KEY (name, version)
        )`,
      ],
    ],
  };
}
