import { defineTool, ToolError, z } from '@switchboard/shared';
import type { NotifyToolContext } from '../context.ts';
import { type SendTarget, submit } from '../dispatch.ts';
import { dryRunSchema, idempotencyKeySchema, sendResultShape, severitySchema } from '../model.ts';
import { SMS_MAX } from '../outbox/payloads.ts';
import { emailContent, emailPayload } from './send-email.ts';

export const sendBulk = defineTool({
  name: 'sendBulk',
  title: 'Send to many recipients',
  description:
    'Sends one email (optionally a template with per-recipient variables) or one SMS to many recipients, up to the configured cap. Recipients not on the allowlist are reported as refused and the others are still sent; delivery is throttled by the per-channel rate limits.',
  input: z.object({
    channel: z.enum(['email', 'sms']),
    recipients: z
      .array(z.object({ to: z.string().min(3).max(254), variables: emailContent.variables }))
      .min(1)
      .max(10_000),
    ...emailContent,
    body: z.string().min(1).max(SMS_MAX).optional().describe('The SMS text (channel sms)'),
    severity: severitySchema.default('info'),
    idempotencyKey: idempotencyKeySchema.optional(),
    dryRun: dryRunSchema,
  }),
  output: z.object(sendResultShape),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: NotifyToolContext) => {
    if (args.recipients.length > ctx.config.bulkMax) {
      throw new ToolError(
        'INVALID_ARGUMENT',
        `at most ${ctx.config.bulkMax} recipients per call (NOTIFY_BULK_MAX); split the list`,
      );
    }
    let title: string;
    let targets: SendTarget[];
    if (args.channel === 'sms') {
      if (!args.body) throw new ToolError('INVALID_ARGUMENT', 'body is required for channel sms');
      const body = args.body;
      title = body.slice(0, 80);
      targets = args.recipients.map((r) => ({ channel: 'sms', recipient: r.to, payload: { body } }));
    } else {
      targets = args.recipients.map((r) => ({
        channel: 'email',
        recipient: r.to,
        payload: emailPayload(ctx, { ...args, variables: { ...args.variables, ...r.variables } }),
      }));
      title = (targets[0]?.payload as { subject?: string } | undefined)?.subject ?? 'bulk email';
    }
    const { dryRun, ...rest } = args;
    return submit(ctx, {
      tool: 'sendBulk',
      kind: 'bulk',
      severity: args.severity,
      title,
      tags: [],
      idempotencyKey: args.idempotencyKey,
      dryRun,
      args: rest,
      targets,
      partial: true,
    });
  },
});
