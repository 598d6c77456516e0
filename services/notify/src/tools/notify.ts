import { defineTool, ToolError, z } from '@switchboard/shared';
import type { NotifyToolContext } from '../context.ts';
import { submit } from '../dispatch.ts';
import {
  bodySchema,
  dryRunSchema,
  idempotencyKeySchema,
  sendResultShape,
  severitySchema,
  tagSchema,
  titleSchema,
} from '../model.ts';
import { renderNotification } from '../outbox/payloads.ts';
import { route } from '../routing/router.ts';

export const notify = defineTool({
  name: 'notify',
  title: 'Notify by severity',
  description:
    'Sends a notification to whoever the routing table names for its severity and tags (e.g. critical: on-call SMS, #incidents and email; info: email). Stored in the outbox before any send and delivered with retries; returns a deliveryId for getDelivery. Use testRoute first to see who would be reached.',
  input: z.object({
    severity: severitySchema,
    title: titleSchema,
    body: bodySchema.default(''),
    tags: z.array(tagSchema).max(20).default([]),
    dedupeKey: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Same key within the dedupe window: folded into one message with a count'),
    idempotencyKey: idempotencyKeySchema.optional(),
    dryRun: dryRunSchema,
  }),
  output: z.object(sendResultShape),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: NotifyToolContext) => {
    const targets = route(ctx.config.routes, args.severity, args.tags);
    if (targets.length === 0) {
      throw new ToolError('INVALID_ARGUMENT', `no route matches severity ${args.severity} with tags [${args.tags.join(', ')}]`);
    }
    const { dryRun, ...rest } = args;
    return submit(ctx, {
      tool: 'notify',
      kind: 'notify',
      severity: args.severity,
      title: args.title,
      tags: args.tags,
      dedupeKey: args.dedupeKey,
      idempotencyKey: args.idempotencyKey,
      dryRun,
      args: rest,
      targets: targets.map((t) => ({ channel: t.channel, recipient: t.recipient, payload: renderNotification(t.channel, args) })),
    });
  },
});
