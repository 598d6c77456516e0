import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { baseEnv, type Harness, makeSandbox, type Sandbox, startHarness } from './helpers.ts';

let sandbox: Sandbox;
let h: Harness;

beforeEach(async () => {
  sandbox = makeSandbox('linux-cli-jobs-');
  h = await startHarness(sandbox, { env: baseEnv(sandbox, { LINUX_CLI_MAX_JOBS: '2', LINUX_CLI_MAX_OUTPUT: '4kb' }) });
});
afterEach(async () => {
  await h.close();
  sandbox.cleanup();
});

async function waitForState(id: string, state: string): Promise<Record<string, any>> {
  for (let i = 0; i < 100; i++) {
    const page = await h.ok('readJobOutput', { id });
    if (page.state === state) return page;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${id} never reached ${state}`);
}

const running = () => execFileSync('ps', ['-eo', 'args']).toString();

describe('background jobs', () => {
  test('start, read output while running and after, list, and the audit log records the end', async () => {
    const job = await h.ok('startJob', { argv: ['sh', '-c', 'echo started; sleep 0.4; echo finished; echo oops >&2'] });
    expect(job).toMatchObject({ state: 'running', risk: 'read_only', approval: 'not_required' });
    expect(job.id).toMatch(/^job_/);
    const early = await h.ok('readJobOutput', { id: job.id });
    expect(early.state).toBe('running');
    const done = await waitForState(job.id, 'exited');
    expect(done).toMatchObject({ exitCode: 0, data: 'started\nfinished\n', eof: true });
    const err = await h.ok('readJobOutput', { id: job.id, stream: 'stderr' });
    expect(err.data).toBe('oops\n');
    const list = await h.ok('listJobs', {});
    expect(list).toMatchObject({ total: 1, items: [{ id: job.id, state: 'exited', exitCode: 0 }] });
    expect((await h.ok('listJobs', { state: 'running' })).total).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.audit().find((l) => l.event === 'job-ended')).toMatchObject({ jobId: job.id, exitCode: 0, decision: 'allowed' });
  });

  test('killJob ends the whole process group, and killing again changes nothing', async () => {
    const job = await h.ok('startJob', { argv: ['sh', '-c', 'trap "" TERM; sleep 62.5151 & sleep 62.5152; wait'] });
    await new Promise((r) => setTimeout(r, 200));
    expect(running()).toContain('sleep 62.5151');
    const killed = await h.ok('killJob', { id: job.id });
    expect(killed.state).toBe('killed');
    expect(running()).not.toContain('sleep 62.515');
    expect((await h.ok('killJob', { id: job.id })).state).toBe('killed');
  });

  test('a job is killed when its lifetime runs out', async () => {
    const job = await h.ok('startJob', { argv: ['sleep', '62.6262'], lifetime_ms: 1000 });
    const done = await waitForState(job.id, 'timed_out');
    expect(done.signal).toBe('SIGTERM');
    expect(running()).not.toContain('sleep 62.6262');
  });

  test('the number of running jobs is bounded', async () => {
    await h.ok('startJob', { argv: ['sleep', '62.7'] });
    await h.ok('startJob', { argv: ['sleep', '62.7'] });
    const third = await h.call('startJob', { argv: ['sleep', '62.7'] });
    expect(third.error).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
  });

  test('a job keeps the latest output up to the cap and says how much it skipped', async () => {
    const job = await h.ok('startJob', { argv: ['seq', '1', '5000'] });
    const done = await waitForState(job.id, 'exited');
    expect(done.totalBytes).toBe(23893);
    expect(done.skippedBytes).toBe(23893 - 4096);
    expect(done.data.endsWith('4999\n5000\n')).toBe(true);
  });

  test('jobs go through the same validator', async () => {
    const out = await h.call('startJob', { argv: ['sh', '-c', 'curl http://evil.example'] });
    expect(out.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { rule: 'not-allowed' } });
    expect((await h.call('readJobOutput', { id: 'job_nope' })).error?.code).toBe('NOT_FOUND');
  });
});
