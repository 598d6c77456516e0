import { definitionHash } from '../definition/hash.ts';
import { childLists, type Definition, kindOf, type Step, type StepKind, type StepOf } from '../definition/schema.ts';
import { type Expressions, expressionBody, truthy } from '../expressions/expressions.ts';
import type { CheckpointEvent, RunRecord, RunStatus, StepRecord, StepStatus } from '../store/types.ts';
import { asWorkflowError, type ErrorRecord, errorMatches, Halt, WorkflowError } from './errors.ts';
import type { ExecutionHost } from './host.ts';
import { Interrupt, withTimeout } from './interrupt.ts';
import { retryDelay } from './retry.ts';
import { Scope } from './scope.ts';

/** What a sensitive output is replaced by in checkpoints and results. */
export const SENSITIVE_MARKER = '[SENSITIVE]';

/** Leaf steps whose settled record is replayed instead of executed. Composites always re-run over their children. */
const SETTLED: ReadonlySet<StepStatus> = new Set(['completed', 'skipped', 'caught', 'failed', 'cancelled']);
const COMPOSITE: ReadonlySet<StepKind> = new Set(['parallel', 'forEach', 'switch']);

export interface RunOutcome {
  status: Extract<RunStatus, 'completed' | 'failed' | 'cancelled'>;
  output?: unknown;
  error?: ErrorRecord;
}

interface Where {
  /** Step ids from the root to the enclosing composite, joined by `/`. */
  path: string;
  /** Positions in the enclosing forEach loops, outermost first. */
  indices: number[];
  signal: AbortSignal;
}

interface StepOutcome {
  ran: boolean;
  output?: unknown;
  goto?: string;
}

interface Result {
  output: unknown;
  attempts?: number;
}

interface Compensable {
  step: Step;
  key: string;
  seq: number;
  scope: Scope;
}

function keyOf(where: Where, id: string): string {
  return `${where.path ? `${where.path}/` : ''}${id}${where.indices.map((i) => `:${i}`).join('')}`;
}

function pathOf(where: Where, id: string): string {
  return where.path ? `${where.path}/${id}` : id;
}

