import { z } from '@switchboard/shared';

/** The channels notify delivers through. */
export const CHANNELS = ['email', 'sms', 'slack', 'webhook'] as const;
export type Channel = (typeof CHANNELS)[number];
export const channelSchema = z.enum(CHANNELS);

/** Severities in rising order; quiet hours hold everything below critical. */
export const SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severitySchema = z.enum(SEVERITIES);

/**
 * Where one recipient's message stands. queued: waiting for the worker; held: quiet hours or a rate limit keep it
 * until nextAttemptAt; sending: handed to the provider right now; sent: the provider accepted it; delivered: the
 * provider reports it reached the recipient (Twilio callbacks, Slack, webhooks); failed: given up, with a reason.
 */
export const TARGET_STATUSES = ['queued', 'held', 'sending', 'sent', 'delivered', 'failed'] as const;
export type TargetStatus = (typeof TARGET_STATUSES)[number];
export const targetStatusSchema = z.enum(TARGET_STATUSES);

export const tagSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._:/-]{0,63}$/, 'tags are lower-case letters, digits and . _ : / -')
  .describe('e.g. db, team:payments');

/** A title or subject: one line, no control characters (they would break mail headers). */
export const titleSchema = z
  .string()
  .min(1)
  .max(250)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'a title is one line without control characters');

export const bodySchema = z.string().max(20_000);

export const deliveryIdSchema = z
  .string()
  .regex(/^dlv_[A-Za-z0-9]{20,40}$/, 'a delivery id looks like dlv_...')
  .describe('The delivery id a send returned');

export const targetViewSchema = z.object({
  channel: channelSchema,
  recipient: z.string(),
  status: targetStatusSchema,
  attempts: z.number().int(),
  providerId: z.string().optional().describe('Message id at the provider (SMTP Message-ID, Twilio SID, Slack ts)'),
  providerStatus: z
    .string()
    .optional()
    .describe('The provider’s own word for the state (Twilio: queued, delivered, undelivered...)'),
  reason: z.string().optional().describe('Why it failed or is held'),
  nextAttemptAt: z.string().optional(),
  sentAt: z.string().optional(),
  deliveredAt: z.string().optional(),
  updatedAt: z.string(),
});
export type TargetView = z.infer<typeof targetViewSchema>;

export const deliveryViewSchema = z.object({
  deliveryId: z.string(),
  kind: z.string().describe('notify, email, sms, slack, webhook, bulk, report, verification'),
  severity: severitySchema,
  title: z.string(),
  tags: z.array(z.string()),
  status: z.string().describe('queued, in_progress, sent, delivered, partially_failed or failed, over all recipients'),
  createdAt: z.string(),
  createdBy: z.string(),
  dedupeKey: z.string().optional(),
  count: z.number().int().describe('How many requests were folded into this message by the dedupe window'),
  idempotencyKey: z.string().optional(),
  targets: z.array(targetViewSchema),
});
export type DeliveryView = z.infer<typeof deliveryViewSchema>;

/** What every send tool returns. */
export const sendResultShape = {
  dryRun: z.boolean(),
  deliveryId: z.string().optional().describe('Absent on a dry run'),
  status: z.string(),
  replayed: z.boolean().describe('True when an earlier call with the same idempotency key answered this one'),
  deduplicated: z.boolean().describe('True when folded into an earlier message with the same dedupeKey'),
  count: z.number().int().optional(),
  targets: z.array(
    z.object({
      channel: channelSchema,
      recipient: z.string(),
      status: z.string(),
      reason: z.string().optional(),
      nextAttemptAt: z.string().optional(),
    }),
  ),
};

export const idempotencyKeySchema = z
  .string()
  .min(8)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
  .describe('The same key returns the first call’s result instead of sending again');

export const dryRunSchema = z.boolean().default(false).describe('Validate and show what would be sent, without sending');
