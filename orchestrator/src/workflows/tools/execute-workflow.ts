import { defineTool, ToolError, z } from '@switchboard/shared';
import { CLIENT_CANCELLED } from '../../upstream/cancel-token.ts';
import { definitionHash } from '../definition/hash.ts';
import type { Definition } from '../definition/schema.ts';
import type { RunObserver } from '../engine/approvals.ts';
import type { WorkflowEngine } from '../engine/engine.ts';
import { schemaIssues } from '../validation/params-check.ts';
import { problemSchema, summarize } from '../validation/problems.ts';
import { engineOf, finishedRun, runReport, runReportShape, type WorkflowToolContext } from './schemas.ts';

const mockSchema = z
  .object({
    output: z.unknown().optional().describe('What the call returns'),
    outputs: z.array(z.unknown()).optional().describe('One output per loop index, for a step inside forEach'),
    error: z.object({ type: z.string().optional(), message: z.string().optional() }).optional().describe('Fail the call'),
    approved: z.boolean().optional().describe('For an approval step: false rejects it'),
    comment: z.string().optional(),
  })
  .strict();

export const executeWorkflowInput = z.object({
  workflow: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('The definition (dsl switchboard/v1); see orchestrator/schemas/workflow.schema.json'),
  workflowRef: z
    .object({ name: z.string().min(1), version: z.string().min(1).optional().describe('Latest when left out') })
    .strict()
    .optional()
    .describe('A registered definition (registerWorkflow, or the definitions directory)'),
  input: z.record(z.string(), z.unknown()).default({}).describe('The run input ($input), checked against input.schema'),
  mode: z
    .enum(['run', 'validate', 'dryRun'])
    .default('run')
    .describe('validate: report every problem; dryRun: evaluate against mocks without calling tools'),
  idempotencyKey: z.string().min(1).max(200).optional().describe('A second call with the same key returns the first run'),
  mocks: z.record(z.string(), mockSchema).optional().describe('dryRun: answers by step id'),
  waitMs: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('Return after this long with the run still going (poll getWorkflowRun); default: wait for the end'),
});

export type ExecuteWorkflowArgs = z.output<typeof executeWorkflowInput>;

/** Resolves the definition of a call, validates it (every problem at once) and checks the input. */
export async function prepareRun(
  engine: WorkflowEngine,
  args: ExecuteWorkflowArgs,
  permission?: (service: string, tool: string) => string | undefined,
): Promise<{ definition: Definition; fromRegistry: boolean }> {
  const { definition, fromRegistry, problems } = await resolve(engine, args, permission);
  if (!definition) {
    throw new ToolError('INVALID_ARGUMENT', `the workflow definition is invalid: ${summarize(problems)}`, {
      details: { problems },
    });
  }
  const schema = definition.input?.schema;
  const issues = schema ? schemaIssues(schema, args.input) : [];
  if (issues.length > 0) {
    throw new ToolError('INVALID_ARGUMENT', `the input does not match the workflow's input.schema: ${issues.join('; ')}`, {
      details: { issues },
    });
  }
  return { definition, fromRegistry };
}

async function resolve(
  engine: WorkflowEngine,
  args: ExecuteWorkflowArgs,
  permission?: (service: string, tool: string) => string | undefined,
) {
  if ((args.workflow === undefined) === (args.workflowRef === undefined)) {
    throw new ToolError('INVALID_ARGUMENT', 'give exactly one of workflow (a definition) or workflowRef ({ name, version? })');
  }
  if (args.workflowRef) {
    const stored = await engine.registry.get(args.workflowRef.name, args.workflowRef.version);
    if (!stored) {
      const which = args.workflowRef.version ? ` version ${args.workflowRef.version}` : '';
      throw new ToolError('NOT_FOUND', `no registered workflow ${args.workflowRef.name}${which} (see listWorkflows)`);
    }
    const result = engine.validate(stored.definition, true, permission);
    return { definition: result.valid ? stored.definition : undefined, fromRegistry: true, problems: result.problems };
  }
  const result = engine.validate(args.workflow, true, permission);
  return { definition: result.definition, fromRegistry: false, problems: result.problems };
}

