import {
  defineConfig,
  envBoolean,
  envBytes,
  envInt,
  envJson,
  envList,
  isSecretHandle,
  looksLikeSecretHandle,
  z,
} from '@switchboard/shared';
import { databaseUrl } from '@switchboard/shared/sql';
import { CHANNELS, type Channel, channelSchema, SEVERITIES, severitySchema, tagSchema } from './model.ts';
import { allowlistProblems } from './routing/allowlist.ts';
import { parseQuietHours, quietHoursSchema } from './routing/quiet-hours.ts';

/** A credential: the value itself, or a `secret://<backend>/<path>` handle the secrets service resolves at start. */
const credential = () =>
  z
    .string()
    .min(1)
    .describe('the value, or a secret://<backend>/<path>[#version] handle')
    .refine((v) => !looksLikeSecretHandle(v) || isSecretHandle(v), 'a handle looks like secret://<backend>/<path>[#version]');

const retrySchema = z.object({
  maxAttempts: z.number().int().min(1).max(50).default(6),
  baseMs: z.number().int().min(10).default(2000),
  maxMs: z.number().int().min(10).default(300_000),
});
export type RetryPolicy = z.infer<typeof retrySchema>;

const routeTargetSchema = z.object({ channel: channelSchema, to: z.array(z.string().min(1)).min(1) });

export const routeSchema = z.object({
  name: z.string().min(1).max(64).optional(),
  severities: z.array(severitySchema).min(1).optional().describe('matches any of these; all severities when unset'),
  tags: z.array(tagSchema).optional().describe('every tag listed must be on the notification'),
  targets: z.array(routeTargetSchema).min(1),
  stop: z.boolean().default(false).describe('no later route is considered once this one matched'),
});
export type Route = z.infer<typeof routeSchema>;

