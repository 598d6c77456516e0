import { decodeCursor, defineTool, encodeCursor, fitPage, pageInput, pageOutput, ToolError, z } from '@switchboard/shared';
import { engineOf, type WorkflowToolContext } from './schemas.ts';

const definitionItemSchema = z.object({
  name: z.string(),
  version: z.string(),
  hash: z.string(),
  description: z.string().optional(),
  source: z.enum(['registered', 'directory']),
  steps: z.number().int().describe('Top-level steps'),
  inputSchema: z.record(z.string(), z.unknown()).optional(),
  registeredAt: z.string(),
});

export const listWorkflows = defineTool({
  name: 'listWorkflows',
  title: 'List registered workflows',
  description:
    'Named, versioned workflow definitions that executeWorkflow can run by workflowRef: registered with registerWorkflow or loaded from the definitions directory at start.',
  input: z.object({
    name: z.string().min(1).optional().describe('Only the versions of this workflow'),
    ...pageInput({ defaultLimit: 50, maxLimit: 200 }),
  }),
  output: z.object(pageOutput(definitionItemSchema)),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async (args, ctx: WorkflowToolContext) => {
    const engine = await engineOf(ctx);
    const scope = { tool: 'listWorkflows', name: args.name };
    const offset = args.cursor ? Number(decodeCursor<{ o?: unknown }>(args.cursor, scope).o) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw new ToolError('INVALID_ARGUMENT', 'cursor is malformed');
    const { items, total } = await engine.registry.list(args.name, args.limit, offset);
    const rows = items.map((d, i) => ({
      index: offset + i,
      item: {
        name: d.name,
        version: d.version,
        hash: d.hash,
        ...(d.definition.description ? { description: d.definition.description } : {}),
        source: d.source,
        steps: d.definition.steps.length,
        ...(d.definition.input?.schema ? { inputSchema: d.definition.input.schema } : {}),
        registeredAt: new Date(d.createdAt).toISOString(),
      },
    }));
    const page = fitPage(rows, {
      total,
      capBytes: ctx.config.outputCapBytes,
      hasMore: offset + items.length < total,
      cursorAfter: (row) => encodeCursor({ o: row.index + 1 }, scope),
    });
    return { ...page, items: page.items.map((row) => row.item) };
  },
});
