import { randomUUID } from 'node:crypto';
import type { Logger, Redactor } from '@switchboard/shared';
import { definitionHash } from '../definition/hash.ts';
import type { Definition } from '../definition/schema.ts';
import type { Expressions } from '../expressions/expressions.ts';
import type { RunStatus, StepRecord } from '../store/types.ts';
import { checkParams } from '../validation/params-check.ts';
import type { ToolCatalog } from '../validation/validate.ts';
import { type ErrorRecord, WorkflowError } from './errors.ts';
import type { ApprovalDecision, ApprovalRequest, ExecutionHost, PreparedCall } from './host.ts';
import { RunExecution } from './run-execution.ts';
import { type StepView, stepViews } from './run-view.ts';

/** What a dryRun answers for a step: an output (or one per loop index), an error, or an approval decision. */
export interface StepMock {
  output?: unknown;
  outputs?: unknown[];
  error?: { type?: string; message?: string };
  approved?: boolean;
  comment?: string;
}

export interface DryRunCall {
  stepId: string;
  path: string;
  service: string;
  tool: string;
  params: Record<string, unknown>;
  mocked: boolean;
}

export interface DryRunResult {
  status: RunStatus;
  output?: unknown;
  error?: ErrorRecord;
  steps: StepView[];
  calls: DryRunCall[];
}

export interface DryRunOptions {
  expressions: Expressions;
  catalog: ToolCatalog;
  redactor: Redactor;
  log: Logger;
  caller: string;
}

/** In memory: no store, calls answered from the mocks, waits instant, approvals granted unless a mock says no. */
class DryRunHost implements ExecutionHost {
  readonly log: Logger;
  readonly records = new Map<string, StepRecord>();
  readonly calls: DryRunCall[] = [];
  readonly #mocks: Record<string, StepMock>;
  readonly #options: DryRunOptions;

  constructor(mocks: Record<string, StepMock>, options: DryRunOptions) {
    this.#mocks = mocks;
    this.#options = options;
    this.log = options.log;
  }

  now(): number {
    return Date.now();
  }

  async save(record: StepRecord): Promise<void> {
    this.records.set(record.key, record);
  }

  async setRunStatus(): Promise<void> {}

  async call(call: PreparedCall): Promise<unknown> {
    const compensation = call.key.endsWith('#compensate');
    const mock = this.#mocks[compensation ? `${call.stepId}#compensate` : call.stepId];
    this.calls.push({
      stepId: call.stepId,
      path: call.key,
      service: call.service,
      tool: call.tool,
      params: this.#options.redactor.redact(call.params),
      mocked: mock !== undefined,
    });
    const description = this.#options.catalog.describeTool(call.service, call.tool);
    const issues = description ? checkParams(description.inputSchema, call.params) : [];
    if (issues.length > 0) {
      throw new WorkflowError('validation', `${call.service}.${call.tool}: ${issues.map((i) => i.message).join('; ')}`);
    }
    if (mock?.error) throw new WorkflowError(mock.error.type ?? 'tool', mock.error.message ?? 'mocked failure');
    if (mock?.outputs) {
      const index = Number(call.key.split(':').at(-1));
      return mock.outputs[Number.isInteger(index) ? index : 0] ?? null;
    }
    return mock?.output ?? null;
  }

  async sleep(_ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw signal.reason;
  }

  async approval(request: ApprovalRequest): Promise<ApprovalDecision> {
    const mock = this.#mocks[request.stepId];
    return {
      approved: mock?.approved ?? true,
      by: 'dryRun',
      at: Date.now(),
      ...(mock?.comment ? { comment: mock.comment } : {}),
    };
  }

  progress(): void {}
  observeStep(): void {}

  seal(value: unknown): string {
    return JSON.stringify(value);
  }

  unseal(text: string | undefined): { ok: true; value: unknown } | { ok: false } {
    return text === undefined ? { ok: false } : { ok: true, value: JSON.parse(text) };
  }

  protect(): void {}

  redact<T>(value: T): T {
    return this.#options.redactor.redact(value);
  }
}

/** Evaluates a definition's conditions and templates against mocks, without calling any tool or writing anything. */
export async function dryRun(
  definition: Definition,
  input: unknown,
  mocks: Record<string, StepMock>,
  options: DryRunOptions,
): Promise<DryRunResult> {
  const host = new DryRunHost(mocks, options);
  const now = Date.now();
  const execution = new RunExecution(
    {
      runId: `dryrun-${randomUUID()}`,
      workflow: definition.name,
      version: definition.version,
      definitionHash: definitionHash(definition),
      definition,
      fromRegistry: false,
      input,
      status: 'running',
      caller: options.caller,
      createdAt: now,
      updatedAt: now,
    },
    [],
    host,
    options.expressions,
  );
  const outcome = await execution.drive();
  return {
    status: outcome.status,
    ...(outcome.output !== undefined ? { output: options.redactor.redact(outcome.output) } : {}),
    ...(outcome.error ? { error: outcome.error } : {}),
    steps: stepViews([...host.records.values()]),
    calls: host.calls,
  };
}
