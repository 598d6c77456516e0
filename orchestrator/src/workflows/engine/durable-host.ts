import { type Logger, type Redactor, sleep } from '@switchboard/shared';
import type { ToolInvoker } from '../../downstream/tool-invoker.ts';
import type { WorkflowMetrics } from '../metrics.ts';
import type { CheckpointEvent, RunRecord, RunStatus, RunStore, StepRecord } from '../store/types.ts';
import { checkParams } from '../validation/params-check.ts';
import type { ToolCatalog } from '../validation/validate.ts';
import type { Approvals, RunObserver } from './approvals.ts';
import { outputOf } from './call-result.ts';
import { Halt, WorkflowError } from './errors.ts';
import {
  type ApprovalDecision,
  type ApprovalRequest,
  type ExecutionHost,
  IDEMPOTENCY_META_KEY,
  type PreparedCall,
} from './host.ts';
import { Interrupt } from './interrupt.ts';
import type { Sealer } from './sealer.ts';

/** What the engine lends each durable execution. */
export interface HostContext {
  store: RunStore;
  owner: string;
  log: Logger;
  redactor: Redactor;
  sealer: Sealer;
  metrics: WorkflowMetrics;
  invoker: ToolInvoker;
  catalog: ToolCatalog;
  toolWaitMs: number;
  approvals: Approvals;
  observers(runId: string): RunObserver[];
  /** Run status changed: wake the run's waiters. */
  notify(runId: string): void;
}

/**
 * The strings of a sensitive value worth registering as secrets: 8 characters or more, and not a bare number or
 * timestamp (registering common short words or dates would redact them from every later log line).
 */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (value.length >= 8 && !/^[\d\s:.TZ+-]+$/.test(value)) out.push(value);
  } else if (Array.isArray(value)) for (const item of value) strings(item, out);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) strings(item, out);
  return out;
}

function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) allStrings(item, out);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) allStrings(item, out);
  return out;
}

/**
 * The host of a real run: checkpoints go to the store fenced by this replica's lease (a lost lease or a store
 * failure halts the execution, which resumes from its checkpoints later), calls go through the federation's
 * invoker with the step's idempotency key in `_meta`.
 */
export class DurableHost implements ExecutionHost {
  readonly log: Logger;
  readonly #context: HostContext;
  readonly #run: RunRecord;

  constructor(context: HostContext, run: RunRecord) {
    this.#context = context;
    this.#run = run;
    this.log = context.log.child({ run_id: run.runId, workflow: run.workflow });
  }

  now(): number {
    return Date.now();
  }

