import pg from 'pg';
import {
  checkpointFromRow,
  compareVersions,
  definitionFromRow,
  json,
  type Row,
  runFromRow,
  STEP_COLUMNS,
  stepFromRow,
  stepParams,
} from './rows.ts';
import {
  type CheckpointEvent,
  type NewRun,
  type RenewResult,
  type RunCursor,
  type RunFilter,
  type RunPatch,
  type RunRecord,
  type RunStore,
  type StepRecord,
  type StoredCheckpoint,
  type StoredDefinition,
  UNFINISHED,
} from './types.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS wf_runs (
  run_id TEXT PRIMARY KEY,
  workflow TEXT NOT NULL,
  version TEXT NOT NULL,
  definition_hash TEXT NOT NULL,
  definition TEXT NOT NULL,
  from_registry BOOLEAN NOT NULL DEFAULT false,
  input TEXT,
  status TEXT NOT NULL,
  output TEXT,
  error TEXT,
  idempotency_key TEXT UNIQUE,
  caller TEXT NOT NULL,
  is_task BOOLEAN NOT NULL DEFAULT false,
  task_ttl BIGINT,
  cancel_requested TEXT,
  lease_owner TEXT,
  lease_until BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE INDEX IF NOT EXISTS wf_runs_created ON wf_runs (created_at DESC, run_id DESC);
