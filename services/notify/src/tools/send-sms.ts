import { defineTool, z } from '@switchboard/shared';
import type { NotifyToolContext } from '../context.ts';
import { submit } from '../dispatch.ts';
import { dryRunSchema, idempotencyKeySchema, sendResultShape, severitySchema } from '../model.ts';
import { SMS_MAX } from '../outbox/payloads.ts';

export const sendSms = defineTool({
  name: 'sendSms',
  title: 'Send an SMS',
  description:
    'Sends an SMS through Twilio to allowlisted numbers (E.164). Delivery state arrives later from Twilio status callbacks: see getDelivery.',
  input: z.object({
    to: z.array(z.string().min(5).max(20)).min(1).max(20),
    body: z.string().min(1).max(SMS_MAX),
    severity: severitySchema.default('info'),
    idempotencyKey: idempotencyKeySchema.optional(),
    dryRun: dryRunSchema,
  }),
  output: z.object(sendResultShape),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: NotifyToolContext) => {
    const { dryRun, ...rest } = args;
    return submit(ctx, {
      tool: 'sendSms',
      kind: 'sms',
      severity: args.severity,
      title: args.body.slice(0, 80).replace(/\s+/g, ' '),
      tags: [],
      idempotencyKey: args.idempotencyKey,
      dryRun,
      args: rest,
      targets: args.to.map((to) => ({ channel: 'sms' as const, recipient: to, payload: { body: args.body } })),
    });
  },
});
