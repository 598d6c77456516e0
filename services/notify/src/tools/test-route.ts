import { defineTool, z } from '@switchboard/shared';
import type { NotifyToolContext } from '../context.ts';
import { channelSchema, severitySchema, tagSchema } from '../model.ts';
import { quietUntil } from '../routing/quiet-hours.ts';
import { route } from '../routing/router.ts';

export const testRoute = defineTool({
  name: 'testRoute',
  title: 'Test a route',
  description:
    'Dry run of the routing table: which channels and recipients a notification of this severity and these tags would reach, whether each is allowed and its channel configured, and whether quiet hours would hold it. Sends nothing.',
  input: z.object({ severity: severitySchema, tags: z.array(tagSchema).max(20).default([]) }),
  output: z.object({
    targets: z.array(
      z.object({
        channel: channelSchema,
        recipient: z.string(),
        routes: z.array(z.string()),
        allowed: z.boolean(),
        reason: z.string().optional(),
      }),
    ),
    heldUntil: z.string().optional().describe('Quiet hours would hold it until then'),
    channelsConfigured: z.array(channelSchema),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: NotifyToolContext) => {
    const targets = route(ctx.config.routes, args.severity, args.tags).map((t) => {
      const verdict = ctx.clients.allowlist.check(t.channel, t.recipient);
      const configured = ctx.clients.senders.has(t.channel);
      const reason = !verdict.ok ? verdict.reason : configured ? undefined : `the ${t.channel} channel is not configured`;
      return {
        channel: t.channel,
        recipient: verdict.recipient,
        routes: t.routes,
        allowed: verdict.ok && configured,
        ...(reason ? { reason } : {}),
      };
    });
    const held = args.severity === 'critical' ? undefined : quietUntil(ctx.clients.quietHours, new Date());
    return { targets, ...(held ? { heldUntil: held.toISOString() } : {}), channelsConfigured: [...ctx.clients.senders.keys()] };
  },
});
