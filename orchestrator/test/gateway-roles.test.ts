import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import { stringify } from 'yaml';
import {
  connect,
  EVERYTHING,
  NODE,
  ORCHESTRATOR_MAIN,
  type RunningOrchestrator,
  startCmdb,
  startOrchestrator,
  structured,
  tempDir,
  waitFor,
  waitUp,
} from './helpers.ts';
import { allToolNames, errorOf, sample, scrape } from './support.ts';

const LINUX_CLI_MAIN = fileURLToPath(new URL('../../services/linux-cli/src/main.ts', import.meta.url));
const STDIO_TAP = fileURLToPath(new URL('./fixtures/stdio-tap.ts', import.meta.url));

const TOKENS = {
  'viewer-bob': 'tok-viewer-8c1e5a0b9d7f',
  'operator-olga': 'tok-operator-2f6b4e9a1c3d',
  'admin-ada': 'tok-admin-7a9e0c4b2d1f',
  lee: 'tok-lee-limited-5d3b8f1e6a',
};
type Who = keyof typeof TOKENS;

const POLICY = {
  roles: {
    'cmdb-reader': {
      grants: [{ namespaces: ['cmdb'], tools: ['get*', 'search*'], class: 'viewer', prompts: false, resources: false }],
      rateLimitPerMinute: 3,
    },
  },
  bindings: [
    { tokens: ['viewer-bob'], roles: ['viewer'] },
    { tokens: ['operator-olga'], roles: ['operator'] },
    { tokens: ['admin-ada'], roles: ['admin'] },
    { tokens: ['lee'], roles: ['cmdb-reader'] },
    { stdio: true, roles: ['viewer'] },
  ],
};

/**
 * Roles against real upstreams: cmdb and linux-cli (real processes over HTTP) and server-everything over stdio
 * (behind a tap that counts what reaches it). Each role class sees only what it may use, and a refused call never
 * reaches the upstream: cmdb's and linux-cli's own /metrics and the tap count what arrived. The same policy holds on
 * /mcp, /mcp/<namespace>, legacy SSE and stdio.
 */
