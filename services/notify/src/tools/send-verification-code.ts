import { defineTool, ToolError, z } from '@switchboard/shared';
import { SendError } from '../channels/channel.ts';
import type { NotifyToolContext } from '../context.ts';
import { screen } from '../dispatch.ts';
import { countOutcome } from '../metrics.ts';
import { dryRunSchema } from '../model.ts';
import { maskRecipient } from '../routing/recipients.ts';
import { generateCode } from '../verification/codes.ts';

function messages(purpose: string, code: string, minutes: number) {
  const text = `Your ${purpose} code is ${code}. It expires in ${minutes} minutes. Do not share it.`;
  return { text, masked: text.replace(code, '•'.repeat(code.length)) };
}

export const sendVerificationCode = defineTool({
  name: 'sendVerificationCode',
  title: 'Send a verification code',
  description:
    'Sends a one-time verification (2FA) code by SMS or email to an allowlisted recipient and returns a verificationId for checkVerificationCode. The code is never returned: only its salted hash is kept, for a limited time and number of checks.',
  input: z.object({
    channel: z.enum(['sms', 'email']),
    to: z.string().min(3).max(254),
    purpose: z
      .string()
      .regex(/^[A-Za-z0-9 ._-]{1,40}$/)
      .default('Switchboard verification')
      .describe('Named in the message, e.g. "production deploy approval"'),
    dryRun: dryRunSchema,
  }),
  output: z.object({
    dryRun: z.boolean(),
    verificationId: z.string().optional(),
    to: z.string().describe('The recipient, masked'),
    channel: z.enum(['sms', 'email']),
    expiresAt: z.string().optional(),
    maxAttempts: z.number().int(),
    deliveryId: z.string().optional(),
    status: z.string().describe('sent, delivered, failed (with reason) or would_send'),
    reason: z.string().optional(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: async (args, ctx: NotifyToolContext) => {
    const { accepted, refused } = screen(ctx, [{ channel: args.channel, recipient: args.to, payload: { body: '' } }]);
    const target = accepted[0];
    if (!target) {
      countOutcome(ctx.clients.metrics, args.channel, 'info', 'refused');
      throw new ToolError('POLICY_VIOLATION', `refused before sending: ${refused[0]?.reason ?? 'not allowed'}`);
    }
    const base = {
      to: maskRecipient(args.channel, target.recipient),
      channel: args.channel,
      maxAttempts: ctx.config.verificationMaxAttempts,
    };
    if (args.dryRun) return { ...base, dryRun: true, status: 'would_send' };
    if (!ctx.clients.limiter.take(args.channel)) {
      throw new ToolError('RATE_LIMITED', `the ${args.channel} channel is at its rate limit; try again in a minute`);
    }

    const code = generateCode(ctx.config.verificationCodeLength);
    const minutes = Math.round(ctx.config.verificationTtlSeconds / 60);
    const { text, masked } = messages(args.purpose, code, minutes);
    const subject = `Your ${args.purpose} code`;
    const payloadOf = (body: string) => (args.channel === 'sms' ? { body } : { subject, text: body });
    const verifications = await ctx.clients.verifications();
    const record = await verifications.create({
      code,
      channel: args.channel,
      recipient: target.recipient,
      createdBy: ctx.caller.id,
      ttlSeconds: ctx.config.verificationTtlSeconds,
      maxAttempts: ctx.config.verificationMaxAttempts,
    });
    // Stored with the code masked: the outbox never holds it. Sent here, not by the worker, and never resent.
    const store = await ctx.clients.store();
    const worker = `direct:${ctx.clients.workerId}`;
    const enqueued = await store.enqueue({
      kind: 'verification',
      severity: 'info',
      title: subject,
      tags: ['verification'],
      createdBy: ctx.caller.id,
      correlationId: ctx.correlationId,
      dedupeWindowMs: 0,
      requestHash: record.id,
      targets: [
        {
          channel: args.channel,
          recipient: target.recipient,
          payload: { ...payloadOf(masked), ephemeral: true } as never,
          direct: { worker, leaseUntil: Date.now() + ctx.config.leaseMs },
        },
      ],
    });
    const deliveryId = enqueued.delivery.deliveryId;
    const targetId = enqueued.targetIds[0] as string;
    await verifications.attachDelivery(record.id, deliveryId);
    const sender = ctx.clients.senders.get(args.channel);
    const result = { ...base, dryRun: false, verificationId: record.id, expiresAt: record.expiresAt.toISOString(), deliveryId };
    try {
      const outcome = await (sender as NonNullable<typeof sender>).send(
        {
          targetId,
          deliveryId,
          recipient: target.recipient,
          severity: 'info',
          createdAt: new Date().toISOString(),
          payload: payloadOf(text),
        },
        AbortSignal.timeout(ctx.config.sendTimeoutMs),
      );
      await store.complete(targetId, worker, outcome);
      countOutcome(ctx.clients.metrics, args.channel, 'info', outcome.status);
      return { ...result, status: outcome.status };
    } catch (error) {
      const reason = error instanceof SendError ? error.message : String((error as Error)?.message ?? error);
      await store.fail(targetId, worker, reason);
      countOutcome(ctx.clients.metrics, args.channel, 'info', 'failed');
      return { ...result, status: 'failed', reason };
    }
  },
});
