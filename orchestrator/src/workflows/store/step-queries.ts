import { type Db, lockRows, placeholders, type Queryable } from '@switchboard/shared/sql';
import {
  checkpointFromRow,
  compareVersions,
  definitionFromRow,
  json,
  type Row,
  STEP_COLUMNS,
  stepFromRow,
  stepParams,
} from './rows.ts';
import type { CheckpointEvent, StepRecord, StoredCheckpoint, StoredDefinition } from './types.ts';

/** Steps, checkpoints and definitions, written once for both dialects. */

/** The column types of a step upsert, in STEP_COLUMNS order (PostgreSQL cannot infer them in INSERT ... SELECT). */
const STEP_TYPES = [
  'TEXT',
  'TEXT',
  'TEXT',
  'TEXT',
  'TEXT',
  'INTEGER',
  'TEXT',
  'TEXT',
  'TEXT',
  'TEXT',
  'INTEGER',
  'INTEGER',
  'BIGINT',
  'BIGINT',
];
const STEP_VALUES = STEP_TYPES.map((type) => `CAST(? AS ${type})`).join(', ');
const STEP_UPDATES = STEP_COLUMNS.slice(2)
  .map((c) => `${c} = excluded.${c}`)
  .join(', ');
const EVENT_COLUMNS = 'run_id, key, event, attempt, definition_hash, at, detail';
const EVENT_VALUES =
  'CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT)';

/** The checkpoint statements of a dialect, built once (they are the hottest statements of the engine). */
const CHECKPOINT_SQL = new Map<Db['dialect'], { upsert: string; withEvent: string; stepOnly: string; event: string }>();

function checkpointSql(dialect: Db['dialect']) {
  let sql = CHECKPOINT_SQL.get(dialect);
  if (!sql) {
    const lease = `EXISTS (SELECT 1 FROM wf_runs WHERE run_id = ? AND lease_owner = ?${lockRows(dialect, 'share')})`;
    const upsert = `INSERT INTO wf_steps (${STEP_COLUMNS.join(', ')}) SELECT ${STEP_VALUES} WHERE ${lease}
    ON CONFLICT (run_id, key) DO UPDATE SET ${STEP_UPDATES}`;
    sql = {
      upsert,
      withEvent: `WITH step AS (${upsert} RETURNING 1),
           ev AS (INSERT INTO wf_checkpoints (${EVENT_COLUMNS}) SELECT ${EVENT_VALUES} WHERE EXISTS (SELECT 1 FROM step) RETURNING 1)
         SELECT (SELECT count(*) FROM step) AS n, (SELECT count(*) FROM ev) AS e`,
      stepOnly: `WITH step AS (${upsert} RETURNING 1) SELECT (SELECT count(*) FROM step) AS n`,
      event: `INSERT INTO wf_checkpoints (${EVENT_COLUMNS}) VALUES (${placeholders(7)})`,
    };
    CHECKPOINT_SQL.set(dialect, sql);
  }
  return sql;
}

function eventParams(runId: string, event: CheckpointEvent): (string | number | null)[] {
  return [runId, event.key, event.event, event.attempt, event.definitionHash, event.at, json(event.detail)];
}

/**
 * Upserts a step and appends its event, both only while `owner` holds the run's lease (the fence: a replica that
 * lost the run writes nothing). PostgreSQL does it in one statement (one round trip; the lease row is share-locked
 * so a take-over waits for it); SQLite, in process, in one transaction of two statements.
 */
export async function checkpoint(
  db: Db,
  runId: string,
  owner: string,
  step: StepRecord,
  event?: CheckpointEvent,
): Promise<boolean> {
  const sql = checkpointSql(db.dialect);
  const stepParams_ = [...stepParams(runId, step), runId, owner];
  if (db.dialect === 'postgres') {
    const row = event
      ? await db.read((q) => q.get<Row>(sql.withEvent, [...stepParams_, ...eventParams(runId, event)]))
      : await db.read((q) => q.get<Row>(sql.stepOnly, stepParams_));
    return Number(row?.n ?? 0) === 1;
  }
  return db.write(async (q) => {
    if ((await q.run(sql.upsert, stepParams_)) !== 1) return false;
    if (event) await q.run(sql.event, eventParams(runId, event));
    return true;
  });
}

