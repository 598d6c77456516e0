import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import { type Backend, postgresBackend } from './backends.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const TOKEN = 'ops-token-abcdefghijklmnop';

let proc: SpawnedService | undefined;
afterEach(async () => {
  await proc?.stop();
  proc = undefined;
});

describe('cmdb as a process over HTTP, on PostgreSQL', () => {
  let backend: Backend;
  let env: Record<string, string>;
  beforeAll(async () => {
    backend = postgresBackend();
    env = await backend.create();
  });
  afterAll(async () => {
    await backend.destroy();
  });

  test('authenticated calls are recorded under the token name; /ready checks the database', async () => {
    proc = await spawnService(MAIN, { env: { ...env, PORT: '0', SWITCHBOARD_TOKENS: `ops:${TOKEN}` } });
    expect((await fetch(`${proc.url}/ready`)).status).toBe(200);
    const client = new Client({ name: 'cmdb-http', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${proc.url}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${TOKEN}`, 'x-correlation-id': 'import-42' } },
      }),
    );
    const imported = await client.callTool({
      name: 'importCsv',
      arguments: { csv: 'hostname,ip\nweb-01,10.0.0.1\nweb-02,10.0.0.2' },
    });
    expect(imported.structuredContent).toMatchObject({ created: 2, failed: 0 });
    const log = await client.callTool({ name: 'getChangelog', arguments: { limit: 1 } });
    expect((log.structuredContent as { items: unknown[] }).items[0]).toMatchObject({ actor: 'ops', correlationId: 'import-42' });
    await client.close();
    const line = await proc.waitForLog(
      (l) => l.msg === 'tool call finished' && l.tool === 'importCsv' && l.correlation_id === 'import-42',
    );
    expect(line.caller).toBe('ops');
  });
});

describe('cmdb when PostgreSQL is unreachable', () => {
  test('starts, reports the database in /ready, and calls fail with DEPENDENCY_UNAVAILABLE', async () => {
    proc = await spawnService(MAIN, {
      env: { PORT: '0', SWITCHBOARD_AUTH: 'none', CMDB_DATABASE_URL: 'postgres://postgres:hunter2secret@127.0.0.1:1/none' },
    });
    const ready = await fetch(`${proc.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not_ready', failing: ['database'] });
    const client = new Client({ name: 'cmdb-down', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${proc.url}/mcp`)));
    const result = await client.callTool({ name: 'searchItems', arguments: {} });
    expect(result.structuredContent).toMatchObject({ error: { code: 'DEPENDENCY_UNAVAILABLE', retryable: true } });
    await client.close();
    expect(proc.stderr.join('\n')).not.toContain('hunter2secret');
  });
});

describe('MCP conformance suite against cmdb', () => {
  const CONFORMANCE = fileURLToPath(import.meta.resolve('@modelcontextprotocol/conformance/package.json')).replace(
    /package\.json$/,
    'dist/index.js',
  );
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cmdb-conformance-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each(['server-initialize', 'ping', 'tools-list', 'logging-set-level', 'dns-rebinding-protection'])(
    'scenario %s passes',
    async (scenario) => {
      proc = await spawnService(MAIN, {
        env: { PORT: '0', SWITCHBOARD_AUTH: 'none', CMDB_SQLITE_FILE: join(dir, `${scenario}.sqlite`) },
      });
      const { execFile } = await import('node:child_process');
      const output = await new Promise<{ code: number; text: string }>((resolve) => {
        execFile(
          process.execPath,
          [CONFORMANCE, 'server', '--url', `${proc?.url}/mcp`, '--scenario', scenario, '--output-dir', join(dir, 'results')],
          { cwd: dir, timeout: 60_000 },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, text: `${stdout}${stderr}` }),
        );
      });
      expect(output.text).toMatch(/Passed: (\d+)\/\1, 0 failed/);
      expect(output.code).toBe(0);
    },
    90_000,
  );
});
