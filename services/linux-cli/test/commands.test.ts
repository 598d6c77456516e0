import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { type Harness, makeSandbox, type Sandbox, startHarness, writeFiles } from './helpers.ts';

let sandbox: Sandbox;
let h: Harness;

beforeEach(async () => {
  sandbox = makeSandbox();
  h = await startHarness(sandbox);
});
afterEach(async () => {
  await h.close();
  sandbox.cleanup();
});

describe('runCommand runs real commands without a shell', () => {
  test('returns exit code, signal, duration and output, in the first root by default', async () => {
    writeFiles(sandbox.root, { 'a.txt': 'one\ntwo\n', 'b.txt': 'three\n' });
    const out = await h.ok('runCommand', { argv: ['wc', '-l', 'a.txt', 'b.txt'] });
    expect(out).toMatchObject({ exitCode: 0, signal: null, risk: 'read_only', approval: 'not_required', host: 'local' });
    expect(out.stdout).toMatch(/2 a\.txt\n\s*1 b\.txt\n\s*3 total/);
    expect(out.durationMs).toBeGreaterThanOrEqual(0);
    const failing = await h.ok('runCommand', { argv: ['ls', 'missing-file'] });
    expect(failing.exitCode).toBe(2);
    expect(failing.stderr).toContain('missing-file');
  });

  test('shell syntax in an argument is only text: nothing is substituted or run', async () => {
    const out = await h.ok('runCommand', {
      argv: ['echo', '$(touch pwned)', '`touch pwned2`', ';', 'touch', 'pwned3', '&&', '>x'],
    });
    expect(out.stdout).toBe('$(touch pwned) `touch pwned2` ; touch pwned3 && >x\n');
    for (const name of ['pwned', 'pwned2', 'pwned3', 'x']) expect(existsSync(join(sandbox.root, name))).toBe(false);
  });

  test('stdin is passed, and a command reading stdin without it gets end of file', async () => {
    const out = await h.ok('runCommand', { argv: ['sort'], stdin: 'b\na\nc\n' });
    expect(out.stdout).toBe('a\nb\nc\n');
    const empty = await h.ok('runCommand', { argv: ['cat'] });
    expect(empty).toMatchObject({ exitCode: 0, stdout: '' });
  });

  test("the child environment is minimal: PATH, HOME, LANG and allowed names, never the service's own", async () => {
    process.env.LINUX_CLI_TEST_SERVICE_SECRET = 'service-secret-value-42';
    try {
      const out = await h.ok('runCommand', { argv: ['env'], env: { TZ: 'UTC' } });
      const names = out.stdout
        .trim()
        .split('\n')
        .map((line: string) => line.split('=')[0])
        .sort();
      expect(names).toEqual([
        'GIT_CONFIG_NOSYSTEM',
        'GIT_CONFIG_PARAMETERS',
        'GIT_PAGER',
        'GIT_TERMINAL_PROMPT',
        'HOME',
        'LANG',
        'LESSSECURE',
        'PAGER',
        'PATH',
        'PWD',
        'SYSTEMD_PAGER',
        'TZ',
      ]);
      expect(out.stdout).not.toContain('service-secret-value-42');
      expect(out.stdout).toContain(`HOME=${join(sandbox.data, 'linux-cli', 'home')}`);
    } finally {
      delete process.env.LINUX_CLI_TEST_SERVICE_SECRET;
    }
    const refused = await h.call('runCommand', { argv: ['env'], env: { LD_PRELOAD: '/tmp/x.so' } });
    expect(refused.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { rule: 'env-name' } });
    const notAllowed = await h.call('runCommand', { argv: ['env'], env: { MY_VAR: 'x' } });
    expect(notAllowed.error?.details?.rule).toBe('env-name');
  });

  test('a command given by absolute path in the command PATH runs; ./ and other directories do not', async () => {
    const out = await h.ok('runCommand', { argv: ['/usr/bin/printf', 'hi'] });
    expect(out.stdout).toBe('hi');
    writeFiles(sandbox.root, { ls: '#!/bin/sh\necho fake ls\n' });
    execFileSync('chmod', ['+x', join(sandbox.root, 'ls')]);
    const local = await h.call('runCommand', { argv: ['./ls'] });
    expect(local.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { rule: 'command-path' } });
    const elsewhere = await h.call('runCommand', { argv: [join(sandbox.root, 'ls')] });
    expect(elsewhere.error?.details?.rule).toBe('command-path');
  });

  test('a command on the allowlist that is not installed is NOT_FOUND', async () => {
    const out = await h.call('runCommand', { argv: ['wait'] });
    expect(out.error?.code).toBe('NOT_FOUND');
  });

  test('cwd must be an existing directory inside the roots', async () => {
    writeFiles(sandbox.root, { 'sub/f.txt': 'x' });
    const out = await h.ok('runCommand', { argv: ['pwd'], cwd: 'sub' });
    expect(out.stdout.trim()).toBe(join(sandbox.root, 'sub'));
    expect((await h.call('runCommand', { argv: ['pwd'], cwd: sandbox.outside })).error?.details?.rule).toBe('outside-roots');
    expect((await h.call('runCommand', { argv: ['pwd'], cwd: 'nope' })).error?.code).toBe('NOT_FOUND');
    expect((await h.call('runCommand', { argv: ['pwd'], cwd: 'sub/f.txt' })).error?.code).toBe('INVALID_ARGUMENT');
  });

  test('a timeout over the maximum is refused', async () => {
    const out = await h.call('runCommand', { argv: ['true'], timeout_ms: 300_001 });
    expect(out.error?.code).toBe('INVALID_ARGUMENT');
  });
});

