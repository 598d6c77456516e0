import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

let service: SpawnedService;
const dir = mkdtempSync(join(tmpdir(), 'ai-http-'));

beforeAll(async () => {
  service = await spawnService(MAIN, {
    env: { PORT: '0', SWITCHBOARD_TOKENS: 'ops:ai-models-test-token-0123', SWITCHBOARD_DATA_DIR: dir },
  });
});

afterAll(async () => {
  await service?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the process starts with no provider keys: ready, token auth, lexical search over HTTP with a SQLite file', async () => {
  expect((await fetch(`${service.url}/ready`)).status).toBe(200);
  expect((await fetch(`${service.url}/mcp`, { method: 'POST' })).status).toBe(401);
  const client = new Client({ name: 'ai-http-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${service.url}/mcp`), {
      requestInit: { headers: { authorization: 'Bearer ai-models-test-token-0123' } },
    }),
  );
  try {
    expect((await client.listTools()).tools).toHaveLength(15);
    await client.callTool({ name: 'createCollection', arguments: { name: 'notes' } });
    await client.callTool({
      name: 'upsertDocuments',
      arguments: {
        collection: 'notes',
        documents: [
          { id: 'a', text: 'rotate the nginx logs weekly' },
          { id: 'b', text: 'backup the database nightly' },
        ],
      },
    });
    const result = await client.callTool({
      name: 'searchSimilar',
      arguments: { collection: 'notes', query: 'nginx log rotation', topK: 1 },
    });
    expect((result.structuredContent as { hits: { docId: string }[] }).hits[0]?.docId).toBe('a');
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toContain('mcp_tool_calls_total{service="ai-models",tool="searchSimilar",outcome="success"} 1');
    // ai-models' own series are on the same /metrics.
    expect(metrics).toContain('# TYPE switchboard_ai_cache_lookups_total counter');
    expect(metrics).toContain('# TYPE switchboard_ai_provider_requests_total counter');
    expect(metrics).toContain('# TYPE switchboard_ai_tokens_total counter');
  } finally {
    await client.close();
  }
});
