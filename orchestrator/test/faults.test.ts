import { afterEach, describe, expect, test } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { connect, NODE, type RunningOrchestrator, startOrchestrator, structured, tempDir, waitFor, waitUp } from './helpers.ts';
import { errorOf, type RestartableProbe, restartableProbe, sample, scrape } from './support.ts';

/**
 * Faults with real processes: an upstream killed mid-call, a hung upstream, a stdio upstream that crashes at start,
 * and what is (and is not) retried when an upstream dies or restarts. Each test has its own processes.
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function probeProcess(): Promise<RestartableProbe> {
  const dir = tempDir('orch-faults-');
  const probe = await restartableProbe(`${dir.path}/probe.log`);
  cleanups.push(() => dir.cleanup());
  cleanups.push(() => probe.stop());
  return probe;
}

async function orchestrator(config: Record<string, unknown>): Promise<RunningOrchestrator> {
  const orch = await startOrchestrator(config);
  cleanups.push(() => orch.close());
  return orch;
}

async function client(url: string): Promise<Client> {
  const c = await connect(url);
  cleanups.push(() => c.close().catch(() => {}));
  return c;
}

type Service = { name: string; state: string; reason: string; circuit: string; lastError: string | null; since: string };

async function services(c: Client): Promise<Service[]> {
  return structured<{ items: Service[] }>(await c.callTool({ name: 'orchestrator.listServices', arguments: {} })).items;
}

const logsOf = (orch: RunningOrchestrator, msg: string, upstream?: string) =>
  orch.logs.filter((l) => l.msg === msg && (upstream === undefined || l.upstream === upstream));

describe('an upstream killed mid-call', () => {
  test('the caller gets UPSTREAM_UNAVAILABLE naming the service, the circuit opens, and a restart brings it back with list_changed', async () => {
    const probe = await probeProcess();
    const orch = await orchestrator({
      upstreams: [
        {
          name: 'victim',
          namespace: 'victim',
          url: `${probe.url}/mcp`,
          retry: { attempts: 1, baseDelayMs: 20 },
          circuit: { failureThreshold: 2, cooldownMs: 60_000 },
        },
      ],
    });
    await waitUp(orch, 'victim');
    const c = await client(`${orch.url}/mcp`);
    let listChanged = 0;
    c.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      listChanged++;
    });
    expect(structured(await c.callTool({ name: 'victim.whoami', arguments: {} })).caller).toBe('anonymous');

    const inFlight = c.callTool({
      name: 'victim.sleep',
      arguments: { ms: 20_000 },
      _meta: { 'io.switchboard/correlation-id': 'killed-mid-call' },
    });
    await waitFor(() => probe.lines().includes('sleep-start killed-mid-call'), 5000, 'the call to reach the probe');
    await probe.kill();
    const failed = await inFlight;
    expect(failed.isError).toBe(true);
    expect(errorOf(failed)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    expect(errorOf(failed)?.message).toContain('victim');

    // The failures of that call (first attempt and its one retry) open the circuit: later calls fail at once.
    const services1 = await waitFor(async () => {
      const all = await services(c);
      return all[0]?.circuit === 'open' && all;
    });
    expect(services1[0]).toMatchObject({ name: 'victim', state: 'down', circuit: 'open', lastError: expect.any(String) });
    const refused = await c.callTool({ name: 'victim.whoami', arguments: {} });
    expect(errorOf(refused)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', details: { since: expect.any(String) } });
    expect(errorOf(refused)?.message).toContain('victim');
    const metrics = await scrape(orch.url);
    expect(sample(metrics, 'switchboard_upstream_circuit_state', { namespace: 'victim' })).toBe(2);
    expect(sample(metrics, 'switchboard_upstream_up', { namespace: 'victim' })).toBe(0);

    listChanged = 0;
    await probe.restart();
    await waitUp(orch, 'victim');
    await waitFor(() => listChanged > 0, 5000, 'tools/list_changed after the restart');
    const after = await services(c);
    expect(after[0]).toMatchObject({ state: 'up', circuit: 'closed' });
    expect(structured(await c.callTool({ name: 'victim.whoami', arguments: {} })).caller).toBe('anonymous');
    const healed = await scrape(orch.url);
    expect(sample(healed, 'switchboard_upstream_circuit_state', { namespace: 'victim' })).toBe(0);
    expect(sample(healed, 'switchboard_upstream_up', { namespace: 'victim' })).toBe(1);
  });
});

describe('a hung upstream', () => {
  test('a call past its per-tool timeout fails with UPSTREAM_TIMEOUT and is cancelled upstream', async () => {
    const probe = await probeProcess();
    const orch = await orchestrator({
      upstreams: [
        { name: 'slow', namespace: 'slow', url: `${probe.url}/mcp`, timeouts: { callMs: 30_000, tools: { sleep: 400 } } },
      ],
    });
    await waitUp(orch, 'slow');
    const c = await client(`${orch.url}/mcp`);
    const started = Date.now();
    const result = await c.callTool({
      name: 'slow.sleep',
      arguments: { ms: 20_000 },
      _meta: { 'io.switchboard/correlation-id': 'hung-call' },
    });
    // Generous bound: the call waited for its 400 ms timeout, not for the 20 s sleep.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.isError).toBe(true);
    expect(errorOf(result)).toMatchObject({ code: 'UPSTREAM_TIMEOUT', retryable: true, details: { timeoutMs: 400 } });
    expect(errorOf(result)?.message).toContain('slow');
    await waitFor(() => probe.lines().includes('sleep-cancelled hung-call'), 5000, 'the probe to see the cancellation');
    expect(probe.lines()).not.toContain('sleep-done hung-call');
    // Only the call timed out: the upstream is still up and answers the next one.
    expect(structured(await c.callTool({ name: 'slow.sleep', arguments: { ms: 0 } })).slept).toBe(0);
    expect(
      sample(await scrape(orch.url), 'switchboard_proxy_calls_total', { namespace: 'slow', outcome: 'upstream_timeout' }),
    ).toBe(1);
  });

  test('the per-upstream timeout applies to the other tools, and a timed-out mutating call is cancelled, not retried', async () => {
    const probe = await probeProcess();
    const orch = await orchestrator({
      upstreams: [
        {
          name: 'slow',
          namespace: 'slow',
          url: `${probe.url}/mcp`,
          timeouts: { callMs: 500, tools: { sleep: 30_000 } },
          retry: { attempts: 3, baseDelayMs: 10 },
        },
      ],
    });
    await waitUp(orch, 'slow');
    const c = await client(`${orch.url}/mcp`);
    const result = await c.callTool({
      name: 'slow.append',
      arguments: { text: 'late', delayMs: 20_000 },
      _meta: { 'io.switchboard/correlation-id': 'slow-append' },
    });
    expect(errorOf(result)).toMatchObject({ code: 'UPSTREAM_TIMEOUT', details: { timeoutMs: 500 } });
    // Sent once; the probe's sleep was aborted, so the append never completed.
    await waitFor(() => probe.lines().length > 0, 5000, 'the probe log');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(probe.lines()).toEqual(['append-start late slow-append']);
  });

  test('timeouts open the circuit, calls then fail at once, and after the cool-down a successful probe closes it', async () => {
    const probe = await probeProcess();
    const orch = await orchestrator({
      upstreams: [
        {
          name: 'stuck',
          namespace: 'stuck',
          url: `${probe.url}/mcp`,
          timeouts: { tools: { sleep: 200 } },
          circuit: { failureThreshold: 2, cooldownMs: 1500 },
        },
      ],
    });
    await waitUp(orch, 'stuck');
    const c = await client(`${orch.url}/mcp`);
    for (let i = 0; i < 2; i++) {
      expect(errorOf(await c.callTool({ name: 'stuck.sleep', arguments: { ms: 5000 } }))?.code).toBe('UPSTREAM_TIMEOUT');
    }
    const [open] = await services(c);
    expect(open).toMatchObject({ state: 'down', circuit: 'open', reason: 'circuit open after 2 consecutive failures' });
    const refused = await c.callTool({ name: 'stuck.whoami', arguments: {} });
    expect(errorOf(refused)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', details: { since: expect.any(String) } });
    expect(errorOf(refused)?.message).toMatch(/stuck is unavailable since .*circuit open/);
    expect(probe.lines().filter((l) => l.startsWith('sleep-start'))).toHaveLength(2);

    // After the cool-down, the health probe (a ping) goes through the half-open circuit and closes it.
    const closed = await waitFor(async () => {
      const [s] = await services(c);
      return s?.circuit === 'closed' && s;
    }, 10_000);
    expect(closed).toMatchObject({ state: 'up' });
    expect(structured(await c.callTool({ name: 'stuck.whoami', arguments: {} })).caller).toBe('anonymous');
  });
});

describe('a stdio upstream that crashes at start', () => {
  test('is restarted with growing backoff (no busy loop), reported down with the reason, and the orchestrator stays up', async () => {
    const probe = await probeProcess();
    const orch = await orchestrator({
      reconnectBaseMs: 100,
      reconnectMaxMs: 800,
      upstreams: [
        {
          name: 'crashy',
          namespace: 'crashy',
          command: NODE,
          args: ['-e', "console.error('boom: no database configured'); process.exit(1)"],
        },
        { name: 'steady', namespace: 'steady', url: `${probe.url}/mcp` },
      ],
    });
    await waitUp(orch, 'steady');
    const windowStart = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const windowMs = Date.now() - windowStart;
    const retries = logsOf(orch, 'reconnecting after backoff', 'crashy');
    const starts = orch.logs.filter(
      (l) => l.upstream === 'crashy' && l.msg === 'upstream stderr' && String(l.stderr).includes('boom'),
    );
    // Delays 50-100, 100-200, 200-400, 400-800, then capped at 400-800 ms: about 6 in 3 s, never dozens.
    expect(retries.length).toBeGreaterThanOrEqual(4);
    expect(retries.length).toBeLessThan(windowMs / 100);
    expect(starts.length).toBeGreaterThanOrEqual(retries.length - 1);
    expect(starts.length).toBeLessThanOrEqual(retries.length + 1);
    const delays = retries.map((l) => Number(l.delay_ms));
    for (let i = 1; i < Math.min(delays.length, 4); i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1] as number);
    expect(delays[3]).toBeGreaterThan(2 * (delays[0] as number));
    for (const delay of delays) expect(delay).toBeLessThanOrEqual(800);

    const c = await client(`${orch.url}/mcp`);
    const crashy = (await services(c)).find((s) => s.name === 'crashy');
    expect(crashy).toMatchObject({ state: 'down' });
    expect(crashy?.reason).toContain('exited with code 1');
    expect(crashy?.reason).toContain('boom: no database configured');
    const health = structured(await c.callTool({ name: 'orchestrator.health', arguments: {} }));
    expect(health).toMatchObject({ status: 'degraded', upstreams: { up: 1, down: 1 } });
    expect(health.down).toEqual([{ name: 'crashy', reason: crashy?.reason, since: expect.any(String) }]);
    expect(structured(await c.callTool({ name: 'steady.whoami', arguments: {} })).caller).toBe('anonymous');
  });
});

describe('retries', () => {
  test('a read-only call whose upstream restarts mid-call is retried on a new session and succeeds', async () => {
    const probe = await probeProcess();
    const orch = await orchestrator({
      upstreams: [{ name: 'flaky', namespace: 'flaky', url: `${probe.url}/mcp`, retry: { attempts: 5, baseDelayMs: 250 } }],
    });
    await waitUp(orch, 'flaky');
    const c = await client(`${orch.url}/mcp`);
    const call = c.callTool({
      name: 'flaky.sleep',
      arguments: { ms: 1000 },
      _meta: { 'io.switchboard/correlation-id': 'read-only-retry' },
    });
    await waitFor(() => probe.lines().includes('sleep-start read-only-retry'), 5000, 'the first attempt to start');
    await probe.kill();
    await probe.restart();
    const result = await call;
    expect(result.isError).toBeFalsy();
    expect(structured(result).slept).toBe(1000);
    const lines = probe.lines();
    expect(lines.filter((l) => l === 'sleep-start read-only-retry').length).toBe(2);
    expect(lines.filter((l) => l === 'sleep-done read-only-retry').length).toBe(1);
    expect(logsOf(orch, 'retrying after a transport failure').length).toBeGreaterThanOrEqual(1);
  });

  test('a mutating call whose upstream dies mid-flight is not executed again', async () => {
    const probe = await probeProcess();
    const orch = await orchestrator({
      upstreams: [{ name: 'writer', namespace: 'writer', url: `${probe.url}/mcp`, retry: { attempts: 5, baseDelayMs: 50 } }],
    });
    await waitUp(orch, 'writer');
    const c = await client(`${orch.url}/mcp`);
    const call = c.callTool({
      name: 'writer.append',
      arguments: { text: 'exactly-once', delayMs: 1500 },
      _meta: { 'io.switchboard/correlation-id': 'mutating' },
    });
    await waitFor(() => probe.lines().includes('append-start exactly-once mutating'), 5000, 'the call to start');
    await probe.kill();
    await probe.restart();
    const result = await call;
    expect(errorOf(result)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await waitUp(orch, 'writer');
    // Give a (wrong) retry every chance to land on the restarted probe.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(
      probe
        .lines()
        .filter((l) => l.startsWith('append-'))
        .map((l) => l.split(' ')[0]),
    ).toEqual(['append-start']);
    expect(logsOf(orch, 'retrying after a transport failure')).toEqual([]);
  });

  test('a call on a session the restarted upstream no longer knows is re-initialized and goes through once', async () => {
    const probe = await probeProcess();
    const orch = await orchestrator({
      upstreams: [{ name: 'amnesiac', namespace: 'amnesiac', url: `${probe.url}/mcp` }],
    });
    await waitUp(orch, 'amnesiac');
    const c = await client(`${orch.url}/mcp`);
    expect(structured(await c.callTool({ name: 'amnesiac.append', arguments: { text: 'before' } })).appended).toBe('before');
    const upLogs = logsOf(orch, 'upstream up', 'amnesiac').length;
    await probe.kill();
    await probe.restart();
    // The orchestrator reconnects its own session; the client's upstream session is now unknown to the probe.
    await waitFor(() => logsOf(orch, 'upstream up', 'amnesiac').length > upLogs, 10_000, 'the reconnect');
    await waitUp(orch, 'amnesiac');
    const result = await c.callTool({
      name: 'amnesiac.append',
      arguments: { text: 'after' },
      _meta: { 'io.switchboard/correlation-id': 'after-restart' },
    });
    expect(result.isError).toBeFalsy();
    expect(structured(result).appended).toBe('after');
    expect(probe.lines().filter((l) => l === 'append-start after after-restart').length).toBe(1);
  });
});
