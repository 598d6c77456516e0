import { defineTool, z } from '@switchboard/shared';
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

export const sendWebhook = defineTool({
  name: 'sendWebhook',
  title: 'Call a webhook',
  description:
    'POSTs a signed JSON event (HMAC-SHA256 in X-Switchboard-Signature, Idempotency-Key per message) to a configured endpoint by name (PagerDuty, Teams or generic format). Endpoints come from configuration only; no URL is taken from the caller.',
  input: z.object({
    endpoint: z.string().min(1).max(63).describe('The name of a configured webhook endpoint'),
    title: titleSchema,
    body: bodySchema.default(''),
    tags: z.array(tagSchema).max(20).default([]),
    details: z.record(z.string(), z.unknown()).optional(),
    dedupeKey: z.string().min(1).max(200).optional(),
    severity: severitySchema.default('info'),
    idempotencyKey: idempotencyKeySchema.optional(),
    dryRun: dryRunSchema,
  }),
  output: z.object(sendResultShape),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: NotifyToolContext) => {
    const { dryRun, ...rest } = args;
    return submit(ctx, {
      tool: 'sendWebhook',
      kind: 'webhook',
      severity: args.severity,
      title: args.title,
      tags: args.tags,
      dedupeKey: args.dedupeKey,
      idempotencyKey: args.idempotencyKey,
      dryRun,
      args: rest,
      targets: [
        {
          channel: 'webhook',
          recipient: args.endpoint,
          payload: {
            title: args.title,
            body: args.body,
            tags: args.tags,
            ...(args.dedupeKey ? { dedupeKey: args.dedupeKey } : {}),
            ...(args.details ? { details: args.details } : {}),
          },
        },
      ],
    });
  },
});
