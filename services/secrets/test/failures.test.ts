import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { connectInMemory, type TestClient } from '@switchboard/shared/testing';
import { secretsService } from '../src/service.ts';
import { createKdbx, KDBX_PASSWORD } from './backends.ts';
import { startVaultFixture, type VaultFixture } from './fixtures/vault-fixture.ts';
import { captureLogs, remember, SEEN, TEST_VALUES } from './support.ts';

type Out = Record<string, any> & {
  error?: { code: string; message: string; retryable: boolean; details?: Record<string, unknown> };
};

const dirs: string[] = [];
const clients: TestClient[] = [];
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'secrets-fail-'));
  dirs.push(d);
  return d;
}
async function connect(config: Record<string, unknown>, env: Record<string, string> = {}): Promise<TestClient> {
  const client = await connectInMemory(secretsService, { config, env, logDestination: captureLogs });
  clients.push(client);
  return client;
}
async function call(client: TestClient, name: string, args: Record<string, unknown> = {}): Promise<Out> {
  if (typeof args.value === 'string') remember(args.value);
  const out = (await client.callTool({ name, arguments: args })).structuredContent as Out;
  SEEN.results.push(JSON.stringify(out));
  return out;
}

/** Every file a test's data directory holds (audit logs, stores), to grep for values. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

afterAll(async () => {
  // The leak check, as in the contract suite: no value these tests stored appears in a tool result, a log line, an
  // audit line or a metric (stores hold them encrypted, so their files are checked too).
  const metrics = await Promise.all(clients.map((c) => c.runtime.metrics.registry.metrics()));
  await Promise.all(clients.map((c) => c.close()));
  const files = dirs.flatMap(filesUnder).map((file) => readFileSync(file, 'latin1'));
  const everything = [...SEEN.results, ...SEEN.logs, ...metrics, ...files].join('\n');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const value of TEST_VALUES) expect(everything.includes(value)).toBe(false);
});

describe('the encrypted file store', () => {
  test('works with zero configuration: a key file is generated (0600) and values round-trip through the real file', async () => {
    const data = dir();
    const client = await connect({ dataDir: data });
    const created = await call(client, 'createSecret', { path: 'db/pw' });
    expect(created.handle).toBe('secret://local/db/pw');
    const key = join(data, 'secrets', 'local.key');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const file = readFileSync(join(data, 'secrets', 'local.store.json'), 'utf8');
    expect(JSON.parse(file)).toMatchObject({ format: 'switchboard-secrets/1', kdf: { name: 'scrypt' } });
    // A second process (a new service instance) reads what the first wrote.
    const again = await connect({ dataDir: data });
    expect((await call(again, 'describeSecret', { secret: 'db/pw' })).currentVersion).toBe('1');
  });

  test('argon2id derivation works as well as scrypt', async () => {
    const d = dir();
    const client = await connect({
      dataDir: d,
      backends: [{ kind: 'file', name: 'argon', kdf: 'argon2id', passphrase: 'argon passphrase long enough' }],
    });
    expect((await call(client, 'createSecret', { path: 'a/b' })).error).toBeUndefined();
    expect(JSON.parse(readFileSync(join(d, 'secrets', 'argon.store.json'), 'utf8')).kdf.name).toBe('argon2id');
    expect((await call(client, 'getSecret', { secret: 'a/b' })).state).toBe('current');
  });

  test('a wrong passphrase, an edited file and a damaged file are told apart, and nothing is written', async () => {
    const d = dir();
    const file = join(d, 'store.json');
    const backend = { kind: 'file', name: 'local', file, passphrase: 'the right passphrase 123' };
    const client = await connect({ dataDir: d, backends: [backend] });
    await call(client, 'createSecret', { path: 'x/y', value: 'original-value-123' });
    const wrong = await connect({ dataDir: d, backends: [{ ...backend, passphrase: 'the wrong passphrase 456' }] });
    const bad = await call(wrong, 'getSecret', { secret: 'x/y' });
    expect(bad.error).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: false, details: { reason: 'bad_credentials' } });
    expect((await call(wrong, 'createSecret', { path: 'x/z' })).error?.details?.reason).toBe('bad_credentials');
    const pristine = readFileSync(file, 'utf8');
    const doc = JSON.parse(pristine);
    doc.secrets['x/y'].attributes['sb.owner'] = 'mallory';
    writeFileSync(file, JSON.stringify(doc));
    const edited = await call(await connect({ dataDir: d, backends: [backend] }), 'getSecret', { secret: 'x/y' });
    expect(edited.error).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', details: { reason: 'tampered' } });
    writeFileSync(file, pristine.slice(0, 40));
    const damaged = await call(await connect({ dataDir: d, backends: [backend] }), 'listSecrets');
    expect(damaged.error).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', details: { reason: 'corrupted' } });
    expect(readFileSync(file, 'utf8')).toBe(pristine.slice(0, 40));
  });

  test('a value moved to another slot fails its GCM tag', async () => {
    const d = dir();
    const file = join(d, 'store.json');
    const backend = { kind: 'file', name: 'local', file, passphrase: 'the right passphrase 123' };
    const client = await connect({ dataDir: d, backends: [backend], resolvePolicy: { test: ['local/**'] } });
    await call(client, 'createSecret', { path: 'a/one' });
    await call(client, 'createSecret', { path: 'a/two' });
    const { FileStoreBackend } = await import('../src/backends/file-store/file-store.ts');
    const store = new FileStoreBackend({ name: 'local', file, material: Buffer.from('the right passphrase 123'), kdf: 'scrypt' });
    // Swap the sealed values but keep the file's MAC valid: only the per-value tag (path as associated data) notices.
    const raw = JSON.parse(readFileSync(file, 'utf8'));
    const one = raw.secrets['a/one'].versions[0];
    raw.secrets['a/one'].versions[0] = { ...raw.secrets['a/two'].versions[0], version: '1' };
    raw.secrets['a/two'].versions[0] = one;
    const { deriveKeys, macOf } = await import('../src/backends/file-store/store-crypto.ts');
    const keys = await deriveKeys(Buffer.from('the right passphrase 123'), raw.kdf);
    const { mac: _mac, ...body } = raw;
    writeFileSync(file, JSON.stringify({ ...body, mac: macOf(keys, JSON.stringify(body)) }));
    await expect(store.read('a/one')).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', details: { reason: 'tampered' } });
  });
});

describe('KeePass', () => {
  test('a wrong master password, a locked database and a missing file each have their reason', async () => {
    const d = dir();
    const file = join(d, 'db.kdbx');
    await createKdbx(file);
    const wrong = await connect({ dataDir: d, backends: [{ kind: 'keepass', name: 'kp', file, password: 'not the password' }] });
    expect((await call(wrong, 'listSecrets')).error).toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      details: { reason: 'bad_credentials' },
    });
    const right = await connect({
      dataDir: d,
      backends: [{ kind: 'keepass', name: 'kp', file, password: KDBX_PASSWORD, lockWaitMs: 100 }],
    });
    writeFileSync(`${file}.lock`, String(process.pid));
    const locked = await call(right, 'createSecret', { path: 'a/b' });
    expect(locked.error).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true, details: { reason: 'locked' } });
    rmSync(`${file}.lock`);
    expect((await call(right, 'createSecret', { path: 'a/b' })).handle).toBe('secret://kp/a/b');
    const missing = await connect({
      dataDir: d,
      backends: [{ kind: 'keepass', name: 'kp', file: join(d, 'none.kdbx'), password: 'x' }],
    });
    expect((await call(missing, 'listSecrets')).error?.details?.reason).toBe('unreachable');
    chmodSync(file, 0o600);
  });
});

describe('several backends at once, a backend down, read-only mode', () => {
  let vault: VaultFixture;
  beforeAll(async () => {
    vault = await startVaultFixture();
  });
  afterAll(async () => {
    await vault.close();
  });

  test('listBackends shows each with health; a sealed or unreachable Vault is DEPENDENCY_UNAVAILABLE and retryable', async () => {
    const d = dir();
    const client = await connect({
      dataDir: d,
      backends: [
        { kind: 'file', name: 'local', passphrase: 'a passphrase for the test' },
        { kind: 'vault', name: 'vault', url: vault.url, token: vault.token },
        { kind: 'vault', name: 'gone', url: 'http://127.0.0.1:1', token: 'hvs.nothing-here-at-all', timeoutMs: 500 },
      ],
    });
    const backends = await call(client, 'listBackends');
    expect(backends.items.map((b: Out) => [b.name, b.kind, b.healthy, b.default])).toEqual([
      ['local', 'file', true, true],
      ['vault', 'vault', true, false],
      ['gone', 'vault', false, false],
    ]);
    expect((await call(client, 'createSecret', { path: 'a/b', backend: 'vault' })).handle).toBe('secret://vault/a/b');
    const down = await call(client, 'listSecrets', { backend: 'gone' });
    expect(down.error).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true, details: { reason: 'unreachable' } });
    vault.setSealed(true);
    expect((await call(client, 'getSecret', { secret: 'secret://vault/a/b' })).error).toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      retryable: true,
    });
    vault.setSealed(false);
    expect((await call(client, 'createSecret', { path: 'c', backend: 'nowhere' })).error).toMatchObject({
      code: 'NOT_FOUND',
      details: { reason: 'unknown_backend' },
    });
  });

  test('read-only mode hides and refuses every mutating tool (audited), while handles still resolve', async () => {
    const d = dir();
    const writable = await connect({
      dataDir: d,
      backends: [{ kind: 'file', name: 'local', passphrase: 'a passphrase for the test' }],
    });
    await call(writable, 'createSecret', { path: 'a/b' });
    const client = await connect({
      dataDir: d,
      readOnly: true,
      backends: [{ kind: 'file', name: 'local', passphrase: 'a passphrase for the test' }],
      resolvePolicy: { test: ['local/a/*'] },
    });
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['describeSecret', 'getAuditLog', 'getSecret', 'listBackends', 'listSecrets', 'resolveSecret']);
    expect((await call(client, 'createSecret', { path: 'x/y' })).error?.code).toBe('READ_ONLY');
    expect((await call(client, 'revealSecret', { secret: 'a/b' })).error?.code).toBe('READ_ONLY');
    const audit = await call(client, 'getAuditLog', { action: 'refused' });
    expect(audit.items.map((e: Out) => [e.tool, e.outcome])).toEqual([
      ['revealSecret', 'denied'],
      ['createSecret', 'denied'],
    ]);
    const { createRecipient } = await import('@switchboard/shared');
    const r = createRecipient();
    const resolved = await call(client, 'resolveSecret', { handle: 'secret://local/a/b', recipientPublicKey: r.publicKey });
    expect(resolved.error).toBeUndefined();
    expect(r.open(resolved.sealed, resolved.handle)).toHaveLength(32);
  });

  test('a bad configuration stops start-up listing every problem', async () => {
    await expect(
      connect({
        backends: [
          { kind: 'vault', name: 'v', url: 'http://127.0.0.1:1' },
          { kind: 'file', name: 'v' },
        ],
        defaultBackend: 'nope',
        resolvePolicy: { svc: ['v/../x', 'other/**'] },
      }),
    ).rejects.toMatchObject({
      problems: expect.arrayContaining([
        expect.stringContaining('give token, tokenFile or approle'),
        expect.stringContaining('is used twice'),
        expect.stringContaining('"nope" is not a mounted backend'),
        expect.stringContaining('"v/../x" is not a glob'),
        expect.stringContaining('names backend "other"'),
      ]),
    });
  });
});
