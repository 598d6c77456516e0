import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { connect, ORCHESTRATOR_MAIN, structured, tempDir, waitFor } from './helpers.ts';
import { allToolNames, type RestartableProbe, restartableProbe, type SpawnedOrchestrator, spawnOrchestrator } from './support.ts';

/**
 * The orchestrator as a real process (`src/main.ts`): configuration errors, the stdio transport a desktop client
 * launches, the correlation id across both processes' logs, and SIGHUP reloading a token file.
 */
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function probeProcess(env: Record<string, string> = {}): Promise<RestartableProbe> {
  const dir = tempDir('orch-proc-probe-');
  const probe = await restartableProbe(join(dir.path, 'probe.log'), env);
  cleanups.push(() => dir.cleanup());
  cleanups.push(() => probe.stop());
  return probe;
}

async function orchestratorProcess(
  config: Record<string, unknown>,
  env: Record<string, string> = {},
  options: { noWait?: boolean } = {},
): Promise<SpawnedOrchestrator> {
  const proc = await spawnOrchestrator(config, env, options);
  cleanups.push(() => proc.shutdown());
  return proc;
}

async function client(url: string, headers?: Record<string, string>): Promise<Client> {
  const c = await connect(url, headers ? { headers } : {});
  cleanups.push(() => c.close().catch(() => {}));
  return c;
}

describe('a malformed configuration', () => {
  test('exits with code 2 listing every problem of the file at once, a namespace collision naming both upstreams', async () => {
    const proc = await orchestratorProcess(
      {
        separator: '::',
        notAKey: true,
        upstreams: [
          { name: 'cmdb', namespace: 'cmdb', url: 'not a url' },
          { name: 'cmdb-replica', namespace: 'cmdb', url: 'http://127.0.0.1:9/mcp', timeouts: { callMs: -5 } },
          { name: 'linux', namespace: 'linux', url: 'http://127.0.0.1:8001/mcp', tokenenv: 'LINUX_TOKEN' },
          { name: 'both', namespace: 'both', url: 'http://127.0.0.1:9/mcp', command: 'node' },
        ],
      },
      {},
      { noWait: true },
    );
    expect(await proc.exited).toBe(2);
    const stderr = proc.stderr.join('\n');
    expect(stderr).toContain('Invalid configuration for orchestrator');
    expect(stderr).toMatch(/unknown key "notAKey"/);
    expect(stderr).toMatch(/separator .*Invalid option/);
    expect(stderr).toMatch(/upstreams\.0\.url .*Invalid URL/);
    expect(stderr).toMatch(/upstreams\.1\.timeouts\.callMs .*>=100/);
    expect(stderr).toMatch(/upstreams\.2 .*Unrecognized key: "tokenenv"/);
    expect(stderr).toMatch(/upstreams\.3 .*exactly one of url \(HTTP\) or command \(stdio\)/);
    expect(stderr).toMatch(/upstreams\.1\.namespace .*namespace "cmdb" collides: both cmdb and cmdb-replica use it/);
    // Nothing else was started: no listening line, no JSON logs.
    expect(proc.logs()).toEqual([]);
  });

  test('exits with code 2 listing every problem found after parsing: tokens and URL overrides', async () => {
    const dir = tempDir('orch-bad-token-');
    cleanups.push(() => dir.cleanup());
    const proc = await orchestratorProcess(
      {
        upstreams: [
          { name: 'cmdb', namespace: 'cmdb', url: 'http://127.0.0.1:9/mcp', tokenEnv: 'CMDB_TOKEN' },
          { name: 'linux', namespace: 'linux', url: 'http://127.0.0.1:9/mcp', tokenFile: join(dir.path, 'missing.token') },
        ],
      },
      { SWITCHBOARD_UPSTREAM_LINUX_URL: 'ftp://linux.internal/mcp' },
      { noWait: true },
    );
    expect(await proc.exited).toBe(2);
    const stderr = proc.stderr.join('\n');
    expect(stderr).toContain('upstreams.0 (cmdb): tokenEnv CMDB_TOKEN is not set');
    expect(stderr).toMatch(/upstreams\.1 \(linux\): tokenFile .*missing\.token cannot be read \(ENOENT\)/);
    expect(stderr).toContain('SWITCHBOARD_UPSTREAM_LINUX_URL: "ftp://linux.internal/mcp" is not an http(s) URL');
  });
});

describe('stdio downstream', () => {
  test('a client that launches `main.ts --stdio` lists the federated tools and calls one', async () => {
    const probe = await probeProcess();
    const dir = tempDir('orch-stdio-');
    cleanups.push(() => dir.cleanup());
    const configFile = join(dir.path, 'orchestrator.yaml');
    writeFileSync(configFile, `upstreams:\n  - name: probe\n    namespace: probe\n    url: ${probe.url}/mcp\n`);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [ORCHESTRATOR_MAIN, '--stdio'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        SWITCHBOARD_CONFIG: configFile,
        SWITCHBOARD_DATA_DIR: join(dir.path, 'data'),
      },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const c = new Client({ name: 'desktop-app', version: '1.0.0' });
    await c.connect(transport);
    const child = (transport as unknown as { _process?: ChildProcess })._process as ChildProcess;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(() => c.close().catch(() => {}));
    expect(c.getServerVersion()?.name).toBe('switchboard-orchestrator');
    const names = await waitFor(async () => {
      const all = await allToolNames(c);
      return all.includes('probe.whoami') && all;
    });
    expect(names).toEqual(expect.arrayContaining(['orchestrator.listServices', 'probe.sleep', 'probe.append']));
    const who = structured(await c.callTool({ name: 'probe.whoami', arguments: {} }));
    expect(who.caller).toBe('anonymous');
    expect(who.meta).toMatchObject({ 'io.switchboard/correlation-id': expect.any(String) });
    // Logs go to stderr (stdout is the MCP stream), and closing stdin shuts the process down cleanly.
    await waitFor(() => stderr.includes('serving MCP on stdio'), 5000, 'the stdio log line');
    await c.close();
    expect(await exited).toBe(0);
    expect(stderr).toContain('stdin closed');
  });
});