describe('git cannot be made to run programs by a prepared repository', () => {
  test('fsmonitor and hooks in .git/config do not run, and an implicit bare repository is refused', async () => {
    const repo = join(sandbox.root, 'repo');
    execFileSync('git', ['init', '-q', repo]);
    const marker = join(sandbox.outside, 'fsmonitor-ran');
    execFileSync('git', ['-C', repo, 'config', 'core.fsmonitor', `touch ${marker}; false`]);
    execFileSync('git', ['-C', repo, 'config', 'core.pager', `touch ${marker}`]);
    writeFiles(repo, { 'a.txt': 'a\n' });
    const status = await h.ok('runCommand', { argv: ['git', 'status', '--short'], cwd: 'repo' });
    expect(status).toMatchObject({ exitCode: 0, stdout: '?? a.txt\n' });
    const log = await h.ok('runCommand', { argv: ['git', 'log'], cwd: 'repo' });
    expect(log.exitCode).toBe(128);
    expect(existsSync(marker)).toBe(false);
    const bare = join(sandbox.root, 'bare');
    execFileSync('git', ['init', '-q', '--bare', bare]);
    execFileSync('git', ['--git-dir', bare, 'config', 'core.fsmonitor', `touch ${marker}`]);
    const implicit = await h.ok('runCommand', { argv: ['git', 'status'], cwd: 'bare' });
    expect(implicit.exitCode).not.toBe(0);
    expect(existsSync(marker)).toBe(false);
    const explicit = await h.call('runCommand', { argv: ['git', '--git-dir=bare', 'status'] });
    expect(explicit.error?.details?.rule).toBe('refused-option');
    expect(explicit.error?.details?.reason).toContain('points git at another repository');
  });
});

describe('timeouts kill the whole process group', () => {
  test('a child that ignores SIGTERM, and its grandchild, are killed; the call reports TIMEOUT', async () => {
    const started = Date.now();
    const out = await h.call('runCommand', {
      argv: ['sh', '-c', 'trap "" TERM; sleep 61.4242 & sleep 61.4243; wait'],
      timeout_ms: 700,
    });
    const elapsed = Date.now() - started;
    expect(out.error).toMatchObject({ code: 'TIMEOUT' });
    expect(out.error?.message).toContain('SIGKILL');
    expect(elapsed).toBeGreaterThanOrEqual(695);
    expect(elapsed).toBeLessThan(700 + 500 + 3000);
    await new Promise((r) => setTimeout(r, 200));
    const left = execFileSync('ps', ['-eo', 'args']).toString();
    expect(left).not.toContain('sleep 61.4242');
    expect(left).not.toContain('sleep 61.4243');
    const line = h.audit().find((l) => l.tool === 'runCommand' && l.errorCode === 'TIMEOUT');
    expect(line).toMatchObject({ decision: 'allowed', timedOut: true, signal: 'SIGKILL' });
  });

  test('background processes left behind when the command exits are killed too', async () => {
    const out = await h.ok('runCommand', { argv: ['sh', '-c', 'sleep 61.4244 & echo started'] });
    expect(out.stdout).toBe('started\n');
    await new Promise((r) => setTimeout(r, 200));
    expect(execFileSync('ps', ['-eo', 'args']).toString()).not.toContain('sleep 61.4244');
  });
});

