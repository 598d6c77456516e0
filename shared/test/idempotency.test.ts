import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { createServiceClient, IDEMPOTENCY_META_KEY, ToolError } from '../src/index.ts';
import { openDb } from '../src/sql/index.ts';
import {
  connectInMemory,
  createTestDatabase,
  type RunningService,
  startOnPort0,
  TEST_DIALECTS,
  type TestClient,
  type TestDatabase,
} from '../src/testing/index.ts';
import { type Counter, idempotencyService } from './fixtures/idempotency-service.ts';

const call = (client: TestClient, args: Record<string, unknown>, key?: string) =>
  client.callTool({ name: 'bump', arguments: args, ...(key ? { _meta: { [IDEMPOTENCY_META_KEY]: key } } : {}) });

describe.each(TEST_DIALECTS)('ctx.idempotent over %s', (dialect) => {
  let database: TestDatabase;
  let counter: Counter;
  let client: TestClient | undefined;
  beforeEach(async () => {
    database = await createTestDatabase(dialect, 'idem_test');
    counter = { runs: 0, delayMs: 0 };
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
    await database.destroy();
  });
  const connect = async (config: Record<string, unknown> = {}) => {
    client = await connectInMemory(idempotencyService(counter, database.url), { config });
    return client;
  };

  test('a repeat with the same key gets the first outcome and runs nothing; without a key every call runs', async () => {
    const c = await connect();
    const first = await call(c, { by: 2 }, 'run-1:step-a');
    const again = await call(c, { by: 2 }, 'run-1:step-a');
    expect(first.structuredContent).toEqual({ run: 1, by: 2 });
    expect(again.structuredContent).toEqual({ run: 1, by: 2 });
    expect(counter.runs).toBe(1);
    await call(c, { by: 2 }, 'run-1:step-b');
    await call(c, { by: 2 });
    await call(c, { by: 2 });
    expect(counter.runs).toBe(4);
  });

  test('the same key with other arguments is IDEMPOTENCY_CONFLICT (argument order does not matter)', async () => {
    const c = await connect();
    await call(c, { by: 1, note: 'a' }, 'k-1');
    const same = await call(c, { note: 'a', by: 1 }, 'k-1');
    expect(same.isError).toBeFalsy();
    const other = await call(c, { by: 5, note: 'a' }, 'k-1');
    expect(other.structuredContent).toMatchObject({ error: { code: 'IDEMPOTENCY_CONFLICT', retryable: false } });
    expect(counter.runs).toBe(1);
  });

  test('a repeat sent while the first still runs waits for it and gets its outcome; the work ran once', async () => {
    const c = await connect();
    counter.delayMs = 400;
    const [a, b, d] = await Promise.all([call(c, { by: 3 }, 'k-w'), call(c, { by: 3 }, 'k-w'), call(c, { by: 3 }, 'k-w')]);
    expect(counter.runs).toBe(1);
    for (const result of [a, b, d]) expect(result.structuredContent).toEqual({ run: 1, by: 3 });
  });

  test('a non-retryable error is the stored outcome; a retryable one or a crash gives the key up', async () => {
    const c = await connect();
    counter.failWith = new ToolError('CONFLICT', 'taken');
    const first = await call(c, { by: 1 }, 'k-e');
    counter.failWith = undefined;
    const again = await call(c, { by: 1 }, 'k-e');
    expect(first.structuredContent).toMatchObject({ error: { code: 'CONFLICT', message: 'taken' } });
    expect(again.structuredContent).toEqual(first.structuredContent);
    expect(counter.runs).toBe(1);

    counter.failWith = new ToolError('DEPENDENCY_UNAVAILABLE', 'database down');
    expect((await call(c, { by: 1 }, 'k-r')).structuredContent).toMatchObject({ error: { code: 'DEPENDENCY_UNAVAILABLE' } });
    counter.failWith = new Error('crash');
    expect((await call(c, { by: 1 }, 'k-r')).structuredContent).toMatchObject({ error: { code: 'INTERNAL' } });
    counter.failWith = undefined;
    expect((await call(c, { by: 1 }, 'k-r')).structuredContent).toEqual({ run: 4, by: 1 });
    expect((await call(c, { by: 1 }, 'k-r')).structuredContent).toEqual({ run: 4, by: 1 });
  });

  test('after the retention window the key is forgotten and the work runs again', async () => {
    const c = await connect({ idempotencyRetentionMs: 200 });
    await call(c, { by: 1 }, 'k-t');
    await call(c, { by: 1 }, 'k-t');
    expect(counter.runs).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect((await call(c, { by: 1 }, 'k-t')).structuredContent).toEqual({ run: 2, by: 1 });
  });

  test('a record left running by a process that died is taken over once its heartbeat is stale', async () => {
    const db = await openDb({ url: database.url, dataDir: '/unused', defaultFile: 'x' });
    try {
      const c = await connect();
      await call(c, { by: 1 }, 'warm-up');
      const { argumentsFingerprint } = await import('../src/index.ts');
      await db.write((q) =>
        q.run(
          `INSERT INTO kit_idempotency (service, caller, tool, key, fingerprint, state, owner, created_at, heartbeat_at, expires_at)
           VALUES ('idem-test', 'test', 'bump', 'k-dead', ?, 'running', 'a-dead-process', ?, ?, ?)`,
          [argumentsFingerprint({ by: 9 }), Date.now() - 60_000, Date.now() - 60_000, Date.now() + 60_000],
        ),
      );
      expect((await call(c, { by: 9 }, 'k-dead')).structuredContent).toEqual({ run: 2, by: 9 });
      expect((await call(c, { by: 9 }, 'k-dead')).structuredContent).toEqual({ run: 2, by: 9 });
    } finally {
      await db.close();
    }
  });
});

describe('idempotency across callers and processes', () => {
  let running: RunningService | undefined;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'idem-'));
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  test('keys are per caller; without a database of its own the kit keeps records in <dataDir>/<service>-idempotency.sqlite', async () => {
    const counter: Counter = { runs: 0, delayMs: 0 };
    running = await startOnPort0(idempotencyService(counter), {
      env: { SWITCHBOARD_TOKENS: 'alice:alice-token-0123456789,bob:bob-token-0123456789ab', SWITCHBOARD_DATA_DIR: dir },
    });
    const alice = createServiceClient({ url: running.mcpUrl, token: 'alice-token-0123456789' });
    const bob = createServiceClient({ url: running.mcpUrl, token: 'bob-token-0123456789ab' });
    try {
      expect(await alice.call('bump', { by: 1 }, { idempotencyKey: 'shared-key' })).toEqual({ run: 1, by: 1 });
      expect(await alice.call('bump', { by: 1 }, { idempotencyKey: 'shared-key' })).toEqual({ run: 1, by: 1 });
      expect(await bob.call('bump', { by: 1 }, { idempotencyKey: 'shared-key' })).toEqual({ run: 2, by: 1 });
      expect(counter.runs).toBe(2);
      expect(existsSync(join(dir, 'idem-test-idempotency.sqlite'))).toBe(true);
    } finally {
      await alice.close();
      await bob.close();
    }
  });
});