  async save(record: StepRecord, event?: CheckpointEvent['event'], detail?: Record<string, unknown>): Promise<void> {
    const { store, owner, redactor } = this.#context;
    // Outputs arrive redacted (or sealed); error messages and data may quote what a tool was sent.
    const stored: StepRecord = {
      ...record,
      ...(record.error ? { error: redactor.redact(record.error) } : {}),
      ...(record.data ? { data: redactor.redact(record.data) } : {}),
    };
    let held: boolean;
    try {
      held = await store.checkpoint(
        this.#run.runId,
        owner,
        stored,
        event
          ? {
              key: record.key,
              event,
              attempt: record.attempts,
              definitionHash: this.#run.definitionHash,
              at: Date.now(),
              ...(detail ? { detail: this.#context.redactor.redact(detail) } : {}),
            }
          : undefined,
      );
    } catch (error) {
      throw new Halt(`the run store failed: ${(error as Error).message}`);
    }
    if (!held) throw new Halt('this replica no longer holds the run');
  }

  async setRunStatus(status: RunStatus): Promise<void> {
    let held: boolean;
    try {
      held = await this.#context.store.updateRun(this.#run.runId, { status }, this.#context.owner);
    } catch (error) {
      throw new Halt(`the run store failed: ${(error as Error).message}`);
    }
    if (!held) throw new Halt('this replica no longer holds the run');
    this.#context.notify(this.#run.runId);
  }

  /**
   * Waits (bounded) until the federation lists the tool and its service is up: upstreams reconnect after a restart.
   * Only a service still connecting is waited for; one known to be down fails the attempt at once with
   * UPSTREAM_UNAVAILABLE (the call itself fails so; without a listing, here), and the step's retry policy decides.
   */
  async #awaitTool(call: PreparedCall, signal: AbortSignal) {
    const { catalog, toolWaitMs } = this.#context;
    const deadline = Date.now() + toolWaitMs;
    for (;;) {
      const description = catalog.describeTool(call.service, call.tool);
      if (description && catalog.isAvailable(call.service)) return description;
      if (catalog.stateOf?.(call.service) === 'down') {
        if (description) return description;
        throw new WorkflowError('transport', `${call.service}.${call.tool}: service ${call.service} is down`, {
          code: 'UPSTREAM_UNAVAILABLE',
        });
      }
      if (Date.now() >= deadline) {
        if (description) return description;
        throw new WorkflowError('transport', `${call.service}.${call.tool} is not available (service down or no such tool)`);
      }
      await sleep(100, signal);
    }
  }

  async call(call: PreparedCall, signal: AbortSignal): Promise<unknown> {
    const what = `${call.service}.${call.tool}`;
    const description = await this.#awaitTool(call, signal);
    const issues = checkParams(description.inputSchema, call.params);
    if (issues.length > 0) {
      throw new WorkflowError('validation', `${what}: ${issues.map((i) => i.message).join('; ')}`, { code: 'INVALID_ARGUMENT' });
    }
    let result: Record<string, unknown>;
    try {
      // The call acts as the run's submitter (the gateway policy decides each step); a gateway approval prompt goes
      // to a client watching the run, when one can show it.
      const watcher = this.#context.observers(this.#run.runId).find((o) => o.elicit && !o.gaveUp);
      result = await this.#context.invoker.callTool({
        service: call.service,
        tool: call.tool,
        arguments: call.params,
        caller: this.#run.caller,
        meta: { [IDEMPOTENCY_META_KEY]: call.idempotencyKey },
        correlationId: this.#run.runId,
        signal,
        ...(watcher?.elicit ? { elicit: watcher.elicit } : {}),
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      // Aborted by the orchestrator itself (shutdown drain, closed session): not a failure of the step.
      if ((error as Error).name === 'AbortError') throw new Halt(`the call to ${what} was aborted by the orchestrator`);
      throw new WorkflowError('transport', `${what}: ${(error as Error).message}`);
    }
    if (signal.aborted) throw signal.reason;
    return outputOf(result, what);
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return sleep(ms, signal);
  }

  async approval(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalDecision> {
    try {
      return await this.#context.approvals.wait(this.#run, request, this.#context.observers(this.#run.runId), signal);
    } catch (error) {
      if (error instanceof Interrupt || error instanceof Halt || error instanceof WorkflowError) throw error;
      throw new Halt(`the run store failed: ${(error as Error).message}`);
    }
  }

  progress(done: number, total: number, message: string): void {
    for (const observer of this.#context.observers(this.#run.runId)) observer.progress?.(done, total, message);
  }

  observeStep(kind: string, seconds: number): void {
    this.#context.metrics.stepDuration.observe({ workflow: this.#run.workflow, kind }, seconds);
  }

  seal(value: unknown): string {
    return this.#context.sealer.seal(value);
  }

  unseal(text: string | undefined): { ok: true; value: unknown } | { ok: false } {
    return this.#context.sealer.open(text);
  }

  protect(value: unknown, options: { anyLength?: boolean } = {}): void {
    // A marked secret value is registered whatever its length: the kit redactor matches short values as whole strings.
    this.#context.redactor.register(...(options.anyLength ? allStrings(value) : strings(value)));
  }

  redact<T>(value: T): T {
    return this.#context.redactor.redact(value);
  }
}