const webhookSchema = z.object({
  url: z
    .string()
    .url()
    .regex(/^https?:\/\//, 'http:// or https://'),
  secret: credential().describe('HMAC-SHA256 key; the signature goes in X-Switchboard-Signature'),
  format: z.enum(['switchboard', 'pagerduty', 'teams']).default('switchboard'),
  /** PagerDuty Events v2 routing key (format pagerduty). */
  routingKey: credential().optional(),
});
export type WebhookEndpoint = z.infer<typeof webhookSchema>;

const templateSchema = z.object({
  subject: z.string().min(1),
  text: z.string().optional(),
  html: z.string().optional(),
});
export type Template = z.infer<typeof templateSchema>;

/** `email=60,sms=10` (environment) or a mapping (YAML): messages per minute per channel; 0 is unlimited. */
const rateLimitsSchema = z.preprocess(
  (value) => {
    if (typeof value !== 'string') return value;
    const out: Record<string, number> = {};
    for (const part of value.split(',')) {
      const [key, n] = part.split('=');
      if (key && n !== undefined) out[key.trim()] = Number(n);
    }
    return out;
  },
  z.partialRecord(channelSchema, z.number().int().min(0)),
);

/** notify's own settings; the kit's (port, auth, limits, SWITCHBOARD_DATA_DIR, SWITCHBOARD_READ_ONLY) come on top. */
export const notifyConfig = defineConfig({
  schema: z.object({
    databaseUrl: databaseUrl().optional(),
    poolSize: envInt({ min: 1, max: 100 }).default(5),

    smtpUrl: z
      .string()
      .regex(/^smtps?:\/\/[^/\s]+/, 'smtp://host:port (STARTTLS) or smtps://host:port (TLS)')
      .optional(),
    smtpUser: z.string().min(1).optional(),
    smtpPassword: credential().optional(),
    smtpFrom: z.string().min(3).optional().describe('From address, e.g. "Switchboard <alerts@example.com>"'),
    smtpRequireTls: envBoolean().default(true).describe('refuse to send unless STARTTLS succeeds (smtp:// URLs)'),
    smtpCaFile: z.string().min(1).optional().describe('PEM file of the CA that signed the SMTP server certificate'),

    twilioAccountSid: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'an Account SID is AC + 32 hex digits')
      .optional(),
    twilioAuthToken: credential().optional(),
    twilioFrom: z.string().optional().describe('E.164 sender number, or a Messaging Service SID (MG...)'),
    twilioApiUrl: z.string().url().default('https://api.twilio.com'),
    twilioStatusCallbackUrl: z.string().url().optional().describe('public URL of this service’s /notify/twilio/status'),

    slackToken: credential().optional(),
    slackApiUrl: z.string().url().default('https://slack.com/api/'),

    webhooks: envJson(z.record(z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/), webhookSchema)).default({}),

    allowEmail: envList().default([]).describe('addresses, or @domain for a whole domain'),
    allowSms: envList().default([]).describe('E.164 numbers; a trailing * allows a prefix'),
    allowSlack: envList().default([]).describe('channel names (#ops) or ids (C0123...)'),
    routes: envJson(z.array(routeSchema)).default([]),

    rateLimits: rateLimitsSchema.default({}),
    retry: envJson(z.partialRecord(channelSchema, retrySchema)).default({}),
    quietHours: quietHoursSchema.optional(),
    dedupeWindowMinutes: envInt({ min: 0, max: 1440 }).default(10),

    workerPollMs: envInt({ min: 20 }).default(500),
    workerConcurrency: envInt({ min: 1, max: 64 }).default(4),
    sendTimeoutMs: envInt({ min: 100 }).default(30_000),
    leaseMs: envInt({ min: 1000 }).default(120_000),

    attachmentRoots: envList().default([]),
    maxAttachmentBytes: envBytes().default(10 * 1024 * 1024),
    templates: envJson(z.record(z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/), templateSchema)).default({}),
    bulkMax: envInt({ min: 1, max: 10_000 }).default(100),
    dailyReportTo: envList().default([]),

    verificationTtlSeconds: envInt({ min: 30, max: 86_400 }).default(600),
    verificationMaxAttempts: envInt({ min: 1, max: 20 }).default(5),
    verificationCodeLength: envInt({ min: 4, max: 10 }).default(6),
  }),
  env: {
    databaseUrl: 'NOTIFY_DATABASE_URL',
    poolSize: 'NOTIFY_POOL_SIZE',
    smtpUrl: 'NOTIFY_SMTP_URL',
    smtpUser: 'NOTIFY_SMTP_USER',
    smtpPassword: 'NOTIFY_SMTP_PASSWORD',
    smtpFrom: 'NOTIFY_SMTP_FROM',
    smtpRequireTls: 'NOTIFY_SMTP_REQUIRE_TLS',
    smtpCaFile: 'NOTIFY_SMTP_CA_FILE',
    twilioAccountSid: 'NOTIFY_TWILIO_ACCOUNT_SID',
    twilioAuthToken: 'NOTIFY_TWILIO_AUTH_TOKEN',
    twilioFrom: 'NOTIFY_TWILIO_FROM',
    twilioApiUrl: 'NOTIFY_TWILIO_API_URL',
    twilioStatusCallbackUrl: 'NOTIFY_TWILIO_STATUS_CALLBACK_URL',
    slackToken: 'NOTIFY_SLACK_TOKEN',
    slackApiUrl: 'NOTIFY_SLACK_API_URL',
    webhooks: 'NOTIFY_WEBHOOKS',
    allowEmail: 'NOTIFY_ALLOW_EMAIL',
    allowSms: 'NOTIFY_ALLOW_SMS',
    allowSlack: 'NOTIFY_ALLOW_SLACK',
    routes: 'NOTIFY_ROUTES',
    rateLimits: 'NOTIFY_RATE_LIMITS',
    retry: 'NOTIFY_RETRY',
    quietHours: 'NOTIFY_QUIET_HOURS',
    dedupeWindowMinutes: 'NOTIFY_DEDUPE_WINDOW_MINUTES',
    workerPollMs: 'NOTIFY_WORKER_POLL_MS',
    workerConcurrency: 'NOTIFY_WORKER_CONCURRENCY',
    sendTimeoutMs: 'NOTIFY_SEND_TIMEOUT_MS',
    leaseMs: 'NOTIFY_LEASE_MS',
    attachmentRoots: 'NOTIFY_ATTACHMENT_ROOTS',
    maxAttachmentBytes: 'NOTIFY_MAX_ATTACHMENT_BYTES',
    templates: 'NOTIFY_TEMPLATES',
    bulkMax: 'NOTIFY_BULK_MAX',
    dailyReportTo: 'NOTIFY_DAILY_REPORT_TO',
    verificationTtlSeconds: 'NOTIFY_VERIFICATION_TTL_SECONDS',
    verificationMaxAttempts: 'NOTIFY_VERIFICATION_MAX_ATTEMPTS',
    verificationCodeLength: 'NOTIFY_VERIFICATION_CODE_LENGTH',
  },
  finalize: (config, problems) => {
    const enabled = enabledChannels(config);
    if (config.smtpUrl && !config.smtpFrom) problems.push('smtpFrom (NOTIFY_SMTP_FROM) is required with NOTIFY_SMTP_URL');
    if (config.smtpPassword && !config.smtpUser) problems.push('smtpPassword (NOTIFY_SMTP_PASSWORD) needs smtpUser');
    const twilio = [config.twilioAccountSid, config.twilioAuthToken, config.twilioFrom];
    if (twilio.some(Boolean) && !twilio.every(Boolean)) {
      problems.push(
        'Twilio needs all of twilioAccountSid, twilioAuthToken and twilioFrom (NOTIFY_TWILIO_ACCOUNT_SID, NOTIFY_TWILIO_AUTH_TOKEN, NOTIFY_TWILIO_FROM)',
      );
    }
    if (config.twilioFrom && !/^(\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32})$/.test(config.twilioFrom)) {
      problems.push('twilioFrom (NOTIFY_TWILIO_FROM) must be an E.164 number or a Messaging Service SID (MG...)');
    }
    problems.push(...allowlistProblems(config));
    config.routes.forEach((route, i) => {
      for (const target of route.targets) {
        if (!enabled.has(target.channel)) {
          problems.push(`routes[${i}]${route.name ? ` (${route.name})` : ''}: channel ${target.channel} is not configured`);
        }
      }
    });
    for (const [channel, policy] of Object.entries(config.retry)) {
      if (policy && policy.baseMs > policy.maxMs) problems.push(`retry.${channel}: baseMs is larger than maxMs`);
    }
    if (config.quietHours) {
      const parsed = parseQuietHours(config.quietHours);
      if (typeof parsed === 'string') problems.push(`quietHours (NOTIFY_QUIET_HOURS): ${parsed}`);
    }
    if (config.dailyReportTo.length > 0 && !enabled.has('email')) {
      problems.push('dailyReportTo (NOTIFY_DAILY_REPORT_TO) needs the email channel (NOTIFY_SMTP_URL)');
    }
    return config;
  },
});

export type NotifyConfig = z.infer<typeof notifyConfig.schema>;

/** The channels whose backend is configured. */
export function enabledChannels(config: Partial<NotifyConfig>): Set<Channel> {
  const out = new Set<Channel>();
  if (config.smtpUrl) out.add('email');
  if (config.twilioAccountSid && config.twilioAuthToken && config.twilioFrom) out.add('sms');
  if (config.slackToken) out.add('slack');
  if (config.webhooks && Object.keys(config.webhooks).length > 0) out.add('webhook');
  return out;
}

const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseMs: 2000, maxMs: 300_000 };

export function retryPolicy(config: NotifyConfig, channel: Channel): RetryPolicy {
  return config.retry[channel] ?? DEFAULT_RETRY;
}

export { CHANNELS, SEVERITIES };
