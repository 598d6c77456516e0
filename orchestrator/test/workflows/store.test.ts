import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { openDb } from '@switchboard/shared/sql';
import { createTestDatabase, TEST_DIALECTS, type TestDatabase } from '@switchboard/shared/testing';
import { workflowMigrations } from '../../src/workflows/store/schema.ts';
import { SqlRunStore } from '../../src/workflows/store/sql-run-store.ts';
import type { NewRun, StepRecord } from '../../src/workflows/store/types.ts';

/** The run store's contract, the same on both databases. */
const definition = { dsl: 'switchboard/v1', name: 'w', version: '1', steps: [] } as unknown as NewRun['definition'];

function newRun(runId: string, extra: Partial<NewRun> = {}): NewRun {
  return {
    runId,
    workflow: 'w',
    version: '1',
    definitionHash: 'h1',
    definition,
    fromRegistry: false,
    input: { a: 1 },
    status: 'running',
    caller: 'alice',
    createdAt: 1000,
    updatedAt: 1000,
    ...extra,
  };
}

function step(key: string, extra: Partial<StepRecord> = {}): StepRecord {
  return { key, stepId: key, kind: 'call', status: 'running', attempts: 1, ord: 1, startedAt: 2000, ...extra };
}

describe.each(TEST_DIALECTS)('workflow run store on %s', (dialect) => {
  let database: TestDatabase;
  let store: SqlRunStore;
  beforeEach(async () => {
    database = await createTestDatabase(dialect, 'wf_store');
    store = new SqlRunStore({ url: database.url, dataDir: '/unused' });
    await store.init();
  });
  afterEach(async () => {
    await store.close();
    await database.destroy();
  });

  test('runs: create once per idempotency key, read back every field, page newest first with totals', async () => {
    const first = await store.createRun(newRun('r1', { idempotencyKey: 'k', fromRegistry: true, task: { ttl: 60_000 } }));
    expect(first.created).toBe(true);
    expect(first.run).toMatchObject({
      runId: 'r1',
      fromRegistry: true,
      task: { ttl: 60_000 },
      input: { a: 1 },
      idempotencyKey: 'k',
    });
    const again = await store.createRun(newRun('r2', { idempotencyKey: 'k' }));
    expect(again).toMatchObject({ created: false, run: { runId: 'r1' } });
    await store.createRun(newRun('r3', { createdAt: 3000, workflow: 'other', caller: 'bob' }));
    await store.createRun(newRun('r4', { createdAt: 3000, status: 'completed' }));
    const all = await store.listRuns({}, 2);
    expect(all.total).toBe(3);
    expect(all.runs.map((r) => r.runId)).toEqual(['r4', 'r3']);
    const next = await store.listRuns({}, 2, { createdAt: 3000, runId: 'r3' });
    expect(next.runs.map((r) => r.runId)).toEqual(['r1']);
    expect((await store.listRuns({ status: ['completed', 'failed'] }, 10)).runs.map((r) => r.runId)).toEqual(['r4']);
    expect((await store.listRuns({ workflow: 'other', caller: 'bob', createdAfter: 2000 }, 10)).total).toBe(1);
    expect(await store.getRun('nope')).toBeUndefined();
  });

  test('updates are fenced by the lease; cancellation is requested once, on unfinished runs only', async () => {
    await store.createRun(newRun('r1'));
    expect(await store.claimRun('r1', 'me', 5000, 1000)).toMatchObject({ leaseOwner: 'me', leaseUntil: 5000 });
    expect(await store.updateRun('r1', { status: 'failed', error: { type: 'x', message: 'm' } as never }, 'someone-else')).toBe(
      false,
    );
    expect(await store.updateRun('r1', { output: { ok: true }, finishedAt: 9 }, 'me')).toBe(true);
    expect(await store.getRun('r1')).toMatchObject({ output: { ok: true }, finishedAt: 9, status: 'running' });
    expect((await store.requestCancel('r1', true))?.cancelRequested).toEqual({ compensate: true });
    expect((await store.requestCancel('r1', false))?.cancelRequested).toEqual({ compensate: true });
    await store.createRun(newRun('done', { status: 'completed' }));
    expect((await store.requestCancel('done', false))?.cancelRequested).toBeUndefined();
  });

  test('leases: claim when free, expired or ours; renew reports held runs and cancellations; release; claimable', async () => {
    await store.createRun(newRun('a'));
    await store.createRun(newRun('b', { createdAt: 1001 }));
    await store.createRun(newRun('c', { createdAt: 1002, status: 'completed' }));
    expect(await store.listClaimable(1000, 10)).toEqual(['a', 'b']);
    expect(await store.claimRun('a', 'one', 2000, 1000)).toBeDefined();
    expect(await store.claimRun('a', 'two', 2000, 1500)).toBeUndefined();
    expect(await store.claimRun('a', 'one', 2500, 1500)).toBeDefined();
    expect(await store.claimRun('c', 'one', 2000, 1000)).toBeUndefined();
    expect(await store.listClaimable(1500, 10)).toEqual(['b']);
    await store.requestCancel('a', false);
    const renewed = await store.renewLeases('one', ['a', 'b'], 4000);
    expect([...renewed.held]).toEqual(['a']);
    expect(renewed.cancels.get('a')).toEqual({ compensate: false });
    expect((await store.renewLeases('one', [], 1)).held.size).toBe(0);
    expect(await store.claimRun('a', 'two', 9000, 5000)).toMatchObject({ leaseOwner: 'two' });
    await store.releaseLease('a', 'one');
    expect((await store.getRun('a'))?.leaseOwner).toBe('two');
    await store.releaseLease('a', 'two');
    expect((await store.getRun('a'))?.leaseOwner).toBeUndefined();
  });

  test('checkpoints write the step and its event only while the owner holds the lease', async () => {
    await store.createRun(newRun('r'));
    await store.claimRun('r', 'me', 9000, 1000);
    const event = { key: 's', event: 'call' as const, attempt: 1, definitionHash: 'h1', at: 2000, detail: { n: 1 } };
    expect(await store.checkpoint('r', 'me', step('s', { data: { idempotencyKey: 'r:s' } }), event)).toBe(true);
    expect(
      await store.checkpoint('r', 'me', step('s', { status: 'completed', output: { v: 2 }, doneSeq: 1, finishedAt: 3000 })),
    ).toBe(true);
    expect(await store.checkpoint('r', 'thief', step('s', { status: 'failed' }), { ...event, event: 'result' })).toBe(false);
    expect(await store.getStep('r', 's')).toMatchObject({ status: 'completed', output: { v: 2 }, doneSeq: 1, finishedAt: 3000 });
    const checkpoints = await store.listCheckpoints('r', 10);
    expect(checkpoints).toHaveLength(1);
    expect(checkpoints[0]).toMatchObject({
      key: 's',
      event: 'call',
      attempt: 1,
      definitionHash: 'h1',
      at: 2000,
      detail: { n: 1 },
    });
    await store.checkpoint('r', 'me', step('t', { ord: 2, sealed: 'sealed-text' }));
    expect((await store.getSteps('r')).map((s) => s.key)).toEqual(['s', 't']);
    await store.deleteSteps('r', ['s', 't']);
    expect(await store.getSteps('r')).toEqual([]);
  });

  test('an approval is decided once, and only while it waits', async () => {
    await store.createRun(newRun('r'));
    await store.claimRun('r', 'me', 9000, 1000);
    await store.checkpoint('r', 'me', step('gate', { kind: 'approval', status: 'waiting', data: { request: 'ok?' } }));
    const [one, two] = await Promise.all([
      store.decideApproval('r', 'gate', { approved: true, by: 'a' }),
      store.decideApproval('r', 'gate', { approved: false, by: 'b' }),
    ]);
    expect([one, two].sort()).toEqual([false, true]);
    expect((await store.getStep('r', 'gate'))?.data).toMatchObject({ request: 'ok?', decision: { by: one ? 'a' : 'b' } });
    expect(await store.decideApproval('r', 'missing', { approved: true })).toBe(false);
  });

  test('definitions: created, same, conflict, replaced; latest by numeric version; listed with totals', async () => {
    const put = (version: string, hash: string, overwrite = false) =>
      store.putDefinition({ name: 'd', version, hash, definition, source: 'registered', createdAt: 1 }, overwrite);
    expect(await put('1.9.0', 'a')).toBe('created');
    expect(await put('1.9.0', 'a')).toBe('same');
    expect(await put('1.9.0', 'b')).toBe('conflict');
    expect(await put('1.9.0', 'b', true)).toBe('replaced');
    expect(await put('1.10.0', 'c')).toBe('created');
    expect((await store.getDefinition('d'))?.version).toBe('1.10.0');
    expect((await store.getDefinition('d', '1.9.0'))?.hash).toBe('b');
    expect(await store.getDefinition('d', '2')).toBeUndefined();
    const listed = await store.listDefinitions(undefined, 1, 1);
    expect(listed.total).toBe(2);
    expect(listed.items.map((d) => d.version)).toEqual(['1.9.0']);
    expect((await store.listDefinitions('d', 10, 0)).total).toBe(2);
  });

  test('a database made by the stores before the SQL layer (tables, no version table) is adopted as it is', async () => {
    await store.createRun(newRun('kept'));
    await store.close();
    const db = await openDb({ url: database.url, dataDir: '/unused', defaultFile: 'x' });
    await db.write((q) => q.run('DROP TABLE workflows_schema_version'));
    await db.close();
    store = new SqlRunStore({ url: database.url, dataDir: '/unused' });
    await store.init();
    expect((await store.getRun('kept'))?.runId).toBe('kept');
    expect(workflowMigrations(dialect).steps).toHaveLength(1);
  });
});
