import { decodeCursor, defineTool, encodeCursor, fitPage, pageInput, pageOutput, z } from '@switchboard/shared';
import type { SecretsToolContext } from '../context.ts';

const ACTIONS = [
  'list',
  'describe',
  'get',
  'resolve',
  'reveal',
  'create',
  'update',
  'rotate',
  'delete',
  'restore',
  'purge',
  'audit',
  'refused',
] as const;

const entrySchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  action: z.string(),
  outcome: z.string(),
  tool: z.string().optional(),
  backend: z.string().optional(),
  path: z.string().optional(),
  version: z.string().optional(),
  caller: z.string(),
  correlationId: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const getAuditLog = defineTool({
  name: 'getAuditLog',
  title: 'Secret access audit log',
  description:
    'Who listed, resolved, revealed, changed or was refused what, when, with the correlation id; newest first, never values. Filter by backend, path prefix, action, outcome, caller and time; paged.',
  input: z.object({
    backend: z.string().optional(),
    pathPrefix: z.string().max(256).optional(),
    action: z.enum(ACTIONS).optional(),
    outcome: z.string().max(40).optional().describe('success, denied, or an error code in lower case'),
    caller: z.string().max(100).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    ...pageInput({ defaultLimit: 20, maxLimit: 200 }),
  }),
  output: z.object(pageOutput(entrySchema)),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: SecretsToolContext) => {
    const { limit, cursor, ...filter } = args;
    const scope = { tool: 'getAuditLog', filter };
    const before = cursor ? Number(decodeCursor<{ s: number }>(cursor, scope).s) : Number.POSITIVE_INFINITY;
    const since = args.since ? Date.parse(args.since) : undefined;
    const matching = ctx.clients.audit
      .entries()
      .filter(
        (e) =>
          (!args.backend || e.backend === args.backend) &&
          (!args.pathPrefix || e.path?.startsWith(args.pathPrefix)) &&
          (!args.action || e.action === args.action) &&
          (!args.outcome || e.outcome === args.outcome) &&
          (!args.caller || e.caller === args.caller) &&
          (since === undefined || Date.parse(e.at) >= since),
      )
      .reverse();
    const start = matching.findIndex((e) => e.seq < before);
    const window = start < 0 ? [] : matching.slice(start, start + limit);
    return fitPage(window, {
      total: matching.length,
      capBytes: ctx.config.outputCapBytes,
      hasMore: start >= 0 && start + limit < matching.length,
      cursorAfter: (e) => encodeCursor({ s: e.seq }, scope),
    });
  },
});
