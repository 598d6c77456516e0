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

export const serviceStatusSchema = z.object({
  name: z.string(),
  namespace: z.string(),
  url: z.string().describe('URL, or the command line of a stdio upstream'),
  transport: z.enum(['streamable-http', 'sse', 'stdio']),
  sessionMode: z.enum(['per-client', 'shared']),
  state: z.enum(['connecting', 'up', 'degraded', 'down']),
  reason: z.string(),
  since: z.string().describe('When the current state began (ISO 8601)'),
  circuit: z.enum(['closed', 'open', 'half-open']),
  toolCount: z.number().int(),
  lastError: z.string().nullable(),
  p50LatencyMs: z.number().nullable(),
  thirdParty: z.boolean().describe('not a Switchboard service: the default approvals cover its destructive tools'),
  pinning: z.enum(['pin', 'warn', 'off']).describe('what a changed tool definition does (policy pinning)'),
  quarantinedTools: z.array(z.string()).describe('hidden and refused until an admin accepts (orchestrator.reviewToolChanges)'),
  flaggedTools: z
    .array(z.object({ tool: z.string(), markers: z.array(z.string()), quarantined: z.boolean() }))
    .describe('tools whose description carries prompt-injection markers'),
});

export const listServices = defineTool({
  name: 'listServices',
  title: 'List federated services',
  description:
    'Every configured upstream service with its state (up, degraded, down and why, since when), tool count, last error, median latency, and the gateway view: third-party or not, pinning mode, quarantined tools and tools flagged for prompt-injection markers.',
  input: z.object({
    state: z.enum(['connecting', 'up', 'degraded', 'down']).optional().describe('Only services in this state'),
    ...pageInput({ defaultLimit: 50, maxLimit: 200 }),
  }),
  output: z.object(pageOutput(serviceStatusSchema)),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async (args, ctx: ToolContext<unknown, OrchestratorClients>) => {
    const all = ctx.clients.services().filter((s) => !args.state || s.state === args.state);
    const scope = { tool: 'listServices', state: args.state };
    const offset = args.cursor ? Number(decodeCursor<{ o?: unknown }>(args.cursor, scope).o) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw new ToolError('INVALID_ARGUMENT', 'cursor is malformed');
    const slice = all.slice(offset, offset + args.limit).map((status, i) => ({ status, index: offset + i }));
    const page = fitPage(slice, {
      total: all.length,
      capBytes: ctx.config.outputCapBytes,
      hasMore: offset + args.limit < all.length,
      cursorAfter: (item) => encodeCursor({ o: item.index + 1 }, scope),
    });
    return { ...page, items: page.items.map((i) => i.status) };
  },
});
