import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  connect,
  DYNAMIC,
  freePort,
  NODE,
  type RunningOrchestrator,
  startCmdb,
  startEverythingHttp,
  startOrchestrator,
  structured,
  tempDir,
  text,
  waitFor,
  waitUp,
} from './helpers.ts';
import { allToolNames, errorOf, type RestartableProbe, restartableProbe, sample, scrape } from './support.ts';

/**
 * Federation features against real upstreams: the separator, the orchestrator's own tools, down behaviour (list or
 * hide), legacy SSE both ways, metrics, upstream bearer tokens, and errors the orchestrator makes for third-party
 * tools. Tests that kill an upstream have processes of their own.
 */
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
});

async function client(url: string, options: Parameters<typeof connect>[1] = {}): Promise<Client> {
  const c = await connect(url, options);
  clients.push(c);
  return c;
}

type Service = {
  name: string;
  namespace: string;
  url: string;
  transport: string;
  state: string;
  reason: string;
  since: string;
  circuit: string;
  toolCount: number;
  lastError: string | null;
  p50LatencyMs: number | null;
};

async function services(c: Client, separator = '.'): Promise<Service[]> {
  return structured<{ items: Service[] }>(await c.callTool({ name: `orchestrator${separator}listServices`, arguments: {} }))
    .items;
}

const waitState = (orch: RunningOrchestrator, name: string, state: string) =>
  waitFor(
    () => orch.orchestrator.federation.upstreams().find((u) => u.name === name)?.state === state,
    15_000,
    `${name} ${state}`,
  );

describe('separator "__", listServices and health', () => {
  let cmdb: Awaited<ReturnType<typeof startCmdb>>;
  let orch: RunningOrchestrator;
  let ghostUrl: string;

  beforeAll(async () => {
    cmdb = await startCmdb();
    ghostUrl = `http://127.0.0.1:${await freePort()}/mcp`;
    orch = await startOrchestrator({
      separator: '__',
      upstreams: [
        { name: 'cmdb', namespace: 'cmdb', url: `${cmdb.url}/mcp` },
        // Nothing listens here: reported down, never a start-up failure.
        { name: 'ghost', namespace: 'ghost', url: ghostUrl },
      ],
    });
    await waitUp(orch, 'cmdb');
    await waitState(orch, 'ghost', 'down');
  }, 30_000);

  afterAll(async () => {
    await orch?.close();
    await cmdb?.stop();
    cmdb?.cleanup();
  });

  test('tools are <namespace>__<tool> and calls route to the upstream', async () => {
    const c = await client(`${orch.url}/mcp`);
    const names = await allToolNames(c);
    expect(names).toEqual(expect.arrayContaining(['cmdb__upsertItem', 'cmdb__getItem', 'orchestrator__listServices']));
    expect(names.filter((n) => n.includes('.'))).toEqual([]);
    const upserted = await c.callTool({
      name: 'cmdb__upsertItem',
      arguments: { type: 'host', name: 'web-01', attributes: { os: 'linux' } },
    });
    expect(upserted.isError).toBeFalsy();
    const item = structured(await c.callTool({ name: 'cmdb__getItem', arguments: { type: 'host', name: 'web-01' } }));
    expect(JSON.stringify(item)).toContain('web-01');
    await expect(c.callTool({ name: 'cmdb.getItem', arguments: { type: 'host', name: 'web-01' } })).rejects.toThrow(
      /Unknown tool/,
    );
  });

  test('orchestrator__listServices reports state, tool count, latency and last error of each upstream', async () => {
    const c = await client(`${orch.url}/mcp`);
    const direct = await client(`${cmdb.url}/mcp`);
    const cmdbTools = await allToolNames(direct);
    await c.callTool({ name: 'cmdb__getItem', arguments: { type: 'host', name: 'nothing-here' } });
    const [cmdbStatus, ghost] = await services(c, '__');
    expect(cmdbStatus).toEqual({
      name: 'cmdb',
      namespace: 'cmdb',
      url: `${cmdb.url}/mcp`,
      transport: 'streamable-http',
      sessionMode: 'per-client',
      state: 'up',
      reason: 'connected',
      since: expect.any(String),
      circuit: 'closed',
      toolCount: cmdbTools.length,
      lastError: null,
      p50LatencyMs: expect.any(Number),
      thirdParty: false,
      pinning: 'pin',
      quarantinedTools: [],
      flaggedTools: [],
    });
    expect(cmdbStatus?.p50LatencyMs).toBeGreaterThan(0);
    expect(ghost).toMatchObject({
      name: 'ghost',
      url: ghostUrl,
      state: 'down',
      toolCount: 0,
      p50LatencyMs: null,
      thirdParty: true,
    });
    expect(ghost?.lastError).toContain('ECONNREFUSED');
    expect(ghost?.reason).toContain('cannot connect');
    expect(new Date(ghost?.since as string).getTime()).toBeLessThanOrEqual(Date.now());
    const onlyDown = structured<{ items: Service[] }>(
      await c.callTool({ name: 'orchestrator__listServices', arguments: { state: 'down' } }),
    );
    expect(onlyDown.items.map((s) => s.name)).toEqual(['ghost']);
  });

  test('orchestrator__health sums the states and lists what is down and why', async () => {
    const c = await client(`${orch.url}/mcp`);
    const health = structured(await c.callTool({ name: 'orchestrator__health', arguments: {} }));
    expect(health).toEqual({
      status: 'degraded',
      upstreams: { up: 1, degraded: 0, down: 1, connecting: 0 },
      down: [{ name: 'ghost', reason: expect.stringContaining('ECONNREFUSED'), since: expect.any(String) }],
      sessions: expect.any(Number),
      problems: [],
    });
    expect(health.sessions).toBeGreaterThanOrEqual(1);
  });
});

