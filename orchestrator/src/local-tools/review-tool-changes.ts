import {
  decodeCursor,
  defineTool,
  encodeCursor,
  fitPage,
  pageInput,
  pageOutput,
  type ToolContext,
  ToolError,
  z,
} from '@switchboard/shared';
import type { OrchestratorClients } from './services-status.ts';

const changeSchema = z.object({
  namespace: z.string(),
  tool: z.string(),
  reason: z.enum(['changed', 'suspicious']).describe('changed: differs from its pin; suspicious: prompt-injection markers'),
  since: z.string(),
  previousHash: z.string().nullable().describe('the pinned definition (null: never accepted)'),
  hash: z.string().describe('the definition waiting; pass it to acceptToolChange'),
  markers: z.array(z.string()),
  quarantined: z.boolean().describe('hidden and refused until accepted'),
  previous: z.record(z.string(), z.unknown()).nullable(),
  definition: z.record(z.string(), z.unknown()),
});

export const reviewToolChanges = defineTool({
  name: 'reviewToolChanges',
  title: 'Review tool definition changes',
  description:
    'Admins: upstream tools whose definition changed since it was pinned (quarantined: hidden and refused with TOOL_CHANGED) or whose description carries prompt-injection markers, with the pinned and the new definition side by side. Accept one with acceptToolChange.',
  input: z.object({
    namespace: z.string().min(1).optional().describe('Only this namespace'),
    ...pageInput({ defaultLimit: 20, maxLimit: 100 }),
  }),
  output: z.object(pageOutput(changeSchema)),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async (args, ctx: ToolContext<unknown, OrchestratorClients>) => {
    const pins = ctx.clients.gateway.pins;
    const all = pins.pending().filter((c) => !args.namespace || c.namespace === args.namespace);
    const scope = { tool: 'reviewToolChanges', namespace: args.namespace };
    const offset = args.cursor ? Number(decodeCursor<{ o?: unknown }>(args.cursor, scope).o) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw new ToolError('INVALID_ARGUMENT', 'cursor is malformed');
    const quarantined = new Set(all.flatMap((c) => pins.quarantinedIn(c.namespace).map((t) => `${c.namespace}\u0000${t}`)));
    const items = all.slice(offset, offset + args.limit).map((c, i) => ({
      ...c,
      previousHash: c.previousHash ?? null,
      previous: c.previous ?? null,
      quarantined: quarantined.has(`${c.namespace}\u0000${c.tool}`),
      index: offset + i,
    }));
    const page = fitPage(items, {
      total: all.length,
      capBytes: ctx.config.outputCapBytes,
      hasMore: offset + args.limit < all.length,
      cursorAfter: (item) => encodeCursor({ o: item.index + 1 }, scope),
    });
    return { ...page, items: page.items.map(({ index: _index, ...item }) => item) };
  },
});
