import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import { ADMIN_TOKEN, createFakeKube, type FakeKube } from './fixtures/fake-kube/server.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const TOKEN = 'ops-token-abcdefghijklmnop';

let fake: FakeKube;
let dir: string;
let proc: SpawnedService | undefined;

beforeAll(async () => {
  fake = await createFakeKube();
  dir = mkdtempSync(join(tmpdir(), 'k8s-http-'));
  writeFileSync(join(dir, 'kubeconfig.yaml'), fake.kubeconfig());
  writeFileSync(join(dir, 'down.yaml'), fake.kubeconfig().replace(/https:\/\/127\.0\.0\.1:\d+/, 'https://127.0.0.1:1'));
});
afterEach(async () => {
  await proc?.stop();
  proc = undefined;
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('k8s as a process over HTTP', () => {
  test('authenticated calls reach the cluster; /ready checks the API server; no credential reaches the log', async () => {
    proc = await spawnService(MAIN, {
      env: {
        PORT: '0',
        SWITCHBOARD_TOKENS: `ops:${TOKEN}`,
        SWITCHBOARD_DATA_DIR: dir,
        K8S_KUBECONFIG: join(dir, 'kubeconfig.yaml'),
        LOG_LEVEL: 'debug',
      },
    });
    expect((await fetch(`${proc.url}/ready`)).status).toBe(200);
    const client = new Client({ name: 'k8s-http', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${proc.url}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } },
      }),
    );
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toContain('listPods');
    expect(tools).not.toContain('applyManifest');
    const nodes = await client.callTool({ name: 'listNodes', arguments: {} });
    expect(nodes.structuredContent).toMatchObject({ total: 2 });
    await client.close();
    await proc.waitForLog((l) => l.msg === 'tool call finished' && l.tool === 'listNodes');
    expect(proc.stderr.join('\n')).not.toContain(ADMIN_TOKEN);
    expect(fake.requests.some((r) => r.path === '/api/v1/nodes?limit=50')).toBe(true);
  });

  test('with the API server unreachable it starts, /ready names kubernetes, and calls fail retryably', async () => {
    proc = await spawnService(MAIN, { env: { PORT: '0', SWITCHBOARD_AUTH: 'none', K8S_KUBECONFIG: join(dir, 'down.yaml') } });
    const ready = await fetch(`${proc.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not_ready', failing: ['kubernetes'] });
    const client = new Client({ name: 'k8s-down', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${proc.url}/mcp`)));
    const result = await client.callTool({ name: 'listPods', arguments: {} });
    expect(result.structuredContent).toMatchObject({ error: { code: 'DEPENDENCY_UNAVAILABLE', retryable: true } });
    await client.close();
  });

  test('a bad configuration stops start-up with exit 2 and every problem listed', async () => {
    const started = await spawnService(MAIN, {
      env: { PORT: '0', SWITCHBOARD_AUTH: 'none', K8S_KUBECONFIG: '/nonexistent', K8S_MODE: 'superuser' },
      noWait: true,
    });
    expect(await started.exited).toBe(2);
    const text = started.stderr.join('\n');
    expect(text).toContain('kubeconfig (K8S_KUBECONFIG): cannot read /nonexistent');
    expect(text).toContain('mode (from K8S_MODE)');
  });
});
