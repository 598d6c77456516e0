import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client, connectInMemory, startOnPort0, startTestSecrets, type TestClient } from '@switchboard/shared/testing';
import { notifyService } from '../src/service.ts';
import { type Fixtures, freePort, notifyEnv, ONCALL, OPS_EMAIL, SLACK_TOKEN, startFixtures, tempDir } from './harness.ts';

type Out = Record<string, any> & { error?: { code: string; message: string } };

let f: Fixtures;
let client: TestClient;
let dir: { path: string; cleanup(): void };

beforeAll(async () => {
  f = await startFixtures();
});
afterAll(async () => {
  await f.close();
});

async function start(extra: Record<string, string> = {}) {
  dir = tempDir();
  client = await connectInMemory(notifyService, { env: notifyEnv(f, { SWITCHBOARD_DATA_DIR: dir.path, ...extra }) });
}
afterEach(async () => {
  await client?.close();
  dir?.cleanup();
  f.smtp.accepted.length = 0;
  f.twilio.messages.length = 0;
  f.slack.posted.length = 0;
  f.hook.received.length = 0;
  Object.assign(f.twilio.state, { rateLimit: 0, hangAfterAccept: false, failStatus: 0 });
  Object.assign(f.slack.state, { rateLimit: 0, hangAfterAccept: false });
  Object.assign(f.smtp.state, { hangData: false, rejectRcpt: '', tempFail: 0 });
});

