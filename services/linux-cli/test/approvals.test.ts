import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { accept, baseEnv, decline, type Harness, makeSandbox, type Sandbox, startHarness } from './helpers.ts';

let sandbox: Sandbox;
let h: Harness | undefined;

beforeEach(() => {
  sandbox = makeSandbox('linux-cli-approvals-');
  writeFileSync(join(sandbox.root, 'victim.txt'), 'x\n');
});
afterEach(async () => {
  await h?.close();
  h = undefined;
  sandbox.cleanup();
});

const victim = () => join(sandbox.root, 'victim.txt');

describe('approvals for destructive and privileged commands', () => {
  test('accepted: the human sees the exact argv, host and cwd, and the command runs once', async () => {
    h = await startHarness(sandbox, { answer: accept });
    const out = await h.ok('runCommand', { argv: ['rm', 'victim.txt'] });
    expect(out).toMatchObject({ exitCode: 0, risk: 'destructive', approval: 'accepted' });
    expect(existsSync(victim())).toBe(false);
    expect(h.prompts).toHaveLength(1);
    const message = h.prompts[0]?.message ?? '';
    expect(message).toContain('DESTRUCTIVE');
    expect(message).toContain('argv: ["rm","victim.txt"]');
    expect(message).toContain('host: local');
    expect(message).toContain(`cwd:  ${sandbox.root}`);
    expect(message).toContain('rm is destructive');
    expect(message).toContain(`replaces or deletes: ${join(sandbox.root, 'victim.txt')}`);
    expect(h.prompts[0]?.schema).toMatchObject({ required: ['approve'], properties: { approve: { type: 'boolean' } } });
    expect(h.audit().at(-1)).toMatchObject({
      tool: 'runCommand',
      decision: 'allowed',
      approval: 'accepted',
      risk: 'destructive',
      argv: ['rm', 'victim.txt'],
      cwd: sandbox.root,
      host: 'local',
      exitCode: 0,
    });
  });

  test('declined: APPROVAL_DENIED and nothing runs', async () => {
    h = await startHarness(sandbox, { answer: decline });
    const out = await h.call('runCommand', { argv: ['rm', 'victim.txt'] });
    expect(out.error).toMatchObject({ code: 'APPROVAL_DENIED' });
    expect(out.error?.message).toContain('declined');
    expect(existsSync(victim())).toBe(true);
    expect(h.audit().at(-1)).toMatchObject({
      decision: 'refused',
      approval: 'declined',
      errorCode: 'APPROVAL_DENIED',
      risk: 'destructive',
    });
  });

  test('cancelled, or accepted with approve false, is a refusal too', async () => {
    const answers = [{ action: 'cancel' as const }, { action: 'accept' as const, content: { approve: false } }];
    h = await startHarness(sandbox, { answer: () => answers.shift() ?? decline() });
    const cancelled = await h.call('runCommand', { argv: ['rm', 'victim.txt'] });
    expect(cancelled.error?.code).toBe('APPROVAL_DENIED');
    const unticked = await h.call('runCommand', { argv: ['rm', 'victim.txt'] });
    expect(unticked.error?.code).toBe('APPROVAL_DENIED');
    expect(existsSync(victim())).toBe(true);
    expect(h.audit().map((l) => l.approval)).toEqual(['cancelled', 'declined']);
  });

  test('a client without elicitation is refused (fail closed) with how to approve', async () => {
    h = await startHarness(sandbox);
    const out = await h.call('runCommand', { argv: ['rm', 'victim.txt'] });
    expect(out.error).toMatchObject({ code: 'APPROVAL_REQUIRED', retryable: false });
    expect(out.error?.message).toContain('cannot show approval prompts');
    expect(out.error?.message).toContain('client that supports elicitation');
    expect(out.error?.message).toContain('LINUX_CLI_APPROVAL_MODE');
    expect(out.error?.message).toContain('["rm","victim.txt"]');
    expect(existsSync(victim())).toBe(true);
    expect(h.audit().at(-1)).toMatchObject({ decision: 'refused', approval: 'unavailable', errorCode: 'APPROVAL_REQUIRED' });
  });

  test('each approval covers one call: the same command again asks again', async () => {
    h = await startHarness(sandbox, { answer: accept });
    await h.ok('runCommand', { argv: ['rm', 'victim.txt'] });
    writeFileSync(victim(), 'again\n');
    await h.ok('runCommand', { argv: ['rm', 'victim.txt'] });
    expect(h.prompts).toHaveLength(2);
  });

  test('read_only and modify commands do not ask; privileged ones and destructive jobs do', async () => {
    h = await startHarness(sandbox, { answer: decline });
    await h.ok('runCommand', { argv: ['cat', 'victim.txt'] });
    await h.ok('runCommand', { argv: ['touch', 'new.txt'] });
    expect(h.prompts).toHaveLength(0);
    const privileged = await h.call('runCommand', { argv: ['chown', 'root', 'victim.txt'] });
    expect(privileged.error?.code).toBe('APPROVAL_DENIED');
    expect(h.prompts[0]?.message).toContain('PRIVILEGED');
    const job = await h.call('startJob', { argv: ['rm', 'victim.txt'] });
    expect(job.error?.code).toBe('APPROVAL_DENIED');
    expect(h.prompts).toHaveLength(2);
    expect(existsSync(victim())).toBe(true);
  });

  test('approvalMode deny refuses destructive commands without asking', async () => {
    h = await startHarness(sandbox, { answer: accept, env: baseEnv(sandbox, { LINUX_CLI_APPROVAL_MODE: 'deny' }) });
    const out = await h.call('runCommand', { argv: ['rm', 'victim.txt'] });
    expect(out.error?.code).toBe('POLICY_VIOLATION');
    expect(out.error?.message).toContain('approvalMode is deny');
    expect(h.prompts).toHaveLength(0);
    expect(existsSync(victim())).toBe(true);
    expect(h.audit().at(-1)).toMatchObject({ decision: 'refused', approval: 'denied_by_mode' });
  });

  test('approvalMode auto runs them without asking, and says so in the audit log', async () => {
    h = await startHarness(sandbox, { env: baseEnv(sandbox, { LINUX_CLI_APPROVAL_MODE: 'auto' }) });
    const out = await h.ok('runCommand', { argv: ['rm', 'victim.txt'] });
    expect(out.approval).toBe('auto');
    expect(existsSync(victim())).toBe(false);
    expect(h.audit().at(-1)).toMatchObject({ decision: 'allowed', approval: 'auto' });
  });
});