/** Steps outside forEach bodies (a loop body counts once its items are known). */
function staticCount(steps: readonly Step[]): number {
  let n = 0;
  for (const step of steps) {
    n += 1;
    if (!('forEach' in step)) for (const list of childLists(step)) n += staticCount(list.steps);
  }
  return n;
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
    if (run.cancelRequested) this.cancel(run.cancelRequested);
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
      const problems = wanted ? await this.#compensate() : [];
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
      const replayed = this.#replay(step, kind, record, scope);
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

  /** The outcome of a settled record; undefined when a sensitive output cannot be opened (the step runs again). */
  #replay(step: Step, kind: StepKind, record: StepRecord, scope: Scope): StepOutcome | undefined {
    const error = record.error ?? { type: 'tool', message: `step ${step.id} failed` };
    switch (record.status) {
      case 'completed': {
        let output = record.output;
        if (step.sensitive) {
          const opened = this.#host.unseal(record.sealed);
          if (!opened.ok) {
            this.#host.log.warn(
              { run_id: this.run.runId, step: record.key },
              'the sealed output of a sensitive step cannot be opened (no workflows.encryptionKey shared across restarts); running the step again',
            );
            this.#records.delete(record.key);
            return undefined;
          }
          output = opened.value;
          this.#host.protect(output);
        }
        if (kind === 'set' && output && typeof output === 'object') {
          for (const [name, value] of Object.entries(output)) scope.setVar(name, value);
        }
        scope.setStep(step.id, { status: 'completed', output, attempts: record.attempts });
        if (step.compensate) this.#compensable.push({ step, key: record.key, seq: record.doneSeq ?? 0, scope });
        this.#done += 1;
        return { ran: true, output };
      }
      case 'skipped':
        scope.setStep(step.id, { status: 'skipped', output: null, attempts: 0 });
        this.#done += 1;
        return { ran: false };
      case 'caught': {
        scope.setStep(step.id, { status: 'caught', output: null, attempts: record.attempts, error });
        this.#done += 1;
        const next = String(record.data?.next ?? 'continue');
        return { ran: true, output: null, ...(next === 'continue' ? {} : { goto: next }) };
      }
      default: {
        const failure = WorkflowError.from({ ...error, stepId: error.stepId ?? step.id });
        failure.forceCompensate = record.data?.next === '@compensate';
        throw record.status === 'cancelled' ? new WorkflowError('cancelled', error.message, { stepId: step.id }) : failure;
      }
    }
  }

  async #execute(kind: StepKind, step: Step, scope: Scope, where: Where, key: string, record?: StepRecord): Promise<Result> {
    switch (kind) {
      case 'call':
        return this.#call(step as StepOf<'call'>, scope, where, key, record);
      case 'parallel':
        return this.#parallel(step as StepOf<'parallel'>, scope, where, key, record);
      case 'forEach':
        return this.#forEach(step as StepOf<'forEach'>, scope, where, key, record);
      case 'switch':
        return this.#switch(step as StepOf<'switch'>, scope, where, key, record);
      case 'approval':
        return this.#approval(step as StepOf<'approval'>, scope, where, key, record);
      case 'wait':
        return this.#wait(step as StepOf<'wait'>, scope, where, key, record);
      case 'set': {
        const values = await this.#render((step as StepOf<'set'>).set, scope);
        for (const [name, value] of Object.entries(values as Record<string, unknown>)) scope.setVar(name, value);
        return { output: values };
      }
      case 'fail': {
        const spec = (step as StepOf<'fail'>).fail;
        const message = await this.#render(spec.message, scope);
        throw new WorkflowError(spec.error, typeof message === 'string' ? message : JSON.stringify(message), {
          stepId: step.id,
        });
      }
    }
  }

  // ---- step kinds ------------------------------------------------------------------------------------------

  async #call(step: StepOf<'call'>, scope: Scope, where: Where, key: string, record?: StepRecord): Promise<Result> {
    const spec = step.call;
    const policy = step.retry ?? this.#def.defaults?.retry;
    const maxAttempts = policy?.maxAttempts ?? 1;
    const timeoutMs = step.timeoutMs ?? this.#def.defaults?.timeoutMs;
    const idempotencyKey = `${this.run.runId}:${key}`;
    const data = { service: spec.service, tool: spec.tool, idempotencyKey };
    let attempt = record?.attempts ?? 0;
    let resend = record?.status === 'running' && attempt > 0;
    if (record?.status === 'retrying') await this.#sleepUntil(Number(record.data?.nextAt ?? 0), where.signal);
    for (;;) {
      if (!resend) attempt += 1;
      resend = false;
      this.#attempts.set(key, attempt);
      const params = await this.#params(spec.params, scope, step.id);
      await this.#save(key, step, 'call', 'running', { attempts: attempt, data }, 'call');
      try {
        const output = await withTimeout(timeoutMs, where.signal, `step ${step.id}`, (signal) =>
          this.#host.call(
            { stepId: step.id, key, service: spec.service, tool: spec.tool, params, idempotencyKey, attempt },
            signal,
          ),
        );
        return { output, attempts: attempt };
      } catch (error) {
        if (error instanceof Halt) throw error;
        const failure = this.#failureOf(error, step.id);
        if (!policy || failure.type === 'cancelled' || attempt >= maxAttempts || !errorMatches(policy.errorEquals, failure)) {
          throw failure;
        }
        const delay = retryDelay(policy, attempt);
        const nextAt = this.#host.now() + delay;
        await this.#save(
          key,
          step,
          'call',
          'retrying',
          { attempts: attempt, error: failure.toJSON(), data: { ...data, nextAt } },
          'retry',
        );
        this.#host.log.info(
          { run_id: this.run.runId, step: key, attempt, error_type: failure.type, delay_ms: delay },
          'workflow step failed; retrying',
        );
        await this.#sleepUntil(nextAt, where.signal);
      }
    }
  }

  async #parallel(step: StepOf<'parallel'>, scope: Scope, where: Where, key: string, record?: StepRecord): Promise<Result> {
    if (!record) await this.#save(key, step, 'parallel', 'running', {}, 'step');
    const siblings = new AbortController();
    const signal = AbortSignal.any([where.signal, siblings.signal]);
    const inner: Where = { path: pathOf(where, step.id), indices: where.indices, signal };
    const failures: unknown[] = [];
    const settled = await Promise.allSettled(
      step.parallel.branches.map(async (branch) => {
        try {
          return await this.#sequence(branch.steps, scope, inner);
        } catch (error) {
          failures.push(error);
          if (step.parallel.failFast) siblings.abort(new Interrupt('sibling', `a branch of ${step.id} failed`));
          throw error;
        }
      }),
    );
    this.#rethrowFirst(failures, step.id);
    return { output: settled.map((s) => (s.status === 'fulfilled' ? s.value : null)) };
  }

  async #forEach(step: StepOf<'forEach'>, scope: Scope, where: Where, key: string, record?: StepRecord): Promise<Result> {
    const spec = step.forEach;
    const items = typeof spec.in === 'string' ? await this.#evaluate(spec.in, scope) : spec.in;
    const list = items === undefined || items === null ? [] : Array.isArray(items) ? items : [items];
    const itemsHash = definitionHash(list);
    if (record && record.data?.itemsHash !== undefined && record.data.itemsHash !== itemsHash) {
      throw new WorkflowError(
        'validation',
        `the items of forEach ${step.id} changed since the run started (its "in" expression is not deterministic)`,
        { stepId: step.id },
      );
    }
    if (!record) await this.#save(key, step, 'forEach', 'running', { data: { count: list.length, itemsHash } }, 'step');
    this.#total += staticCount(spec.steps) * list.length;
    const results: unknown[] = new Array(list.length).fill(null);
    const failures: unknown[] = [];
    const stop = new AbortController();
    const signal = AbortSignal.any([where.signal, stop.signal]);
    // Replaying a loop that already failed: iterations that never started must not start now.
    const replayOnly = record !== undefined && (record.status === 'failed' || record.status === 'caught');
    const started = replayOnly ? this.#startedIterations(pathOf(where, step.id), where.indices) : undefined;
    let next = 0;
    const worker = async () => {
      while (next < list.length && failures.length === 0) {
        const index = next++;
        if (started && !started.has(index)) continue;
        const iteration = scope.child({ [spec.as]: list[index], index });
        try {
          results[index] = await this.#sequence(spec.steps, iteration, {
            path: pathOf(where, step.id),
            indices: [...where.indices, index],
            signal,
          });
        } catch (error) {
          failures.push(error);
          stop.abort(new Interrupt('sibling', `an iteration of ${step.id} failed`));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(spec.maxConcurrency, list.length) }, worker));
    this.#rethrowFirst(failures, step.id);
    return { output: results };
  }

  async #switch(step: StepOf<'switch'>, scope: Scope, where: Where, key: string, record?: StepRecord): Promise<Result> {
    const spec = step.switch;
    let choice = record?.data?.case as number | null | undefined;
    if (choice === undefined) {
      choice = null;
      for (let i = 0; i < spec.cases.length; i++) {
        const when = (spec.cases[i] as { when: string | boolean }).when;
        if (typeof when === 'boolean' ? when : truthy(await this.#evaluate(when, scope))) {
          choice = i;
          break;
        }
      }
      if (choice === null && spec.default) choice = -1;
      await this.#save(key, step, 'switch', 'running', { data: { case: choice } }, 'step');
    }
    const steps = choice === null ? undefined : choice === -1 ? spec.default : spec.cases[choice]?.steps;
    const output = steps ? await this.#sequence(steps, scope, { ...where, path: pathOf(where, step.id) }) : null;
    return { output };
  }

  async #approval(step: StepOf<'approval'>, scope: Scope, where: Where, key: string, record?: StepRecord): Promise<Result> {
    const spec = step.approval;
    let data = record?.status === 'waiting' ? record.data : undefined;
    if (!data) {
      const rendered = await this.#render(spec.message, scope);
      const message = typeof rendered === 'string' ? rendered : JSON.stringify(rendered);
      data = { message, ...(spec.timeoutMs ? { deadline: this.#host.now() + spec.timeoutMs } : {}) };
      await this.#save(key, step, 'approval', 'waiting', { data }, 'step');
    }
    this.#pendingApprovals += 1;
    if (this.#pendingApprovals === 1) await this.#host.setRunStatus('input_required');
    let decision: Awaited<ReturnType<ExecutionHost['approval']>>;
    try {
      decision = await this.#host.approval(
        {
          stepId: step.id,
          key,
          message: String(data.message),
          ...(typeof data.deadline === 'number' ? { deadline: data.deadline } : {}),
        },
        where.signal,
      );
    } finally {
      this.#pendingApprovals -= 1;
      if (this.#pendingApprovals === 0 && !this.#stopping && !this.#halt.signal.aborted) {
        await this.#host.setRunStatus('running');
      }
    }
    if (decision.timedOut) {
      if (spec.onTimeout === 'fail') {
        throw new WorkflowError('timeout', `approval ${step.id} timed out`, { stepId: step.id });
      }
      if (spec.onTimeout === 'reject') {
        throw new WorkflowError('approval.rejected', `approval ${step.id} timed out and was rejected`, { stepId: step.id });
      }
    } else if (!decision.approved) {
      const why = decision.comment ? `: ${decision.comment}` : '';
      throw new WorkflowError('approval.rejected', `approval ${step.id} was rejected by ${decision.by}${why}`, {
        stepId: step.id,
      });
    }
    return {
      output: {
        approved: true,
        by: decision.by,
        at: new Date(decision.at).toISOString(),
        ...(decision.comment ? { comment: decision.comment } : {}),
        ...(decision.timedOut ? { timedOut: true } : {}),
      },
    };
  }

  async #wait(step: StepOf<'wait'>, scope: Scope, where: Where, key: string, record?: StepRecord): Promise<Result> {
    let wakeAt = record?.status === 'waiting' ? Number(record.data?.wakeAt) : Number.NaN;
    if (!Number.isFinite(wakeAt)) {
      const ms = Number(await this.#render(step.wait.durationMs, scope));
      if (!Number.isFinite(ms) || ms < 0) {
        throw new WorkflowError('validation', `wait ${step.id}: durationMs is not a number of milliseconds`, { stepId: step.id });
      }
      wakeAt = this.#host.now() + ms;
      await this.#save(key, step, 'wait', 'waiting', { data: { wakeAt } }, 'step');
    }
    await this.#sleepUntil(wakeAt, where.signal);
    return { output: { until: new Date(wakeAt).toISOString() } };
  }

  // ---- completion and compensation ---------------------------------------------------------------------------

  async #complete(step: Step, kind: StepKind, key: string, result: Result, scope: Scope): Promise<void> {
    const previous = this.#records.get(key);
    const attempts = result.attempts ?? (kind === 'call' ? 1 : 0);
    let seq = previous?.doneSeq;
    if (previous?.status !== 'completed') {
      seq = this.#doneSeq++;
      const sensitive = step.sensitive === true;
      if (sensitive) this.#host.protect(result.output);
      await this.#save(
        key,
        step,
        kind,
        'completed',
        {
          attempts,
          output: sensitive ? SENSITIVE_MARKER : this.#host.redact(result.output ?? null),
          ...(sensitive ? { sealed: this.#host.seal(result.output ?? null) } : {}),
          doneSeq: seq,
          finished: true,
        },
        kind === 'call' ? 'result' : 'step',
      );
      this.#finished(key, 'completed');
    } else {
      this.#done += 1;
    }
    scope.setStep(step.id, { status: 'completed', output: result.output ?? null, attempts });
    if (step.compensate) this.#compensable.push({ step, key, seq: seq ?? 0, scope });
  }

  /** Runs the compensate calls of completed steps, newest first, each checkpointed; returns what failed. */
  async #compensate(): Promise<string[]> {
    const entries = [...this.#compensable].sort((a, b) => b.seq - a.seq);
    if (entries.length === 0) return [];
    await this.#host.setRunStatus('compensating');
    const problems: string[] = [];
    const policy = this.#def.defaults?.retry;
    for (const entry of entries) {
      const spec = entry.step.compensate;
      if (!spec) continue;
      const key = `${entry.key}#compensate`;
      const record = this.#records.get(key);
      if (record?.status === 'completed') continue;
      if (record?.status === 'failed') {
        problems.push(`compensation of ${entry.key} failed: ${record.error?.message ?? 'unknown error'}`);
        continue;
      }
      const idempotencyKey = `${this.run.runId}:${key}`;
      const data = { service: spec.service, tool: spec.tool, idempotencyKey };
      let attempt = record?.attempts ?? 0;
      let resend = record?.status === 'running' && attempt > 0;
      for (;;) {
        if (!resend) attempt += 1;
        resend = false;
        try {
          const params = await this.#params(spec.params, entry.scope, entry.step.id);
          await this.#save(key, entry.step, 'compensate', 'running', { attempts: attempt, data }, 'compensate');
          await withTimeout(this.#def.defaults?.timeoutMs, this.#halt.signal, `compensation of ${entry.key}`, (signal) =>
            this.#host.call(
              { stepId: entry.step.id, key, service: spec.service, tool: spec.tool, params, idempotencyKey, attempt },
              signal,
            ),
          );
          await this.#save(
            key,
            entry.step,
            'compensate',
            'completed',
            { attempts: attempt, data, finished: true },
            'compensated',
          );
          break;
        } catch (error) {
          if (error instanceof Halt) throw error;
          const failure = this.#failureOf(error, entry.step.id);
          if (policy && attempt < policy.maxAttempts && errorMatches(policy.errorEquals, failure)) {
            await this.#sleepUntil(this.#host.now() + retryDelay(policy, attempt), this.#halt.signal);
            continue;
          }
          await this.#save(
            key,
            entry.step,
            'compensate',
            'failed',
            { attempts: attempt, data, error: failure.toJSON(), finished: true },
            'compensated',
          );
          problems.push(`compensation of ${entry.key} failed: ${failure.message}`);
          break;
        }
      }
    }
    return problems;
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

  /** The iterations of a loop that have any checkpoint (keys `<loop>/<step>:<outer indices>:<i>`). */
  #startedIterations(loopPath: string, outer: number[]): Set<number> {
    const started = new Set<number>();
    const prefix = `${loopPath}/`;
    for (const key of this.#records.keys()) {
      const [path = '', ...indices] = key.replace(/#compensate$/, '').split(':');
      if (!path.startsWith(prefix) || indices.length <= outer.length) continue;
      if (outer.every((value, i) => Number(indices[i]) === value)) started.add(Number(indices[outer.length]));
    }
    return started;
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
    fields: {
      attempts?: number;
      output?: unknown;
      sealed?: string;
      error?: ErrorRecord;
      data?: Record<string, unknown>;
      next?: string | undefined;
      doneSeq?: number;
      finished?: boolean;
    },
    event?: CheckpointEvent['event'],
  ): Promise<void> {
    const previous = this.#records.get(key);
    const now = this.#host.now();
    const data = { ...previous?.data, ...fields.data, ...(fields.next ? { next: fields.next } : {}) };
    const record: StepRecord = {
      key,
      stepId: step.id,
      kind,
      status,
      attempts: fields.attempts ?? previous?.attempts ?? 0,
      ord: previous?.ord ?? this.#ord++,
      startedAt: previous?.startedAt ?? now,
      ...(Object.keys(data).length > 0 ? { data } : {}),
      ...(fields.output !== undefined ? { output: fields.output } : {}),
      ...(fields.sealed !== undefined ? { sealed: fields.sealed } : {}),
      ...(fields.error ? { error: fields.error } : {}),
      ...(fields.doneSeq !== undefined
        ? { doneSeq: fields.doneSeq }
        : previous?.doneSeq !== undefined
          ? { doneSeq: previous.doneSeq }
          : {}),
      ...(fields.finished ? { finishedAt: now } : {}),
    };
    if (
      previous &&
      previous.status === record.status &&
      previous.attempts === record.attempts &&
      SETTLED.has(record.status) &&
      JSON.stringify(previous.error) === JSON.stringify(record.error)
    ) {
      return;
    }
    this.#records.set(key, record);
    await this.#host.save(record, event, fields.error ? { error: fields.error } : undefined);
  }
}