describe('a name collision between upstreams', () => {
  test('is reported as a configuration problem naming both, and only the first one is exposed', async () => {
    const dir = tempDir('orch-collide-');
    const probe = await restartableProbe(`${dir.path}/probe.log`);
    // With "_", namespace "dyn" + tool "x_whoami" and namespace "dyn_x" + tool "whoami" both make "dyn_x_whoami".
    // dynamic's addTool does not say it is non-destructive: the default approvals would ask a human for it.
    const orch = await startOrchestrator(
      {
        separator: '_',
        upstreams: [
          { name: 'probe', namespace: 'dyn_x', url: `${probe.url}/mcp` },
          { name: 'dynamic', namespace: 'dyn', command: NODE, args: [DYNAMIC] },
        ],
      },
      {},
      { policy: { approvals: [] } },
    );
    try {
      await waitUp(orch, 'probe', 'dynamic');
      const c = await client(`${orch.url}/mcp`);
      await c.callTool({ name: 'dyn_addTool', arguments: { name: 'x_whoami' } });
      const health = await waitFor(async () => {
        const h = structured(await c.callTool({ name: 'orchestrator_health', arguments: {} }));
        return h.problems.length > 0 && h;
      });
      expect(health.problems).toEqual([expect.stringContaining('"dyn_x_whoami" collides')]);
      expect(health.problems[0]).toContain('probe');
      expect(health.problems[0]).toContain('dynamic');
      // Routing is a registry lookup: the name goes to the probe, which was listed first.
      expect(structured(await c.callTool({ name: 'dyn_x_whoami', arguments: {} })).caller).toBe('anonymous');
      expect(orch.logs.some((l) => l.msg === 'configuration error: name collision')).toBe(true);
    } finally {
      await orch.close();
      await probe.stop();
      dir.cleanup();
    }
  });
});