describe('the audit log', () => {
  test('has one line per call with caller, correlation id, argv, cwd, decision, exit code and duration, and no output', async () => {
    h = await startHarness(sandbox);
    await h.ok('runCommand', { argv: ['echo', 'unique-output-marker-7731'] });
    await h.call('runCommand', { argv: ['curl', 'http://evil.example'] });
    await h.client.request(
      {
        method: 'tools/call',
        params: { name: 'runCommand', arguments: { argv: ['true'] }, _meta: { 'io.switchboard/correlation-id': 'corr-123' } },
      },
      (await import('@modelcontextprotocol/sdk/types.js')).CallToolResultSchema,
    );
    const lines = h.audit();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      service: 'linux-cli',
      tool: 'runCommand',
      caller: 'test',
      decision: 'allowed',
      argv: ['echo', 'unique-output-marker-7731'],
      cwd: sandbox.root,
      host: 'local',
      risk: 'read_only',
      approval: 'not_required',
      exitCode: 0,
      signal: null,
    });
    expect(typeof lines[0]?.correlationId).toBe('string');
    expect(typeof lines[0]?.durationMs).toBe('number');
    expect(Date.parse(lines[0]?.time)).not.toBeNaN();
    expect(lines[1]).toMatchObject({
      decision: 'refused',
      rule: 'not-allowed',
      reason: expect.stringContaining('curl is not on the allowlist'),
    });
    expect(lines[2]).toMatchObject({ correlationId: 'corr-123', argv: ['true'] });
    expect(lines.some((l) => 'stdout' in l || 'stderr' in l)).toBe(false);
  });

  test('secrets in arguments and environment values are redacted; env values are never written', async () => {
    h = await startHarness(sandbox);
    await h.ok('runCommand', {
      argv: ['echo', 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz123456', 'password=hunter2hunter2'],
      env: { TZ: 'tz-value-not-logged' },
      stdin: 'stdin-not-logged',
    });
    const raw = JSON.stringify(h.audit());
    expect(raw).not.toContain('abcdefghijklmnopqrstuvwxyz123456');
    expect(raw).not.toContain('hunter2hunter2');
    expect(raw).not.toContain('tz-value-not-logged');
    expect(raw).not.toContain('stdin-not-logged');
    expect(raw).toContain('[REDACTED]');
    expect(h.audit().at(-1)).toMatchObject({ envNames: ['TZ'], stdinBytes: 16 });
  });
});
