import { ToolError } from '@switchboard/shared';
import { definitionHash } from '../definition/hash.ts';
import type { DefinitionRegistry } from '../definition/registry.ts';
import { childLists, type Definition, type Step } from '../definition/schema.ts';
import type { WorkflowMetrics } from '../metrics.ts';
import type { RunRecord, RunStore, StepRecord } from '../store/types.ts';
import type { ErrorRecord } from './errors.ts';

/** The rules behind the engine's control operations (resume, decide, sweep), apart from the engine's state. */

/** Ids of the steps in document order (pre-order), and each step's ancestors. */
function documentOrder(steps: readonly Step[]): { order: string[]; ancestors: Map<string, string[]> } {
  const order: string[] = [];
  const ancestors = new Map<string, string[]>();
  const visit = (list: readonly Step[], above: string[]) => {
    for (const step of list) {
      order.push(step.id);
      ancestors.set(step.id, above);
      for (const child of childLists(step)) visit(child.steps, [...above, step.id]);
    }
  };
  visit(steps, []);
  return { order, ancestors };
}

/**
 * The step records resume deletes, so they run again: with `fromStep`, that step, every later one in document order
 * and its ancestors; without, the failed and cancelled steps. Compensation records always go.
 */
export function keysToReset(definition: Definition, steps: StepRecord[], fromStep?: string): string[] {
  const compensations = steps.filter((s) => s.key.endsWith('#compensate')).map((s) => s.key);
  if (!fromStep) {
    const failed = steps.filter((s) => (s.status === 'failed' || s.status === 'cancelled') && !s.key.endsWith('#compensate'));
    return [...failed.map((s) => s.key), ...compensations];
  }
  const { order, ancestors } = documentOrder(definition.steps);
  const at = order.indexOf(fromStep);
  if (at < 0) throw new ToolError('INVALID_ARGUMENT', `fromStep "${fromStep}" is not a step of workflow ${definition.name}`);
  const reset = new Set([...order.slice(at), ...(ancestors.get(fromStep) ?? [])]);
  return [...steps.filter((s) => reset.has(s.stepId)).map((s) => s.key), ...compensations];
}

/** The undecided approval a decision names: by path, or by step id when only one iteration of it waits. */
export function waitingApproval(steps: StepRecord[], runId: string, stepRef: string): StepRecord {
  const waiting = steps.filter((s) => s.kind === 'approval' && s.status === 'waiting' && !s.data?.decision);
  const byPath = waiting.find((s) => s.key === stepRef);
  const byId = waiting.filter((s) => s.stepId === stepRef);
  if (!byPath && byId.length > 1) {
    throw new ToolError(
      'INVALID_ARGUMENT',
      `several iterations of ${stepRef} wait; give one path: ${byId.map((s) => s.key).join(', ')}`,
    );
  }
  const target = byPath ?? byId[0];
  if (!target) {
    const names = waiting.map((s) => s.key).join(', ') || 'none';
    throw new ToolError('CONFLICT', `run ${runId} has no approval "${stepRef}" waiting (waiting: ${names})`);
  }
  return target;
}

/** Why a run must not resume: its stored definition or the registered one no longer matches its hash. */
export async function definitionProblem(run: RunRecord, registry: DefinitionRegistry): Promise<string | undefined> {
  if (definitionHash(run.definition) !== run.definitionHash) {
    return `the stored definition of run ${run.runId} does not match its hash ${run.definitionHash}`;
  }
  if (!run.fromRegistry) return undefined;
  const current = await registry.get(run.workflow, run.version);
  if (!current) return `workflow ${run.workflow} version ${run.version} is no longer registered`;
  if (current.hash !== run.definitionHash) {
    return `workflow ${run.workflow} version ${run.version} changed since the run started (hash ${run.definitionHash.slice(0, 12)} → ${current.hash.slice(0, 12)})`;
  }
  return undefined;
}

/** Ends a run this owner holds as failed (fenced by the lease) and counts it; false when the lease was lost. */
export async function failRun(
  store: RunStore,
  metrics: WorkflowMetrics,
  owner: string,
  run: RunRecord,
  error: ErrorRecord,
): Promise<boolean> {
  const failed = await store.updateRun(run.runId, { status: 'failed', error, finishedAt: Date.now() }, owner).catch(() => false);
  if (failed) metrics.runs.inc({ workflow: run.workflow, status: 'failed' });
  return failed;
}

/** Runs the engine stopped with an unexpected error: retried later with backoff, failed after a few crashes. */
export class CrashTracker {
  readonly #crashes = new Map<string, { count: number; until: number }>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /** Counts a crash; true when the run has crashed too often and must fail. */
  crashed(runId: string): { count: number; giveUp: boolean } {
    const count = (this.#crashes.get(runId)?.count ?? 0) + 1;
    this.#crashes.set(runId, { count, until: Date.now() + 1000 * 2 ** count });
    return { count, giveUp: count >= this.#max };
  }

  /** Whether the run's backoff after a crash is still running. */
  coolingDown(runId: string, now: number): boolean {
    return (this.#crashes.get(runId)?.until ?? 0) > now;
  }

  clear(runId: string): void {
    this.#crashes.delete(runId);
  }
}