describe('when an upstream is down', () => {
  let probe: RestartableProbe;
  let listing: RunningOrchestrator;
  let hiding: RunningOrchestrator;
  const dir = tempDir('orch-down-');

  beforeAll(async () => {
    probe = await restartableProbe(`${dir.path}/probe.log`);
    const upstreams = [{ name: 'probe', namespace: 'probe', url: `${probe.url}/mcp` }];
    listing = await startOrchestrator({ downBehavior: 'list', upstreams });
    hiding = await startOrchestrator({ downBehavior: 'hide', upstreams });
    await waitUp(listing, 'probe');
    await waitUp(hiding, 'probe');
  }, 30_000);

  afterAll(async () => {
    await listing?.close();
    await hiding?.close();
    await probe?.stop();
    dir.cleanup();
  });

  test('"list" keeps its tools listed and fails calls at once naming it and since when; "hide" drops them; both announce the return', async () => {
    const listClient = await client(`${listing.url}/mcp`);
    const hideClient = await client(`${hiding.url}/mcp`);
    const changed = { list: 0, hide: 0 };
    listClient.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed.list++);
    hideClient.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed.hide++);
    expect(await allToolNames(hideClient)).toContain('probe.whoami');

    await probe.kill();
    await waitState(listing, 'probe', 'down');
    await waitState(hiding, 'probe', 'down');

    expect(await allToolNames(listClient)).toEqual(expect.arrayContaining(['probe.whoami', 'probe.sleep', 'probe.append']));
    const started = Date.now();
    const refused = await listClient.callTool({ name: 'probe.whoami', arguments: {} });
    expect(Date.now() - started).toBeLessThan(4000); // refused at once, short of the 5 s connect timeout
    expect(refused.isError).toBe(true);
    const error = errorOf(refused);
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true, details: { since: expect.any(String) } });
    expect(error?.message).toContain('probe is unavailable since');
    expect(Date.parse(String(error?.details?.since))).toBeLessThanOrEqual(Date.now());

    await waitFor(() => changed.hide > 0, 5000, 'list_changed when the tools are hidden');
    expect((await allToolNames(hideClient)).filter((n) => n.startsWith('probe.'))).toEqual([]);
    expect(await allToolNames(hideClient)).toContain('orchestrator.listServices');
    await expect(hideClient.callTool({ name: 'probe.whoami', arguments: {} })).rejects.toThrow(/Unknown tool/);

    changed.list = 0;
    changed.hide = 0;
    await probe.restart();
    await waitUp(listing, 'probe');
    await waitUp(hiding, 'probe');
    await waitFor(() => changed.list > 0 && changed.hide > 0, 5000, 'list_changed when it is back');
    expect(await allToolNames(hideClient)).toContain('probe.whoami');
    expect(structured(await hideClient.callTool({ name: 'probe.whoami', arguments: {} })).caller).toBe('anonymous');
    expect(structured(await listClient.callTool({ name: 'probe.whoami', arguments: {} })).caller).toBe('anonymous');
  });
});

describe('legacy HTTP+SSE', () => {
  let legacyUpstream: Awaited<ReturnType<typeof startEverythingHttp>>;
  let probe: RestartableProbe;
  let orch: RunningOrchestrator;
  const dir = tempDir('orch-sse-');

  beforeAll(async () => {
    legacyUpstream = await startEverythingHttp('sse');
    probe = await restartableProbe(`${dir.path}/probe.log`);
    orch = await startOrchestrator({
      upstreams: [
        { name: 'legacy', namespace: 'legacy', url: legacyUpstream.url },
        { name: 'probe', namespace: 'probe', url: `${probe.url}/mcp` },
      ],
    });
    await waitUp(orch, 'legacy', 'probe');
  }, 30_000);

  afterAll(async () => {
    await orch?.close();
    await legacyUpstream?.stop();
    await probe?.stop();
    dir.cleanup();
  });

  test('an upstream that only speaks legacy SSE is reached over it', async () => {
    expect(legacyUpstream.url).toMatch(/\/sse$/);
    const c = await client(`${orch.url}/mcp`);
    expect(text(await c.callTool({ name: 'legacy.echo', arguments: { message: 'over sse' } }))).toBe('Echo: over sse');
    const legacy = (await services(c)).find((s) => s.name === 'legacy');
    expect(legacy).toMatchObject({ transport: 'sse', state: 'up' });
  });

  test('a legacy SSE client calls through /sse, to a legacy and to a Streamable HTTP upstream', async () => {
    const c = await client(`${orch.url}/sse`, { legacy: true });
    const names = await allToolNames(c);
    expect(names).toEqual(expect.arrayContaining(['legacy.echo', 'probe.whoami', 'orchestrator.health']));
    expect(text(await c.callTool({ name: 'legacy.echo', arguments: { message: 'both ways' } }))).toBe('Echo: both ways');
    expect(structured(await c.callTool({ name: 'probe.whoami', arguments: {} })).caller).toBe('anonymous');
    const pinned = await client(`${orch.url}/sse/legacy`, { legacy: true });
    expect(text(await pinned.callTool({ name: 'echo', arguments: { message: 'pinned' } }))).toBe('Echo: pinned');
  });
});