describe('gateway roles on every path', () => {
  const dir = tempDir('orch-roles-');
  const tapLog = join(dir.path, 'tap.log');
  let cmdb: Awaited<ReturnType<typeof startCmdb>>;
  let linux: SpawnedService;
  let orch: RunningOrchestrator;
  const clients: Client[] = [];
  const upstreams = () => [
    { name: 'cmdb', namespace: 'cmdb', url: `${cmdb.url}/mcp` },
    { name: 'linux-cli', namespace: 'linux', url: `${linux.url}/mcp` },
    {
      name: 'everything',
      namespace: 'ev',
      command: NODE,
      args: [STDIO_TAP, NODE, EVERYTHING, 'stdio'],
      env: { TAP_LOG: tapLog },
    },
  ];

  beforeAll(async () => {
    const root = join(dir.path, 'root');
    chmodSync(dir.path, 0o755);
    mkdirSync(root);
    if (process.getuid?.() === 0) chownSync(root, 65534, 65534);
    [cmdb, linux] = await Promise.all([
      startCmdb(),
      spawnService(LINUX_CLI_MAIN, {
        env: { PORT: '0', SWITCHBOARD_AUTH: 'none', SWITCHBOARD_DATA_DIR: join(dir.path, 'linux'), LINUX_CLI_ROOTS: root },
      }),
    ]);
    orch = await startOrchestrator(
      { upstreams: upstreams() },
      {
        SWITCHBOARD_AUTH: 'token',
        SWITCHBOARD_TOKENS: Object.entries(TOKENS)
          .map(([name, token]) => `${name}:${token}`)
          .join(','),
      },
      { policy: POLICY },
    );
    await waitUp(orch, 'cmdb', 'linux-cli', 'everything');
    await waitFor(() => orch.orchestrator.gateway.pins.loaded, 10_000, 'pins loaded');
  }, 90_000);

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await orch?.close();
    await linux?.stop();
    await cmdb?.stop();
    cmdb?.cleanup();
    dir.cleanup();
  });

  async function as(who: Who, path = '/mcp', legacy = false): Promise<Client> {
    const c = await connect(`${orch.url}${path}`, { headers: { authorization: `Bearer ${TOKENS[who]}` }, legacy });
    clients.push(c);
    return c;
  }

  const reached = () => {
    try {
      return readFileSync(tapLog, 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  const served = async (base: string, tool: string) => sample(await scrape(base), 'mcp_tool_calls_total', { tool }) ?? 0;

  test('a viewer sees only read-only tools; everything else is refused with PERMISSION_DENIED and never reaches the upstream', async () => {
    const c = await as('viewer-bob');
    const { tools } = await c.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['cmdb.searchItems', 'linux.listDirectory', 'ev.echo', 'orchestrator.listServices']),
    );
    for (const hidden of ['cmdb.deleteItem', 'cmdb.addRelationship', 'linux.runCommand', 'ev.toggle-simulated-logging']) {
      expect(names).not.toContain(hidden);
    }
    for (const hidden of ['orchestrator.getAuditLog', 'orchestrator.acceptToolChange', 'orchestrator.executeWorkflow']) {
      expect(names).not.toContain(hidden);
    }
    expect(tools.filter((t) => !t.name.startsWith('orchestrator.')).every((t) => t.annotations?.readOnlyHint === true)).toBe(
      true,
    );

    expect((await c.callTool({ name: 'cmdb.searchItems', arguments: {} })).isError).toBeFalsy();
    expect((await c.callTool({ name: 'ev.echo', arguments: { message: 'hi' } })).isError).toBeFalsy();
    for (const [name, args] of [
      ['cmdb.deleteItem', { type: 'host', name: 'web-01' }],
      ['linux.runCommand', { command: 'rm -rf /tmp/x' }],
      ['ev.toggle-simulated-logging', {}],
      ['orchestrator.getAuditLog', {}],
    ] as const) {
      const refused = await c.callTool({ name, arguments: args });
      expect(refused.isError).toBe(true);
      expect(errorOf(refused)).toMatchObject({ code: 'PERMISSION_DENIED', retryable: false });
      expect(errorOf(refused)?.message).toContain('viewer-bob');
    }
    expect(await served(cmdb.url, 'searchItems')).toBeGreaterThanOrEqual(1);
    expect(await served(cmdb.url, 'deleteItem')).toBe(0);
    expect(await served(linux.url, 'runCommand')).toBe(0);
    expect(reached()).toContain('echo');
    expect(reached()).not.toContain('toggle-simulated-logging');
  });

  test('an operator gets the non-destructive tools too, not the destructive ones', async () => {
    const c = await as('operator-olga');
    const names = await allToolNames(c);
    expect(names).toEqual(
      expect.arrayContaining(['cmdb.addRelationship', 'ev.toggle-simulated-logging', 'orchestrator.executeWorkflow']),
    );
    expect(names).not.toContain('cmdb.deleteItem');
    expect(names).not.toContain('linux.runCommand');
    const relate = await c.callTool({
      name: 'cmdb.addRelationship',
      arguments: { source: { type: 'service', name: 'api' }, type: 'runs_on', target: { type: 'host', name: 'nowhere' } },
    });
    expect(errorOf(relate)?.code).not.toBe('PERMISSION_DENIED');
    expect(await served(cmdb.url, 'addRelationship')).toBe(1);
    expect((await c.callTool({ name: 'ev.toggle-simulated-logging', arguments: {} })).isError).toBeFalsy();
    expect(reached()).toContain('toggle-simulated-logging');
    expect(errorOf(await c.callTool({ name: 'cmdb.deleteItem', arguments: { type: 'host', name: 'x' } }))?.code).toBe(
      'PERMISSION_DENIED',
    );
    expect(await served(cmdb.url, 'deleteItem')).toBe(0);
  });

  test('an admin gets every tool, the gateway tools included, and its destructive calls reach the upstream', async () => {
    const c = await as('admin-ada');
    const names = await allToolNames(c);
    expect(names).toEqual(expect.arrayContaining(['cmdb.deleteItem', 'linux.runCommand', 'orchestrator.getAuditLog']));
    const deleted = await c.callTool({ name: 'cmdb.deleteItem', arguments: { type: 'host', name: 'not-there' } });
    expect(errorOf(deleted)?.code).toBe('NOT_FOUND');
    expect(await served(cmdb.url, 'deleteItem')).toBe(1);
  });

  test('/mcp/<namespace> and legacy SSE obey the same policy', async () => {
    const pinned = await as('viewer-bob', '/mcp/cmdb');
    const { tools } = await pinned.listTools();
    expect(tools.map((t) => t.name)).toContain('searchItems');
    expect(tools.map((t) => t.name)).not.toContain('deleteItem');
    expect(errorOf(await pinned.callTool({ name: 'deleteItem', arguments: { type: 'host', name: 'x' } }))?.code).toBe(
      'PERMISSION_DENIED',
    );
    const legacy = await as('viewer-bob', '/sse', true);
    const names = (await legacy.listTools()).tools.map((t) => t.name);
    expect(names).toContain('ev.echo');
    expect(names).not.toContain('linux.runCommand');
    expect(errorOf(await legacy.callTool({ name: 'linux.runCommand', arguments: { command: 'id' } }))?.code).toBe(
      'PERMISSION_DENIED',
    );
    expect(await served(cmdb.url, 'deleteItem')).toBe(1);
    expect(await served(linux.url, 'runCommand')).toBe(0);
  });

  test('a role limited to a namespace sees nothing else (no resources or prompts either) and has its rate limit', async () => {
    const c = await as('lee');
    const names = await allToolNames(c);
    expect(names.every((n) => /^cmdb\.(get|search)/.test(n))).toBe(true);
    expect((await c.listResources()).resources).toEqual([]);
    expect((await c.listPrompts()).prompts).toEqual([]);
    const admin = await as('admin-ada');
    const prompt = (await admin.listPrompts()).prompts.find((p) => p.name.startsWith('ev.'));
    expect(prompt).toBeDefined();
    await expect(c.getPrompt({ name: prompt?.name as string, arguments: {} })).rejects.toThrow(/PERMISSION_DENIED|may not use/);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await c.callTool({ name: 'cmdb.searchItems', arguments: {} }));
    expect(results.slice(0, 3).every((r) => !r.isError)).toBe(true);
    expect(errorOf(results[3])).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(errorOf(results[3])?.details?.retryAfterSeconds).toBeGreaterThan(0);
  });

  test('a missing or unknown token is 401 with a Bearer challenge', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const none = await fetch(`${orch.url}/mcp`, { method: 'POST', headers, body });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="orchestrator"');
    const wrong = await fetch(`${orch.url}/mcp`, {
      method: 'POST',
      headers: { ...headers, authorization: 'Bearer not-a-real-token-at-all' },
      body,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  test('stdio: the client that launched the orchestrator is the stdio identity, bound here to viewer', async () => {
    const config = join(dir.path, 'stdio.yaml');
    const policy = join(dir.path, 'stdio-policy.yaml');
    writeFileSync(policy, stringify(POLICY));
    writeFileSync(
      config,
      stringify({ upstreams: upstreams().slice(0, 2), policyFile: policy, dataDir: join(dir.path, 'stdio-data') }),
    );
    const c = new Client({ name: 'stdio-test', version: '1' });
    await c.connect(
      new StdioClientTransport({
        command: NODE,
        args: [ORCHESTRATOR_MAIN, '--stdio'],
        env: {
          PATH: process.env.PATH as string,
          HOME: process.env.HOME as string,
          SWITCHBOARD_CONFIG: config,
          LOG_LEVEL: 'warn',
        },
        stderr: 'ignore',
      }),
    );
    clients.push(c);
    const names = await waitFor(async () => {
      const all = await allToolNames(c);
      return all.includes('cmdb.searchItems') && all;
    }, 20_000);
    expect(names).not.toContain('cmdb.deleteItem');
    const before = await served(cmdb.url, 'deleteItem');
    const refused = await c.callTool({ name: 'cmdb.deleteItem', arguments: { type: 'host', name: 'x' } });
    expect(errorOf(refused)?.code).toBe('PERMISSION_DENIED');
    expect(errorOf(refused)?.message).toContain('stdio');
    expect(await served(cmdb.url, 'deleteItem')).toBe(before);
  }, 40_000);

  test('every refusal is in the audit trail, which only an admin reads', async () => {
    const admin = await as('admin-ada');
    const page = structured<{ items: Record<string, any>[]; total: number }>(
      await admin.callTool({
        name: 'orchestrator.getAuditLog',
        arguments: { caller: 'viewer-bob', outcome: 'permission_denied', namespace: 'cmdb', tool: 'deleteItem' },
      }),
    );
    expect(page.total).toBeGreaterThanOrEqual(1);
    expect(page.items[0]).toMatchObject({
      type: 'call',
      caller: 'viewer-bob',
      callerKind: 'token',
      roles: 'viewer',
      namespace: 'cmdb',
      tool: 'deleteItem',
      outcome: 'permission_denied',
      argsHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      correlationId: expect.any(String),
    });
    const verified = structured(await admin.callTool({ name: 'orchestrator.verifyAuditLog', arguments: {} }));
    expect(verified).toMatchObject({ ok: true, problems: [] });
    expect(verified.records).toBeGreaterThan(10);
  });
});
