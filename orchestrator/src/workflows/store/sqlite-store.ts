import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
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
  from_registry INTEGER NOT NULL DEFAULT 0,
  input TEXT,
  status TEXT NOT NULL,
  output TEXT,
  error TEXT,
  idempotency_key TEXT UNIQUE,
  caller TEXT NOT NULL,
  is_task INTEGER NOT NULL DEFAULT 0,
  task_ttl INTEGER,
  cancel_requested TEXT,
  lease_owner TEXT,
  lease_until INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER
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
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS wf_checkpoints (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL,
  key TEXT NOT NULL,
  event TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  definition_hash TEXT NOT NULL,
  at INTEGER NOT NULL,
  detail TEXT
);
CREATE INDEX IF NOT EXISTS wf_checkpoints_run ON wf_checkpoints (run_id, seq);
CREATE TABLE IF NOT EXISTS wf_definitions (
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  hash TEXT NOT NULL,
  definition TEXT NOT NULL,
  source TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (name, version)
);
`;

const UNFINISHED_SQL = UNFINISHED.map((s) => `'${s}'`).join(',');

/** The embedded run store: one SQLite file (node:sqlite, WAL), for a single orchestrator replica. */
export class SqliteRunStore implements RunStore {
  readonly kind = 'sqlite' as const;
  readonly #path: string;
  #db: DatabaseSync | undefined;
  #statements = new Map<string, StatementSync>();

  constructor(path: string) {
    this.#path = path;
  }

  async init(): Promise<void> {
    if (this.#db) return;
    if (this.#path !== ':memory:') mkdirSync(dirname(this.#path), { recursive: true });
    const db = new DatabaseSync(this.#path);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = OFF;');
    db.exec(SCHEMA);
    this.#db = db;
  }

  async close(): Promise<void> {
    this.#statements.clear();
    this.#db?.close();
    this.#db = undefined;
  }

  #stmt(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      if (!this.#db) throw new Error('the workflow store is closed');
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #get(sql: string, ...params: SQLInputValue[]): Row | undefined {
    return this.#stmt(sql).get(...params) as Row | undefined;
  }

  #all(sql: string, ...params: SQLInputValue[]): Row[] {
    return this.#stmt(sql).all(...params) as Row[];
  }

  #run(sql: string, ...params: SQLInputValue[]): number {
    return Number(this.#stmt(sql).run(...params).changes);
  }

  #transaction<T>(work: () => T): T {
    const db = this.#db;
    if (!db) throw new Error('the workflow store is closed');
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      db.exec('COMMIT');
      return result;
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }

  async createRun(run: NewRun): Promise<{ run: RunRecord; created: boolean }> {
    const changes = this.#run(
      `INSERT INTO wf_runs (run_id, workflow, version, definition_hash, definition, from_registry, input, status,
         idempotency_key, caller, is_task, task_ttl, lease_owner, lease_until, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
      run.runId,
      run.workflow,
      run.version,
      run.definitionHash,
      JSON.stringify(run.definition),
      run.fromRegistry ? 1 : 0,
      json(run.input),
      run.status,
      run.idempotencyKey ?? null,
      run.caller,
      run.task ? 1 : 0,
      run.task?.ttl ?? null,
      run.leaseOwner ?? null,
      run.leaseUntil ?? null,
      run.createdAt,
      run.updatedAt,
    );
    if (changes === 1) return { run: (await this.getRun(run.runId)) as RunRecord, created: true };
    const existing = this.#get('SELECT * FROM wf_runs WHERE idempotency_key = ?', run.idempotencyKey ?? null);
    if (!existing) throw new Error('run insert failed');
    return { run: runFromRow(existing), created: false };
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const row = this.#get('SELECT * FROM wf_runs WHERE run_id = ?', runId);
    return row ? runFromRow(row) : undefined;
  }

  async listRuns(filter: RunFilter, limit: number, after?: RunCursor): Promise<{ runs: RunRecord[]; total: number }> {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (filter.status?.length) {
      where.push(`status IN (${filter.status.map(() => '?').join(',')})`);
      params.push(...filter.status);
    }
    if (filter.workflow) {
      where.push('workflow = ?');
      params.push(filter.workflow);
    }
    if (filter.caller) {
      where.push('caller = ?');
      params.push(filter.caller);
    }
    if (filter.createdAfter !== undefined) {
      where.push('created_at >= ?');
      params.push(filter.createdAfter);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = Number(this.#get(`SELECT count(*) AS n FROM wf_runs ${clause}`, ...params)?.n ?? 0);
    const page = [...where];
    const pageParams = [...params];
    if (after) {
      page.push('(created_at < ? OR (created_at = ? AND run_id < ?))');
      pageParams.push(after.createdAt, after.createdAt, after.runId);
    }
    const rows = this.#all(
      `SELECT * FROM wf_runs ${page.length ? `WHERE ${page.join(' AND ')}` : ''} ORDER BY created_at DESC, run_id DESC LIMIT ?`,
      ...pageParams,
      limit,
    );
    return { runs: rows.map(runFromRow), total };
  }

  async updateRun(runId: string, patch: RunPatch, owner?: string): Promise<boolean> {
    const sets: string[] = ['updated_at = ?'];
    const params: SQLInputValue[] = [Date.now()];
    if (patch.status !== undefined) {
      sets.push('status = ?');
      params.push(patch.status);
    }
    if ('output' in patch) {
      sets.push('output = ?');
      params.push(json(patch.output));
    }
    if (patch.error !== undefined) {
      sets.push('error = ?');
      params.push(json(patch.error ?? undefined));
    }
    if (patch.finishedAt !== undefined) {
      sets.push('finished_at = ?');
      params.push(patch.finishedAt);
    }
    if (patch.cancelRequested !== undefined) {
      sets.push('cancel_requested = ?');
      params.push(json(patch.cancelRequested ?? undefined));
    }
    params.push(runId);
    let sql = `UPDATE wf_runs SET ${sets.join(', ')} WHERE run_id = ?`;
    if (owner !== undefined) {
      sql += ' AND lease_owner = ?';
      params.push(owner);
    }
    return this.#run(sql, ...params) === 1;
  }

  async requestCancel(runId: string, compensate: boolean): Promise<RunRecord | undefined> {
    this.#run(
      `UPDATE wf_runs SET cancel_requested = ?, updated_at = ? WHERE run_id = ? AND status IN (${UNFINISHED_SQL}) AND cancel_requested IS NULL`,
      JSON.stringify({ compensate }),
      Date.now(),
      runId,
    );
    return this.getRun(runId);
  }

  async claimRun(runId: string, owner: string, until: number, now: number): Promise<RunRecord | undefined> {
    const changes = this.#run(
      `UPDATE wf_runs SET lease_owner = ?, lease_until = ? WHERE run_id = ? AND status IN (${UNFINISHED_SQL})
         AND (lease_owner IS NULL OR lease_until IS NULL OR lease_until < ? OR lease_owner = ?)`,
      owner,
      until,
      runId,
      now,
      owner,
    );
    return changes === 1 ? this.getRun(runId) : undefined;
  }

  async renewLeases(owner: string, runIds: string[], until: number): Promise<RenewResult> {
    const held = new Set<string>();
    const cancels = new Map<string, { compensate: boolean }>();
    if (runIds.length === 0) return { held, cancels };
    const marks = runIds.map(() => '?').join(',');
    this.#run(`UPDATE wf_runs SET lease_until = ? WHERE lease_owner = ? AND run_id IN (${marks})`, until, owner, ...runIds);
    for (const row of this.#all(
      `SELECT run_id, cancel_requested FROM wf_runs WHERE lease_owner = ? AND run_id IN (${marks})`,
      owner,
      ...runIds,
    )) {
      const id = String(row.run_id);
      held.add(id);
      if (row.cancel_requested) cancels.set(id, JSON.parse(String(row.cancel_requested)));
    }
    return { held, cancels };
  }

  async releaseLease(runId: string, owner: string): Promise<void> {
    this.#run('UPDATE wf_runs SET lease_owner = NULL, lease_until = NULL WHERE run_id = ? AND lease_owner = ?', runId, owner);
  }

  async listClaimable(now: number, limit: number): Promise<string[]> {
    return this.#all(
      `SELECT run_id FROM wf_runs WHERE status IN (${UNFINISHED_SQL}) AND (lease_owner IS NULL OR lease_until IS NULL OR lease_until < ?)
       ORDER BY created_at LIMIT ?`,
      now,
      limit,
    ).map((row) => String(row.run_id));
  }

  async getSteps(runId: string): Promise<StepRecord[]> {
    return this.#all('SELECT * FROM wf_steps WHERE run_id = ? ORDER BY ord', runId).map(stepFromRow);
  }

  async getStep(runId: string, key: string): Promise<StepRecord | undefined> {
    const row = this.#get('SELECT * FROM wf_steps WHERE run_id = ? AND key = ?', runId, key);
    return row ? stepFromRow(row) : undefined;
  }

  async checkpoint(runId: string, owner: string, step: StepRecord, event?: CheckpointEvent): Promise<boolean> {
    const updates = STEP_COLUMNS.slice(2)
      .map((c) => `${c} = excluded.${c}`)
      .join(', ');
    return this.#transaction(() => {
      const holder = this.#get('SELECT lease_owner FROM wf_runs WHERE run_id = ?', runId);
      if (holder?.lease_owner !== owner) return false;
      this.#run(
        `INSERT INTO wf_steps (${STEP_COLUMNS.join(', ')}) VALUES (${STEP_COLUMNS.map(() => '?').join(', ')})
         ON CONFLICT (run_id, key) DO UPDATE SET ${updates}`,
        ...stepParams(runId, step),
      );
      if (event) {
        this.#run(
          'INSERT INTO wf_checkpoints (run_id, key, event, attempt, definition_hash, at, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
          runId,
          event.key,
          event.event,
          event.attempt,
          event.definitionHash,
          event.at,
          json(event.detail),
        );
      }
      return true;
    });
  }

  async deleteSteps(runId: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    this.#transaction(() => {
      for (const key of keys) this.#run('DELETE FROM wf_steps WHERE run_id = ? AND key = ?', runId, key);
    });
  }

  async decideApproval(runId: string, key: string, decision: Record<string, unknown>): Promise<boolean> {
    return this.#transaction(() => {
      const row = this.#get("SELECT data FROM wf_steps WHERE run_id = ? AND key = ? AND status = 'waiting'", runId, key);
      if (!row) return false;
      const data = row.data ? (JSON.parse(String(row.data)) as Record<string, unknown>) : {};
      if (data.decision) return false;
      this.#run('UPDATE wf_steps SET data = ? WHERE run_id = ? AND key = ?', JSON.stringify({ ...data, decision }), runId, key);
      return true;
    });
  }

  async listCheckpoints(runId: string, limit: number): Promise<StoredCheckpoint[]> {
    return this.#all('SELECT * FROM wf_checkpoints WHERE run_id = ? ORDER BY seq LIMIT ?', runId, limit).map(checkpointFromRow);
  }

  async putDefinition(definition: StoredDefinition, overwrite: boolean): Promise<'created' | 'same' | 'conflict' | 'replaced'> {
    return this.#transaction(() => {
      const existing = this.#get(
        'SELECT hash FROM wf_definitions WHERE name = ? AND version = ?',
        definition.name,
        definition.version,
      );
      if (existing?.hash === definition.hash) return 'same';
      if (existing && !overwrite) return 'conflict';
      this.#run(
        `INSERT INTO wf_definitions (name, version, hash, definition, source, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (name, version) DO UPDATE SET hash = excluded.hash, definition = excluded.definition,
           source = excluded.source, created_at = excluded.created_at`,
        definition.name,
        definition.version,
        definition.hash,
        JSON.stringify(definition.definition),
        definition.source,
        definition.createdAt,
      );
      return existing ? 'replaced' : 'created';
    });
  }

  async getDefinition(name: string, version?: string): Promise<StoredDefinition | undefined> {
    if (version !== undefined) {
      const row = this.#get('SELECT * FROM wf_definitions WHERE name = ? AND version = ?', name, version);
      return row ? definitionFromRow(row) : undefined;
    }
    const rows = this.#all('SELECT * FROM wf_definitions WHERE name = ?', name).map(definitionFromRow);
    return rows.sort((a, b) => compareVersions(a.version, b.version))[0];
  }

  async listDefinitions(
    name: string | undefined,
    limit: number,
    offset: number,
  ): Promise<{ items: StoredDefinition[]; total: number }> {
    const where = name ? 'WHERE name = ?' : '';
    const params: SQLInputValue[] = name ? [name] : [];
    const total = Number(this.#get(`SELECT count(*) AS n FROM wf_definitions ${where}`, ...params)?.n ?? 0);
    const rows = this.#all(
      `SELECT * FROM wf_definitions ${where} ORDER BY name, version LIMIT ? OFFSET ?`,
      ...params,
      limit,
      offset,
    );
    return { items: rows.map(definitionFromRow), total };
  }
}
