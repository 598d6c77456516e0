import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import { connect, type RunningOrchestrator, startOrchestrator, structured, waitFor, waitUp } from './helpers.ts';

const NOTIFY_MAIN = fileURLToPath(new URL('../../services/notify/src/main.ts', import.meta.url));

/** notify's own fixtures (SMTP server, Twilio and Slack wire formats), loaded by path: they live in its package. */
interface Fixtures {
  smtp: { accepted: { subject?: string; to?: unknown }[]; received(): number };
  twilio: { messages: { to: string; body: string }[] };
  slack: { posted: { channel: string; text: string }[] };
  close(): Promise<void>;
}
interface NotifyHarness {
  ONCALL: string;
  OPS_EMAIL: string;
  startFixtures(): Promise<Fixtures>;
  notifyEnv(f: Fixtures, extra: Record<string, string>): Record<string, string>;
  tempDir(): { path: string; cleanup(): void };
}
const HARNESS_PATH = '../../services/notify/test/harness.ts';
const { ONCALL, OPS_EMAIL, startFixtures, notifyEnv, tempDir } = (await import(HARNESS_PATH)) as NotifyHarness;

/**
 * The notify service as a real process behind the orchestrator, its SMTP server real (smtp-server), Twilio and
 * Slack wire-format fixtures: severity routing, allowlist refusal and idempotency as an MCP client sees them.
 */
describe('notify through the orchestrator', () => {
  const dir = tempDir();
  let f: Fixtures;
  let notify: SpawnedService;
  let orch: RunningOrchestrator;
  let client: Client;

  beforeAll(async () => {
    f = await startFixtures();
    notify = await spawnService(NOTIFY_MAIN, {
      env: notifyEnv(f, { PORT: '0', SWITCHBOARD_AUTH: 'none', SWITCHBOARD_DATA_DIR: join(dir.path, 'data') }),
    });
    orch = await startOrchestrator({ upstreams: [{ name: 'notify', namespace: 'notify', url: `${notify.url}/mcp` }] });
    await waitUp(orch, 'notify');
    client = await connect(`${orch.url}/mcp`);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await orch?.close();
    await notify?.stop();
    await f?.close();
    dir.cleanup();
  });

  const settled = (deliveryId: string) =>
    waitFor(
      async () => {
        const got = structured(await client.callTool({ name: 'notify.getDelivery', arguments: { deliveryId } }));
        return (
          got.delivery?.targets.every((t: { status: string }) => t.status === 'sent' || t.status === 'delivered') && got.delivery
        );
      },
      20_000,
      `delivery ${deliveryId}`,
    );

  test('a critical notify.notify reaches SMTP, the SMS fixture and the Slack fixture once each', async () => {
    const result = await client.callTool({
      name: 'notify.notify',
      arguments: { severity: 'critical', title: 'api 5xx > 20%', body: 'since 14:02', tags: ['api'] },
    });
    expect(result.isError).toBeFalsy();
    const delivery = await settled(structured(result).deliveryId);
    expect(delivery.targets.map((t: { channel: string }) => t.channel).sort()).toEqual(['email', 'slack', 'sms']);
    expect(f.smtp.accepted.map((m) => m.subject)).toEqual(['[CRITICAL] api 5xx > 20%']);
    expect(f.twilio.messages.map((m) => m.to)).toEqual([ONCALL]);
    expect(f.slack.posted.map((m) => m.channel)).toEqual(['C0INCIDENT1']);
  });

  test('an info notification reaches email only', async () => {
    const result = await client.callTool({ name: 'notify.notify', arguments: { severity: 'info', title: 'backup finished' } });
    await settled(structured(result).deliveryId);
    expect(f.smtp.accepted.map((m) => m.subject)).toEqual(['[CRITICAL] api 5xx > 20%', '[INFO] backup finished']);
    expect(f.smtp.accepted[1]?.to).toMatchObject({ text: OPS_EMAIL });
    expect(f.twilio.messages).toHaveLength(1);
    expect(f.slack.posted).toHaveLength(1);
  });

  test('a recipient off the allowlist is refused with POLICY_VIOLATION and nothing is sent', async () => {
    const before = f.smtp.received();
    const result = await client.callTool({
      name: 'notify.sendEmail',
      arguments: { to: ['someone@elsewhere.example'], subject: 'hello', text: 'x' },
    });
    expect(result.isError).toBe(true);
    expect(structured(result).error).toMatchObject({ code: 'POLICY_VIOLATION' });
    await new Promise((r) => setTimeout(r, 300));
    expect(f.smtp.received()).toBe(before);
  });

  test('the same idempotency key twice sends once', async () => {
    const args = { severity: 'critical', title: 'failover', idempotencyKey: 'incident-7-failover' };
    const first = structured(await client.callTool({ name: 'notify.notify', arguments: args }));
    const second = structured(await client.callTool({ name: 'notify.notify', arguments: args }));
    expect(second).toMatchObject({ deliveryId: first.deliveryId, replayed: true });
    await settled(first.deliveryId);
    await new Promise((r) => setTimeout(r, 300));
    expect(f.twilio.messages.filter((m) => m.body.includes('failover'))).toHaveLength(1);
    expect(f.slack.posted.filter((m) => m.text.includes('failover'))).toHaveLength(1);
    expect(f.smtp.accepted.filter((m) => m.subject?.includes('failover'))).toHaveLength(1);
  });
});
