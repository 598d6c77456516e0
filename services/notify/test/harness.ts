import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SlackFixture, startSlackFixture } from './fixtures/slack-fixture.ts';
import { type SmtpFixture, startSmtpFixture } from './fixtures/smtp-fixture.ts';
import { startTwilioFixture, type TwilioFixture } from './fixtures/twilio-fixture.ts';
import { startWebhookReceiver } from './fixtures/webhook-receiver.ts';

export const ACCOUNT_SID = `AC${'a1'.repeat(16)}`;
export const AUTH_TOKEN = 'twilio-auth-token-0123456789abcdef';
export const SLACK_TOKEN = 'xoxb-123456789012-fixture-token';
export const SMTP_USER = 'notify';
export const SMTP_PASSWORD = 'smtp-password-s3cret';
export const HOOK_SECRET = 'webhook-hmac-secret-42';
export const ONCALL = '+15550001111';
export const OPS_EMAIL = 'ops@example.com';
export const CHANNELS = [
  { id: 'C0INCIDENT1', name: 'incidents' },
  { id: 'C0GENERAL01', name: 'general' },
];

export interface Fixtures {
  smtp: SmtpFixture;
  twilio: TwilioFixture;
  slack: SlackFixture;
  hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  close(): Promise<void>;
}

export async function startFixtures(): Promise<Fixtures> {
  const [smtp, twilio, slack, hook] = await Promise.all([
    startSmtpFixture(SMTP_USER, SMTP_PASSWORD),
    startTwilioFixture(ACCOUNT_SID, AUTH_TOKEN),
    startSlackFixture(SLACK_TOKEN, CHANNELS),
    startWebhookReceiver(HOOK_SECRET),
  ]);
  return {
    smtp,
    twilio,
    slack,
    hook,
    close: async () => {
      await Promise.all([smtp.close(), twilio.close(), slack.close(), hook.close()]);
    },
  };
}

export const ROUTES = [
  {
    name: 'critical',
    severities: ['critical'],
    targets: [
      { channel: 'sms', to: [ONCALL] },
      { channel: 'slack', to: ['#incidents'] },
      { channel: 'email', to: [OPS_EMAIL] },
    ],
  },
  { name: 'info', severities: ['info', 'warning'], targets: [{ channel: 'email', to: [OPS_EMAIL] }] },
];

/** The environment a notify process needs to use every fixture (strings, as the real service reads them). */
export function notifyEnv(f: Fixtures, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NOTIFY_SMTP_URL: f.smtp.url,
    NOTIFY_SMTP_USER: SMTP_USER,
    NOTIFY_SMTP_PASSWORD: SMTP_PASSWORD,
    NOTIFY_SMTP_FROM: 'Switchboard <alerts@example.com>',
    NOTIFY_SMTP_CA_FILE: f.smtp.caFile,
    NOTIFY_TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    NOTIFY_TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    NOTIFY_TWILIO_FROM: '+15559990000',
    NOTIFY_TWILIO_API_URL: f.twilio.url,
    NOTIFY_SLACK_TOKEN: SLACK_TOKEN,
    NOTIFY_SLACK_API_URL: f.slack.url,
    NOTIFY_WEBHOOKS: JSON.stringify({ pager: { url: `${f.hook.url}/events`, secret: HOOK_SECRET } }),
    NOTIFY_ALLOW_EMAIL: `${OPS_EMAIL},@team.example.com`,
    NOTIFY_ALLOW_SMS: `${ONCALL},+1555000*`,
    NOTIFY_ALLOW_SLACK: '#incidents,#general',
    NOTIFY_ROUTES: JSON.stringify(ROUTES),
    NOTIFY_WORKER_POLL_MS: '50',
    NOTIFY_RETRY: JSON.stringify({
      email: { maxAttempts: 3, baseMs: 50, maxMs: 200 },
      sms: { maxAttempts: 3, baseMs: 50, maxMs: 200 },
      slack: { maxAttempts: 3, baseMs: 50, maxMs: 200 },
      webhook: { maxAttempts: 3, baseMs: 50, maxMs: 200 },
    }),
    ...extra,
  };
}

/** A port free right now (for a service whose public callback URL must be known before it starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function tempDir(): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), 'notify-test-'));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}
