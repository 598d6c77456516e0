import type { Definition, Step, StepKind } from '../definition/schema.ts';
import { childLists } from '../definition/schema.ts';
import type { CheckpointEvent, RunRecord, StepRecord, StepStatus } from '../store/types.ts';
import type { ErrorRecord, WorkflowError } from './errors.ts';
import type { ExecutionHost } from './host.ts';
import type { Scope } from './scope.ts';

/** What a sensitive output is replaced by in checkpoints and results. */
export const SENSITIVE_MARKER = '[SENSITIVE]';

/** Leaf steps whose settled record is replayed instead of executed. Composites always re-run over their children. */
export const SETTLED: ReadonlySet<StepStatus> = new Set(['completed', 'skipped', 'caught', 'failed', 'cancelled']);
export const COMPOSITE: ReadonlySet<StepKind> = new Set(['parallel', 'forEach', 'switch']);

/** Where in the definition a step runs. */
export interface Where {
  /** Step ids from the root to the enclosing composite, joined by `/`. */
  path: string;
  /** Positions in the enclosing forEach loops, outermost first. */
  indices: number[];
  signal: AbortSignal;
}

export interface StepOutcome {
  ran: boolean;
  output?: unknown;
  goto?: string;
}

/** What a step kind produced. */
export interface Result {
  output: unknown;
  attempts?: number;
}

/** A completed step with a compensate call, in the scope it completed in. */
export interface Compensable {
  step: Step;
  key: string;
  seq: number;
  scope: Scope;
}

/** The fields of a step checkpoint (see RunExecution's save). */
export interface SaveFields {
  attempts?: number;
  output?: unknown;
  sealed?: string;
  error?: ErrorRecord;
  data?: Record<string, unknown>;
  next?: string | undefined;
  doneSeq?: number;
  finished?: boolean;
}

/** The step key: the step path plus `:index` per enclosing loop. */
export function keyOf(where: Where, id: string): string {
  return `${where.path ? `${where.path}/` : ''}${id}${where.indices.map((i) => `:${i}`).join('')}`;
}

export function pathOf(where: Where, id: string): string {
  return where.path ? `${where.path}/${id}` : id;
}

/** Steps outside forEach bodies (a loop body counts once its items are known). */
export function staticCount(steps: readonly Step[]): number {
  let n = 0;
  for (const step of steps) {
    n += 1;
    if (!('forEach' in step)) for (const list of childLists(step)) n += staticCount(list.steps);
  }
  return n;
}

/** The checkpoint record of a step after `fields` change it (data merged, first start and order kept). */
export function stepRecord(
  previous: StepRecord | undefined,
  base: Pick<StepRecord, 'key' | 'stepId' | 'kind' | 'status' | 'ord'>,
  fields: SaveFields,
  now: number,
): StepRecord {
  const data = { ...previous?.data, ...fields.data, ...(fields.next ? { next: fields.next } : {}) };
  const doneSeq = fields.doneSeq ?? previous?.doneSeq;
  return {
    ...base,
    attempts: fields.attempts ?? previous?.attempts ?? 0,
    startedAt: previous?.startedAt ?? now,
    ...(Object.keys(data).length > 0 ? { data } : {}),
    ...(fields.output !== undefined ? { output: fields.output } : {}),
    ...(fields.sealed !== undefined ? { sealed: fields.sealed } : {}),
    ...(fields.error ? { error: fields.error } : {}),
    ...(doneSeq !== undefined ? { doneSeq } : {}),
    ...(fields.finished ? { finishedAt: now } : {}),
  };
}

/** A settled record saved again with the same status, attempts and error: nothing to write. */
export function unchanged(previous: StepRecord | undefined, record: StepRecord): boolean {
  return (
    previous !== undefined &&
    previous.status === record.status &&
    previous.attempts === record.attempts &&
    SETTLED.has(record.status) &&
    JSON.stringify(previous.error) === JSON.stringify(record.error)
  );
}

/** What the step kinds (kinds/*.ts) use of the execution that runs them. */
export interface StepRunner {
  readonly run: RunRecord;
  readonly definition: Definition;
  readonly host: ExecutionHost;
  readonly records: ReadonlyMap<string, StepRecord>;
  /** Aborted when the run is halted (compensation runs under it, not under cancellation). */
  readonly haltSignal: AbortSignal;
  /** Drops a record that cannot be replayed (the step runs again). */
  forget(key: string): void;
  /** A settled step was replayed (with its compensation, when it has one). */
  replayed(compensable: Compensable | undefined): void;
  sequence(steps: readonly Step[], scope: Scope, where: Where): Promise<unknown>;
  save(
    key: string,
    step: Step,
    kind: string,
    status: StepStatus,
    fields: SaveFields,
    event?: CheckpointEvent['event'],
  ): Promise<void>;
  evaluate(expression: string, scope: Scope): Promise<unknown>;
  render(template: unknown, scope: Scope): Promise<unknown>;
  params(template: unknown, scope: Scope, stepId: string): Promise<Record<string, unknown>>;
  sleepUntil(at: number, signal: AbortSignal): Promise<void>;
  /** Turns an abort reason or any error into a WorkflowError; throws Halt when the run is halting. */
  failureOf(error: unknown, stepId: string): WorkflowError;
  /** Of the failures of branches or iterations, rethrows a halt first, else the first that is not a cancellation. */
  rethrowFirst(failures: unknown[], stepId: string): void;
  setAttempts(key: string, attempt: number): void;
  /** More steps became known (a loop's items). */
  addSteps(count: number): void;
  /** An approval started (1) or ended (-1) waiting: the run is input_required while any waits. */
  approvalWaiting(delta: 1 | -1): Promise<void>;
}
