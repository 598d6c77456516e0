import { Writable } from 'node:stream';
import { afterEach, describe, expect, test } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { defineService, ToolError } from '../src/index.ts';
import { type RunningService, startOnPort0 } from '../src/testing/index.ts';
import { kitTestService } from './fixtures/kit-test-service.ts';

const TOKEN = 'alice-token-0123456789';
const OTHER = 'bob-token-0123456789ab';
const withAuth = { SWITCHBOARD_TOKENS: `alice:${TOKEN},bob:${OTHER}` };

let running: RunningService | undefined;
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
  await running?.close();
  running = undefined;
});

function logSink() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

async function connect(url: string, token?: string, headers: Record<string, string> = {}) {
  const client = new Client({ name: 'http-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers } },
  });
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

async function rpcError(res: Response): Promise<{ code: number; message: string }> {
  return ((await res.json()) as { error: { code: number; message: string } }).error;
}

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('authentication', () => {
  test('no token: 401 with WWW-Authenticate', async () => {
    running = await startOnPort0(kitTestService, { env: withAuth });
    const res = await post(running.url, initialize);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="kit-test"');
    expect((await rpcError(res)).code).toBe(-32001);
  });

  test('wrong token: 401 with invalid_token', async () => {
    running = await startOnPort0(kitTestService, { env: withAuth });
    const res = await post(running.url, initialize, { authorization: 'Bearer not-the-right-token-at-all' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  test('a valid token works and names the caller', async () => {
    running = await startOnPort0(kitTestService, { env: withAuth });
    const { client } = await connect(running.url, TOKEN);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    expect(result.structuredContent).toMatchObject({ caller: 'alice' });
  });

  test('a session belongs to the caller that opened it', async () => {
    running = await startOnPort0(kitTestService, { env: withAuth });
    const { transport } = await connect(running.url, TOKEN);
    const res = await post(
      running.url,
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      {
        authorization: `Bearer ${OTHER}`,
        'mcp-session-id': transport.sessionId as string,
        'mcp-protocol-version': '2025-06-18',
      },
    );
    expect(res.status).toBe(404);
  });

  test('start-up refuses token auth without tokens, and short tokens', async () => {
    await expect(startOnPort0(kitTestService, { env: {} })).rejects.toThrow(/no token is configured/);
    await expect(startOnPort0(kitTestService, { env: { SWITCHBOARD_TOKENS: 'x:short' } })).rejects.toThrow(/shorter than 16/);
  });
});

describe('request guards', () => {
  test('a foreign Host gets 403 (DNS rebinding), localhost passes', async () => {
    running = await startOnPort0(kitTestService, { env: { SWITCHBOARD_AUTH: 'none' } });
    const { request } = await import('node:http');
    const send = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${running?.url}/mcp`, {
          method: 'POST',
          headers: { host, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(JSON.stringify(initialize));
      });
    expect(await send('evil.example.com')).toBe(403);
    expect(await send(`localhost:${running.port}`)).toBe(200);
  });

  test('a foreign Origin gets 403; a configured one passes', async () => {
    running = await startOnPort0(kitTestService, {
      env: { SWITCHBOARD_AUTH: 'none', SWITCHBOARD_ALLOWED_ORIGINS: 'https://console.example.com' },
    });
    expect((await post(running.url, initialize, { origin: 'http://evil.example.com' })).status).toBe(403);
    expect((await post(running.url, initialize, { origin: 'https://console.example.com' })).status).toBe(200);
    expect((await post(running.url, initialize, { origin: `http://localhost:${running.port}` })).status).toBe(200);
  });

  test('a body over the limit gets 413', async () => {
    running = await startOnPort0(kitTestService, { env: { SWITCHBOARD_AUTH: 'none', SWITCHBOARD_BODY_LIMIT: '1kb' } });
    const res = await post(running.url, { ...initialize, params: { ...initialize.params, pad: 'x'.repeat(2000) } });
    expect(res.status).toBe(413);
    expect((await rpcError(res)).message).toContain('1024');
  });

  test('invalid JSON gets a JSON-RPC parse error', async () => {
    running = await startOnPort0(kitTestService, { env: { SWITCHBOARD_AUTH: 'none' } });
    const res = await post(running.url, '{not json');
    expect(res.status).toBe(400);
    expect((await rpcError(res)).code).toBe(-32700);
  });

  test('over the per-client rate limit: 429 with Retry-After, per caller', async () => {
    running = await startOnPort0(kitTestService, { env: { ...withAuth, SWITCHBOARD_RATE_LIMIT: '3' } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(running.url, initialize, { authorization: `Bearer ${TOKEN}` })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await post(running.url, initialize, { authorization: `Bearer ${TOKEN}` });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await post(running.url, initialize, { authorization: `Bearer ${OTHER}` })).status).toBe(200);
  });
});

describe('health, readiness, metrics', () => {
  test('/health and /ready answer without auth', async () => {
    running = await startOnPort0(kitTestService, { env: withAuth });
    const health = await fetch(`${running.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', service: 'kit-test' });
    expect((await fetch(`${running.url}/ready`)).status).toBe(200);
  });

  test('/ready is 503 and names the failing dependency', async () => {
    const failing = defineService({
      ...kitTestService,
      setup: async () => ({
        clients: { secret: 'x' },
        ready: {
          cache: async () => {},
          database: async () => {
            throw new ToolError('DEPENDENCY_UNAVAILABLE', 'connection refused');
          },
        },
      }),
    });
    running = await startOnPort0(failing, { env: { SWITCHBOARD_AUTH: 'none' } });
    const res = await fetch(`${running.url}/ready`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: 'not_ready',
      failing: ['database'],
      checks: { cache: 'ok', database: 'failed: connection refused' },
    });
  });

  test('/metrics exposes process defaults and the MCP metrics', async () => {
    running = await startOnPort0(kitTestService, { env: { SWITCHBOARD_AUTH: 'none' } });
    const { client } = await connect(running.url);
    await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    await client.callTool({ name: 'failWith', arguments: { kind: 'tool' } });
    const text = await (await fetch(`${running.url}/metrics`)).text();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('mcp_tool_calls_total{service="kit-test",tool="echo",outcome="success"} 1');
    expect(text).toContain('mcp_tool_calls_total{service="kit-test",tool="failWith",outcome="not_found"} 1');
    expect(text).toMatch(/mcp_tool_duration_seconds_count\{service="kit-test",tool="echo"\} 1/);
    expect(text).toContain('mcp_sessions_active{service="kit-test",transport="streamable-http"} 1');
  });
});

describe('correlation ids and logs', () => {
  test('x-correlation-id is returned and bound to the tool log lines', async () => {
    const sink = logSink();
    running = await startOnPort0(kitTestService, { env: { SWITCHBOARD_AUTH: 'none' }, logDestination: sink.stream });
    const { client } = await connect(running.url, undefined, { 'x-correlation-id': 'corr-abc-123' });
    const result = await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    expect(result.structuredContent).toMatchObject({ correlationId: 'corr-abc-123' });
    const line = sink.lines.find((l) => l.msg === 'echoing');
    expect(line).toMatchObject({ service: 'kit-test', tool: 'echo', correlation_id: 'corr-abc-123', level: 'info' });
    const res = await post(running.url, initialize, { 'x-correlation-id': 'abc-1' });
    expect(res.headers.get('x-correlation-id')).toBe('abc-1');
  });

  test('a traceparent trace id is used when no explicit id is given; otherwise one is generated', async () => {
    running = await startOnPort0(kitTestService, { env: { SWITCHBOARD_AUTH: 'none' } });
    const traced = await post(running.url, initialize, {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    expect(traced.headers.get('x-correlation-id')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    const plain = await post(running.url, initialize);
    expect(plain.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('secrets never reach the log', async () => {
    const sink = logSink();
    running = await startOnPort0(kitTestService, { env: { ...withAuth }, logDestination: sink.stream });
    const { client } = await connect(running.url, TOKEN);
    await client.callTool({ name: 'failWith', arguments: { kind: 'crash' } });
    const all = JSON.stringify(sink.lines);
    expect(all).toContain('tool failed with an unexpected error');
    expect(all).not.toContain('fixture-secret-value-123');
    expect(all).not.toContain(TOKEN);
  });
});

describe('transports', () => {
  test('legacy HTTP+SSE at /sse and /messages', async () => {
    running = await startOnPort0(kitTestService, { env: withAuth });
    const client = new Client({ name: 'legacy', version: '1' });
    const headers = { Authorization: `Bearer ${TOKEN}` };
    await client.connect(
      new SSEClientTransport(new URL(`${running.url}/sse`), {
        requestInit: { headers },
        eventSourceInit: { fetch: (url, init) => fetch(url, { ...init, headers: { ...init?.headers, ...headers } }) },
      }),
    );
    clients.push(client);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'old' } });
    expect(result.structuredContent).toMatchObject({ text: 'old', caller: 'alice' });
  });

  test('stateless mode serves each POST without a session', async () => {
    running = await startOnPort0(kitTestService, { env: { SWITCHBOARD_AUTH: 'none', SWITCHBOARD_STATELESS: 'true' } });
    const { client, transport } = await connect(running.url);
    expect(transport.sessionId).toBeUndefined();
    const result = await client.callTool({ name: 'echo', arguments: { text: 's' } });
    expect(result.structuredContent).toMatchObject({ text: 's' });
    expect((await fetch(`${running.url}/mcp`)).status).toBe(405);
  });

  test('a dropped SSE response stream is resumed with Last-Event-ID', async () => {
    running = await startOnPort0(kitTestService, { env: { SWITCHBOARD_AUTH: 'none' } });
    const init = await post(running.url, initialize);
    const sessionId = init.headers.get('mcp-session-id') as string;
    await init.text();
    const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' };
    await post(running.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
    const controller = new AbortController();
    const call = await fetch(`${running.url}/mcp`, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'waitFor', arguments: { ms: 400 }, _meta: { progressToken: 'p1' } },
      }),
    });
    const reader = (call.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    let lastId: string | undefined;
    while (!lastId || !text.includes('"progress":1')) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
      const ids = [...text.matchAll(/^id: (.+)$/gm)].map((m) => m[1]);
      lastId = text.includes('"progress":1') ? ids[ids.length - 1] : undefined;
    }
    controller.abort();
    // The server notices the dropped connection asynchronously; until then it answers 409 (stream still active).
    let resumed: Response;
    for (let attempt = 0; ; attempt++) {
      resumed = await fetch(`${running.url}/mcp`, {
        headers: { accept: 'text/event-stream', 'last-event-id': lastId as string, ...headers },
      });
      if (resumed.status !== 409 || attempt === 20) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(resumed.status).toBe(200);
    const rest = resumed.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    let replay = '';
    while (!replay.includes('"waited":400')) {
      const { value, done } = await rest.read();
      if (done) break;
      replay += new TextDecoder().decode(value);
    }
    await rest.cancel();
    expect(replay).toContain('"progress":2');
    expect(replay).not.toContain('"progress":1,');
    expect(replay).toContain('"waited":400');
  });
});
