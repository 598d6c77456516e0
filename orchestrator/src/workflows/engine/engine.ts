import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type Logger, type Redactor, sleep, ToolError } from '@switchboard/shared';
import type { ToolInvoker } from '../../downstream/tool-invoker.ts';
import type { WorkflowConfig } from '../config.ts';
import { definitionHash } from '../definition/hash.ts';
import { DefinitionRegistry } from '../definition/registry.ts';
import type { Definition } from '../definition/schema.ts';
import { Expressions } from '../expressions/expressions.ts';
import type { WorkflowMetrics } from '../metrics.ts';
import {
  isTerminal,
  type NewRun,
  type RunCursor,
  type RunFilter,
  type RunRecord,
  type RunStore,
  type StepRecord,
} from '../store/types.ts';
import { type ToolCatalog, type ValidateOptions, type ValidationResult, validateDefinition } from '../validation/validate.ts';
import { Approvals, type RunObserver } from './approvals.ts';
import { type DryRunResult, dryRun, type StepMock } from './dry-run.ts';
import type { HostContext } from './durable-host.ts';
import { definitionProblem, keysToReset, waitingApproval } from './run-control.ts';
import { RunDriver } from './run-driver.ts';
import { type RunView, runView } from './run-view.ts';
import type { Sealer } from './sealer.ts';

export interface WorkflowEngineOptions {
  config: WorkflowConfig;
  store: RunStore;
  invoker: ToolInvoker;
  catalog: ToolCatalog;
  redactor: Redactor;
  log: Logger;
  metrics: WorkflowMetrics;
  sealer: Sealer;
}

export interface StartRequest {
  definition: Definition;
  fromRegistry: boolean;
  input: unknown;
  caller: string;
  idempotencyKey?: string;
  task?: { ttl: number | null };
  /** Attached before the run starts, so it sees every step; startRun returns its detach function. */
  observer?: RunObserver;
}

export interface WaitOptions {
  observer?: RunObserver;
  /** Return after this long even if the run is still going; unset: until it ends or needs input. */
  waitMs?: number;
  signal?: AbortSignal;
  /** Wait through input_required too (tasks/result blocks until a final status). */
  untilTerminal?: boolean;
}

/**
 * Durable workflow runs: starts them, drives the ones this replica holds the lease of, renews leases, takes over
 * runs whose lease expired (their replica died) or that were unfinished at start, and answers the workflow tools.
 */
export class WorkflowEngine {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly expressions: Expressions;
  readonly registry: DefinitionRegistry;
  readonly #options: WorkflowEngineOptions;
  readonly #approvals: Approvals;
  readonly #observers = new Map<string, Set<RunObserver>>();
  readonly #listeners = new Map<string, Set<() => void>>();
  readonly #driver: RunDriver;
  readonly #context: HostContext;
  #ready: Promise<void> | undefined;
  #timers: NodeJS.Timeout[] = [];
  #closing = false;
  #closed = false;

