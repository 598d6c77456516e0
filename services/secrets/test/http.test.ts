import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createRecipient } from '@switchboard/shared';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const OPS = 'ops-token-abcdefghijklmnop';
const LINUX = 'linux-cli-token-abcdefghijk';
const PASSPHRASE = 'http test passphrase 0123456789';
const VALUE = 'http-given-value-5e1d0c9b';

let dir: string;
let proc: SpawnedService;

async function connect(token: string, correlation: string): Promise<Client> {
  const client = new Client({ name: 'secrets-http', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${proc.url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${token}`, 'x-correlation-id': correlation } },
    }),
  );
  return client;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'secrets-http-'));
  proc = await spawnService(MAIN, {
    env: {
      PORT: '0',
      SWITCHBOARD_TOKENS: `ops:${OPS},linux-cli:${LINUX}`,
      SWITCHBOARD_DATA_DIR: dir,
      SECRETS_FILE_PASSPHRASE: PASSPHRASE,
      SECRETS_RESOLVE_POLICY: JSON.stringify({ 'linux-cli': ['local/app/**'] }),
      LOG_LEVEL: 'debug',
    },
  });
}, 30_000);

afterAll(async () => {
  await proc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('over HTTP: callers are token names; the resolve policy lets linux-cli resolve app/** and denies ops; nothing leaks to stderr', async () => {
  expect((await fetch(`${proc.url}/ready`)).status).toBe(200);
  const ops = await connect(OPS, 'create-1');
  const created = (await ops.callTool({ name: 'createSecret', arguments: { path: 'app/db/pass', value: VALUE } }))
    .structuredContent as Record<string, any>;
  expect(created.handle).toBe('secret://local/app/db/pass');
  const recipient = createRecipient();
  const denied = (
    await ops.callTool({ name: 'resolveSecret', arguments: { handle: created.handle, recipientPublicKey: recipient.publicKey } })
  ).structuredContent as Record<string, any>;
  expect(denied.error).toMatchObject({ code: 'PERMISSION_DENIED' });
  const linux = await connect(LINUX, 'resolve-7');
  const resolved = (
    await linux.callTool({
      name: 'resolveSecret',
      arguments: { handle: created.handle, recipientPublicKey: recipient.publicKey, purpose: 'env:PGPASSWORD' },
    })
  ).structuredContent as Record<string, any>;
  expect(recipient.open(resolved.sealed, resolved.handle)).toBe(VALUE);
  const audit = (await ops.callTool({ name: 'getAuditLog', arguments: { action: 'resolve' } })).structuredContent as Record<
    string,
    any
  >;
  expect(audit.items.map((e: Record<string, any>) => [e.caller, e.outcome, e.correlationId])).toEqual([
    ['linux-cli', 'success', 'resolve-7'],
    ['ops', 'denied', 'create-1'],
  ]);
  expect(audit.items[0].details).toMatchObject({ allowedBy: 'local/app/**', purpose: 'env:PGPASSWORD' });
  await ops.close();
  await linux.close();
  await proc.waitForLog((l) => l.msg === 'tool call finished' && l.correlation_id === 'resolve-7');
  const everything = [
    proc.stderr.join('\n'),
    readFileSync(join(dir, 'secrets-audit.jsonl'), 'utf8'),
    await (await fetch(`${proc.url}/metrics`)).text(),
  ].join('\n');
  expect(everything).not.toContain(VALUE);
  expect(everything).not.toContain(PASSPHRASE);
});

test('a bad configuration exits 2 listing the problems', async () => {
  const bad = spawnService(MAIN, {
    env: {
      PORT: '0',
      SWITCHBOARD_AUTH: 'none',
      SWITCHBOARD_DATA_DIR: dir,
      SECRETS_REVEAL_MODE: 'sometimes',
      SECRETS_DEFAULT_BACKEND: 'nope',
    },
  });
  await expect(bad).rejects.toThrow(/exited with 2[\s\S]*revealMode[\s\S]*"nope" is not a mounted backend/);
});
