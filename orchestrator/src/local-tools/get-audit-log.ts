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

const recordSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  type: z.enum(['call', 'denial', 'definition', 'policy']),
  caller: z.string().optional(),
  callerKind: z.string().optional(),
  roles: z.string().optional(),
  namespace: z.string().optional(),
  tool: z.string().optional(),
  argsHash: z.string().optional(),
  outcome: z.string().optional(),
  durationMs: z.number().optional(),
  correlationId: z.string().optional(),
  approval: z.record(z.string(), z.unknown()).optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
  prev: z.string(),
  hash: z.string(),
});

const iso = (value: string | undefined) => (value === undefined ? undefined : new Date(value).toISOString());

export const getAuditLog = defineTool({
  name: 'getAuditLog',
  title: 'Read the gateway audit trail',
  description:
    'Admins: the gateway audit trail, newest first: every tool call (caller, roles, namespace, tool, redacted arguments hash, outcome, duration, correlation id, approval decision), every policy denial, every tool definition change. Filters combine; paged with limit and cursor.',
  input: z.object({
    type: z.enum(['call', 'denial', 'definition', 'policy']).optional(),
    caller: z.string().min(1).optional(),
    namespace: z.string().min(1).optional(),
    tool: z.string().min(1).optional(),
    outcome: z.string().min(1).optional().describe('success, tool_error, permission_denied, tool_changed, …'),
    correlationId: z.string().min(1).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    ...pageInput({ defaultLimit: 50, maxLimit: 500 }),
  }),
  output: z.object({ ...pageOutput(recordSchema), trail: z.string().describe('where the trail is kept') }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async (args, ctx: ToolContext<unknown, OrchestratorClients>) => {
    const audit = ctx.clients.gateway.audit;
    const { cursor, limit: _limit, ...filters } = args;
    const scope = { tool: 'getAuditLog', ...filters };
    const beforeSeq = cursor === undefined ? undefined : Number(decodeCursor<{ s?: unknown }>(cursor, scope).s);
    if (beforeSeq !== undefined && (!Number.isInteger(beforeSeq) || beforeSeq < 1)) {
      throw new ToolError('INVALID_ARGUMENT', 'cursor is malformed; pass the nextCursor of a previous call unchanged');
    }
    const page = await audit.query({
      type: args.type,
      caller: args.caller,
      namespace: args.namespace,
      tool: args.tool,
      outcome: args.outcome,
      correlationId: args.correlationId,
      since: iso(args.since),
      until: iso(args.until),
      beforeSeq,
      limit: args.limit,
    });
    const fitted = fitPage(page.records, {
      total: page.total,
      capBytes: ctx.config.outputCapBytes,
      hasMore: page.hasMore,
      cursorAfter: (record) => encodeCursor({ s: record.seq }, scope),
    });
    return { ...fitted, trail: audit.label };
  },
});
