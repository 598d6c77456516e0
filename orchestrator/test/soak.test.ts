import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import { Pool } from 'undici';
import { stringify } from 'yaml';
import { ORCHESTRATOR_MAIN, PROBE, tempDir } from './helpers.ts';

const CALLS = 50_000;
const CONCURRENCY = 8;
const MB = 1024 * 1024;

/** A Chrome DevTools Protocol connection to a process started with `--inspect=0`. */
async function inspector(proc: SpawnedService) {
  const url = await new Promise<string>((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    const look = () => {
      const found = proc.stderr.map((l) => /Debugger listening on (ws:\/\/\S+)/.exec(l)?.[1]).find(Boolean);
      if (found) resolve(found);
      else if (Date.now() > deadline) reject(new Error(`no inspector URL:\n${proc.stderr.join('\n')}`));
      else setTimeout(look, 50);
    };
    look();
  });
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });
  let next = 1;
  const pending = new Map<number, (result: Record<string, unknown>) => void>();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: Record<string, unknown> };
    if (message.id !== undefined) pending.get(message.id)?.(message.result ?? {});
  });
  const send = (method: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method }));
    });
  return {
    /** Heap in use after two full garbage collections. */
    async heapAfterGc(): Promise<number> {
      await send('HeapProfiler.collectGarbage');
      await send('HeapProfiler.collectGarbage');
      return Number((await send('Runtime.getHeapUsage')).usedSize);
    },
    close: () => socket.close(),
  };
}

async function mcpSession(pool: Pool, path: string): Promise<Record<string, string>> {
  const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const init = await pool.request({
    path,
    method: 'POST',
    headers: base,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'soak', version: '1' } },
    }),
  });
  await init.body.text();
  const headers = { ...base, 'mcp-protocol-version': '2025-06-18', 'mcp-session-id': String(init.headers['mcp-session-id']) };
  const ack = await pool.request({
    path,
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await ack.body.text();
  return headers;
}

/**
 * Soak: 50,000 tools/call through one client session of the orchestrator, hence one long-lived upstream session
 * of a kit-built service. After forced garbage collection neither process's heap has grown more than 10 MB.
 */
describe('soak', () => {
  const dir = tempDir('orch-soak-');
  let probe: SpawnedService;
  let orchestrator: SpawnedService;

  beforeAll(async () => {
    const env = {
      NODE_OPTIONS: '--inspect=127.0.0.1:0',
      SWITCHBOARD_AUTH: 'none',
      SWITCHBOARD_RATE_LIMIT: '0',
      PORT: '0',
      LOG_LEVEL: 'info',
    };
    probe = await spawnService(PROBE, { env: { ...env, PROBE_LOG: join(dir.path, 'probe.log') } });
    const configFile = join(dir.path, 'orchestrator.yaml');
    writeFileSync(
      configFile,
      stringify({ upstreams: [{ name: 'probe', namespace: 'probe', url: `${probe.url}/mcp`, sessionMode: 'per-client' }] }),
    );
    orchestrator = await spawnService(ORCHESTRATOR_MAIN, {
      env: { ...env, SWITCHBOARD_CONFIG: configFile, SWITCHBOARD_DATA_DIR: dir.path },
    });
    await orchestrator.waitForLog((l) => l.msg === 'upstream up', 20_000);
  }, 60_000);

  afterAll(async () => {
    await orchestrator?.stop();
    await probe?.stop();
    dir.cleanup();
  });

  test('a tool result comes back as one JSON body with its length, under the client’s own id', async () => {
    const pool = new Pool(new URL(orchestrator.url).origin);
    try {
      const headers = await mcpSession(pool, '/mcp');
      for (const id of ['client-"7"', 8]) {
        const res = await pool.request({
          path: '/mcp',
          method: 'POST',
          headers: { ...headers, 'x-correlation-id': 'wire-1' },
          body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'probe.whoami', arguments: {} } }),
        });
        const text = await res.body.text();
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toBe('application/json');
        expect(res.headers['transfer-encoding']).toBeUndefined();
        expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(text));
        const message = JSON.parse(text);
        expect(message).toMatchObject({ jsonrpc: '2.0', id, result: { structuredContent: { correlationId: 'wire-1' } } });
        expect(text.endsWith(`,"id":${JSON.stringify(id)}}`)).toBe(true);
      }
      // Ends the session (and with it the upstream session it opened), as the soak below counts sessions.
      const closed = await pool.request({ path: '/mcp', method: 'DELETE', headers });
      await closed.body.text();
      expect(closed.statusCode).toBe(200);
    } finally {
      await pool.close();
    }
  });

  test(`${CALLS} calls through one upstream session leave both heaps within 10 MB`, async () => {
    const pool = new Pool(new URL(orchestrator.url).origin, { connections: CONCURRENCY });
    const headers = await mcpSession(pool, '/mcp');
    let id = 1;
    let failures = 0;
    let firstFailure = '';
    const call = async () => {
      const res = await pool.request({
        path: '/mcp',
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', id: id++, method: 'tools/call', params: { name: 'probe.whoami', arguments: {} } }),
      });
      const text = await res.body.text();
      if (res.statusCode !== 200 || !text.includes('"correlationId"') || text.includes('"isError":true')) {
        if (failures++ === 0) firstFailure = `HTTP ${res.statusCode}: ${text.slice(0, 500)}`;
      }
    };
    const run = async (calls: number) => {
      let left = calls;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (left-- > 0) await call();
        }),
      );
    };
    const orchestratorHeap = await inspector(orchestrator);
    const probeHeap = await inspector(probe);
    try {
      await run(5000); // warm up: JIT, pools, metric children, caches
      const before = { orchestrator: await orchestratorHeap.heapAfterGc(), probe: await probeHeap.heapAfterGc() };
      await run(CALLS);
      const after = { orchestrator: await orchestratorHeap.heapAfterGc(), probe: await probeHeap.heapAfterGc() };
      const growth = {
        orchestrator: (after.orchestrator - before.orchestrator) / MB,
        probe: (after.probe - before.probe) / MB,
      };
      process.stderr.write(`soak heap growth (MB): ${JSON.stringify(growth)}\n`);
      expect({ failures, firstFailure }).toEqual({ failures: 0, firstFailure: '' });
      expect(growth.orchestrator).toBeLessThan(10);
      expect(growth.probe).toBeLessThan(10);
      // The probe holds the orchestrator's control session and the one session that served every call.
      const metrics = await (await fetch(`${probe.url}/metrics`)).text();
      expect(Number(/^mcp_sessions_active(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1])).toBeLessThanOrEqual(2);
    } finally {
      orchestratorHeap.close();
      probeHeap.close();
      await pool.close();
    }
  }, 300_000);
});
