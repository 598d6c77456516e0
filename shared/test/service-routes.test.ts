import { afterEach, describe, expect, test } from '@jest/globals';
import { defineService, type HttpRoute } from '../src/index.ts';
import { type RunningService, startOnPort0 } from '../src/testing/index.ts';
import { extensionsService } from './fixtures/extensions-service.ts';

const TOKEN = 'alice-token-0123456789';
const auth = { SWITCHBOARD_TOKENS: `alice:${TOKEN}` };

let running: RunningService | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe("a service's own HTTP routes (SetupResult.routes)", () => {
  test('are served on the service port outside bearer auth; the route authenticates the request itself', async () => {
    running = await startOnPort0(extensionsService, { env: auth });
    expect((await fetch(`${running.url}/fixture/hook`, { method: 'POST', body: 'x' })).status).toBe(403);
    const signed = await fetch(`${running.url}/fixture/hook?from=test`, {
      method: 'POST',
      headers: { 'x-fixture-signature': 'valid' },
      body: 'x',
    });
    expect(signed.status).toBe(204);
    expect(signed.headers.get('x-correlation-id')).toBeTruthy();
    // MCP itself still needs the token.
    expect((await fetch(`${running.url}/mcp`, { method: 'POST', body: '{}' })).status).toBe(401);
  });

  test('another method is 405 with Allow; a handler that throws is 500 and logged, the service keeps serving', async () => {
    running = await startOnPort0(extensionsService, { env: auth });
    const wrong = await fetch(`${running.url}/fixture/hook`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    const boom = await fetch(`${running.url}/fixture/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.json()).toEqual({ error: 'internal error' });
    expect((await fetch(`${running.url}/health`)).status).toBe(200);
  });

  test('a route on a path the kit serves is refused at start', async () => {
    const route: HttpRoute = { method: 'GET', path: '/metrics', handle: () => {} };
    const clash = defineService({
      name: 'clash',
      version: '1',
      defaultPort: 0,
      setup: async () => ({ clients: {}, routes: [route] }),
      tools: [],
    });
    await expect(startOnPort0(clash, { env: { SWITCHBOARD_AUTH: 'none' } })).rejects.toThrow(
      /route GET \/metrics: the kit serves that path itself/,
    );
  });
});

describe("/health with the service's own report (SetupResult.health)", () => {
  test('details are merged in; ok by default', async () => {
    running = await startOnPort0(extensionsService, { env: auth });
    const body = (await (await fetch(`${running.url}/health`)).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', service: 'kit-extensions', version: '1.0.0', details: { hooks: 0 } });
    expect(body.warnings).toBeUndefined();
  });

  test('degraded still answers 200 (liveness), with warnings and redacted details', async () => {
    running = await startOnPort0(extensionsService, { env: { ...auth, FIXTURE_DEGRADED: 'true' } });
    const res = await fetch(`${running.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'degraded',
      warnings: ['the sandbox is off'],
      details: { hooks: 0, token: '[REDACTED]' },
    });
  });

  test('a report that throws makes the service degraded with a warning, still 200', async () => {
    const failing = defineService({
      name: 'failing-health',
      version: '1',
      defaultPort: 0,
      setup: async () => ({
        clients: {},
        health: () => {
          throw new Error('probe crashed');
        },
      }),
      tools: [],
    });
    running = await startOnPort0(failing, { env: { SWITCHBOARD_AUTH: 'none' } });
    const res = await fetch(`${running.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'degraded',
      warnings: ["the service's health report failed: probe crashed"],
    });
  });
});

describe("a service's metrics on its own /metrics", () => {
  test('the counter a service registered in setup is scraped with the kit metrics', async () => {
    running = await startOnPort0(extensionsService, { env: { SWITCHBOARD_AUTH: 'none' } });
    const counter = (running.runtime.clients as { events: { inc(labels: { kind: string }): void } }).events;
    counter.inc({ kind: 'scraped' });
    const text = await (await fetch(`${running.url}/metrics`)).text();
    expect(text).toContain('# TYPE kit_fixture_events_total counter');
    expect(text).toContain('kit_fixture_events_total{kind="scraped"} 1');
    expect(text).toContain('process_cpu_user_seconds_total');
  });
});
