import type { RunRecord, RunStatus, StepRecord } from '../store/types.ts';
import type { ErrorRecord } from './errors.ts';

export interface StepView {
  id: string;
  /** The step key: its path and loop indices (`loop/check:3`). */
  path: string;
  kind: string;
  status: string;
  attempts: number;
  error?: ErrorRecord;
  /** Status of the step's compensation, once it ran. */
  compensation?: string;
  output?: unknown;
}

export interface PendingApproval {
  stepId: string;
  path: string;
  message: string;
  deadline?: string;
}

export interface RunView {
  runId: string;
  workflow: string;
  version: string;
  status: RunStatus;
  output?: unknown;
  error?: ErrorRecord;
  steps: StepView[];
  pendingApprovals: PendingApproval[];
  definitionHash: string;
  idempotencyKey?: string;
  caller: string;
  leaseOwner?: string;
  cancelRequested: boolean;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function stepViews(records: readonly StepRecord[], options: { outputs?: boolean } = {}): StepView[] {
  const compensations = new Map<string, string>();
  for (const record of records) {
    if (record.key.endsWith('#compensate')) compensations.set(record.key.slice(0, -'#compensate'.length), record.status);
  }
  return [...records]
    .filter((r) => !r.key.endsWith('#compensate'))
    .sort((a, b) => a.ord - b.ord)
    .map((r) => ({
      id: r.stepId,
      path: r.key,
      kind: r.kind,
      status: r.status,
      attempts: r.attempts,
      ...(r.error ? { error: r.error } : {}),
      ...(compensations.has(r.key) ? { compensation: compensations.get(r.key) } : {}),
      ...(options.outputs && r.output !== undefined ? { output: r.output } : {}),
    }));
}

export function pendingApprovals(records: readonly StepRecord[]): PendingApproval[] {
  return records
    .filter((r) => r.kind === 'approval' && r.status === 'waiting' && !r.data?.decision)
    .map((r) => ({
      stepId: r.stepId,
      path: r.key,
      message: String(r.data?.message ?? ''),
      ...(typeof r.data?.deadline === 'number' ? { deadline: iso(r.data.deadline) } : {}),
    }));
}

/** What the tools return about a run: stored values only (outputs redacted, sensitive ones as a marker). */
export function runView(run: RunRecord, records: readonly StepRecord[], options: { outputs?: boolean } = {}): RunView {
  return {
    runId: run.runId,
    workflow: run.workflow,
    version: run.version,
    status: run.status,
    ...(run.output !== undefined ? { output: run.output } : {}),
    ...(run.error ? { error: run.error } : {}),
    steps: stepViews(records, options),
    pendingApprovals: pendingApprovals(records),
    definitionHash: run.definitionHash,
    ...(run.idempotencyKey ? { idempotencyKey: run.idempotencyKey } : {}),
    caller: run.caller,
    ...(run.leaseOwner ? { leaseOwner: run.leaseOwner } : {}),
    cancelRequested: run.cancelRequested !== undefined,
    createdAt: iso(run.createdAt),
    updatedAt: iso(run.updatedAt),
    ...(run.finishedAt !== undefined ? { finishedAt: iso(run.finishedAt) } : {}),
  };
}
