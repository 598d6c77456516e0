import { decodeCursor, defineTool, encodeCursor, fitPage, pageInput, pageOutput, ToolError, z } from '@switchboard/shared';
import type { NotifyToolContext } from '../context.ts';
import { channelSchema, deliveryViewSchema, severitySchema, targetStatusSchema } from '../model.ts';

const when = z.string().datetime({ offset: true }).describe('ISO 8601 time');

export const listDeliveries = defineTool({
  name: 'listDeliveries',
  title: 'List deliveries',
  description:
    'Lists deliveries newest first with per-recipient status; filter by a recipient status (e.g. failed), channel, severity, kind and time range.',
  input: z.object({
    status: targetStatusSchema.optional().describe('Deliveries with at least one recipient in this status'),
    channel: channelSchema.optional(),
    severity: severitySchema.optional(),
    kind: z.enum(['notify', 'email', 'sms', 'slack', 'webhook', 'bulk', 'report', 'verification']).optional(),
    since: when.optional(),
    until: when.optional(),
    ...pageInput({ defaultLimit: 10, maxLimit: 100 }),
  }),
  output: z.object(pageOutput(deliveryViewSchema)),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  truncationHint: 'use a smaller limit or filters',
  handler: async (args, ctx: NotifyToolContext) => {
    const { limit, cursor, ...filter } = args;
    const scope = { tool: 'listDeliveries', filter };
    const after = cursor ? decodeCursor<{ at: number; id: string }>(cursor, scope) : undefined;
    const since = filter.since ? Date.parse(filter.since) : undefined;
    const until = filter.until ? Date.parse(filter.until) : undefined;
    if (since !== undefined && until !== undefined && since >= until)
      throw new ToolError('INVALID_ARGUMENT', 'since must be before until');
    const store = await ctx.clients.store();
    const result = await store.list({ ...filter, since, until }, limit, after);
    return fitPage(result.items, {
      total: result.total,
      capBytes: ctx.config.outputCapBytes,
      hasMore: result.hasMore,
      cursorAfter: (d) => encodeCursor({ at: Date.parse(d.createdAt), id: d.deliveryId }, scope),
    });
  },
});