CREATE INDEX IF NOT EXISTS wf_runs_status ON wf_runs (status, lease_until);
CREATE TABLE IF NOT EXISTS wf_steps (
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
  started_at BIGINT NOT NULL,
  finished_at BIGINT,
  PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS wf_checkpoints (
  seq BIGSERIAL PRIMARY KEY,
  run_id TEXT NOT NULL,
  key TEXT NOT NULL,
  event TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  definition_hash TEXT NOT NULL,
  at BIGINT NOT NULL,
  detail TEXT
);
CREATE INDEX IF NOT EXISTS wf_checkpoints_run ON wf_checkpoints (run_id, seq);
CREATE TABLE IF NOT EXISTS wf_definitions (
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  hash TEXT NOT NULL,
  definition TEXT NOT NULL,
  source TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (name, version)
);
`;

/** Arbitrary constant: the advisory lock that serialises schema creation between replicas starting together. */
const SCHEMA_LOCK = 73_917_004;
const STEP_CASTS = [
  'text',
  'text',
  'text',
  'text',
  'text',
  'int',
  'text',
  'text',
  'text',
  'text',
  'int',
  'int',
  'bigint',
  'bigint',
];
const STEP_UPSERT = (owner: number) => `
  WITH lease AS (SELECT 1 FROM wf_runs WHERE run_id = $1 AND lease_owner = $${owner} FOR SHARE),
  step AS (
    INSERT INTO wf_steps (${STEP_COLUMNS.join(', ')})
    SELECT ${STEP_CASTS.map((cast, i) => `$${i + 1}::${cast}`).join(', ')} WHERE EXISTS (SELECT 1 FROM lease)
    ON CONFLICT (run_id, key) DO UPDATE SET ${STEP_COLUMNS.slice(2)
      .map((c) => `${c} = excluded.${c}`)
      .join(', ')}
    RETURNING 1
  )`;
const CHECKPOINT_SQL = `${STEP_UPSERT(15)},
  ev AS (
    INSERT INTO wf_checkpoints (run_id, key, event, attempt, definition_hash, at, detail)
    SELECT $1::text, $16::text, $17::text, $18::int, $19::text, $20::bigint, $21::text WHERE EXISTS (SELECT 1 FROM lease)
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM step)::int AS n`;
const STEP_ONLY_SQL = `${STEP_UPSERT(15)} SELECT (SELECT count(*) FROM step)::int AS n`;

/** The run store on PostgreSQL, shared by several orchestrator replicas. */
export class PostgresRunStore implements RunStore {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;

  constructor(url: string, poolSize = 10) {
    this.#pool = new pg.Pool({ connectionString: url, max: poolSize });
    this.#pool.on('error', () => {});
  }

  async init(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [SCHEMA_LOCK]);
      try {
        await client.query(SCHEMA);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [SCHEMA_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.#pool.query(sql, params)).rows as Row[];
  }

  async #count(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.#pool.query(sql, params)).rowCount ?? 0;
  }

  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async createRun(run: NewRun): Promise<{ run: RunRecord; created: boolean }> {
    const inserted = await this.#rows(
      `INSERT INTO wf_runs (run_id, workflow, version, definition_hash, definition, from_registry, input, status,
         idempotency_key, caller, is_task, task_ttl, lease_owner, lease_until, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`,
      [
        run.runId,
        run.workflow,
        run.version,
        run.definitionHash,
        JSON.stringify(run.definition),
        run.fromRegistry,
        json(run.input),
        run.status,
        run.idempotencyKey ?? null,
        run.caller,
        run.task !== undefined,
        run.task?.ttl ?? null,
        run.leaseOwner ?? null,
        run.leaseUntil ?? null,
        run.createdAt,
        run.updatedAt,
      ],
    );
    if (inserted[0]) return { run: runFromRow(inserted[0]), created: true };
    const [existing] = await this.#rows('SELECT * FROM wf_runs WHERE idempotency_key = $1', [run.idempotencyKey ?? null]);
    if (!existing) throw new Error('run insert failed');
    return { run: runFromRow(existing), created: false };
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const [row] = await this.#rows('SELECT * FROM wf_runs WHERE run_id = $1', [runId]);
    return row ? runFromRow(row) : undefined;
  }

  async listRuns(filter: RunFilter, limit: number, after?: RunCursor): Promise<{ runs: RunRecord[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.status?.length) where.push(`status = ANY(${add(filter.status)})`);
    if (filter.workflow) where.push(`workflow = ${add(filter.workflow)}`);
    if (filter.caller) where.push(`caller = ${add(filter.caller)}`);
    if (filter.createdAfter !== undefined) where.push(`created_at >= ${add(filter.createdAfter)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [count] = await this.#rows(`SELECT count(*)::int AS n FROM wf_runs ${clause}`, params);
    if (after) {
      const at = add(after.createdAt);
      where.push(`(created_at < ${at} OR (created_at = ${at} AND run_id < ${add(after.runId)}))`);
    }
    const rows = await this.#rows(
      `SELECT * FROM wf_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, run_id DESC LIMIT ${add(limit)}`,
      params,
    );
    return { runs: rows.map(runFromRow), total: Number(count?.n ?? 0) };
  }

  async updateRun(runId: string, patch: RunPatch, owner?: string): Promise<boolean> {
    const params: unknown[] = [Date.now()];
    const add = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const sets = ['updated_at = $1'];
    if (patch.status !== undefined) sets.push(`status = ${add(patch.status)}`);
    if ('output' in patch) sets.push(`output = ${add(json(patch.output))}`);
    if (patch.error !== undefined) sets.push(`error = ${add(json(patch.error ?? undefined))}`);
    if (patch.finishedAt !== undefined) sets.push(`finished_at = ${add(patch.finishedAt)}`);
    if (patch.cancelRequested !== undefined) sets.push(`cancel_requested = ${add(json(patch.cancelRequested ?? undefined))}`);
    let sql = `UPDATE wf_runs SET ${sets.join(', ')} WHERE run_id = ${add(runId)}`;
    if (owner !== undefined) sql += ` AND lease_owner = ${add(owner)}`;
    return (await this.#count(sql, params)) === 1;
  }

  async requestCancel(runId: string, compensate: boolean): Promise<RunRecord | undefined> {
    await this.#count(
      `UPDATE wf_runs SET cancel_requested = $1, updated_at = $2 WHERE run_id = $3 AND status = ANY($4) AND cancel_requested IS NULL`,
      [JSON.stringify({ compensate }), Date.now(), runId, UNFINISHED],
    );
    return this.getRun(runId);
  }

  async claimRun(runId: string, owner: string, until: number, now: number): Promise<RunRecord | undefined> {
    const [row] = await this.#rows(
      `UPDATE wf_runs SET lease_owner = $1, lease_until = $2 WHERE run_id = $3 AND status = ANY($4)
         AND (lease_owner IS NULL OR lease_until IS NULL OR lease_until < $5 OR lease_owner = $1) RETURNING *`,
      [owner, until, runId, UNFINISHED, now],
    );
    return row ? runFromRow(row) : undefined;
  }

  async renewLeases(owner: string, runIds: string[], until: number): Promise<RenewResult> {
    const held = new Set<string>();
    const cancels = new Map<string, { compensate: boolean }>();
    if (runIds.length === 0) return { held, cancels };
    const rows = await this.#rows(
      'UPDATE wf_runs SET lease_until = $1 WHERE lease_owner = $2 AND run_id = ANY($3) RETURNING run_id, cancel_requested',
      [until, owner, runIds],
    );
    for (const row of rows) {
      const id = String(row.run_id);
      held.add(id);
      if (row.cancel_requested) cancels.set(id, JSON.parse(String(row.cancel_requested)));
    }
    return { held, cancels };
  }

  async releaseLease(runId: string, owner: string): Promise<void> {
    await this.#count('UPDATE wf_runs SET lease_owner = NULL, lease_until = NULL WHERE run_id = $1 AND lease_owner = $2', [
      runId,
      owner,
    ]);
  }

  async listClaimable(now: number, limit: number): Promise<string[]> {
    const rows = await this.#rows(
      `SELECT run_id FROM wf_runs WHERE status = ANY($1) AND (lease_owner IS NULL OR lease_until IS NULL OR lease_until < $2)
       ORDER BY created_at LIMIT $3`,
      [UNFINISHED, now, limit],
    );
    return rows.map((row) => String(row.run_id));
  }

  async getSteps(runId: string): Promise<StepRecord[]> {
    return (await this.#rows('SELECT * FROM wf_steps WHERE run_id = $1 ORDER BY ord', [runId])).map(stepFromRow);
  }

  async getStep(runId: string, key: string): Promise<StepRecord | undefined> {
    const [row] = await this.#rows('SELECT * FROM wf_steps WHERE run_id = $1 AND key = $2', [runId, key]);
    return row ? stepFromRow(row) : undefined;
  }

  async checkpoint(runId: string, owner: string, step: StepRecord, event?: CheckpointEvent): Promise<boolean> {
    const params: unknown[] = [...stepParams(runId, step), owner];
    if (event) {
      params.push(event.key, event.event, event.attempt, event.definitionHash, event.at, json(event.detail));
    }
    const [row] = await this.#rows(event ? CHECKPOINT_SQL : STEP_ONLY_SQL, params);
    return Number(row?.n ?? 0) === 1;
  }

  async deleteSteps(runId: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.#count('DELETE FROM wf_steps WHERE run_id = $1 AND key = ANY($2)', [runId, keys]);
  }

  async decideApproval(runId: string, key: string, decision: Record<string, unknown>): Promise<boolean> {
    return this.#transaction(async (client) => {
      const { rows } = await client.query(
        "SELECT data FROM wf_steps WHERE run_id = $1 AND key = $2 AND status = 'waiting' FOR UPDATE",
        [runId, key],
      );
      const row = rows[0] as Row | undefined;
      if (!row) return false;
      const data = row.data ? (JSON.parse(String(row.data)) as Record<string, unknown>) : {};
      if (data.decision) return false;
      await client.query('UPDATE wf_steps SET data = $1 WHERE run_id = $2 AND key = $3', [
        JSON.stringify({ ...data, decision }),
        runId,
        key,
      ]);
      return true;
    });
  }

  async listCheckpoints(runId: string, limit: number): Promise<StoredCheckpoint[]> {
    return (await this.#rows('SELECT * FROM wf_checkpoints WHERE run_id = $1 ORDER BY seq LIMIT $2', [runId, limit])).map(
      checkpointFromRow,
    );
  }

  async putDefinition(definition: StoredDefinition, overwrite: boolean): Promise<'created' | 'same' | 'conflict' | 'replaced'> {
    return this.#transaction(async (client) => {
      const { rows } = await client.query('SELECT hash FROM wf_definitions WHERE name = $1 AND version = $2 FOR UPDATE', [
        definition.name,
        definition.version,
      ]);
      const existing = rows[0] as Row | undefined;
      if (existing?.hash === definition.hash) return 'same';
      if (existing && !overwrite) return 'conflict';
      await client.query(
        `INSERT INTO wf_definitions (name, version, hash, definition, source, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (name, version) DO UPDATE SET hash = excluded.hash, definition = excluded.definition,
           source = excluded.source, created_at = excluded.created_at`,
        [
          definition.name,
          definition.version,
          definition.hash,
          JSON.stringify(definition.definition),
          definition.source,
          definition.createdAt,
        ],
      );
      return existing ? 'replaced' : 'created';
    });
  }

  async getDefinition(name: string, version?: string): Promise<StoredDefinition | undefined> {
    if (version !== undefined) {
      const [row] = await this.#rows('SELECT * FROM wf_definitions WHERE name = $1 AND version = $2', [name, version]);
      return row ? definitionFromRow(row) : undefined;
    }
    const rows = (await this.#rows('SELECT * FROM wf_definitions WHERE name = $1', [name])).map(definitionFromRow);
    return rows.sort((a, b) => compareVersions(a.version, b.version))[0];
  }

  async listDefinitions(
    name: string | undefined,
    limit: number,
    offset: number,
  ): Promise<{ items: StoredDefinition[]; total: number }> {
    const where = name ? 'WHERE name = $1' : '';
    const params: unknown[] = name ? [name] : [];
    const [count] = await this.#rows(`SELECT count(*)::int AS n FROM wf_definitions ${where}`, params);
    const rows = await this.#rows(
      `SELECT * FROM wf_definitions ${where} ORDER BY name, version LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, offset],
    );
    return { items: rows.map(definitionFromRow), total: Number(count?.n ?? 0) };
  }
}
