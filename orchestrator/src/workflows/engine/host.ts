import type { Logger } from '@switchboard/shared';
import type { CheckpointEvent, RunStatus, StepRecord } from '../store/types.ts';

/** The `_meta` key carrying a step's idempotency key (`runId:stepPath[:index]`) to the upstream: the kit's. */
export { IDEMPOTENCY_META_KEY } from '@switchboard/shared';

/** One tool call of a step (or of a compensation), ready to send. */
export interface PreparedCall {
  stepId: string;
  key: string;
  service: string;
  tool: string;
  params: Record<string, unknown>;
  idempotencyKey: string;
  attempt: number;
}

export interface ApprovalRequest {
  stepId: string;
  key: string;
  message: string;
  /** Epoch ms when onTimeout applies. */
  deadline?: number;
}

export interface ApprovalDecision {
  approved: boolean;
  comment?: string;
  by: string;
  at: number;
  timedOut?: boolean;
}

/**
 * What an execution needs from its surroundings: the durable host (store, federation, approvals) for real runs,
 * an in-memory one with mocks for dryRun. Every wait and call rejects with the signal's reason on abort.
 */
export interface ExecutionHost {
  readonly log: Logger;
  now(): number;
  /** Checkpoints a step record (and a log event); throws Halt when this replica no longer holds the run. */
  save(record: StepRecord, event?: CheckpointEvent['event'], detail?: Record<string, unknown>): Promise<void>;
  setRunStatus(status: RunStatus): Promise<void>;
  /** Calls the tool; resolves with the step output or rejects with a WorkflowError (or the abort reason). */
  call(call: PreparedCall, signal: AbortSignal): Promise<unknown>;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  approval(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalDecision>;
  progress(done: number, total: number, message: string): void;
  /** A step finished (or failed) after running `seconds`. */
  observeStep(kind: string, seconds: number): void;
  seal(value: unknown): string;
  unseal(text: string | undefined): { ok: true; value: unknown } | { ok: false };
  /**
   * Registers the strings of a sensitive value with the redactor: those of 8 characters or more that are not bare
   * numbers or timestamps, or with `anyLength` every string (the marked fields of a secret value).
   */
  protect(value: unknown, options?: { anyLength?: boolean }): void;
  redact<T>(value: T): T;
}