describe('metrics', () => {
  let probe: RestartableProbe;
  let orch: RunningOrchestrator;
  const dir = tempDir('orch-metrics-');

  beforeAll(async () => {
    probe = await restartableProbe(`${dir.path}/probe.log`);
    orch = await startOrchestrator({
      upstreams: [
        { name: 'probe', namespace: 'probe', url: `${probe.url}/mcp`, timeouts: { tools: { sleep: 200 } } },
        { name: 'ghost', namespace: 'ghost', url: `http://127.0.0.1:${await freePort()}/mcp` },
      ],
    });
    await waitUp(orch, 'probe');
    await waitState(orch, 'ghost', 'down');
  }, 30_000);

  afterAll(async () => {
    await orch?.close();
    await probe?.stop();
    dir.cleanup();
  });

  test('/metrics counts proxied calls by outcome, times them, and shows each upstream and its circuit', async () => {
    const c = await client(`${orch.url}/mcp`);
    await c.callTool({ name: 'probe.whoami', arguments: {} });
    await c.callTool({ name: 'probe.whoami', arguments: {} });
    await c.callTool({ name: 'probe.whoami', arguments: {} });
    expect(errorOf(await c.callTool({ name: 'probe.sleep', arguments: { ms: 5000 } }))?.code).toBe('UPSTREAM_TIMEOUT');
    expect(errorOf(await c.callTool({ name: 'probe.append', arguments: { text: 42 } }))?.code).toBe('INVALID_ARGUMENT');

    const metrics = await scrape(orch.url);
    const calls = (tool: string, outcome: string) =>
      sample(metrics, 'switchboard_proxy_calls_total', { namespace: 'probe', tool, outcome });
    expect(calls('whoami', 'success')).toBe(3);
    expect(calls('sleep', 'upstream_timeout')).toBe(1);
    expect(calls('append', 'tool_error')).toBe(1);
    expect(metrics).toContain('# TYPE switchboard_proxy_call_duration_seconds histogram');
    const count = sample(metrics, 'switchboard_proxy_call_duration_seconds_count', { namespace: 'probe', tool: 'whoami' });
    const sum = sample(metrics, 'switchboard_proxy_call_duration_seconds_sum', { namespace: 'probe', tool: 'whoami' });
    expect(count).toBe(3);
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(30);
    const slept = sample(metrics, 'switchboard_proxy_call_duration_seconds_sum', { namespace: 'probe', tool: 'sleep' });
    // The 200 ms timeout timer may fire a fraction of a millisecond early against the monotonic clock.
    expect(slept).toBeGreaterThanOrEqual(0.19);
    expect(slept).toBeLessThan(5);
    expect(sample(metrics, 'switchboard_upstream_up', { namespace: 'probe' })).toBe(1);
    expect(sample(metrics, 'switchboard_upstream_up', { namespace: 'ghost' })).toBe(0);
    expect(sample(metrics, 'switchboard_upstream_circuit_state', { namespace: 'probe' })).toBe(0);
    expect(sample(metrics, 'switchboard_upstream_circuit_state', { namespace: 'ghost' })).toBe(0);
  });
});