/** The observer of a call: progress on its token, approvals by elicitation when the client supports it. */
export function observerOf(ctx: WorkflowToolContext, extraMeta?: Record<string, unknown>): RunObserver {
  return {
    caller: ctx.caller.id,
    progress: (done, total, message) => void ctx.progress(done, total, message).catch(() => {}),
    ...(ctx.canElicit ? { elicit: (form) => ctx.elicit(extraMeta ? ({ ...form, _meta: extraMeta } as typeof form) : form) } : {}),
  };
}

export const executeWorkflow = defineTool({
  name: 'executeWorkflow',
  title: 'Execute a workflow',
  description:
    'Runs a durable multi-step workflow (JSON, dsl switchboard/v1) that calls tools of the federated services and passes data between them with JSONata "{% expr %}" expressions. mode validate reports every problem of a definition; dryRun evaluates it against mocks without calling tools. A run survives restarts; waits for the end unless waitMs is given, or returns status input_required when an approval step waits (approveWorkflowStep). Supports MCP tasks.',
  input: executeWorkflowInput,
  output: z.object({
    ...runReportShape,
    problems: z.array(problemSchema).optional().describe('validate: every problem found'),
    calls: z
      .array(
        z.object({
          stepId: z.string(),
          path: z.string(),
          service: z.string(),
          tool: z.string(),
          params: z.record(z.string(), z.unknown()),
          mocked: z.boolean(),
        }),
      )
      .optional()
      .describe('dryRun: the calls the run would make, with their rendered params'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  handler: async (args, ctx: WorkflowToolContext) => {
    const engine = await engineOf(ctx);
    if (args.mode === 'validate') {
      const { problems, definition } = await resolve(engine, args, ctx.clients.permission);
      return {
        status: definition ? ('valid' as const) : ('invalid' as const),
        ...(definition
          ? { workflow: { name: definition.name, version: definition.version, hash: definitionHash(definition) } }
          : {}),
        problems,
        steps: [],
      };
    }
    const { definition, fromRegistry } = await prepareRun(engine, args, ctx.clients.permission);
    if (args.mode === 'dryRun') {
      const result = await engine.dryRun(definition, args.input, args.mocks ?? {}, ctx.caller.id);
      return {
        status: result.status,
        workflow: { name: definition.name, version: definition.version, hash: definitionHash(definition) },
        ...(result.output !== undefined ? { output: result.output } : {}),
        ...(result.error ? { error: result.error } : {}),
        steps: result.steps.map((s) => ({ id: s.id, path: s.path, status: s.status, attempts: s.attempts })),
        calls: result.calls,
      };
    }
    const observer = observerOf(ctx);
    const { run, created, detach } = await engine.startRun({
      definition,
      fromRegistry,
      input: args.input,
      caller: ctx.caller.id,
      observer,
      ...(args.idempotencyKey ? { idempotencyKey: args.idempotencyKey } : {}),
    });
    // A client that cancels the call cancels the run; a client that merely goes away leaves it running.
    const onCancel = () => {
      if (ctx.signal.reason === CLIENT_CANCELLED) void engine.cancel(run.runId).catch(() => {});
    };
    if (ctx.signal.aborted) onCancel();
    else ctx.signal.addEventListener('abort', onCancel, { once: true });
    try {
      await engine.waitFor(run.runId, {
        observer,
        signal: ctx.signal,
        ...(args.waitMs !== undefined ? { waitMs: args.waitMs } : {}),
      });
    } finally {
      ctx.signal.removeEventListener('abort', onCancel);
      detach();
    }
    return finishedRun(runReport(await engine.requireView(run.runId), created));
  },
});
