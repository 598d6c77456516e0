import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { createRecipient } from '@switchboard/shared';
import { connectInMemory, type TestClient } from '@switchboard/shared/testing';
import { secretsService } from '../src/service.ts';
import { BACKENDS, type TestBackend } from './backends.ts';
import { captureLogs, remember, SEEN, TEST_VALUES } from './support.ts';

type Out = Record<string, any> & { error?: { code: string; message: string; details?: Record<string, unknown> } };

/** One contract, every backend: the same calls and expectations against the file store, KeePass, Vault, AWS, Azure. */
describe.each(BACKENDS)('the secrets contract on the $kind backend', ({ kind, make }) => {
  const name = `${kind}-b`;
  let backend: TestBackend;
  let client: TestClient;
  let plain: TestClient;
  let answer: 'accept' | 'decline' | 'cancel' = 'accept';
  const prompts: string[] = [];
  const auditFile = () => join(backend.dir, 'audit.jsonl');

  const connect = (elicit: boolean) =>
    connectInMemory(secretsService, {
      config: {
        backends: [backend.config],
        dataDir: backend.dir,
        auditFile: auditFile(),
        resolvePolicy: { test: [`${name}/app/**`] },
        rotationGraceSeconds: 3600,
      },
      logDestination: captureLogs,
      ...(elicit
        ? {
            capabilities: { elicitation: {} },
            beforeConnect: (c) =>
              c.setRequestHandler(ElicitRequestSchema, async (request) => {
                prompts.push(request.params.message);
                return answer === 'accept' ? { action: 'accept', content: { approve: true } } : { action: answer };
              }),
          }
        : {}),
    });

  const call = async (c: TestClient, tool: string, args: Record<string, unknown> = {}): Promise<Out> => {
    const result = await c.callTool({ name: tool, arguments: args }, undefined, { timeout: 30_000 });
    const text = JSON.stringify(result);
    if (tool === 'revealSecret' && !result.isError) SEEN.approvedReveals.push(text);
    else SEEN.results.push(text);
    return result.structuredContent as Out;
  };
  const ok = async (tool: string, args: Record<string, unknown> = {}, c: TestClient = client) => {
    const out = await call(c, tool, args);
    if (out.error) throw new Error(`${tool} failed: ${out.error.code} ${out.error.message}`);
    return out;
  };
  const resolve = async (handle: string) => {
    const recipient = createRecipient();
    const out = await call(client, 'resolveSecret', { handle, recipientPublicKey: recipient.publicKey, purpose: 'env:TEST' });
    if (out.error) return { error: out.error };
    return { value: remember(recipient.open(out.sealed, out.handle)), out };
  };

  beforeAll(async () => {
    backend = await make(name);
    client = await connect(true);
    plain = await connect(false);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await plain?.close();
    // The leak check: no test value in any tool result (but approved reveals), log line, audit line or metric.
    const audit = readFileSync(auditFile(), 'utf8');
    const metrics = await client?.runtime.metrics.registry.metrics();
    const everything = [...SEEN.results, ...SEEN.logs, audit, metrics ?? ''].join('\n');
    for (const value of TEST_VALUES) expect(everything.includes(value)).toBe(false);
    await backend?.destroy();
  }, 30_000);

  test('createSecret generates a value and returns a handle and a masked preview, never the value', async () => {
    const created = await ok('createSecret', {
      path: 'app/orders/db-pass',
      backend: name,
      description: 'orders database',
      owner: 'team-orders',
      tags: ['db', 'prod'],
      generate: { length: 24, charset: 'alphanumeric' },
    });
    expect(created).toMatchObject({ handle: `secret://${name}/app/orders/db-pass`, backend: name, length: 24, generated: true });
    expect(created.preview).toMatch(/^[A-Za-z0-9]{2}\*{4}[A-Za-z0-9]{2}$/);
    const { value } = await resolve(created.handle);
    expect(value).toHaveLength(24);
    expect(JSON.stringify(created)).not.toContain(value);
    expect(created.preview).toBe(`${value?.slice(0, 2)}****${value?.slice(-2)}`);
  });

  test('getSecret, describeSecret and listSecrets return metadata only; listing pages with a cursor and a total', async () => {
    const given = remember(`given-value-${kind}-7f3a9c2e`);
    await ok('createSecret', { path: 'app/web/api-key', backend: name, value: given, tags: ['web'] });
    await ok('createSecret', { path: 'app/web/cookie-key', backend: name, tags: ['web', 'prod'] });
    const got = await ok('getSecret', { secret: `secret://${name}/app/web/api-key` });
    expect(got).toMatchObject({ handle: `secret://${name}/app/web/api-key`, length: given.length, state: 'current' });
    expect(got.pinnedHandle).toBe(`secret://${name}/app/web/api-key#${got.version}`);
    const described = await ok('describeSecret', { secret: `secret://${name}/app/orders/db-pass` });
    expect(described).toMatchObject({ description: 'orders database', owner: 'team-orders', tags: ['db', 'prod'] });
    expect(described.versions).toHaveLength(1);
    expect(described.versions[0].state).toBe('current');
    const first = await ok('listSecrets', { backend: name, prefix: 'app/', limit: 2 });
    expect(first.total).toBe(3);
    expect(first.items).toHaveLength(2);
    const second = await ok('listSecrets', { backend: name, prefix: 'app/', limit: 2, cursor: first.nextCursor });
    expect(second.items.map((i: Out) => i.path)).toEqual(['app/web/cookie-key']);
    expect(second.nextCursor).toBeUndefined();
    const tagged = await ok('listSecrets', { backend: name, tags: ['prod'] });
    expect(tagged.items.map((i: Out) => i.path)).toEqual(['app/orders/db-pass', 'app/web/cookie-key']);
    const wrongScope = await call(client, 'listSecrets', { backend: name, prefix: 'other/', cursor: first.nextCursor });
    expect(wrongScope.error?.code).toBe('INVALID_ARGUMENT');
  });

  test('resolveSecret seals the value to the caller; the policy denies paths outside its globs', async () => {
    const { value, out } = await resolve(`secret://${name}/app/web/api-key`);
    expect(value).toBe(`given-value-${kind}-7f3a9c2e`);
    expect(out?.sealed.ciphertext).toMatch(/^[0-9a-f]+$/);
    await ok('createSecret', { path: 'ops/root-pass', backend: name });
    const denied = await resolve(`secret://${name}/ops/root-pass`);
    expect(denied.error).toMatchObject({ code: 'PERMISSION_DENIED' });
    const tampered = createRecipient();
    const sealed = await call(client, 'resolveSecret', {
      handle: `secret://${name}/app/web/api-key`,
      recipientPublicKey: tampered.publicKey,
    });
    expect(() => tampered.open(sealed.sealed, `secret://${name}/app/web/other#1`)).toThrow();
  });

  test('rotateSecret writes a new version and keeps the previous one resolvable for the grace period', async () => {
    const before = await resolve(`secret://${name}/app/orders/db-pass`);
    const oldVersion = before.out?.version as string;
    const rotated = await ok('rotateSecret', { secret: `secret://${name}/app/orders/db-pass`, graceSeconds: 2 });
    expect(rotated).toMatchObject({ previousVersion: oldVersion, dryRun: false });
    expect(rotated.version).not.toBe(oldVersion);
    const now = await resolve(`secret://${name}/app/orders/db-pass`);
    expect(now.out?.version).toBe(rotated.version);
    expect(now.value).not.toBe(before.value);
    const old = await resolve(`secret://${name}/app/orders/db-pass#${oldVersion}`);
    expect(old.value).toBe(before.value);
    const described = await ok('describeSecret', { secret: `secret://${name}/app/orders/db-pass` });
    expect(described.versions.find((v: Out) => v.version === oldVersion)?.state).toBe('grace');
    await new Promise((r) => setTimeout(r, 2100));
    const retired = await resolve(`secret://${name}/app/orders/db-pass#${oldVersion}`);
    expect(retired.error).toMatchObject({ code: 'CONFLICT', details: { reason: 'retired' } });
    const dry = await ok('rotateSecret', { secret: `secret://${name}/app/orders/db-pass`, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, previousVersion: rotated.version });
    expect((await ok('describeSecret', { secret: `secret://${name}/app/orders/db-pass` })).currentVersion).toBe(rotated.version);
  }, 30_000);

  test('updateSecret adds a version and retires the previous one at once; metadata changes alone add none', async () => {
    const before = await ok('getSecret', { secret: `secret://${name}/app/web/api-key` });
    const next = remember(`next-value-${kind}-91c0d4`);
    const updated = await ok('updateSecret', {
      secret: `secret://${name}/app/web/api-key`,
      value: next,
      description: 'web api key',
    });
    expect(updated).toMatchObject({ newVersion: true, previousVersion: before.version, changed: ['description', 'value'] });
    expect((await resolve(`secret://${name}/app/web/api-key`)).value).toBe(next);
    expect((await resolve(`secret://${name}/app/web/api-key#${before.version}`)).error?.code).toBe('CONFLICT');
    const meta = await ok('updateSecret', { secret: `secret://${name}/app/web/api-key`, owner: 'team-web' });
    expect(meta).toMatchObject({ newVersion: false, version: updated.version, changed: ['owner'] });
    expect((await ok('describeSecret', { secret: `secret://${name}/app/web/api-key` })).owner).toBe('team-web');
    const leaky = await call(client, 'updateSecret', {
      secret: `secret://${name}/app/web/api-key`,
      description: `it is ${next}`,
    });
    expect(leaky.error?.code).toBe('INVALID_ARGUMENT');
  });

  test('revealSecret asks the human with path, version and caller; accept shows it (marked), decline refuses', async () => {
    answer = 'accept';
    const revealed = await ok('revealSecret', { secret: `secret://${name}/app/web/api-key`, reason: 'debugging' });
    expect(revealed).toMatchObject({ value: `next-value-${kind}-91c0d4`, approval: 'accepted' });
    expect(revealed.sensitive).toMatchObject({ marker: 'io.switchboard/secret-value', fields: ['value'] });
    expect(prompts.at(-1)).toContain(`secret: ${name}/app/web/api-key`);
    expect(prompts.at(-1)).toContain('caller: test');
    answer = 'decline';
    expect((await call(client, 'revealSecret', { secret: `secret://${name}/app/web/api-key` })).error?.code).toBe(
      'APPROVAL_DENIED',
    );
    expect((await call(plain, 'revealSecret', { secret: `secret://${name}/app/web/api-key` })).error?.code).toBe(
      'APPROVAL_REQUIRED',
    );
    answer = 'accept';
  });

  test('deleteSecret is soft and approved: it stops resolving, lists with includeDeleted, and restoreSecret brings it back', async () => {
    expect((await call(plain, 'deleteSecret', { secret: `secret://${name}/app/web/cookie-key` })).error?.code).toBe(
      'APPROVAL_REQUIRED',
    );
    const deleted = await ok('deleteSecret', { secret: `secret://${name}/app/web/cookie-key` });
    expect(deleted).toMatchObject({ deleted: true, approval: 'accepted' });
    expect(Date.parse(deleted.recoverUntil)).toBeGreaterThan(Date.now());
    const gone = await resolve(`secret://${name}/app/web/cookie-key`);
    expect(gone.error).toMatchObject({ code: 'NOT_FOUND', details: { deleted: true } });
    expect((await ok('listSecrets', { backend: name, prefix: 'app/web/' })).items.map((i: Out) => i.path)).toEqual([
      'app/web/api-key',
    ]);
    const withDeleted = await ok('listSecrets', { backend: name, prefix: 'app/web/', includeDeleted: true });
    expect(withDeleted.items.find((i: Out) => i.path === 'app/web/cookie-key')?.deleted).toBeDefined();
    expect((await call(client, 'createSecret', { path: 'app/web/cookie-key', backend: name })).error?.code).toBe('CONFLICT');
    await ok('restoreSecret', { secret: `secret://${name}/app/web/cookie-key` });
    expect((await resolve(`secret://${name}/app/web/cookie-key`)).value).toBeDefined();
  });

  test('bad input fails with a clear code and writes nothing', async () => {
    for (const path of ['../etc/passwd', 'app/../x', '/abs/path', 'a\u0000b', 'a//b', 'a/b/']) {
      const out = await call(client, 'createSecret', { path, backend: name });
      expect(out.error).toMatchObject({ code: 'INVALID_ARGUMENT', details: { reason: 'bad_path' } });
    }
    expect((await call(client, 'getSecret', { secret: 'secret://nowhere/app/x' })).error?.code).toBe('NOT_FOUND');
    expect((await call(client, 'getSecret', { secret: 'secret:/bad' })).error?.code).toBe('INVALID_ARGUMENT');
    expect((await call(client, 'getSecret', { secret: `secret://${name}/app/none` })).error?.code).toBe('NOT_FOUND');
    expect((await call(client, 'createSecret', { path: 'app/web/api-key', backend: name })).error?.code).toBe('CONFLICT');
    expect((await ok('listSecrets', { backend: name })).total).toBe(4);
  });

  test('every access is in the audit log with caller and correlation id, never a value', async () => {
    const log = await ok('getAuditLog', { backend: name, action: 'resolve', limit: 5 });
    expect(log.total).toBeGreaterThan(5);
    expect(log.items[0]).toMatchObject({ action: 'resolve', caller: 'test', backend: name });
    const denied = await ok('getAuditLog', { backend: name, outcome: 'denied' });
    expect(denied.items.map((e: Out) => e.action)).toEqual(expect.arrayContaining(['resolve', 'reveal', 'delete']));
    // The counter is on the process's own registry: the one /metrics serves.
    const metrics = await client.runtime.metrics.registry.metrics();
    expect(metrics).toMatch(
      new RegExp(`switchboard_secret_access_total\\{backend="${name}",action="resolve",outcome="success"\\} \\d+`),
    );
    expect(metrics).toMatch(
      new RegExp(`switchboard_secret_access_total\\{backend="${name}",action="resolve",outcome="denied"\\} \\d+`),
    );
    expect(TEST_VALUES.size).toBeGreaterThan(3);
  });

  test('an approved reveal returns a credential-shaped value as it is: the result discloses value on purpose', async () => {
    const shaped = remember(`sk-ant-api03-${kind}-shaped-0123456789abcdef`);
    await ok('createSecret', { path: 'app/keys/shaped', backend: name, value: shaped });
    const revealed = await ok('revealSecret', { secret: `secret://${name}/app/keys/shaped` });
    expect(revealed.value).toBe(shaped);
    expect(revealed.sensitive).toMatchObject({ handle: `secret://${name}/app/keys/shaped#${revealed.version}` });
  });
});