  constructor(options: WorkflowEngineOptions) {
    this.#options = options;
    this.expressions = new Expressions({ timeoutMs: options.config.expressionTimeoutMs });
    this.registry = new DefinitionRegistry(options.store, this.expressions, options.log);
    this.#approvals = new Approvals({
      store: options.store,
      log: options.log,
      pollMs: Math.min(1000, options.config.leaseMs),
      notify: (runId) => this.#notify(runId),
    });
    this.#context = {
      store: options.store,
      owner: this.owner,
      log: options.log,
      redactor: options.redactor,
      sealer: options.sealer,
      metrics: options.metrics,
      invoker: options.invoker,
      catalog: options.catalog,
      toolWaitMs: options.config.toolWaitMs,
      approvals: this.#approvals,
      observers: (runId) => [...(this.#observers.get(runId) ?? [])],
      notify: (runId) => this.#notify(runId),
    };
    this.#driver = new RunDriver({
      ...options,
      owner: this.owner,
      context: this.#context,
      expressions: this.expressions,
      registry: this.registry,
      notify: (runId) => this.#notify(runId),
      forgetObservers: (runId) => this.#observers.delete(runId),
      closing: () => this.#closing,
    });
  }

  get config(): WorkflowConfig {
    return this.#options.config;
  }

  /** Opens the store, loads the definitions directory, resumes unfinished runs and starts the lease timers. */
  start(): Promise<void> {
    if (this.#ready) return this.#ready;
    const starting = (async () => {
      const { store, config, log } = this.#options;
      await store.init();
      if (config.definitionsDir) await this.registry.loadDirectory(config.definitionsDir);
      if (this.#closing) return;
      const renewEvery = Math.max(100, Math.floor(config.leaseMs / 3));
      const sweepEvery = Math.max(100, Math.floor(config.leaseMs / 2));
      this.#timers = [
        setInterval(() => void this.#driver.renew(), renewEvery),
        setInterval(() => void this.#driver.sweep(), sweepEvery),
      ];
      for (const timer of this.#timers) timer.unref();
      log.info({ store: store.kind, owner: this.owner, lease_ms: config.leaseMs }, 'workflow engine started');
      await this.#driver.sweep();
    })();
    this.#ready = starting;
    // A store that cannot be opened now (database down) is tried again by the next start() or ready().
    starting.catch(() => {
      if (this.#ready === starting) this.#ready = undefined;
    });
    return starting;
  }

  /**
   * Resolves once the store is open; a store that failed to open makes every workflow tool fail clearly. While the
   * orchestrator shuts down (runs halted, store still open) reads and decisions still work; new runs do not start.
   */
  async ready(): Promise<void> {
    if (this.#closed) throw new ToolError('UNSUPPORTED', 'the orchestrator is shutting down; ask another replica');
    try {
      await this.start();
    } catch (error) {
      throw new ToolError('DEPENDENCY_UNAVAILABLE', `the workflow run store is not available: ${(error as Error).message}`);
    }
  }

  /**
   * Stops driving runs: they stay unfinished in the store and resume from their checkpoints (here after a restart,
   * or on another replica), their leases released. Waiting callers get the run as it is. The store stays open.
   */
  async halt(): Promise<void> {
    this.#closing = true;
    for (const timer of this.#timers) clearInterval(timer);
    await this.#ready?.catch(() => {});
    for (const { execution } of this.#driver.executions.values()) execution.halt('the orchestrator is shutting down');
    await Promise.allSettled([...this.#driver.executions.values()].map((e) => e.done));
    for (const runId of [...this.#listeners.keys()]) this.#notify(runId);
  }

  /** halt(), then closes the store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.halt();
    await this.#options.store.close().catch(() => {});
  }

  // ---- definitions -----------------------------------------------------------------------------------------

  /** `permission`: the submitter's view of the gateway policy (each step it may not call is a problem). */
  validate(raw: unknown, checkTools = true, permission?: ValidateOptions['permission']): ValidationResult {
    return validateDefinition(raw, {
      expressions: this.expressions,
      ...(checkTools ? { catalog: this.#options.catalog } : {}),
      ...(permission ? { permission } : {}),
    });
  }

  // ---- runs ------------------------------------------------------------------------------------------------

  async startRun(request: StartRequest): Promise<{ run: RunRecord; created: boolean; detach: () => void }> {
    await this.ready();
    if (this.#closing) throw new ToolError('UNSUPPORTED', 'the orchestrator is shutting down; start the run on another replica');
    const now = Date.now();
    const run: NewRun = {
      runId: randomUUID(),
      workflow: request.definition.name,
      version: request.definition.version,
      definitionHash: definitionHash(request.definition),
      definition: request.definition,
      fromRegistry: request.fromRegistry,
      input: this.#options.redactor.redact(request.input ?? null),
      status: 'running',
      caller: request.caller,
      leaseOwner: this.owner,
      leaseUntil: now + this.#options.config.leaseMs,
      createdAt: now,
      updatedAt: now,
      ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}),
      ...(request.task ? { task: request.task } : {}),
    };
    const { run: stored, created } = await this.#options.store.createRun(run);
    const detach = request.observer ? this.attach(stored.runId, request.observer) : () => {};
    if (created) this.#driver.drive({ ...stored, input: request.input ?? null }, [], false);
    return { run: stored, created, detach };
  }

  dryRun(definition: Definition, input: unknown, mocks: Record<string, StepMock>, caller: string): Promise<DryRunResult> {
    return dryRun(definition, input, mocks, {
      expressions: this.expressions,
      catalog: this.#options.catalog,
      redactor: this.#options.redactor,
      log: this.#options.log,
      caller,
    });
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    await this.ready();
    return this.#options.store.getRun(runId);
  }

  async view(runId: string, options: { outputs?: boolean } = {}): Promise<RunView | undefined> {
    const run = await this.getRun(runId);
    if (!run) return undefined;
    return runView(run, await this.#options.store.getSteps(runId), options);
  }

  async requireView(runId: string, options: { outputs?: boolean } = {}): Promise<RunView> {
    const view = await this.view(runId, options);
    if (!view) throw new ToolError('NOT_FOUND', `no workflow run ${runId}`);
    return view;
  }

  async listRuns(filter: RunFilter, limit: number, after?: RunCursor) {
    await this.ready();
    return this.#options.store.listRuns(filter, limit, after);
  }

  async checkpoints(runId: string, limit: number) {
    await this.ready();
    return this.#options.store.listCheckpoints(runId, limit);
  }

  /** Sends progress (and approval prompts) of a run to a caller until the returned function is called. */
  attach(runId: string, observer: RunObserver): () => void {
    const set = this.#observers.get(runId) ?? new Set();
    set.add(observer);
    this.#observers.set(runId, set);
    return () => {
      set.delete(observer);
      if (set.size === 0 && this.#observers.get(runId) === set) this.#observers.delete(runId);
    };
  }

  isDriving(runId: string): boolean {
    return this.#driver.executions.has(runId);
  }

  /**
   * Waits until the run ends, or needs input that this caller is not being asked for, or waitMs passed, or the
   * signal aborted; returns the run as stored then.
   */
  async waitFor(runId: string, options: WaitOptions = {}): Promise<RunRecord> {
    const deadline = options.waitMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.waitMs;
    for (;;) {
      // Listen before reading, so a change between the read and the wait is not missed.
      const change = this.#listen(runId);
      try {
        const run = await this.getRun(runId);
        if (!run) throw new ToolError('NOT_FOUND', `no workflow run ${runId}`);
        if (isTerminal(run.status)) return run;
        const asked = options.observer?.elicit !== undefined && !options.observer.gaveUp && this.isDriving(runId);
        if (run.status === 'input_required' && !options.untilTerminal && !asked) return run;
        const left = deadline - Date.now();
        if (left <= 0 || options.signal?.aborted || this.#closing) return run;
        await change.wait(Math.min(left, this.isDriving(runId) ? 5000 : 250), options.signal);
      } finally {
        change.stop();
      }
    }
  }

  async cancel(runId: string, compensate?: boolean): Promise<RunRecord> {
    const run = await this.getRun(runId);
    if (!run) throw new ToolError('NOT_FOUND', `no workflow run ${runId}`);
    if (isTerminal(run.status)) throw new ToolError('CONFLICT', `run ${runId} already ended (${run.status})`);
    const wanted = compensate ?? run.definition.compensation?.onCancel ?? true;
    const after = (await this.#options.store.requestCancel(runId, wanted)) ?? run;
    this.#driver.executions.get(runId)?.execution.cancel(after.cancelRequested ?? { compensate: wanted });
    this.#options.log.info({ run_id: runId, compensate: wanted }, 'workflow run cancellation requested');
    if (!this.isDriving(runId)) void this.#driver.sweep();
    this.#notify(runId);
    return after;
  }

  /**
   * Runs a failed or cancelled run again: from `fromStep` (that step and every later one in document order are
   * executed again), or else its failed steps. Refused while the run is active or when its definition changed.
   */
  async resume(runId: string, fromStep?: string): Promise<RunRecord> {
    const { store, config } = this.#options;
    const run = await this.getRun(runId);
    if (!run) throw new ToolError('NOT_FOUND', `no workflow run ${runId}`);
    const leased = run.leaseOwner !== undefined && (run.leaseUntil ?? 0) > Date.now();
    if (this.isDriving(runId) || (!isTerminal(run.status) && leased)) {
      throw new ToolError('CONFLICT', `run ${runId} is active (${run.status}); cancel it first or wait for it`);
    }
    if (run.status === 'completed' && !fromStep) {
      throw new ToolError('CONFLICT', `run ${runId} completed; give fromStep to run it again from a step`);
    }
    const refused = await definitionProblem(run, this.registry);
    if (refused) throw new ToolError('CONFLICT', `resume refused: ${refused}`);
    const steps = await store.getSteps(runId);
    await store.deleteSteps(runId, keysToReset(run.definition, steps, fromStep));
    await store.updateRun(runId, { status: 'running', error: null, output: undefined, finishedAt: null, cancelRequested: null });
    const now = Date.now();
    const claimed = await store.claimRun(runId, this.owner, now + config.leaseMs, now);
    if (claimed) {
      this.#driver.clearCrashes(runId);
      await this.#driver.driveFromStore(claimed);
    }
    return claimed ?? ((await this.getRun(runId)) as RunRecord);
  }

  /** Records an approval decision on a waiting approval step (by step id, or by path for one in a loop). */
  async decide(runId: string, stepRef: string, approved: boolean, by: string, comment?: string): Promise<StepRecord> {
    const { store } = this.#options;
    const run = await this.getRun(runId);
    if (!run) throw new ToolError('NOT_FOUND', `no workflow run ${runId}`);
    if (isTerminal(run.status)) throw new ToolError('CONFLICT', `run ${runId} already ended (${run.status})`);
    const target = waitingApproval(await store.getSteps(runId), runId, stepRef);
    const decision = { approved, by, via: 'tool', at: Date.now(), ...(comment ? { comment } : {}) };
    if (!(await store.decideApproval(runId, target.key, decision))) {
      throw new ToolError('CONFLICT', `approval ${target.key} of run ${runId} was already decided`);
    }
    this.#approvals.wake(runId, target.key);
    return target;
  }

  // ---- change notification ---------------------------------------------------------------------------------

  #notify(runId: string): void {
    for (const listener of this.#listeners.get(runId) ?? []) listener();
  }

  /** A listener of the run's changes: wait() resolves on the next change (or after ms, or on abort). */
  #listen(runId: string): { wait(ms: number, signal?: AbortSignal): Promise<void>; stop(): void } {
    const woken = new AbortController();
    const listener = () => woken.abort();
    const set = this.#listeners.get(runId) ?? new Set();
    set.add(listener);
    this.#listeners.set(runId, set);
    return {
      wait: async (ms, signal) => {
        try {
          await sleep(ms, signal ? AbortSignal.any([signal, woken.signal]) : woken.signal);
        } catch {
          // woken, or the caller's signal: the caller looks again either way
        }
      },
      stop: () => {
        set.delete(listener);
        if (set.size === 0 && this.#listeners.get(runId) === set) this.#listeners.delete(runId);
      },
    };
  }
}
