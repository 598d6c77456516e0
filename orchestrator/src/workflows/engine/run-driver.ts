import type { Logger, Redactor } from '@switchboard/shared';
import type { WorkflowConfig } from '../config.ts';
import type { DefinitionRegistry } from '../definition/registry.ts';
import type { Expressions } from '../expressions/expressions.ts';
import type { WorkflowMetrics } from '../metrics.ts';
import type { RunRecord, RunStore, StepRecord } from '../store/types.ts';
import { DurableHost, type HostContext } from './durable-host.ts';
import { Halt } from './errors.ts';
import { CrashTracker, definitionProblem, failRun } from './run-control.ts';
import { RunExecution } from './run-execution.ts';

const MAX_CRASHES = 5;

export interface RunDriverDeps {
  store: RunStore;
  config: WorkflowConfig;
  log: Logger;
  metrics: WorkflowMetrics;
  redactor: Redactor;
  owner: string;
  context: HostContext;
  expressions: Expressions;
  registry: DefinitionRegistry;
  /** A run changed (waiters look again). */
  notify(runId: string): void;
  /** A run ended here: its observers go. */
  forgetObservers(runId: string): void;
  /** The engine is halting: nothing new is driven. */
  closing(): boolean;
}

/**
 * The runs this replica drives: each under its lease, renewed while it runs; runs nobody holds (after a restart,
 * or a replica that died) are swept up and resumed from their checkpoints; a run that crashes the engine is retried
 * with backoff, then failed.
 */
export class RunDriver {
  readonly executions = new Map<string, { execution: RunExecution; done: Promise<void> }>();
  readonly #deps: RunDriverDeps;
  readonly #crashes = new CrashTracker(MAX_CRASHES);
  #sweeping = false;

  constructor(deps: RunDriverDeps) {
    this.#deps = deps;
  }

  /** Forgets a run's crashes (resumeWorkflow starts it over). */
  clearCrashes(runId: string): void {
    this.#crashes.clear(runId);
  }

  drive(run: RunRecord, records: StepRecord[], resumed: boolean): void {
    const { store, log, metrics, redactor } = this.#deps;
    const execution = new RunExecution(run, records, new DurableHost(this.#deps.context, run), this.#deps.expressions);
    metrics.active.inc({ workflow: run.workflow });
    log.info(
      { run_id: run.runId, workflow: run.workflow, resumed, steps_done: records.length },
      resumed ? 'workflow run resumed' : 'workflow run started',
    );
    const done = (async () => {
      try {
        const outcome = await execution.drive();
        const finished = await store.updateRun(
          run.runId,
          {
            status: outcome.status,
            output: outcome.output === undefined ? undefined : redactor.redact(outcome.output),
            error: outcome.error ? redactor.redact(outcome.error) : null,
            finishedAt: Date.now(),
          },
          this.#deps.owner,
        );
        if (finished) {
          metrics.runs.inc({ workflow: run.workflow, status: outcome.status });
          this.#crashes.clear(run.runId);
          log.info(
            { run_id: run.runId, workflow: run.workflow, status: outcome.status, error: outcome.error },
            'workflow run ended',
          );
        } else {
          log.warn({ run_id: run.runId }, 'workflow run ended after this replica lost its lease; the holder finishes it');
        }
      } catch (error) {
        if (error instanceof Halt) {
          log.info({ run_id: run.runId, reason: error.message }, 'workflow run halted; it resumes from its checkpoints');
        } else {
          await this.#crashed(run, error);
        }
      } finally {
        this.executions.delete(run.runId);
        this.#deps.forgetObservers(run.runId);
        metrics.active.dec({ workflow: run.workflow });
        await store.releaseLease(run.runId, this.#deps.owner).catch(() => {});
        this.#deps.notify(run.runId);
      }
    })();
    this.executions.set(run.runId, { execution, done });
  }

  /** Drives a run this replica just claimed, from its checkpoints (unless something else already drives it here). */
  async driveFromStore(run: RunRecord): Promise<void> {
    const steps = await this.#deps.store.getSteps(run.runId);
    if (this.executions.has(run.runId)) return;
    if (this.#deps.closing()) {
      await this.#deps.store.releaseLease(run.runId, this.#deps.owner);
      return;
    }
    this.drive(run, steps, true);
  }

  /** An unexpected error: the run is retried later with backoff, and failed after a few crashes. */
  async #crashed(run: RunRecord, error: unknown): Promise<void> {
    const { store, log, metrics } = this.#deps;
    const { count, giveUp } = this.#crashes.crashed(run.runId);
    log.error({ run_id: run.runId, err: error, crashes: count }, 'workflow run stopped by an unexpected error');
    if (!giveUp) return;
    await failRun(store, metrics, this.#deps.owner, run, {
      type: 'internal',
      message: `the engine failed ${count} times on this run: ${(error as Error).message}`,
    });
  }

  /** Takes over unfinished runs nobody holds: at start (runs of before a restart) and when a replica died. */
  async sweep(): Promise<void> {
    if (this.#sweeping || this.#deps.closing()) return;
    this.#sweeping = true;
    const { store, config, log, metrics } = this.#deps;
    try {
      const now = Date.now();
      for (const runId of await store.listClaimable(now, 20)) {
        if (this.#deps.closing()) break;
        if (this.executions.has(runId) || this.#crashes.coolingDown(runId, now)) continue;
        const run = await store.claimRun(runId, this.#deps.owner, now + config.leaseMs, now);
        if (!run) continue;
        const refused = await definitionProblem(run, this.#deps.registry);
        if (refused) {
          log.error({ run_id: runId, reason: refused }, 'workflow run not resumed: its definition changed');
          await failRun(store, metrics, this.#deps.owner, run, {
            type: 'definition_changed',
            message: `resume refused: ${refused}`,
          });
          await store.releaseLease(runId, this.#deps.owner);
          this.#deps.notify(runId);
          continue;
        }
        await this.driveFromStore(run);
      }
    } catch (error) {
      log.warn({ err: error }, 'workflow sweep failed; retrying');
    } finally {
      this.#sweeping = false;
    }
  }

  async renew(): Promise<void> {
    const ids = [...this.executions.keys()];
    if (ids.length === 0 || this.#deps.closing()) return;
    try {
      const { held, cancels } = await this.#deps.store.renewLeases(this.#deps.owner, ids, Date.now() + this.#deps.config.leaseMs);
      for (const id of ids) {
        const entry = this.executions.get(id);
        if (!entry) continue;
        if (!held.has(id)) entry.execution.halt('this replica lost the lease');
        else {
          const cancel = cancels.get(id);
          if (cancel) entry.execution.cancel(cancel);
        }
      }
    } catch (error) {
      this.#deps.log.warn({ err: error }, 'workflow lease renewal failed');
    }
  }
}