describe('correlation id', () => {
  test('x-correlation-id of a client call shows up in the logs of the orchestrator and of the upstream', async () => {
    const probe = await probeProcess();
    const orch = await orchestratorProcess({ upstreams: [{ name: 'probe', namespace: 'probe', url: `${probe.url}/mcp` }] });
    const c = await client(`${orch.url}/mcp`, { 'x-correlation-id': 'abc-123' });
    const who = structured(
      await waitFor(async () => {
        const result = await c.callTool({ name: 'probe.whoami', arguments: {} });
        return !result.isError && result;
      }),
    );
    expect(who.correlationId).toBe('abc-123');
    const proxied = await orch.waitForLog(
      (l) => l.msg === 'proxied call finished' && l.correlation_id === 'abc-123' && l.outcome === 'success',
    );
    expect(proxied).toMatchObject({ service: 'orchestrator', namespace: 'probe', tool: 'whoami', caller: 'anonymous' });
    expect(typeof proxied.duration_ms).toBe('number');
    const upstream = await probe.current.waitForLog((l) => l.msg === 'tool call finished' && l.correlation_id === 'abc-123');
    expect(upstream).toMatchObject({ tool: 'whoami', outcome: 'success' });
  });

  test("one precedence on every hop: a message's _meta id wins over the header, traceparent stands in for both", async () => {
    const probe = await probeProcess();
    const orch = await orchestratorProcess({ upstreams: [{ name: 'probe', namespace: 'probe', url: `${probe.url}/mcp` }] });
    const c = await client(`${orch.url}/mcp`, { 'x-correlation-id': 'hdr-1' });
    const whoami = (meta?: Record<string, unknown>) =>
      waitFor<Record<string, any>>(async () => {
        const result = await c.callTool({ name: 'probe.whoami', arguments: {}, ...(meta ? { _meta: meta } : {}) });
        return result.isError ? undefined : structured(result);
      });
    const own = await whoami({ 'io.switchboard/correlation-id': 'meta-7' });
    expect(own.correlationId).toBe('meta-7');
    expect(own.meta).toMatchObject({ 'io.switchboard/correlation-id': 'meta-7' });
    await orch.waitForLog((l) => l.msg === 'proxied call finished' && l.correlation_id === 'meta-7');
    await probe.current.waitForLog((l) => l.msg === 'tool call finished' && l.correlation_id === 'meta-7');
    // An id that is not one (spaces, 200 characters) is ignored: the header's id is used.
    expect((await whoami({ 'io.switchboard/correlation-id': 'not valid' })).correlationId).toBe('hdr-1');

    const traced = await client(`${orch.url}/mcp`, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    const who = structured(await traced.callTool({ name: 'probe.whoami', arguments: {} }));
    expect(who.correlationId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    await orch.waitForLog((l) => l.msg === 'proxied call finished' && l.correlation_id === '4bf92f3577b34da6a3ce929d0e0e4736');
    await probe.current.waitForLog(
      (l) => l.msg === 'tool call finished' && l.correlation_id === '4bf92f3577b34da6a3ce929d0e0e4736',
    );
    // The HTTP response names the id the HTTP request carried.
    const res = await fetch(`${orch.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-correlation-id': 'hdr-9' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(res.headers.get('x-correlation-id')).toBe('hdr-9');
  });
});

describe('SIGHUP', () => {
  test('reloads the configuration: a fixed token file brings the upstream up, and the token is never logged', async () => {
    const token = 'sighup-secret-token-8b1e55c0';
    const wrong = 'wrong-secret-token-0000000000';
    const probe = await probeProcess({ SWITCHBOARD_AUTH: 'token', SWITCHBOARD_TOKENS: `orchestrator:${token}` });
    const dir = tempDir('orch-hup-');
    cleanups.push(() => dir.cleanup());
    const tokenFile = join(dir.path, 'probe.token');
    writeFileSync(tokenFile, `${wrong}\n`);
    const orch = await orchestratorProcess({
      upstreams: [{ name: 'locked', namespace: 'locked', url: `${probe.url}/mcp`, tokenFile }],
    });
    const c = await client(`${orch.url}/mcp`);
    const listServices = async () =>
      structured<{ items: { state: string; reason: string }[] }>(
        await c.callTool({ name: 'orchestrator.listServices', arguments: {} }),
      ).items[0];
    const refused = await waitFor(async () => {
      const s = await listServices();
      return s?.state === 'down' && s.reason.includes('Unauthorized') && s;
    });
    expect(refused?.reason).toContain('not valid');

    // The file watcher only follows orchestrator.yaml: the new token is read because of the signal.
    writeFileSync(tokenFile, `${token}\n`);
    orch.child.kill('SIGHUP');
    await orch.waitForLog((l) => l.msg === 'configuration reloaded', 5000);
    await waitFor(async () => (await listServices())?.state === 'up', 10_000, 'the upstream to come up');
    expect(structured(await c.callTool({ name: 'locked.whoami', arguments: {} })).caller).toBe('orchestrator');
    const listed = await c.callTool({ name: 'orchestrator.listServices', arguments: {} });
    expect(JSON.stringify(listed)).not.toContain(token);
    await orch.waitForLog((l) => l.msg === 'proxied call finished');
    const logs = orch.stderr.join('\n');
    expect(logs).toContain('SIGHUP: reloading configuration');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(wrong);
  });
});
