import { type Definition, kindOf, type Step, type StepKind, type StepOf } from '../definition/schema.ts';
import { type Expressions, expressionBody, truthy } from '../expressions/expressions.ts';
import type { CheckpointEvent, RunRecord, RunStatus, StepRecord, StepStatus } from '../store/types.ts';
import { asWorkflowError, type ErrorRecord, errorMatches, Halt, WorkflowError } from './errors.ts';
import type { ExecutionHost } from './host.ts';
import { Interrupt, withTimeout } from './interrupt.ts';
import { compensate, runCall } from './kinds/calls.ts';
import { runForEach, runParallel, runSwitch } from './kinds/composites.ts';
import { runApproval, runWait } from './kinds/pauses.ts';
import { replay } from './kinds/replay.ts';
import { Scope } from './scope.ts';
import { storedOutput } from './sensitive.ts';
import {
  COMPOSITE,
  type Compensable,
  keyOf,
  type Result,
  type SaveFields,
  SETTLED,
  type StepOutcome,
  type StepRunner,
  staticCount,
  stepRecord,
  unchanged,
  type Where,
} from './walk.ts';

export { SENSITIVE_MARKER } from './walk.ts';

export interface RunOutcome {
  status: Extract<RunStatus, 'completed' | 'failed' | 'cancelled'>;
  output?: unknown;
  error?: ErrorRecord;
}

/**
 * Runs one workflow run from its checkpoints. The definition is walked from the top every time: a leaf step with a
 * settled record (completed, skipped, caught, failed) is replayed from it and never executed again; a call whose
 * record says it was in flight is sent again with the same idempotency key; everything else executes and is
 * checkpointed before and after. Composite steps (parallel, forEach, switch) re-run over their children, so scopes,
 * variables and compensations are rebuilt exactly.
 */
export class RunExecution {
  readonly run: RunRecord;
  readonly #def: Definition;
  readonly #host: ExecutionHost;
  readonly #expressions: Expressions;
  readonly #records = new Map<string, StepRecord>();
  readonly #attempts = new Map<string, number>();
  readonly #compensable: Compensable[] = [];
  readonly #cancel = new AbortController();
  readonly #halt = new AbortController();
  #cancelRequest: { compensate: boolean } | undefined;
  #stopping: WorkflowError | undefined;
  #ord = 0;
  #doneSeq = 0;
  #done = 0;
  #total: number;
  #pendingApprovals = 0;
  #runBinding: Record<string, unknown>;
  /** What the step kinds (kinds/*.ts) see of this execution. */
  readonly #runner: StepRunner;

