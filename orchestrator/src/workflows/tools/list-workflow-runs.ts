import { decodeCursor, defineTool, encodeCursor, fitPage, pageInput, pageOutput, ToolError, z } from '@switchboard/shared';
import type { RunCursor } from '../store/types.ts';
import { engineOf, errorSchema, runStatusSchema, type WorkflowToolContext } from './schemas.ts';

const runItemSchema = z.object({
  runId: z.string(),
  workflow: z.string(),
  version: z.string(),
  status: runStatusSchema,
  caller: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  error: errorSchema.optional(),
});

/** Run cursors (listWorkflowRuns, tasks/list) are the kit's, bound to the filter they page. */
export function decodeRunCursor(cursor: string, scope: unknown): RunCursor {
  const value = decodeCursor<{ c?: unknown; r?: unknown }>(cursor, scope);
  if (typeof value.c === 'number' && typeof value.r === 'string') return { createdAt: value.c, runId: value.r };
  throw new ToolError('INVALID_ARGUMENT', 'cursor is malformed; pass the nextCursor of a previous call unchanged');
}

export function encodeRunCursor(position: RunCursor, scope: unknown): string {
  return encodeCursor({ c: position.createdAt, r: position.runId }, scope);
}

export const listWorkflowRuns = defineTool({
  name: 'listWorkflowRuns',
  title: 'List workflow runs',
  description:
    'Workflow runs, newest first, filtered by status, workflow name, caller or creation time; paged with limit and cursor.',
  input: z.object({
    status: z
      .union([runStatusSchema.transform((status) => [status]), z.array(runStatusSchema).min(1)])
      .optional()
      .describe('Only runs in this status, or in one of these statuses'),
    workflow: z.string().min(1).optional().describe('Only runs of this workflow name'),
    caller: z.string().min(1).optional().describe('Only runs started by this caller'),
    createdAfter: z.iso.datetime({ offset: true }).optional().describe('Only runs created at or after this time (ISO 8601)'),
    ...pageInput({ defaultLimit: 20, maxLimit: 200 }),
  }),
  output: z.object(pageOutput(runItemSchema)),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async (args, ctx: WorkflowToolContext) => {
    const engine = await engineOf(ctx);
    const filter = {
      ...(args.status ? { status: args.status } : {}),
      ...(args.workflow ? { workflow: args.workflow } : {}),
      ...(args.caller ? { caller: args.caller } : {}),
      ...(args.createdAfter ? { createdAfter: Date.parse(args.createdAfter) } : {}),
    };
    const scope = { tool: 'listWorkflowRuns', ...filter };
    const after = args.cursor ? decodeRunCursor(args.cursor, scope) : undefined;
    const { runs, total } = await engine.listRuns(filter, args.limit + 1, after);
    const items = runs.slice(0, args.limit).map((run) => ({
      runId: run.runId,
      workflow: run.workflow,
      version: run.version,
      status: run.status,
      caller: run.caller,
      createdAt: new Date(run.createdAt).toISOString(),
      updatedAt: new Date(run.updatedAt).toISOString(),
      ...(run.finishedAt !== undefined ? { finishedAt: new Date(run.finishedAt).toISOString() } : {}),
      ...(run.error ? { error: run.error } : {}),
      position: { createdAt: run.createdAt, runId: run.runId },
    }));
    const page = fitPage(items, {
      total,
      capBytes: ctx.config.outputCapBytes,
      hasMore: runs.length > args.limit,
      cursorAfter: (item) => encodeRunCursor(item.position, scope),
    });
    return { ...page, items: page.items.map(({ position: _position, ...item }) => item) };
  },
});
