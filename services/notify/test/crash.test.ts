import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import { waitUntil } from './fixtures/http-util.ts';
import { type Fixtures, notifyEnv, startFixtures, tempDir } from './harness.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/**
 * The durable outbox against a real process killed with SIGKILL mid-delivery. Twilio and Slack have accepted the
 * message but their answers never arrive; SMTP has the data but has not said 250. After a restart on the same
 * database, each message is delivered exactly once: the SMS and the Slack post are found at the provider (not
 * sent again), the email, never accepted, is sent again.
 */
describe('notify killed with SIGKILL in the middle of sending', () => {
  let f: Fixtures;
  const dir = tempDir();
  let proc: SpawnedService | undefined;
  beforeAll(async () => {
    f = await startFixtures();
  });
  afterAll(async () => {
    await proc?.stop('SIGKILL');
    await f.close();
    dir.cleanup();
  });

  const env = () => notifyEnv(f, { PORT: '0', SWITCHBOARD_AUTH: 'none', SWITCHBOARD_DATA_DIR: join(dir.path, 'data') });
  const connect = async (url: string) => {
    const client = new Client({ name: 'crash-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
    return client;
  };

  test('after a restart every message is delivered once, none twice', async () => {
    f.twilio.state.hangAfterAccept = true;
    f.slack.state.hangAfterAccept = true;
    f.smtp.state.hangData = true;
    proc = await spawnService(MAIN, { env: env() });
    const client = await connect(proc.url);
    const sent = await client.callTool({
      name: 'notify',
      arguments: { severity: 'critical', title: 'power loss', body: 'rack 4' },
    });
    const deliveryId = (sent.structuredContent as { deliveryId: string }).deliveryId;
    expect(deliveryId).toMatch(/^dlv_/);
    await waitUntil(
      () => f.twilio.messages.length === 1 && f.slack.posted.length === 1 && f.smtp.received() === 1,
      15_000,
      'all three providers to have the message',
    );
    proc.child.kill('SIGKILL');
    expect(await proc.exited).toBe('SIGKILL');
    await client.close().catch(() => {});

    f.twilio.state.hangAfterAccept = false;
    f.slack.state.hangAfterAccept = false;
    f.smtp.state.hangData = false;
    proc = await spawnService(MAIN, { env: env() });
    const again = await connect(proc.url);
    let delivery: { targets: { channel: string; status: string; providerId?: string }[] } | undefined;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const got = await again.callTool({ name: 'getDelivery', arguments: { deliveryId } });
      delivery = (got.structuredContent as { delivery: typeof delivery }).delivery;
      if (delivery?.targets.every((t) => t.status === 'sent' || t.status === 'delivered')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const byChannel = Object.fromEntries((delivery?.targets ?? []).map((t) => [t.channel, t]));
    expect(byChannel.sms).toMatchObject({ status: 'sent', providerId: f.twilio.messages[0]?.sid });
    expect(byChannel.slack).toMatchObject({ status: 'delivered', providerId: `C0INCIDENT1/${f.slack.posted[0]?.ts}` });
    expect(byChannel.email).toMatchObject({ status: 'sent' });
    // Exactly once at every provider.
    expect(f.twilio.messages).toHaveLength(1);
    expect(f.slack.posted).toHaveLength(1);
    expect(f.smtp.accepted).toHaveLength(1);
    expect(f.smtp.accepted[0]?.subject).toBe('[CRITICAL] power loss');
    const lines = proc.logs().map((l) => l.msg);
    expect(lines).toContain('in-doubt message found at the provider; not sent again');
    await again.close();
  }, 60_000);
});