const call = async (name: string, args: Record<string, unknown> = {}, meta?: Record<string, unknown>): Promise<Out> => {
  const result = await client.callTool({ name, arguments: args, ...(meta ? { _meta: meta } : {}) });
  return result.structuredContent as Out;
};
const ok = async (name: string, args: Record<string, unknown> = {}) => {
  const out = await call(name, args);
  if (out.error) throw new Error(`${name} failed: ${out.error.code} ${out.error.message}`);
  return out;
};
async function settled(deliveryId: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { delivery } = await ok('getDelivery', { deliveryId });
    if (delivery.targets.every((t: { status: string }) => !['queued', 'sending'].includes(t.status))) return delivery;
    if (Date.now() > deadline) throw new Error(`delivery ${deliveryId} did not settle: ${JSON.stringify(delivery)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('routing and allowlists', () => {
  test('critical reaches SMS, Slack and email once each; info reaches email only', async () => {
    await start();
    const critical = await ok('notify', {
      severity: 'critical',
      title: 'db-01 down',
      body: 'replication <broken>',
      tags: ['db'],
    });
    expect(critical.targets.map((t: { channel: string }) => t.channel).sort()).toEqual(['email', 'slack', 'sms']);
    const done = await settled(critical.deliveryId);
    expect(done.targets.map((t: { status: string }) => t.status).sort()).toEqual(['delivered', 'sent', 'sent']);
    expect(f.twilio.messages).toHaveLength(1);
    expect(f.twilio.messages[0]).toMatchObject({ to: ONCALL, body: '[CRITICAL] db-01 down: replication <broken>' });
    expect(f.slack.posted).toHaveLength(1);
    expect(f.slack.posted[0]).toMatchObject({ channel: 'C0INCIDENT1', metadata: { event_type: 'switchboard_notification' } });
    expect(JSON.stringify(f.slack.posted[0]?.blocks)).toContain('replication &lt;broken&gt;');
    expect(f.smtp.accepted).toHaveLength(1);
    expect(f.smtp.accepted[0]?.subject).toBe('[CRITICAL] db-01 down');
    expect(f.smtp.accepted[0]?.html).toContain('replication &lt;broken&gt;');

    const info = await ok('notify', { severity: 'info', title: 'nightly backup ok' });
    await settled(info.deliveryId);
    expect(info.targets).toEqual([expect.objectContaining({ channel: 'email', recipient: OPS_EMAIL })]);
    expect(f.smtp.accepted).toHaveLength(2);
    expect(f.twilio.messages).toHaveLength(1);
  });

  test('a recipient off the allowlist is refused before anything is stored; dryRun and testRoute send nothing', async () => {
    await start();
    const refused = await call('sendEmail', { to: ['evil@attacker.example'], subject: 'hi', text: 'x' });
    expect(refused.error?.code).toBe('POLICY_VIOLATION');
    expect(refused.error?.message).toContain('not on the email allowlist');
    const injected = await call('sendEmail', { to: ['ops@example.com\r\nBcc: evil@attacker.example'], subject: 'hi', text: 'x' });
    expect(injected.error?.code).toBe('POLICY_VIOLATION');
    expect((await call('sendSms', { to: ['+4915112345678'], body: 'x' })).error?.code).toBe('POLICY_VIOLATION');
    expect((await call('sendSlackMessage', { channel: '#random', text: 'x' })).error?.code).toBe('POLICY_VIOLATION');
    const dry = await ok('notify', { severity: 'critical', title: 'drill', dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, status: 'would_send' });
    expect(dry.deliveryId).toBeUndefined();
    const route = await ok('testRoute', { severity: 'critical' });
    expect(route.targets).toHaveLength(3);
    expect(route.targets.every((t: { allowed: boolean }) => t.allowed)).toBe(true);
    expect((await ok('listDeliveries')).total).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(f.smtp.accepted.length + f.twilio.messages.length + f.slack.posted.length).toBe(0);
  });

  test('domain and prefix allowlist entries; bulk reports refused recipients and sends the rest', async () => {
    await start();
    const bulk = await ok('sendBulk', {
      channel: 'email',
      subject: 'Maintenance',
      text: 'Tonight 22:00',
      recipients: [{ to: 'a@team.example.com' }, { to: 'b@team.example.com' }, { to: 'x@other.example' }],
    });
    expect(bulk.targets.map((t: { status: string }) => t.status)).toEqual(['queued', 'queued', 'refused']);
    await settled(bulk.deliveryId);
    expect(f.smtp.accepted.map((m) => m.to && (m.to as { text: string }).text).sort()).toEqual([
      'a@team.example.com',
      'b@team.example.com',
    ]);
  });
});

describe('the outbox', () => {
  test('the same idempotency key twice sends once and returns the first result; other arguments conflict', async () => {
    await start();
    const first = await ok('sendSms', { to: [ONCALL], body: 'deploy started', idempotencyKey: 'deploy-42-start' });
    const again = await ok('sendSms', { to: [ONCALL], body: 'deploy started', idempotencyKey: 'deploy-42-start' });
    expect(again).toMatchObject({ deliveryId: first.deliveryId, replayed: true });
    const conflict = await call('sendSms', { to: [ONCALL], body: 'other text', idempotencyKey: 'deploy-42-start' });
    expect(conflict.error?.code).toBe('IDEMPOTENCY_CONFLICT');
    const viaMeta = await client.callTool({
      name: 'sendSms',
      arguments: { to: [ONCALL], body: 'step' },
      _meta: { 'io.switchboard/idempotency-key': 'run-1:step-2' },
    });
    const viaMetaAgain = await client.callTool({
      name: 'sendSms',
      arguments: { to: [ONCALL], body: 'step' },
      _meta: { 'io.switchboard/idempotency-key': 'run-1:step-2' },
    });
    expect((viaMetaAgain.structuredContent as Out).replayed).toBe(true);
    await settled(first.deliveryId);
    await settled((viaMeta.structuredContent as Out).deliveryId);
    expect(f.twilio.messages.map((m) => m.body)).toEqual(['deploy started', 'step']);
  });

  test('the dedupe window folds repeats into one message with a count', async () => {
    await start();
    f.smtp.state.hangData = false;
    const first = await ok('notify', { severity: 'warning', title: 'disk 91%', dedupeKey: 'disk:web-01' });
    const second = await ok('notify', { severity: 'warning', title: 'disk 92%', dedupeKey: 'disk:web-01' });
    expect(second).toMatchObject({ deliveryId: first.deliveryId, deduplicated: true, count: 2 });
    await settled(first.deliveryId);
    expect(f.smtp.accepted).toHaveLength(1);
  });

  test('quiet hours hold non-critical messages; critical goes out', async () => {
    const now = new Date();
    const hh = (d: Date) => `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    await start({
      NOTIFY_QUIET_HOURS: `${hh(new Date(now.getTime() - 3_600_000))}-${hh(new Date(now.getTime() + 3_600_000))}@UTC`,
    });
    const info = await ok('notify', { severity: 'info', title: 'weekly stats' });
    expect(info.targets[0]).toMatchObject({ status: 'held' });
    expect(info.targets[0].reason).toContain('quiet hours');
    const critical = await ok('notify', { severity: 'critical', title: 'site down' });
    await settled(critical.deliveryId);
    expect(f.twilio.messages).toHaveLength(1);
    expect((await ok('getDelivery', { deliveryId: info.deliveryId })).delivery.targets[0].status).toBe('held');
  });

  test('Twilio 429 with Retry-After is waited out without using up attempts', async () => {
    await start();
    f.twilio.state.rateLimit = 2;
    f.twilio.state.retryAfter = '0';
    const posts = () => f.twilio.requests.filter((r) => r.method === 'POST').length;
    const before = posts();
    const sms = await ok('sendSms', { to: [ONCALL], body: 'throttled' });
    const done = await settled(sms.deliveryId);
    // Rate-limited attempts do not count against the attempt limit.
    expect(done.targets[0]).toMatchObject({ status: 'sent', attempts: 1 });
    expect(posts() - before).toBe(3);
    expect(f.twilio.requests.at(-1)?.contentType).toContain('application/x-www-form-urlencoded');
    expect(f.twilio.messages).toHaveLength(1);
  });

  test('a permanent Slack error (channel_not_found) fails at once with its reason; Slack 429 is waited out', async () => {
    await start({ NOTIFY_ALLOW_SLACK: '#incidents,C0NOTTHERE1' });
    const gone = await ok('sendSlackMessage', { channel: 'C0NOTTHERE1', text: 'x' });
    expect((await settled(gone.deliveryId)).targets[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      reason: 'Slack: channel_not_found',
    });
    f.slack.state.rateLimit = 1;
    f.slack.state.retryAfter = '0';
    const sent = await ok('sendSlackMessage', { channel: '#incidents', text: 'thread reply', threadTs: '1700000000.000100' });
    expect((await settled(sent.deliveryId)).targets[0]).toMatchObject({ status: 'delivered' });
    expect(f.slack.posted).toEqual([
      expect.objectContaining({ channel: 'C0INCIDENT1', text: 'thread reply', thread_ts: '1700000000.000100' }),
    ]);
    expect(f.slack.calls.some((c) => c.contentType.startsWith('application/x-www-form-urlencoded'))).toBe(true);
  });

  test('SMTP 451 is retried; templates escape HTML; attachments arrive intact', async () => {
    await start({
      NOTIFY_TEMPLATES: JSON.stringify({
        deploy: { subject: 'Deploy {{service}}', text: 'By {{who}}', html: '<p>By <b>{{who}}</b></p>' },
      }),
    });
    f.smtp.state.tempFail = 1;
    const sent = await ok('sendEmail', {
      to: [OPS_EMAIL],
      template: 'deploy',
      variables: { service: 'api', who: '<script>alert(1)</script>' },
      attachments: [{ filename: 'report.csv', contentBase64: Buffer.from('a,b\n1,2\n').toString('base64') }],
    });
    const done = await settled(sent.deliveryId);
    expect(done.targets[0]).toMatchObject({ status: 'sent', attempts: 2 });
    const mail = f.smtp.accepted[0];
    expect(mail?.subject).toBe('Deploy api');
    expect(mail?.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail?.text).toContain('<script>');
    expect(mail?.attachments[0]).toMatchObject({ filename: 'report.csv', contentType: 'text/csv' });
    expect(mail?.attachments[0]?.content.toString()).toBe('a,b\n1,2\n');
    expect(mail?.headers.get('x-switchboard-delivery')).toBe(sent.deliveryId);
    expect(mail?.messageId).toMatch(/^<tgt_.*@switchboard\.notify>$/);
    expect((await call('sendEmail', { to: [OPS_EMAIL], template: 'deploy', variables: { service: 'api' } })).error?.code).toBe(
      'INVALID_ARGUMENT',
    );
  });

  test('webhooks are signed, retried on 503 with the same Idempotency-Key, and land once', async () => {
    await start();
    f.hook.state.failNext = 1;
    const sent = await ok('sendWebhook', {
      endpoint: 'pager',
      title: 'cpu high',
      severity: 'error',
      details: { host: 'web-01' },
    });
    const done = await settled(sent.deliveryId);
    expect(done.targets[0]).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(f.hook.received).toHaveLength(1);
    expect(f.hook.received[0]?.body).toMatchObject({ title: 'cpu high', severity: 'error', details: { host: 'web-01' } });
    expect((await call('sendWebhook', { endpoint: 'https://evil.example/x', title: 't' })).error?.code).toBe('POLICY_VIOLATION');
  });
});