  constructor(run: RunRecord, records: StepRecord[], host: ExecutionHost, expressions: Expressions) {
    this.run = run;
    this.#def = run.definition;
    this.#host = host;
    this.#expressions = expressions;
    for (const record of records) {
      this.#records.set(record.key, record);
      this.#ord = Math.max(this.#ord, record.ord + 1);
      this.#doneSeq = Math.max(this.#doneSeq, (record.doneSeq ?? 0) + 1);
    }
    this.#total = staticCount(this.#def.steps);
    this.#runBinding = {
      id: run.runId,
      workflow: run.workflow,
      version: run.version,
      startedAt: new Date(run.createdAt).toISOString(),
      caller: run.caller,
    };
    this.#runner = this.#makeRunner();
    if (run.cancelRequested) this.cancel(run.cancelRequested);
  }

  #makeRunner(): StepRunner {
    return {
      run: this.run,
      definition: this.#def,
      host: this.#host,
      records: this.#records,
      haltSignal: this.#halt.signal,
      forget: (key) => {
        this.#records.delete(key);
      },
      replayed: (compensable) => {
        if (compensable) this.#compensable.push(compensable);
        this.#done += 1;
      },
      sequence: (steps, scope, where) => this.#sequence(steps, scope, where),
      save: (key, step, kind, status, fields, event) => this.#save(key, step, kind, status, fields, event),
      evaluate: (expression, scope) => this.#evaluate(expression, scope),
      render: (template, scope) => this.#render(template, scope),
      params: (template, scope, stepId) => this.#params(template, scope, stepId),
      sleepUntil: (at, signal) => this.#sleepUntil(at, signal),
      failureOf: (error, stepId) => this.#failureOf(error, stepId),
      rethrowFirst: (failures, stepId) => this.#rethrowFirst(failures, stepId),
      setAttempts: (key, attempt) => {
        this.#attempts.set(key, attempt);
      },
      addSteps: (count) => {
        this.#total += count;
      },
      approvalWaiting: async (delta) => {
        this.#pendingApprovals += delta;
        if (delta === 1 && this.#pendingApprovals === 1) await this.#host.setRunStatus('input_required');
        if (delta === -1 && this.#pendingApprovals === 0 && !this.#stopping && !this.#halt.signal.aborted) {
          await this.#host.setRunStatus('running');
        }
      },
    };
  }

  get cancelled(): boolean {
    return this.#cancelRequest !== undefined;
  }

  /** Stops at the next await: in-flight calls are aborted (notifications/cancelled upstream), then compensation. */
  cancel(request: { compensate: boolean }): void {
    if (this.#cancelRequest) return;
    this.#cancelRequest = request;
    this.#stopping = new WorkflowError('cancelled', 'the run was cancelled');
    this.#cancel.abort(new Interrupt('cancel', 'the run was cancelled'));
  }

  /** Stops without recording anything; the run resumes from its checkpoints later (here or on another replica). */
  halt(reason: string): void {
    this.#halt.abort(new Interrupt('halt', reason));
  }

  async drive(): Promise<RunOutcome> {
    const root = new Scope();
    const where: Where = { path: '', indices: [], signal: AbortSignal.any([this.#cancel.signal, this.#halt.signal]) };
    try {
      const last = await this.#sequence(this.#def.steps, root, where);
      const output = this.#def.output !== undefined ? await this.#render(this.#def.output, root) : last;
      if (this.#stopping) throw this.#stopping;
      return { status: 'completed', output: output ?? null };
    } catch (error) {
      if (error instanceof Halt || this.#halt.signal.aborted) throw error instanceof Halt ? error : new Halt('halted');
      const failure = asWorkflowError(error);
      const cancelled = this.#cancelRequest !== undefined;
      const wanted = cancelled
        ? (this.#cancelRequest?.compensate ?? true)
        : failure.forceCompensate || (this.#def.compensation?.onFailure ?? true);
      const problems = wanted ? await compensate(this.#runner, this.#compensable) : [];
      const record = cancelled ? new WorkflowError('cancelled', 'the run was cancelled').toJSON() : failure.toJSON();
      if (!cancelled && failure.stepId) record.stepId = failure.stepId;
      if (problems.length > 0) record.message = `${record.message}; ${problems.join('; ')}`;
      return { status: cancelled ? 'cancelled' : 'failed', error: record };
    }
  }

  // ---- sequencing ------------------------------------------------------------------------------------------

  async #sequence(steps: readonly Step[], scope: Scope, where: Where): Promise<unknown> {
    let index = 0;
    let last: unknown = null;
    let jumps = 0;
    while (index < steps.length) {
      const step = steps[index] as Step;
      const outcome = await this.#step(step, scope, where);
      if (outcome.ran) last = outcome.output ?? null;
      if (outcome.goto !== undefined) {
        const target = steps.findIndex((s) => s.id === outcome.goto);
        if (target < 0 || ++jumps > 10_000) {
          throw new WorkflowError('validation', `goto target "${outcome.goto}" is not in the list of "${step.id}"`, {
            stepId: step.id,
          });
        }
        index = target;
        continue;
      }
      index += 1;
    }
    return last;
  }

  async #step(step: Step, scope: Scope, where: Where): Promise<StepOutcome> {
    const key = keyOf(where, step.id);
    const kind = kindOf(step);
    let record = this.#records.get(key);
    if (record && SETTLED.has(record.status) && (!COMPOSITE.has(kind) || record.status === 'skipped')) {
      const replayed = replay(this.#runner, step, kind, record, scope);
      if (replayed) return replayed;
      record = undefined;
    }
    let started = record !== undefined;
    const began = performance.now();
    try {
      if (this.#stopping && !COMPOSITE.has(kind)) throw this.#stopping;
      if (!record && step.if !== undefined) {
        const go = typeof step.if === 'boolean' ? step.if : truthy(await this.#evaluate(step.if, scope));
        if (!go) {
          await this.#save(key, step, kind, 'skipped', { attempts: 0, finished: true });
          scope.setStep(step.id, { status: 'skipped', output: null, attempts: 0 });
          this.#finished(key, 'skipped');
          return { ran: false };
        }
      }
      started = true;
      const timeout = COMPOSITE.has(kind) ? step.timeoutMs : undefined;
      const result = await withTimeout(timeout, where.signal, `step ${step.id}`, (signal) =>
        this.#execute(kind, step, scope, { ...where, signal }, key, record),
      );
      await this.#complete(step, kind, key, result, scope);
      if (record?.status !== 'completed') this.#host.observeStep(kind, (performance.now() - began) / 1000);
      return { ran: true, output: result.output };
    } catch (error) {
      if (error instanceof Halt) throw error;
      const failure = this.#failureOf(error, step.id);
      const attempts = this.#attempts.get(key) ?? (kind === 'call' ? 1 : 0);
      const rule =
        failure.type !== 'cancelled' && !this.#stopping
          ? step.catch?.find((r) => errorMatches(r.errorEquals, failure))
          : undefined;
      if (rule && rule.next !== '@compensate') {
        await this.#save(key, step, kind, 'caught', { attempts, error: failure.toJSON(), next: rule.next, finished: true });
        scope.setStep(step.id, { status: 'caught', output: null, attempts, error: failure.toJSON() });
        this.#finished(key, 'caught');
        return { ran: true, output: null, ...(rule.next === 'continue' ? {} : { goto: rule.next }) };
      }
      if (rule?.next === '@compensate') failure.forceCompensate = true;
      if (started) {
        const status = failure.type === 'cancelled' ? 'cancelled' : 'failed';
        await this.#save(key, step, kind, status, { attempts, error: failure.toJSON(), next: rule?.next, finished: true });
        if (status === 'failed') this.#host.observeStep(kind, (performance.now() - began) / 1000);
      }
      throw failure;
    }
  }

  #execute(kind: StepKind, step: Step, scope: Scope, where: Where, key: string, record?: StepRecord): Promise<Result> {
    const runner = this.#runner;
    switch (kind) {
      case 'call':
        return runCall(runner, step as StepOf<'call'>, scope, where, key, record);
      case 'parallel':
        return runParallel(runner, step as StepOf<'parallel'>, scope, where, key, record);
      case 'forEach':
        return runForEach(runner, step as StepOf<'forEach'>, scope, where, key, record);
      case 'switch':
        return runSwitch(runner, step as StepOf<'switch'>, scope, where, key, record);
      case 'approval':
        return runApproval(runner, step as StepOf<'approval'>, scope, where, key, record);
      case 'wait':
        return runWait(runner, step as StepOf<'wait'>, scope, where, key, record);
      case 'set':
        return this.#set(step as StepOf<'set'>, scope);
      case 'fail':
        return this.#fail(step as StepOf<'fail'>, scope);
    }
  }

  async #set(step: StepOf<'set'>, scope: Scope): Promise<Result> {
    const values = await this.#render(step.set, scope);
    for (const [name, value] of Object.entries(values as Record<string, unknown>)) scope.setVar(name, value);
    return { output: values };
  }

  async #fail(step: StepOf<'fail'>, scope: Scope): Promise<Result> {
    const message = await this.#render(step.fail.message, scope);
    throw new WorkflowError(step.fail.error, typeof message === 'string' ? message : JSON.stringify(message), {
      stepId: step.id,
    });
  }

  // ---- completion and compensation ---------------------------------------------------------------------------

  async #complete(step: Step, kind: StepKind, key: string, result: Result, scope: Scope): Promise<void> {
    const previous = this.#records.get(key);
    const attempts = result.attempts ?? (kind === 'call' ? 1 : 0);
    let seq = previous?.doneSeq;
    if (previous?.status !== 'completed') {
      seq = this.#doneSeq++;
      const kept = storedOutput(this.#host, step, result.output ?? null);
      await this.#save(
        key,
        step,
        kind,
        'completed',
        { attempts, ...kept, doneSeq: seq, finished: true },
        kind === 'call' ? 'result' : 'step',
      );
      this.#finished(key, 'completed');
    } else {
      this.#done += 1;
    }
    scope.setStep(step.id, { status: 'completed', output: result.output ?? null, attempts });
    if (step.compensate) this.#compensable.push({ step, key, seq: seq ?? 0, scope });
  }

  // ---- helpers ---------------------------------------------------------------------------------------------

  #bindings(scope: Scope): Record<string, unknown> {
    return scope.bindings({ input: this.run.input, run: this.#runBinding });
  }

  #evaluate(expression: string, scope: Scope): Promise<unknown> {
    const body = expressionBody(expression);
    if (body === undefined) return Promise.resolve(expression);
    return this.#expressions.evaluate(body, this.#bindings(scope));
  }

  #render(template: unknown, scope: Scope): Promise<unknown> {
    return this.#expressions.render(template, this.#bindings(scope));
  }

  async #params(template: unknown, scope: Scope, stepId: string): Promise<Record<string, unknown>> {
    const params = await this.#render(template, scope);
    if (params === null || typeof params !== 'object' || Array.isArray(params)) {
      throw new WorkflowError('validation', `the params of ${stepId} do not evaluate to an object`, { stepId });
    }
    return params as Record<string, unknown>;
  }

  async #sleepUntil(at: number, signal: AbortSignal): Promise<void> {
    const ms = at - this.#host.now();
    if (ms > 0) await this.#host.sleep(ms, signal);
    else if (signal.aborted) throw signal.reason;
  }

  /** Turns an abort reason or any error into a WorkflowError; a halt becomes Halt. */
  #failureOf(error: unknown, stepId: string): WorkflowError {
    if (error instanceof Interrupt) {
      if (error.kind === 'halt' || this.#halt.signal.aborted) throw new Halt(error.message);
      if (error.kind === 'timeout') return new WorkflowError('timeout', error.message, { stepId });
      return new WorkflowError('cancelled', error.message, { stepId });
    }
    if (this.#halt.signal.aborted) throw new Halt('halted');
    return asWorkflowError(error, stepId);
  }

  /** Of the failures of branches or iterations, rethrows a halt first, else the first that is not a cancellation. */
  #rethrowFirst(failures: unknown[], stepId: string): void {
    if (failures.length === 0) return;
    const halt = failures.find((f) => f instanceof Halt || (f instanceof Interrupt && f.kind === 'halt'));
    if (halt) throw halt instanceof Halt ? halt : new Halt('halted');
    const errors = failures.map((f) => (f instanceof WorkflowError ? f : asWorkflowError(f, stepId)));
    throw errors.find((e) => e.type !== 'cancelled') ?? errors[0];
  }

  #finished(key: string, status: string): void {
    this.#done += 1;
    this.#host.progress(this.#done, Math.max(this.#total, this.#done), `step ${key} ${status}`);
  }

  async #save(
    key: string,
    step: Step,
    kind: string,
    status: StepStatus,
    fields: SaveFields,
    event?: CheckpointEvent['event'],
  ): Promise<void> {
    const previous = this.#records.get(key);
    const record = stepRecord(
      previous,
      { key, stepId: step.id, kind, status, ord: previous?.ord ?? this.#ord },
      fields,
      this.#host.now(),
    );
    if (!previous) this.#ord++;
    if (unchanged(previous, record)) return;
    this.#records.set(key, record);
    await this.#host.save(record, event, fields.error ? { error: fields.error } : undefined);
  }
}