describe('upstream bearer tokens', () => {
  const token = 'probe-secret-token-4f9a1c77d2';
  let probe: RestartableProbe;
  let withToken: RunningOrchestrator;
  let without: RunningOrchestrator;
  const dir = tempDir('orch-token-');

  beforeAll(async () => {
    probe = await restartableProbe(`${dir.path}/probe.log`, {
      SWITCHBOARD_AUTH: 'token',
      SWITCHBOARD_TOKENS: `orchestrator:${token}`,
    });
    const upstream = { name: 'locked', namespace: 'locked', url: `${probe.url}/mcp` };
    withToken = await startOrchestrator({ upstreams: [{ ...upstream, tokenEnv: 'LOCKED_TOKEN' }] }, { LOCKED_TOKEN: token });
    without = await startOrchestrator({ upstreams: [upstream] });
    await waitUp(withToken, 'locked');
    await waitState(without, 'locked', 'down');
  }, 30_000);

  afterAll(async () => {
    await withToken?.close();
    await without?.close();
    await probe?.stop();
    dir.cleanup();
  });

  test('the token from tokenEnv reaches the upstream, which sees the orchestrator as the caller', async () => {
    const c = await client(`${withToken.url}/mcp`);
    expect(structured(await c.callTool({ name: 'locked.whoami', arguments: {} })).caller).toBe('orchestrator');
  });

  test('without a token the upstream is reported down as unauthorized', async () => {
    const c = await client(`${without.url}/mcp`);
    const [locked] = await services(c);
    expect(locked).toMatchObject({ name: 'locked', state: 'down' });
    expect(locked?.reason).toMatch(/HTTP 401.*Unauthorized/);
    // It never connected, so there is no catalogue to list.
    expect((await allToolNames(c)).filter((n) => n.startsWith('locked.'))).toEqual([]);
  });

  test('the token appears in no log line and no listServices output', async () => {
    const c = await client(`${withToken.url}/mcp`);
    await c.callTool({ name: 'locked.whoami', arguments: {} });
    const listed = await c.callTool({ name: 'orchestrator.listServices', arguments: {} });
    expect(JSON.stringify(listed)).not.toContain(token);
    expect(withToken.logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(withToken.logs)).not.toContain(token);
    expect(JSON.stringify(without.logs)).not.toContain(token);
  });
});

describe('errors the orchestrator makes for third-party tools', () => {
  let everything: Awaited<ReturnType<typeof startEverythingHttp>>;
  let orch: RunningOrchestrator;

  beforeAll(async () => {
    everything = await startEverythingHttp();
    orch = await startOrchestrator({ upstreams: [{ name: 'everything-http', namespace: 'evh', url: everything.url }] });
    await waitUp(orch, 'everything-http');
  }, 30_000);

  afterAll(async () => {
    await orch?.close();
    await everything?.stop();
  });

  test("a third-party tool's own isError result passes through untouched", async () => {
    const c = await client(`${orch.url}/mcp`);
    const direct = await client(everything.url);
    const args = { a: 'not a number', b: 2 };
    const viaProxy = await c.callTool({ name: 'evh.get-sum', arguments: args });
    const viaDirect = await direct.callTool({ name: 'get-sum', arguments: args });
    expect(viaProxy.isError).toBe(true);
    expect(viaProxy).toEqual(viaDirect);
    expect(errorOf(viaProxy)).toBeUndefined();
  });

  test('when the upstream is down, the error code rides in _meta where the output schema has no room for it', async () => {
    const c = await client(`${orch.url}/mcp`);
    await everything.stop();
    await waitState(orch, 'everything-http', 'down');
    // get-structured-content declares an outputSchema that does not admit our error envelope.
    const structuredTool = await c.callTool({ name: 'evh.get-structured-content', arguments: { location: 'New York' } });
    expect(structuredTool.isError).toBe(true);
    expect(structuredTool.structuredContent).toBeUndefined();
    expect(structuredTool._meta?.['io.switchboard/error']).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      retryable: true,
      details: { since: expect.any(String) },
    });
    expect(text(structuredTool)).toContain('UPSTREAM_UNAVAILABLE');
    expect(text(structuredTool)).toContain('everything-http');
    // echo has no outputSchema: the envelope goes in structuredContent.
    const echo = await c.callTool({ name: 'evh.echo', arguments: { message: 'hi' } });
    expect((echo.structuredContent as { error?: { code: string } }).error?.code).toBe('UPSTREAM_UNAVAILABLE');
  });
});
