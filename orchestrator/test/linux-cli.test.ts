import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import { connect, type RunningOrchestrator, startOrchestrator, structured, tempDir, waitUp } from './helpers.ts';

const LINUX_CLI_MAIN = fileURLToPath(new URL('../../services/linux-cli/src/main.ts', import.meta.url));

/**
 * The linux-cli service as a real process behind the orchestrator: `linux.runCommand` works namespaced, and a
 * destructive command's approval prompt (elicitation from the upstream) reaches the end client through the
 * proxy, whose answer decides whether the command runs.
 */
describe('linux-cli through the orchestrator', () => {
  const dir = tempDir('orch-linux-');
  const root = join(dir.path, 'root');
  let linux: SpawnedService;
  let orch: RunningOrchestrator;
  const clients: Client[] = [];
  const prompts: string[] = [];

  beforeAll(async () => {
    // linux-cli runs commands in its sandbox as an unprivileged user, who must reach the root and own it.
    chmodSync(dir.path, 0o755);
    mkdirSync(root);
    if (process.getuid?.() === 0) chownSync(root, 65534, 65534);
    linux = await spawnService(LINUX_CLI_MAIN, {
      env: {
        PORT: '0',
        SWITCHBOARD_AUTH: 'none',
        SWITCHBOARD_DATA_DIR: join(dir.path, 'data'),
        LINUX_CLI_ROOTS: root,
      },
    });
    orch = await startOrchestrator({ upstreams: [{ name: 'linux-cli', namespace: 'linux', url: `${linux.url}/mcp` }] });
    await waitUp(orch, 'linux-cli');
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await orch?.close();
    await linux?.stop();
    dir.cleanup();
  });

  async function client(path: string, action: 'accept' | 'decline'): Promise<Client> {
    const c = await connect(`${orch.url}${path}`, {
      capabilities: { elicitation: {} },
      beforeConnect: (cl) =>
        cl.setRequestHandler(ElicitRequestSchema, async (request) => {
          prompts.push(request.params.message);
          return action === 'accept' ? { action, content: { approve: true } } : { action };
        }),
    });
    clients.push(c);
    return c;
  }

  test('linux.runCommand runs a command and returns its output', async () => {
    const c = await client('/mcp', 'decline');
    const tools = await c.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('linux.runCommand');
    const result = await c.callTool({ name: 'linux.runCommand', arguments: { argv: ['echo', 'through the proxy'] } });
    expect(result.isError).toBeFalsy();
    expect(structured(result)).toMatchObject({ exitCode: 0, risk: 'read_only' });
    expect(JSON.stringify(structured(result).stdout)).toContain('through the proxy');
  });

  test('an approval prompt reaches the end client through /mcp; accepting runs the command', async () => {
    writeFileSync(join(root, 'victim.txt'), 'x');
    const c = await client('/mcp', 'accept');
    const before = prompts.length;
    const result = await c.callTool({ name: 'linux.runCommand', arguments: { argv: ['rm', 'victim.txt'], cwd: root } });
    expect(prompts.length).toBe(before + 1);
    expect(prompts.at(-1)).toContain('argv: ["rm","victim.txt"]');
    expect(structured(result)).toMatchObject({ exitCode: 0, approval: 'accepted' });
    expect(existsSync(join(root, 'victim.txt'))).toBe(false);
  });

  test('through /mcp/linux, declining leaves the file and the call fails with APPROVAL_DENIED', async () => {
    writeFileSync(join(root, 'keep.txt'), 'x');
    const c = await client('/mcp/linux', 'decline');
    const before = prompts.length;
    const result = await c.callTool({ name: 'runCommand', arguments: { argv: ['rm', 'keep.txt'], cwd: root } });
    expect(prompts.length).toBe(before + 1);
    expect(result.isError).toBe(true);
    expect(structured(result).error).toMatchObject({ code: 'APPROVAL_DENIED' });
    expect(existsSync(join(root, 'keep.txt'))).toBe(true);
  });
});
