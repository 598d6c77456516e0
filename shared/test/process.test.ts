import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type SpawnedService, spawnService } from '../src/testing/index.ts';

const MAIN = fileURLToPath(new URL('./fixtures/kit-test-main.ts', import.meta.url));
const base = { PORT: '0', SWITCHBOARD_AUTH: 'none' };

let proc: SpawnedService | undefined;
afterEach(async () => {
  await proc?.stop('SIGKILL');
  proc = undefined;
});

describe('a service process', () => {
  test('SIGTERM lets the in-flight call finish, closes sessions and exits 0', async () => {
    proc = await spawnService(MAIN, { env: base });
    const client = new Client({ name: 'shutdown-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${proc.url}/mcp`)));
    const call = client.callTool({ name: 'waitFor', arguments: { ms: 800 } });
    await new Promise((r) => setTimeout(r, 200));
    const exit = proc.stop('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    // New work is refused while draining.
    const refused = await fetch(`${proc.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }),
    }).catch((error: unknown) => ({ status: `connection refused: ${error}` }));
    // Either the listener is already closed (connection refused) or the request is answered 503.
    if (typeof refused.status === 'number') expect(refused.status).toBe(503);
    const result = await call;
    expect(result.structuredContent).toEqual({ waited: 800 });
    expect(await exit).toBe(0);
    const messages = proc.logs().map((l) => l.msg);
    expect(messages).toEqual(expect.arrayContaining(['shutting down: no new work accepted', 'stopped']));
    await client.close().catch(() => {});
  });

  test('SIGTERM aborts calls that outlive the shutdown timeout, then exits 0', async () => {
    proc = await spawnService(MAIN, { env: { ...base, SWITCHBOARD_SHUTDOWN_TIMEOUT_MS: '200' } });
    const client = new Client({ name: 'shutdown-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${proc.url}/mcp`)));
    const call = client.callTool({ name: 'waitFor', arguments: { ms: 20_000 } }).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    expect(await proc.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000); // well short of the 20 s call: it was aborted
    expect(proc.logs().some((l) => l.msg === 'in-flight calls did not finish in time and were aborted')).toBe(true);
    await call;
    await client.close().catch(() => {});
  });

  test('a bad configuration exits 2 listing every problem', async () => {
    const spawned = await spawnService(MAIN, {
      env: { PORT: 'abc', SWITCHBOARD_AUTH: 'maybe', FIXTURE_DELAY_MS: '-5', LOG_LEVEL: 'loud' },
      noWait: true,
    });
    expect(await spawned.exited).toBe(2);
    const text = spawned.stderr.join('\n');
    expect(text).toContain('Invalid configuration for kit-test');
    for (const name of ['PORT', 'SWITCHBOARD_AUTH', 'FIXTURE_DELAY_MS', 'LOG_LEVEL']) expect(text).toContain(name);
  });

  test('authentication off prints a warning at start', async () => {
    proc = await spawnService(MAIN, { env: base });
    expect(proc.logs().some((l) => l.level === 'warn' && String(l.msg).includes('authentication is OFF'))).toBe(true);
  });

  test('--stdio serves MCP on stdin/stdout with logs on stderr', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [MAIN, '--stdio'],
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'debug' },
      stderr: 'pipe',
    });
    const stderr: string[] = [];
    transport.stderr?.on('data', (chunk) => stderr.push(String(chunk)));
    const client = new Client({ name: 'stdio-test', version: '1' });
    await client.connect(transport);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'over stdio' } });
    expect(result.structuredContent).toMatchObject({ text: 'over stdio', caller: 'stdio' });
    await client.close();
    expect(stderr.join('')).toContain('"msg":"serving MCP on stdio"');
  });
});
