import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from '@jest/globals';
import { createLogger, createRedactor } from '@switchboard/shared';
import { openDb } from '@switchboard/shared/sql';
import { createTestDatabase } from '@switchboard/shared/testing';
import type { AuditEntry } from '../src/audit/audit-chain.ts';
import { AuditLog } from '../src/audit/audit-log.ts';
import { NODE, tempDir } from './helpers.ts';

const VERIFY_CLI = fileURLToPath(new URL('../src/audit/verify-cli.ts', import.meta.url));
const quiet = createLogger({ service: 'audit-test', level: 'silent', redactor: createRedactor() });

const call = (i: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  type: 'call',
  caller: i % 2 === 0 ? 'alice' : 'bob',
  callerKind: 'token',
  roles: 'operator',
  namespace: 'cmdb',
  tool: i % 3 === 0 ? 'deleteItem' : 'searchItems',
  argsHash: 'a'.repeat(64),
  outcome: i % 3 === 0 ? 'permission_denied' : 'success',
  durationMs: i,
  correlationId: `corr-${i}`,
  ...extra,
});

/**
 * The audit trail: one JSONL line per record, chained by hash. A modified line fails its own hash and the verifier
 * (orchestrator.verifyAuditLog, and the verify-cli for a copy offline) says which line; a removed one breaks the
 * chain at the next. The chain continues over restarts, and on PostgreSQL one chain runs through every replica.
 */
describe('the audit trail', () => {
  const dir = tempDir('orch-audit-');
  afterAll(() => dir.cleanup());

  test('a modified line is reported by the verifier, with its line number; so is a removed one', async () => {
    const file = join(dir.path, 'one.jsonl');
    const log = new AuditLog({ enabled: true, file }, quiet, createRedactor());
    for (let i = 1; i <= 6; i++) log.record(call(i));
    await log.flush();
    expect(await log.verify()).toMatchObject({ ok: true, records: 6, problems: [] });
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(6);
    const third = JSON.parse(lines[2] as string);
    expect(third).toMatchObject({ seq: 3, type: 'call', caller: 'bob', tool: 'deleteItem', outcome: 'permission_denied' });
    expect(third.prev).toBe(JSON.parse(lines[1] as string).hash);
    await log.close();

    // Someone rewrites the refusal as a success.
    writeFileSync(file, `${lines.map((l, i) => (i === 2 ? l.replace('"permission_denied"', '"success"') : l)).join('\n')}\n`);
    const tampered = await new AuditLog({ enabled: true, file }, quiet, createRedactor()).verify();
    expect(tampered.ok).toBe(false);
    expect(tampered.problems).toEqual([
      { line: 3, seq: 3, problem: 'the record was modified: its hash does not match its content' },
    ]);
    const cli = spawnSync(NODE, [VERIFY_CLI, file], { encoding: 'utf8' });
    expect(cli.status).toBe(1);
    expect(JSON.parse(cli.stdout).problems[0]).toMatchObject({ line: 3 });

    writeFileSync(file, `${lines.filter((_, i) => i !== 3).join('\n')}\n`);
    const removed = await new AuditLog({ enabled: true, file }, quiet, createRedactor()).verify();
    expect(removed.problems.map((p) => [p.line, p.seq])).toEqual([
      [4, 5],
      [4, 5],
    ]);
    expect(removed.problems[0]?.problem).toMatch(/chain is broken/);
    writeFileSync(file, `${lines.join('\n')}\n`);
    expect(spawnSync(NODE, [VERIFY_CLI, file], { encoding: 'utf8' }).status).toBe(0);
  });

  test('the chain continues after a restart, and past a line a crash cut short', async () => {
    const file = join(dir.path, 'two.jsonl');
    const first = new AuditLog({ enabled: true, file }, quiet, createRedactor());
    first.record(call(1));
    first.record(call(2));
    await first.close();
    appendFileSync(file, '{"seq":3,"at":"2026-');
    const second = new AuditLog({ enabled: true, file }, quiet, createRedactor());
    second.record(call(3));
    await second.flush();
    const report = await second.verify();
    expect(report.records).toBe(3);
    expect(report.head.seq).toBe(3);
    expect(report.problems).toEqual([{ line: 3, problem: 'not an audit record (malformed or cut short)' }]);
    await second.close();
  });

  test('queries filter, page newest first, and count every match', async () => {
    const file = join(dir.path, 'three.jsonl');
    const log = new AuditLog({ enabled: true, file }, quiet, createRedactor());
    for (let i = 1; i <= 9; i++) log.record(call(i));
    const page = await log.query({ caller: 'bob', limit: 2 });
    expect(page.total).toBe(5);
    expect(page.records.map((r) => r.seq)).toEqual([9, 7]);
    expect(page.hasMore).toBe(true);
    const next = await log.query({ caller: 'bob', limit: 2, beforeSeq: 7 });
    expect(next.records.map((r) => r.seq)).toEqual([5, 3]);
    const refusals = await log.query({ outcome: 'permission_denied', tool: 'deleteItem', limit: 10 });
    expect(refusals.records.map((r) => r.seq)).toEqual([9, 6, 3]);
    expect((await log.query({ correlationId: 'corr-4', limit: 10 })).records.map((r) => r.seq)).toEqual([4]);
    await log.close();
  });

  test('the arguments hash is taken after redaction: a secret does not change it', async () => {
    const redactor = createRedactor();
    redactor.register('hunter2-correct-horse');
    const log = new AuditLog({ enabled: true, file: join(dir.path, 'four.jsonl') }, quiet, redactor);
    expect(log.argsHash({ password: 'one' })).toBe(log.argsHash({ password: 'two' }));
    expect(log.argsHash({ note: 'hunter2-correct-horse' })).toBe(log.argsHash({ note: '[REDACTED]' }));
    expect(log.argsHash({ b: 1, a: 2 })).toBe(log.argsHash({ a: 2, b: 1 }));
    expect(log.argsHash({ a: 1 })).not.toBe(log.argsHash({ a: 2 }));
  });

  test('on PostgreSQL two replicas write one chain, and a modified row is reported', async () => {
    const database = await createTestDatabase('postgres', 'gw_audit');
    try {
      const config = { enabled: true, databaseUrl: database.url };
      const replicas = [new AuditLog(config, quiet, createRedactor()), new AuditLog(config, quiet, createRedactor())];
      for (let i = 1; i <= 20; i++) replicas[i % 2]?.record(call(i));
      await Promise.all(replicas.map((r) => r.flush()));
      for (let i = 21; i <= 30; i++) replicas[i % 2]?.record(call(i));
      await Promise.all(replicas.map((r) => r.flush()));
      const report = await replicas[0]?.verify();
      expect(report).toMatchObject({ ok: true, records: 30, problems: [] });
      expect((await replicas[1]?.query({ caller: 'alice', limit: 100 }))?.total).toBe(15);
      const db = await openDb({ url: database.url, dataDir: '/unused', defaultFile: 'x' });
      await db.write((q) => q.run(`UPDATE gateway_audit SET line = replace(line, '"success"', '"tool_error"') WHERE seq = 11`));
      await db.close();
      const tampered = await replicas[1]?.verify();
      expect(tampered?.problems).toEqual([
        { line: 11, seq: 11, problem: 'the record was modified: its hash does not match its content' },
      ]);
      await Promise.all(replicas.map((r) => r.close()));
    } finally {
      await database.destroy();
    }
  });
});
