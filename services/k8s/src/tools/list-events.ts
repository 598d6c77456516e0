import type { CoreV1Event } from '@kubernetes/client-node';
import { decodeCursor, defineTool, encodeCursor, pageInput, z } from '@switchboard/shared';
import { callOptions, type K8sToolContext, listTarget } from '../context.ts';
import { listOutput } from '../output/list-page.ts';
import { eventRow, eventRowSchema, eventTime } from '../output/rows.ts';
import { allNamespacesField, contextField, namespaceField } from './shared-schemas.ts';

export const listEvents = defineTool({
  name: 'listEvents',
  title: 'List events',
  description:
    'Events newest first, optionally about one object (kind + name), only Warnings (type), or one reason. The newest K8S_EVENT_SCAN_LIMIT matching events are sorted; totalExact is false when more exist.',
  input: z.object({
    context: contextField,
    namespace: namespaceField,
    allNamespaces: allNamespacesField,
    kind: z
      .string()
      .regex(/^[A-Z][A-Za-z0-9]*$/)
      .optional()
      .describe('Kind of the object the events are about, e.g. Pod'),
    name: z.string().min(1).max(253).optional().describe('Name of the object the events are about'),
    type: z.enum(['Normal', 'Warning']).optional(),
    reason: z.string().min(1).max(128).optional(),
    ...pageInput({ defaultLimit: 20, maxLimit: 200 }),
  }),
  output: z.object(listOutput(eventRowSchema)),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: K8sToolContext) => {
    const t = listTarget(ctx, args);
    const fields = [
      args.kind ? `involvedObject.kind=${args.kind}` : undefined,
      args.name ? `involvedObject.name=${args.name}` : undefined,
      args.type ? `type=${args.type}` : undefined,
      args.reason ? `reason=${args.reason}` : undefined,
    ].filter(Boolean);
    const fieldSelector = fields.join(',') || undefined;
    const scope = { tool: 'listEvents', context: t.k.name, namespace: t.namespace ?? '*', fieldSelector };
    const offset = args.cursor ? decodeCursor<{ o: number }>(args.cursor, scope).o : 0;
    await ctx.clients.secrets.prime(t.k, t.namespace, callOptions(ctx));
    const events: CoreV1Event[] = [];
    let token: string | undefined;
    let more = false;
    do {
      const page = await t.call(`list events in ${t.namespace ?? 'all namespaces'}`, () => {
        const query = { limit: 250, ...(fieldSelector ? { fieldSelector } : {}), ...(token ? { _continue: token } : {}) };
        return t.namespace === undefined
          ? t.k.core.listEventForAllNamespaces(query)
          : t.k.core.listNamespacedEvent({ namespace: t.namespace, ...query });
      });
      events.push(...page.items);
      token = page.metadata?._continue;
      if (events.length >= ctx.config.eventScanLimit && token) more = true;
    } while (token && !more);
    const sorted = events.sort((a, b) => eventTime(b as never) - eventTime(a as never)).slice(0, ctx.config.eventScanLimit);
    const items = sorted.slice(offset, offset + args.limit).map((e) => eventRow(e as never));
    const next = offset + items.length;
    return {
      items,
      total: sorted.length,
      totalExact: !more,
      ...(next < sorted.length ? { nextCursor: encodeCursor({ o: next }, scope) } : {}),
    };
  },
});
