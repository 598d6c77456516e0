import { decodeCursor, defineTool, encodeCursor, fitPage, pageInput, pageOutput, z } from '@switchboard/shared';
import type { CmdbToolContext } from '../context.ts';
import { ciRefShape, fieldChangeSchema } from '../model.ts';

const entrySchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  correlationId: z.string().nullable(),
  action: z.enum(['create', 'update', 'delete', 'relate', 'unrelate']),
  ci: z.object({ id: z.string().nullable(), type: z.string().nullable(), name: z.string().nullable() }),
  changes: z.array(fieldChangeSchema).describe('Field-level before/after for create, update and delete'),
  relationship: z.object({ source: z.string(), type: z.string(), target: z.string() }).optional(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});

export const getChangelog = defineTool({
  name: 'getChangelog',
  title: 'Change history',
  description:
    'Every mutation, newest first: who (actor), when, the correlation id, and the before/after diff. Filter by CI (id, or type and name, also for deleted CIs), actor, action or time.',
  input: z.object({
    ...ciRefShape,
    actor: z.string().min(1).optional(),
    action: z.enum(['create', 'update', 'delete', 'relate', 'unrelate']).optional(),
    since: z.iso.datetime({ offset: true }).optional().describe('ISO 8601 time; only changes at or after it'),
    includeSnapshots: z.boolean().default(false).describe('Also return the full before/after items'),
    ...pageInput({ defaultLimit: 20, maxLimit: 200 }),
  }),
  output: z.object(pageOutput(entrySchema)),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: CmdbToolContext) => {
    const filter = {
      ciId: args.id,
      ciType: args.type,
      ciName: args.name,
      actor: args.actor,
      action: args.action,
      since: args.since ? new Date(args.since).toISOString() : undefined,
    };
    const scope = { tool: 'getChangelog', filter };
    const before = args.cursor ? Number(decodeCursor<{ s: number }>(args.cursor, scope).s) : undefined;
    const store = await ctx.clients.store();
    const result = await store.changelog(filter, args.limit, before);
    const items = result.entries.map((entry) => {
      const relationship = (entry.action === 'relate' ? entry.after : entry.action === 'unrelate' ? entry.before : undefined) as
        | { source: string; type: string; target: string }
        | undefined;
      return {
        seq: entry.seq,
        at: entry.at,
        actor: entry.actor,
        correlationId: entry.correlationId,
        action: entry.action as z.infer<typeof entrySchema>['action'],
        ci: entry.ci,
        changes: entry.changes,
        ...(relationship ? { relationship } : {}),
        ...(args.includeSnapshots ? { before: entry.before, after: entry.after } : {}),
      };
    });
    return fitPage(items, {
      total: result.total,
      capBytes: ctx.config.outputCapBytes,
      hasMore: result.hasMore,
      cursorAfter: (item) => encodeCursor({ s: item.seq }, scope),
    });
  },
});
