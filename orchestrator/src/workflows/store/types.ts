import type { Definition } from '../definition/schema.ts';
import type { ErrorRecord } from '../engine/errors.ts';

export const RUN_STATUSES = ['running', 'input_required', 'compensating', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];
/** Statuses a replica resumes (drives) after a restart or a lease take-over. */
export const UNFINISHED: readonly RunStatus[] = ['running', 'input_required', 'compensating'];

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL.includes(status);
}

export const STEP_STATUSES = ['running', 'retrying', 'waiting', 'completed', 'skipped', 'caught', 'failed', 'cancelled'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export interface RunRecord {
  runId: string;
  workflow: string;
  version: string;
  definitionHash: string;
  definition: Definition;
  /** The definition came from the registry (workflowRef); resume re-checks the registry's hash. */
  fromRegistry: boolean;
  /** As stored: redacted. */
  input: unknown;
  status: RunStatus;
  output?: unknown;
  error?: ErrorRecord;
  idempotencyKey?: string;
  caller: string;
  /** Set when the run was created by a task-augmented call. */
  task?: { ttl: number | null };
  cancelRequested?: { compensate: boolean };
  leaseOwner?: string;
  leaseUntil?: number;
  createdAt: number;
  updatedAt: number;
  finishedAt?: number;
}

/** One step execution (per loop index), as checkpointed: `key` is the step path plus `:index` per enclosing loop. */
export interface StepRecord {
  key: string;
  stepId: string;
  kind: string;
  status: StepStatus;
  attempts: number;
  /** As stored: redacted, or the sensitive marker. */
  output?: unknown;
  /** A sensitive output, sealed (AES-256-GCM); never clear text. */
  sealed?: string;
  error?: ErrorRecord;
  /** Per kind: idempotency key, retry time, wake time, approval request and decision, switch choice. */
  data?: Record<string, unknown>;
  /** Start order within the run. */
  ord: number;
  /** Completion order within the run (compensations run in reverse of it). */
  doneSeq?: number;
  startedAt: number;
  finishedAt?: number;
}

/** The append-only checkpoint log: before each call (`call`), its result, retries, compensations. */
export interface CheckpointEvent {
  key: string;
  event: 'call' | 'result' | 'retry' | 'compensate' | 'compensated' | 'step';
  attempt: number;
  definitionHash: string;
  at: number;
  detail?: Record<string, unknown>;
}

export interface StoredCheckpoint extends CheckpointEvent {
  seq: number;
}

export type NewRun = Omit<RunRecord, 'output' | 'error' | 'finishedAt' | 'cancelRequested'>;

export interface RunPatch {
  status?: RunStatus;
  output?: unknown;
  error?: ErrorRecord | null;
  finishedAt?: number | null;
  cancelRequested?: { compensate: boolean } | null;
}

export interface RunFilter {
  status?: RunStatus[];
  workflow?: string;
  caller?: string;
  createdAfter?: number;
}

/** Keyset position for paging: newest first. */
export interface RunCursor {
  createdAt: number;
  runId: string;
}

export interface StoredDefinition {
  name: string;
  version: string;
  hash: string;
  definition: Definition;
  source: 'registered' | 'directory';
  createdAt: number;
}

export interface RenewResult {
  /** Runs whose lease this owner still holds. */
  held: Set<string>;
  /** Cancellations requested (by any replica) for held runs. */
  cancels: Map<string, { compensate: boolean }>;
}

/**
 * Durable state of workflow runs. Every write of a step is fenced by the lease: it happens only while `owner`
 * holds the run (false otherwise), so a replica that lost a run cannot overwrite the new holder's progress.
 */
export interface RunStore {
  readonly kind: 'sqlite' | 'postgres';
  init(): Promise<void>;
  close(): Promise<void>;

  /** Inserts the run; with an idempotency key already used, returns that run instead (created false). */
  createRun(run: NewRun): Promise<{ run: RunRecord; created: boolean }>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  listRuns(filter: RunFilter, limit: number, after?: RunCursor): Promise<{ runs: RunRecord[]; total: number }>;
  /** Updates a run; with `owner`, only while that owner holds the lease (returns false otherwise). */
  updateRun(runId: string, patch: RunPatch, owner?: string): Promise<boolean>;
  /** Sets cancelRequested on an unfinished run; returns the run as it is after. */
  requestCancel(runId: string, compensate: boolean): Promise<RunRecord | undefined>;

  /** Takes the lease of an unfinished run when it is free, expired or already ours. */
  claimRun(runId: string, owner: string, until: number, now: number): Promise<RunRecord | undefined>;
  renewLeases(owner: string, runIds: string[], until: number): Promise<RenewResult>;
  releaseLease(runId: string, owner: string): Promise<void>;
  /** Unfinished runs nobody holds (no lease, or an expired one). */
  listClaimable(now: number, limit: number): Promise<string[]>;

  getSteps(runId: string): Promise<StepRecord[]>;
  getStep(runId: string, key: string): Promise<StepRecord | undefined>;
  /** Upserts a step record and appends the event, both only while `owner` holds the run. */
  checkpoint(runId: string, owner: string, step: StepRecord, event?: CheckpointEvent): Promise<boolean>;
  /** Removes step records (resumeWorkflow re-runs them). */
  deleteSteps(runId: string, keys: string[]): Promise<void>;
  /** Records an approval decision on a waiting approval step; false when it is not waiting or already decided. */
  decideApproval(runId: string, key: string, decision: Record<string, unknown>): Promise<boolean>;
  listCheckpoints(runId: string, limit: number): Promise<StoredCheckpoint[]>;

  /** Stores a definition: `created`, `same` (identical), `conflict` (other content), or `replaced` (overwrite). */
  putDefinition(definition: StoredDefinition, overwrite: boolean): Promise<'created' | 'same' | 'conflict' | 'replaced'>;
  /** One version, or the latest when version is left out. */
  getDefinition(name: string, version?: string): Promise<StoredDefinition | undefined>;
  listDefinitions(name: string | undefined, limit: number, offset: number): Promise<{ items: StoredDefinition[]; total: number }>;
}