describe('Twilio status callbacks and metrics', () => {
  test('a signed status callback POSTed to the service port marks the SMS delivered; a forged one is refused', async () => {
    dir = tempDir();
    // Twilio is given the public URL before the service starts: the route is on the service's own port.
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}/notify/twilio/status`;
    const running = await startOnPort0(notifyService, {
      env: notifyEnv(f, {
        SWITCHBOARD_DATA_DIR: dir.path,
        SWITCHBOARD_TOKENS: 'ops:ops-token-0123456789abcdef',
        NOTIFY_TWILIO_STATUS_CALLBACK_URL: publicUrl,
      }),
      config: { port },
    });
    const http = new Client({ name: 'notify-http', version: '1' });
    await http.connect(
      new StreamableHTTPClientTransport(new URL(running.mcpUrl), {
        requestInit: { headers: { authorization: 'Bearer ops-token-0123456789abcdef' } },
      }),
    );
    const closeHttp = http.close.bind(http);
    client = Object.assign(http, {
      runtime: running.runtime,
      close: async () => {
        await closeHttp();
        await running.close();
      },
    }) as TestClient;
    const sms = await ok('sendSms', { to: [ONCALL], body: 'track me' });
    await settled(sms.deliveryId);
    const sid = f.twilio.messages[0]?.sid as string;
    expect(f.twilio.messages[0]?.status_callback).toContain(`${publicUrl}?target=tgt_`);
    // Outside bearer auth (Twilio sends no token), but a forged signature is refused.
    const forged = await fetch(publicUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'bm9wZQ==' },
      body: new URLSearchParams({ MessageSid: sid, MessageStatus: 'delivered' }).toString(),
    });
    expect(forged.status).toBe(403);
    expect((await f.twilio.report(sid, 'delivered')).status).toBe(204);
    const { delivery } = await ok('getDelivery', { deliveryId: sms.deliveryId });
    expect(delivery.targets[0]).toMatchObject({ status: 'delivered', providerId: sid, providerStatus: 'delivered' });
    // notify's own series are on the service's /metrics, beside the kit's.
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_notifications_total\{channel="sms",severity="info",outcome="sent"\} 1/);
    expect(metrics).toMatch(/switchboard_notifications_total\{channel="sms",severity="info",outcome="delivered"\} 1/);
    expect(metrics).toContain('switchboard_notification_delivery_seconds_bucket{le="0.05",channel="sms"}');
    expect(metrics).toContain('# TYPE switchboard_notify_outbox_depth gauge');
    expect(metrics).toContain('mcp_tool_calls_total{service="notify",tool="sendSms",outcome="success"} 1');
  });
});

describe('verification codes', () => {
  test('the code reaches the phone, never the model; hashed at rest; attempts limited; used once', async () => {
    await start({ NOTIFY_VERIFICATION_MAX_ATTEMPTS: '3' });
    const sent = await ok('sendVerificationCode', { channel: 'sms', to: ONCALL, purpose: 'deploy approval' });
    expect(sent).toMatchObject({ status: 'sent', to: '+15*******11', maxAttempts: 3 });
    const code = /code is (\d{6})/.exec(f.twilio.messages[0]?.body ?? '')?.[1] as string;
    expect(code).toMatch(/^\d{6}$/);
    expect(JSON.stringify(sent)).not.toContain(code);
    const db = new DatabaseSync(join(dir.path, 'notify.sqlite'), { readOnly: true });
    const rows =
      JSON.stringify(db.prepare('SELECT * FROM notify_verification').all()) +
      JSON.stringify(db.prepare('SELECT payload FROM notify_target').all());
    db.close();
    expect(rows).not.toContain(code);
    const { delivery } = await ok('getDelivery', { deliveryId: sent.deliveryId });
    expect(JSON.stringify(delivery)).not.toContain(code);
    const wrong = code === '000000' ? '111111' : '000000';
    expect(await ok('checkVerificationCode', { verificationId: sent.verificationId, code: wrong })).toEqual({
      valid: false,
      reason: 'mismatch',
      attemptsRemaining: 2,
    });
    expect(await ok('checkVerificationCode', { verificationId: sent.verificationId, code })).toEqual({
      valid: true,
      attemptsRemaining: 1,
    });
    expect(await ok('checkVerificationCode', { verificationId: sent.verificationId, code })).toMatchObject({
      valid: false,
      reason: 'used',
    });
    const second = await ok('sendVerificationCode', { channel: 'sms', to: ONCALL });
    for (let i = 0; i < 3; i++) await ok('checkVerificationCode', { verificationId: second.verificationId, code: wrong });
    const code2 = /code is (\d{6})/.exec(f.twilio.messages[1]?.body ?? '')?.[1] as string;
    expect(await ok('checkVerificationCode', { verificationId: second.verificationId, code: code2 })).toMatchObject({
      valid: false,
      reason: 'too_many_attempts',
    });
  });
});

describe('configuration', () => {
  test('routes to recipients off the allowlist, or to channels not configured, stop start-up with every problem', async () => {
    await expect(
      connectInMemory(notifyService, {
        env: {
          NOTIFY_ALLOW_EMAIL: 'ops@example.com',
          NOTIFY_ROUTES: JSON.stringify([
            {
              targets: [
                { channel: 'email', to: ['boss@elsewhere.example'] },
                { channel: 'sms', to: ['+15550001111'] },
              ],
            },
          ]),
        },
      }),
    ).rejects.toThrow(
      /boss@elsewhere.example is not on the email allowlist[\s\S]*channel email is not configured|channel email is not configured[\s\S]*not on the email allowlist/,
    );
  });

  test('secret:// credentials are resolved at start by the secrets service; one outside its policy stops start-up', async () => {
    const secrets = await startTestSecrets({
      callers: { notify: ['local/notify/**'] },
      secrets: { 'notify/slack-bot': SLACK_TOKEN, 'other/smtp': 'not-for-notify-0000' },
    });
    try {
      dir = tempDir();
      client = await connectInMemory(notifyService, {
        env: {
          ...notifyEnv(f, { SWITCHBOARD_DATA_DIR: dir.path }),
          ...secrets.envFor('notify'),
          NOTIFY_SLACK_TOKEN: secrets.handles['notify/slack-bot'] as string,
        },
      });
      // The Slack fixture only accepts the real token: the message landing proves the handle was resolved.
      const sent = await ok('sendSlackMessage', { channel: '#incidents', text: 'via a handle' });
      expect((await settled(sent.deliveryId)).targets[0]).toMatchObject({ status: 'delivered' });
      expect(f.slack.posted.at(-1)).toMatchObject({ text: 'via a handle' });
      await client.close();
      dir.cleanup();
      dir = tempDir();
      await expect(
        connectInMemory(notifyService, {
          env: {
            ...notifyEnv(f, { SWITCHBOARD_DATA_DIR: dir.path }),
            ...secrets.envFor('notify'),
            NOTIFY_SMTP_PASSWORD: secrets.handles['other/smtp'] as string,
          },
        }),
      ).rejects.toThrow(/smtpPassword \(NOTIFY_SMTP_PASSWORD\): secrets\.resolveSecret: caller "notify" may not resolve/);
      expect(secrets.process.stderr.join('\n')).not.toContain(SLACK_TOKEN);
    } finally {
      await secrets.stop();
    }
  });

  test('a secret:// credential without a secrets service configured stops start-up naming the settings', async () => {
    dir = tempDir();
    await expect(
      connectInMemory(notifyService, {
        env: { ...notifyEnv(f, { SWITCHBOARD_DATA_DIR: dir.path }), NOTIFY_SLACK_TOKEN: 'secret://vault/notify/slack-bot' },
      }),
    ).rejects.toThrow(
      /slackToken \(NOTIFY_SLACK_TOKEN\): notify cannot resolve secret:\/\/vault\/notify\/slack-bot: no secrets service is configured \(set SWITCHBOARD_SECRETS_URL/,
    );
  });
});

test('README documents every tool and setting', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const tool of notifyService.tools) expect(readme).toContain(`\`${tool.name}\``);
  for (const envName of Object.values(notifyService.config?.env ?? {})) expect(readme).toContain(`\`${envName}\``);
});