export async function getSteps(q: Queryable, runId: string): Promise<StepRecord[]> {
  return (await q.all<Row>('SELECT * FROM wf_steps WHERE run_id = ? ORDER BY ord', [runId])).map(stepFromRow);
}

export async function getStep(q: Queryable, runId: string, key: string): Promise<StepRecord | undefined> {
  const row = await q.get<Row>('SELECT * FROM wf_steps WHERE run_id = ? AND key = ?', [runId, key]);
  return row ? stepFromRow(row) : undefined;
}

export async function deleteSteps(q: Queryable, runId: string, keys: string[]): Promise<void> {
  if (keys.length > 0)
    await q.run(`DELETE FROM wf_steps WHERE run_id = ? AND key IN (${placeholders(keys.length)})`, [runId, ...keys]);
}

/** Records the decision on a waiting approval step, once: false when it is not waiting or already decided. */
export async function decideApproval(db: Db, runId: string, key: string, decision: Record<string, unknown>): Promise<boolean> {
  return db.write(async (q) => {
    const row = await q.get<Row>(
      `SELECT data FROM wf_steps WHERE run_id = ? AND key = ? AND status = 'waiting'${lockRows(db.dialect, 'update')}`,
      [runId, key],
    );
    if (!row) return false;
    const data = row.data ? (JSON.parse(String(row.data)) as Record<string, unknown>) : {};
    if (data.decision) return false;
    await q.run('UPDATE wf_steps SET data = ? WHERE run_id = ? AND key = ?', [JSON.stringify({ ...data, decision }), runId, key]);
    return true;
  });
}

export async function listCheckpoints(q: Queryable, runId: string, limit: number): Promise<StoredCheckpoint[]> {
  return (await q.all<Row>('SELECT * FROM wf_checkpoints WHERE run_id = ? ORDER BY seq LIMIT ?', [runId, limit])).map(
    checkpointFromRow,
  );
}

export async function putDefinition(
  db: Db,
  definition: StoredDefinition,
  overwrite: boolean,
): Promise<'created' | 'same' | 'conflict' | 'replaced'> {
  return db.write(async (q) => {
    const existing = await q.get<Row>(
      `SELECT hash FROM wf_definitions WHERE name = ? AND version = ?${lockRows(db.dialect, 'update')}`,
      [definition.name, definition.version],
    );
    if (existing?.hash === definition.hash) return 'same';
    if (existing && !overwrite) return 'conflict';
    await q.run(
      `INSERT INTO wf_definitions (name, version, hash, definition, source, created_at) VALUES (?, ?, ?, ?, ?, ?)
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

export async function getDefinition(q: Queryable, name: string, version?: string): Promise<StoredDefinition | undefined> {
  if (version !== undefined) {
    const row = await q.get<Row>('SELECT * FROM wf_definitions WHERE name = ? AND version = ?', [name, version]);
    return row ? definitionFromRow(row) : undefined;
  }
  const rows = (await q.all<Row>('SELECT * FROM wf_definitions WHERE name = ?', [name])).map(definitionFromRow);
  return rows.sort((a, b) => compareVersions(a.version, b.version))[0];
}

export async function listDefinitions(
  q: Queryable,
  name: string | undefined,
  limit: number,
  offset: number,
): Promise<{ items: StoredDefinition[]; total: number }> {
  const where = name ? 'WHERE name = ?' : '';
  const params = name ? [name] : [];
  const total = Number((await q.get<Row>(`SELECT count(*) AS n FROM wf_definitions ${where}`, params))?.n ?? 0);
  const rows = await q.all<Row>(`SELECT * FROM wf_definitions ${where} ORDER BY name, version LIMIT ? OFFSET ?`, [
    ...params,
    limit,
    offset,
  ]);
  return { items: rows.map(definitionFromRow), total };
}
