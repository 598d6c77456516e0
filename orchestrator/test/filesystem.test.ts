import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema, ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  connect,
  FILESYSTEM,
  NODE,
  type RunningOrchestrator,
  startOrchestrator,
  tempDir,
  text,
  waitFor,
  waitUp,
} from './helpers.ts';
import { errorOf } from './support.ts';

/**
 * The npm server-filesystem over stdio, one child per client session: its tools work namespaced and pinned,
 * annotations survive, and a client's roots (asked by the server through roots/list, relayed by the
 * orchestrator to the client that owns the session) decide which directories that client's server may touch. It is
 * a third-party server: by default its destructive tools (write_file) need a human's approval at the client.
 */
describe('server-filesystem over stdio through the orchestrator', () => {
  const dir = tempDir('orch-fs-');
  const shared = join(dir.path, 'shared');
  const mine = join(dir.path, 'mine');
  let orch: RunningOrchestrator;
  const clients: Client[] = [];

  beforeAll(async () => {
    mkdirSync(shared);
    mkdirSync(mine);
    writeFileSync(join(shared, 'hello.txt'), 'hello from the shared directory');
    writeFileSync(join(mine, 'private.txt'), 'only for the client whose root this is');
    orch = await startOrchestrator({
      upstreams: [{ name: 'files', namespace: 'fs', command: NODE, args: [FILESYSTEM, shared], sessionMode: 'per-client' }],
    });
    await waitUp(orch, 'files');
  }, 60_000);

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close().catch(() => {});
  });

  afterAll(async () => {
    await orch?.close();
    dir.cleanup();
  });

  test('tools are listed namespaced with their annotations, and read and write files', async () => {
    const c = await connect(`${orch.url}/mcp`);
    clients.push(c);
    const { tools } = await c.listTools();
    const read = tools.find((t) => t.name === 'fs.read_text_file');
    expect(read?.annotations).toMatchObject({ readOnlyHint: true });
    expect(tools.find((t) => t.name === 'fs.write_file')?.annotations?.readOnlyHint).toBe(false);
    const content = await c.callTool({ name: 'fs.read_text_file', arguments: { path: join(shared, 'hello.txt') } });
    expect(text(content)).toContain('hello from the shared directory');
    // No elicitation capability: the default approval for a third-party destructive tool fails closed.
    const refused = await c.callTool({ name: 'fs.write_file', arguments: { path: join(shared, 'new.txt'), content: 'x' } });
    expect(errorOf(refused)?.code).toBe('APPROVAL_REQUIRED');
    expect(() => readFileSync(join(shared, 'new.txt'))).toThrow();
    const asked: string[] = [];
    const approving = await connect(`${orch.url}/mcp`, {
      capabilities: { elicitation: {} },
      beforeConnect: (client) =>
        client.setRequestHandler(ElicitRequestSchema, async (request) => {
          asked.push(String(request.params.message));
          return { action: 'accept', content: { approve: true, comment: 'fine' } };
        }),
    });
    clients.push(approving);
    const written = await approving.callTool({
      name: 'fs.write_file',
      arguments: { path: join(shared, 'new.txt'), content: 'written via proxy' },
    });
    expect(written.isError).toBeFalsy();
    expect(readFileSync(join(shared, 'new.txt'), 'utf8')).toBe('written via proxy');
    expect(asked[0]).toContain('fs.write_file');
    expect(asked[0]).toContain('third-party');
    expect(asked[0]).toContain('"destructiveHint":true');
    const outside = await c.callTool({ name: 'fs.read_text_file', arguments: { path: join(mine, 'private.txt') } });
    expect(outside.isError).toBe(true);
  });

  test("a client's roots reach its own server process through /mcp/fs, and only that one", async () => {
    const withRoots = await connect(`${orch.url}/mcp/fs`, {
      capabilities: { roots: { listChanged: true } },
      beforeConnect: (client) =>
        client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: `file://${mine}`, name: 'mine' }] })),
    });
    const plain = await connect(`${orch.url}/mcp/fs`);
    clients.push(withRoots, plain);
    await waitFor(
      async () => {
        const allowed = await withRoots.callTool({ name: 'list_allowed_directories', arguments: {} });
        return text(allowed).includes(mine) || undefined;
      },
      10_000,
      'roots applied',
    );
    const mineRead = await withRoots.callTool({ name: 'read_text_file', arguments: { path: join(mine, 'private.txt') } });
    expect(text(mineRead)).toContain('only for the client whose root this is');
    const plainAllowed = await plain.callTool({ name: 'list_allowed_directories', arguments: {} });
    expect(text(plainAllowed)).toContain(shared);
    expect(text(plainAllowed)).not.toContain(mine);
  });
});
