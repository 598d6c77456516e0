import type { Definition } from '../definition/schema.ts';
import type { RunRecord, StepRecord, StoredCheckpoint, StoredDefinition } from './types.ts';

/** Row ↔ record conversion shared by both stores (snake_case columns, JSON as text, times as ms). */

export type Row = Record<string, unknown>;

export function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function parse<T>(value: unknown): T | undefined {
  if (value === null || value === undefined) return undefined;
  return JSON.parse(String(value)) as T;
}

function num(value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : Number(value);
}

export function runFromRow(row: Row): RunRecord {
  const run: RunRecord = {
    runId: String(row.run_id),
    workflow: String(row.workflow),
    version: String(row.version),
    definitionHash: String(row.definition_hash),
    definition: parse<Definition>(row.definition) as Definition,
    fromRegistry: Number(row.from_registry) === 1 || row.from_registry === true,
    input: parse(row.input) ?? null,
    status: String(row.status) as RunRecord['status'],
    caller: String(row.caller),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
  const output = parse(row.output);
  if (output !== undefined) run.output = output;
  const error = parse<RunRecord['error']>(row.error);
  if (error) run.error = error;
  if (row.idempotency_key !== null && row.idempotency_key !== undefined) run.idempotencyKey = String(row.idempotency_key);
  if (Number(row.is_task) === 1 || row.is_task === true) run.task = { ttl: num(row.task_ttl) ?? null };
  const cancel = parse<{ compensate: boolean }>(row.cancel_requested);
  if (cancel) run.cancelRequested = cancel;
  if (row.lease_owner !== null && row.lease_owner !== undefined) run.leaseOwner = String(row.lease_owner);
  const leaseUntil = num(row.lease_until);
  if (leaseUntil !== undefined) run.leaseUntil = leaseUntil;
  const finishedAt = num(row.finished_at);
  if (finishedAt !== undefined) run.finishedAt = finishedAt;
  return run;
}

export function stepFromRow(row: Row): StepRecord {
  const step: StepRecord = {
    key: String(row.key),
    stepId: String(row.step_id),
    kind: String(row.kind),
    status: String(row.status) as StepRecord['status'],
    attempts: Number(row.attempts),
    ord: Number(row.ord),
    startedAt: Number(row.started_at),
  };
  const output = parse(row.output);
  if (output !== undefined) step.output = output;
  if (row.sealed !== null && row.sealed !== undefined) step.sealed = String(row.sealed);
  const error = parse<StepRecord['error']>(row.error);
  if (error) step.error = error;
  const data = parse<Record<string, unknown>>(row.data);
  if (data) step.data = data;
  const doneSeq = num(row.done_seq);
  if (doneSeq !== undefined) step.doneSeq = doneSeq;
  const finishedAt = num(row.finished_at);
  if (finishedAt !== undefined) step.finishedAt = finishedAt;
  return step;
}

/** The parameters of a step upsert, in column order (see STEP_COLUMNS). */
export function stepParams(runId: string, step: StepRecord): (string | number | null)[] {
  return [
    runId,
    step.key,
    step.stepId,
    step.kind,
    step.status,
    step.attempts,
    json(step.output),
    step.sealed ?? null,
    json(step.error),
    json(step.data),
    step.ord,
    step.doneSeq ?? null,
    step.startedAt,
    step.finishedAt ?? null,
  ];
}

export const STEP_COLUMNS = [
  'run_id',
  'key',
  'step_id',
  'kind',
  'status',
  'attempts',
  'output',
  'sealed',
  'error',
  'data',
  'ord',
  'done_seq',
  'started_at',
  'finished_at',
];

export function checkpointFromRow(row: Row): StoredCheckpoint {
  const checkpoint: StoredCheckpoint = {
    seq: Number(row.seq),
    key: String(row.key),
    event: String(row.event) as StoredCheckpoint['event'],
    attempt: Number(row.attempt),
    definitionHash: String(row.definition_hash),
    at: Number(row.at),
  };
  const detail = parse<Record<string, unknown>>(row.detail);
  if (detail) checkpoint.detail = detail;
  return checkpoint;
}

export function definitionFromRow(row: Row): StoredDefinition {
  return {
    name: String(row.name),
    version: String(row.version),
    hash: String(row.hash),
    definition: parse<Definition>(row.definition) as Definition,
    source: String(row.source) as StoredDefinition['source'],
    createdAt: Number(row.created_at),
  };
}

/** Newest version first: numeric-aware comparison (1.10.0 after 1.9.0). */
export function compareVersions(a: string, b: string): number {
  return b.localeCompare(a, 'en', { numeric: true });
}