describe('output cap and paging', () => {
  test('stdout is capped at 1 MiB with a marker, and readCommandOutput pages the rest', async () => {
    const out = await h.ok('runCommand', { argv: ['seq', '1', '300000'] });
    const expected = `${Array.from({ length: 300000 }, (_, i) => i + 1).join('\n')}\n`;
    expect(out.stdoutBytes).toBe(Buffer.byteLength(expected));
    expect(out.stdoutBytes).toBeGreaterThan(1024 * 1024);
    expect(out.stdout).toContain(
      '[linux-cli: stdout truncated after 8192 of 1048576 captured bytes; read on with readCommandOutput',
    );
    expect(out.stdout).toContain(`bytes were discarded]`);
    expect(out.stdoutNextOffset).toBe(8192);
    let text = out.stdout.slice(0, out.stdout.indexOf('\n[linux-cli:'));
    let offset = out.stdoutNextOffset as number;
    let pages = 0;
    for (;;) {
      const page = await h.ok('readCommandOutput', { id: out.id, offset });
      expect(page.offset).toBe(offset);
      text += page.data;
      offset = page.nextOffset;
      pages += 1;
      if (page.eof) {
        expect(page).toMatchObject({ capturedBytes: 1024 * 1024, totalBytes: out.stdoutBytes });
        break;
      }
    }
    expect(pages).toBe(127);
    expect(text).toBe(expected.slice(0, 1024 * 1024));
    const base64 = await h.ok('readCommandOutput', { id: out.id, offset: 0, length: 12, encoding: 'base64' });
    expect(Buffer.from(base64.data, 'base64').toString()).toBe(expected.slice(0, 12));
    const other = await h.call('readCommandOutput', { id: 'out_nope', offset: 0 });
    expect(other.error?.code).toBe('NOT_FOUND');
  });

  test('pages never split a UTF-8 character', async () => {
    const text = 'é'.repeat(5000);
    const out = await h.ok('runCommand', { argv: ['cat'], stdin: text });
    expect(out.stdoutNextOffset).toBe(8192);
    const rest = await h.ok('readCommandOutput', { id: out.id, offset: out.stdoutNextOffset, length: 101 });
    expect(rest.nextOffset - rest.offset).toBe(100);
    expect(rest.data).toBe('é'.repeat(50));
  });
});

describe('read-only mode', () => {
  test('exposes only read tools, and runs only read_only commands', async () => {
    await h.close();
    h = await startHarness(sandbox, { config: { readOnly: true } });
    const { tools } = await h.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        'describePolicy',
        'fileInfo',
        'listBackups',
        'listDirectory',
        'listJobs',
        'readCommandOutput',
        'readFile',
        'readJobOutput',
        'runReadOnlyCommand',
        'searchFiles',
      ].sort(),
    );
    writeFiles(sandbox.root, { 'f.txt': 'data\n' });
    expect((await h.ok('runReadOnlyCommand', { argv: ['cat', 'f.txt'] })).stdout).toBe('data\n');
    const rm = await h.call('runReadOnlyCommand', { argv: ['rm', 'f.txt'] });
    expect(rm.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { rule: 'read-only' } });
    const redirect = await h.call('runReadOnlyCommand', { argv: ['sh', '-c', 'echo x > g.txt'] });
    expect(redirect.error?.details?.rule).toBe('read-only');
    expect((await h.call('runCommand', { argv: ['cat', 'f.txt'] })).error?.code).toBe('READ_ONLY');
    expect((await h.call('writeFile', { path: 'f.txt', content: 'x' })).error?.code).toBe('READ_ONLY');
    expect(existsSync(join(sandbox.root, 'f.txt'))).toBe(true);
    expect(existsSync(join(sandbox.root, 'g.txt'))).toBe(false);
  });

  test('calls the kit refuses before a tool runs are audited too', async () => {
    await h.close();
    h = await startHarness(sandbox, { config: { readOnly: true } });
    await h.call('runCommand', { argv: ['cat', 'f.txt'] });
    await h.call('runReadOnlyCommand', { argv: 'not an array' });
    for (let i = 0; i < 100 && h.audit().length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(h.audit().slice(-2)).toEqual([
      expect.objectContaining({ tool: 'runCommand', decision: 'refused', errorCode: 'READ_ONLY' }),
      expect.objectContaining({ tool: 'runReadOnlyCommand', decision: 'refused', errorCode: 'INVALID_ARGUMENT' }),
    ]);
  });
});

describe('tool annotations', () => {
  test('every tool sets the three hints, and only non-mutating tools claim readOnlyHint', async () => {
    const { tools } = await h.client.listTools();
    const readOnly = tools.filter((t) => t.annotations?.readOnlyHint).map((t) => t.name);
    expect(readOnly.sort()).toEqual(
      [
        'describePolicy',
        'fileInfo',
        'listBackups',
        'listDirectory',
        'listJobs',
        'readCommandOutput',
        'readFile',
        'readJobOutput',
        'runReadOnlyCommand',
        'searchFiles',
      ].sort(),
    );
    for (const tool of tools) {
      expect(typeof tool.annotations?.destructiveHint).toBe('boolean');
      expect(typeof tool.annotations?.idempotentHint).toBe('boolean');
    }
    expect(tools.find((t) => t.name === 'runCommand')?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
  });
});
