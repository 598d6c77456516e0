import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, test } from '@jest/globals';
import {
  ConfigError,
  createServiceClient,
  defineConfig,
  loadConfig,
  mergeConfigSpecs,
  type ServiceClient,
  serviceEndpoint,
  serviceEndpointConfig,
  ToolError,
  z,
} from '../src/index.ts';
import { type RunningService, startOnPort0 } from '../src/testing/index.ts';
import { kitTestService } from './fixtures/kit-test-service.ts';

const TOKEN = 'alice-token-0123456789';
const withAuth = { SWITCHBOARD_TOKENS: `alice:${TOKEN}` };

let running: RunningService | undefined;
const clients: ServiceClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
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

function clientFor(url: string, options: Partial<Parameters<typeof createServiceClient>[0]> = {}) {
  const client = createServiceClient({ url, token: TOKEN, name: 'kit', ...options });
  clients.push(client);
  return client;
}

async function failure(promise: Promise<unknown>): Promise<ToolError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ToolError);
  return error as ToolError;
}

describe('createServiceClient', () => {
  test('calls a tool as the token it holds; the correlation id and idempotency key reach the service and its log', async () => {
    const sink = logSink();
    running = await startOnPort0(kitTestService, { env: withAuth, logDestination: sink.stream });
    const client = clientFor(running.mcpUrl);
    const out = await client.call<{ caller: string; correlationId: string; idempotencyKey?: string }>(
      'inspectCall',
      {},
      { correlationId: 'svc-corr-7', idempotencyKey: 'run-1:step-2' },
    );
    expect(out).toEqual({ caller: 'alice', correlationId: 'svc-corr-7', idempotencyKey: 'run-1:step-2' });
    running.runtime.log.flush();
    await new Promise((r) => setTimeout(r, 300));
    const lines = sink.lines.filter((l) => l.correlation_id === 'svc-corr-7');
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['inspected', 'tool call finished']));
    // A call without an id gets a fresh one; the session is reused.
    const second = await client.call<{ correlationId: string }>('inspectCall');
    expect(second.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await client.listTools()).map((t) => t.name)).toContain('inspectCall');
  });

  test("a tool error comes back as the service's ToolError: code, retryability, details", async () => {
    running = await startOnPort0(kitTestService, { env: withAuth });
    const client = clientFor(running.mcpUrl);
    const notFound = await failure(client.call('failWith', { kind: 'tool' }));
    expect(notFound.code).toBe('NOT_FOUND');
    expect(notFound.retryable).toBe(false);
    expect(notFound.message).toBe('kit.failWith: no such thing');
    expect(notFound.details).toEqual({ thing: 'x', service: 'kit', tool: 'failWith' });
    expect((await failure(client.call('failWith', { kind: 'crash' }))).code).toBe('INTERNAL');
    expect((await failure(client.call('echo', { text: 5 }))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(client.call('noSuchTool'))).code).toBe('INVALID_ARGUMENT');
    const raw = await client.callTool('failWith', { kind: 'tool' });
    expect(raw.isError).toBe(true);
  });

  test('a call over its time limit is UPSTREAM_TIMEOUT and is cancelled at the service', async () => {
    const sink = logSink();
    running = await startOnPort0(kitTestService, { env: withAuth, logDestination: sink.stream });
    const client = clientFor(running.mcpUrl);
    const error = await failure(client.call('waitFor', { ms: 5000 }, { timeoutMs: 300, correlationId: 'slow-1' }));
    expect(error.code).toBe('UPSTREAM_TIMEOUT');
    expect(error.retryable).toBe(true);
    expect(error.details).toMatchObject({ service: 'kit', timeoutMs: 300 });
    for (let i = 0; i < 40 && running.runtime.inFlight.count > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(running.runtime.inFlight.count).toBe(0);
    running.runtime.log.flush();
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.lines.find((l) => l.correlation_id === 'slow-1' && l.msg === 'tool call finished')?.outcome).toBe('cancelled');
  });

  test("the caller's signal cancels the call (CANCELLED); progress is reported meanwhile", async () => {
    running = await startOnPort0(kitTestService, { env: withAuth });
    const client = clientFor(running.mcpUrl);
    const seen: number[] = [];
    await client.call('waitFor', { ms: 40 }, { onProgress: (p) => seen.push(p) });
    expect(seen).toEqual([1, 2, 3, 4]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const error = await failure(client.call('waitFor', { ms: 5000 }, { signal: controller.signal }));
    expect(error.code).toBe('CANCELLED');
    for (let i = 0; i < 40 && running.runtime.inFlight.count > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(running.runtime.inFlight.count).toBe(0);
    expect((await failure(client.call('echo', { text: 'x' }, { signal: controller.signal }))).code).toBe('CANCELLED');
  });

  test('a wrong token is DEPENDENCY_UNAVAILABLE, not retryable; an unreachable service is retryable', async () => {
    running = await startOnPort0(kitTestService, { env: withAuth });
    const wrong = await failure(clientFor(running.mcpUrl, { token: 'not-the-token-0123456' }).call('echo', { text: 'x' }));
    expect(wrong.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(wrong.retryable).toBe(false);
    expect(wrong.message).not.toContain('not-the-token');
    const down = await failure(clientFor('http://127.0.0.1:1/mcp').call('echo', { text: 'x' }));
    expect(down.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(down.retryable).toBe(true);
  });

  test('a restarted service is reconnected to transparently', async () => {
    running = await startOnPort0(kitTestService, { env: withAuth });
    const port = Number(new URL(running.url).port);
    const client = clientFor(running.mcpUrl);
    expect(await client.call('echo', { text: 'before' })).toMatchObject({ text: 'before' });
    await running.close();
    running = await startOnPort0(kitTestService, { env: withAuth, config: { port } });
    expect(await client.call('echo', { text: 'after' })).toMatchObject({ text: 'after' });
    await running.close();
    expect((await failure(client.call('echo', { text: 'gone' }))).code).toBe('DEPENDENCY_UNAVAILABLE');
    running = await startOnPort0(kitTestService, { env: withAuth, config: { port } });
    expect(await client.call('echo', { text: 'back' })).toMatchObject({ text: 'back' });
  });
});

describe('serviceEndpointConfig', () => {
  const own = defineConfig({ schema: z.object({ other: z.string().default('x') }), env: { other: 'NOTIFY_OTHER' } });
  const spec = mergeConfigSpecs(own, serviceEndpointConfig('secrets', 'NOTIFY_SECRETS'));

  test('URL, token (or token file) and time limit from the environment, as upstreams are configured', () => {
    const dir = mkdtempSync(join(tmpdir(), 'endpoint-'));
    try {
      writeFileSync(join(dir, 'token'), 'file-token-0123456789\n');
      const config = loadConfig('notify', spec, {
        env: {
          NOTIFY_SECRETS_URL: 'http://secrets:8013/mcp',
          NOTIFY_SECRETS_TOKEN_FILE: join(dir, 'token'),
          NOTIFY_SECRETS_TIMEOUT_MS: '2500',
        },
      });
      expect(serviceEndpoint(config, 'secrets')).toEqual({
        url: 'http://secrets:8013/mcp',
        name: 'secrets',
        token: 'file-token-0123456789',
        timeoutMs: 2500,
      });
      expect(serviceEndpoint(loadConfig('notify', spec, { env: {} }), 'secrets')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a token without a URL, an unreadable token file or a bad URL stop start-up, all listed', () => {
    let error: unknown;
    try {
      loadConfig('notify', spec, {
        env: { NOTIFY_SECRETS_TOKEN: 'a-token-0123456789', NOTIFY_SECRETS_TOKEN_FILE: '/nonexistent/t' },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join('\n')).toMatch(
      /both set[\s\S]*cannot read \/nonexistent\/t[\s\S]*without secretsUrl/,
    );
    expect(() => loadConfig('notify', spec, { env: { NOTIFY_SECRETS_URL: 'ftp://x/mcp' } })).toThrow(/secretsUrl/);
  });
});
