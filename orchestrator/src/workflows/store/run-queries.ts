import { placeholders, type Queryable, type SqlValue } from '@switchboard/shared/sql';
import { json, type Row, runFromRow } from './rows.ts';
import {
  type NewRun,
  type RenewResult,
  type RunCursor,
  type RunFilter,
  type RunPatch,
  type RunRecord,
  UNFINISHED,
} from './types.ts';

/** Runs and their leases, written once for both dialects. */

const UNFINISHED_IN = `status IN (${placeholders(UNFINISHED.length)})`;
/** Nobody holds the run: no lease, or an expired one (the parameter is now). */
const FREE = '(lease_owner IS NULL OR lease_until IS NULL OR lease_until < ?)';

export async function createRun(q: Queryable, run: NewRun): Promise<{ run: RunRecord; created: boolean }> {
  const inserted = await q.get<Row>(
    `INSERT INTO wf_runs (run_id, workflow, version, definition_hash, definition, from_registry, input, status,
       idempotency_key, caller, is_task, task_ttl, lease_owner, lease_until, created_at, updated_at)
     VALUES (${placeholders(16)}) ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`,
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
  if (inserted) return { run: runFromRow(inserted), created: true };
  const existing = await q.get<Row>('SELECT * FROM wf_runs WHERE idempotency_key = ?', [run.idempotencyKey ?? null]);
  if (!existing) throw new Error('run insert failed');
  return { run: runFromRow(existing), created: false };
}

export async function getRun(q: Queryable, runId: string): Promise<RunRecord | undefined> {
  const row = await q.get<Row>('SELECT * FROM wf_runs WHERE run_id = ?', [runId]);
  return row ? runFromRow(row) : undefined;
}

export async function listRuns(
  q: Queryable,
  filter: RunFilter,
  limit: number,
  after?: RunCursor,
): Promise<{ runs: RunRecord[]; total: number }> {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (filter.status?.length) {
    where.push(`status IN (${placeholders(filter.status.length)})`);
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
  const total = Number((await q.get<Row>(`SELECT count(*) AS n FROM wf_runs ${clause}`, params))?.n ?? 0);
  if (after) {
    where.push('(created_at < ? OR (created_at = ? AND run_id < ?))');
    params.push(after.createdAt, after.createdAt, after.runId);
  }
  const rows = await q.all<Row>(
    `SELECT * FROM wf_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, run_id DESC LIMIT ?`,
    [...params, limit],
  );
  return { runs: rows.map(runFromRow), total };
}

export async function updateRun(q: Queryable, runId: string, patch: RunPatch, owner?: string): Promise<boolean> {
  const sets: string[] = ['updated_at = ?'];
  const params: SqlValue[] = [Date.now()];
  const set = (column: string, value: SqlValue) => {
    sets.push(`${column} = ?`);
    params.push(value);
  };
  if (patch.status !== undefined) set('status', patch.status);
  if ('output' in patch) set('output', json(patch.output));
  if (patch.error !== undefined) set('error', json(patch.error ?? undefined));
  if (patch.finishedAt !== undefined) set('finished_at', patch.finishedAt);
  if (patch.cancelRequested !== undefined) set('cancel_requested', json(patch.cancelRequested ?? undefined));
  params.push(runId);
  let sql = `UPDATE wf_runs SET ${sets.join(', ')} WHERE run_id = ?`;
  if (owner !== undefined) {
    sql += ' AND lease_owner = ?';
    params.push(owner);
  }
  return (await q.run(sql, params)) === 1;
}

export async function requestCancel(q: Queryable, runId: string, compensate: boolean): Promise<RunRecord | undefined> {
  await q.run(
    `UPDATE wf_runs SET cancel_requested = ?, updated_at = ? WHERE run_id = ? AND ${UNFINISHED_IN} AND cancel_requested IS NULL`,
    [JSON.stringify({ compensate }), Date.now(), runId, ...UNFINISHED],
  );
  return getRun(q, runId);
}

export async function claimRun(
  q: Queryable,
  runId: string,
  owner: string,
  until: number,
  now: number,
): Promise<RunRecord | undefined> {
  const row = await q.get<Row>(
    `UPDATE wf_runs SET lease_owner = ?, lease_until = ? WHERE run_id = ? AND ${UNFINISHED_IN}
       AND (lease_owner IS NULL OR lease_until IS NULL OR lease_until < ? OR lease_owner = ?) RETURNING *`,
    [owner, until, runId, ...UNFINISHED, now, owner],
  );
  return row ? runFromRow(row) : undefined;
}

export async function renewLeases(q: Queryable, owner: string, runIds: string[], until: number): Promise<RenewResult> {
  const held = new Set<string>();
  const cancels = new Map<string, { compensate: boolean }>();
  if (runIds.length === 0) return { held, cancels };
  const rows = await q.all<Row>(
    `UPDATE wf_runs SET lease_until = ? WHERE lease_owner = ? AND run_id IN (${placeholders(runIds.length)})
     RETURNING run_id, cancel_requested`,
    [until, owner, ...runIds],
  );
  for (const row of rows) {
    const id = String(row.run_id);
    held.add(id);
    if (row.cancel_requested) cancels.set(id, JSON.parse(String(row.cancel_requested)));
  }
  return { held, cancels };
}

export async function releaseLease(q: Queryable, runId: string, owner: string): Promise<void> {
  await q.run('UPDATE wf_runs SET lease_owner = NULL, lease_until = NULL WHERE run_id = ? AND lease_owner = ?', [runId, owner]);
}

export async function listClaimable(q: Queryable, now: number, limit: number): Promise<string[]> {
  const rows = await q.all<Row>(`SELECT run_id FROM wf_runs WHERE ${UNFINISHED_IN} AND ${FREE} ORDER BY created_at LIMIT ?`, [
    ...UNFINISHED,
    now,
    limit,
  ]);
  return rows.map((row) => String(row.run_id));
}
