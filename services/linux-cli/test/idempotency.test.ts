import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { IDEMPOTENCY_META_KEY } from '@switchboard/shared';
import { accept, type Harness, makeSandbox, type Sandbox, type Structured, startHarness, writeFiles } from './helpers.ts';

/** A workflow step sent again with its idempotency key (after a crash, a retry) runs once and gets the first answer. */
let sandbox: Sandbox;
let h: Harness;

beforeEach(async () => {
  sandbox = makeSandbox('linux-cli-idempotency-');
  h = await startHarness(sandbox, { answer: accept });
});
afterEach(async () => {
  await h.close();
  sandbox.cleanup();
});

async function callOnce(name: string, args: Record<string, unknown>, key: string): Promise<Structured> {
  const result = await h.client.request(
    { method: 'tools/call', params: { name, arguments: args, _meta: { [IDEMPOTENCY_META_KEY]: key } } },
    CallToolResultSchema,
  );
  return result.structuredContent as Structured;
}

test('runCommand with the same key runs the command once; other arguments under that key conflict', async () => {
  const args = { argv: ['sh', '-c', 'echo ran >> counter; echo done'] };
  const first = await callOnce('runCommand', args, 'step-1');
  const again = await callOnce('runCommand', args, 'step-1');
  expect(first).toMatchObject({ exitCode: 0, stdout: 'done\n' });
  expect(again).toEqual(first);
  expect(readFileSync(join(sandbox.root, 'counter'), 'utf8')).toBe('ran\n');
  const conflict = await callOnce('runCommand', { argv: ['echo', 'other'] }, 'step-1');
  expect(conflict.error?.code).toBe('IDEMPOTENCY_CONFLICT');
  expect(
    h
      .audit()
      .filter((l) => l.tool === 'runCommand')
      .map((l) => [l.decision, l.replayed ?? false]),
  ).toEqual([
    ['allowed', false],
    ['allowed', true],
    ['refused', false],
  ]);
});

test('writeFile with the same key writes and backs up once', async () => {
  writeFiles(sandbox.root, { 'a.txt': 'old\n' });
  const args = { path: 'a.txt', content: 'new\n' };
  const first = await callOnce('writeFile', args, 'step-2');
  expect(await callOnce('writeFile', args, 'step-2')).toEqual(first);
  expect((await h.ok('listBackups', { path: 'a.txt' })).total).toBe(1);
});
