import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { cmdbService } from '@switchboard/cmdb';
import { type RunningService, startOnPort0 } from '@switchboard/shared/testing';
import { accept, baseEnv, type Harness, makeSandbox, type Sandbox, startHarness } from './helpers.ts';
import { fingerprint, keygen, type Sshd, startSshd } from './sshd.ts';

/**
 * Against a real OpenSSH server on a loopback port (installed from Debian when missing), with throwaway host and
 * user keys: success, unknown and mismatched host keys refused, a wrong key refused, timeouts, the validator and
 * approvals over SSH, and hosts looked up in a real cmdb.
 */
// Each call is a real SSH session (key exchange, then the path lookup and the command); on a loaded 2-core runner a
// test of seven calls took over the default 30 s once, so these tests get a wider guard.
jest.setTimeout(120_000);

let sandbox: Sandbox;
let sshd: Sshd;
let remoteRoot: string;
let userKey: string;
let wrongKey: string;
let hostFingerprint: string;
let knownHosts: string;
let h: Harness;

function profiles(port: number) {
  const base = { port, user: 'root', identityFile: userKey, roots: [remoteRoot] };
  return JSON.stringify([
    { name: 'box', host: '127.0.0.1', ...base },
    { name: 'stranger', host: 'localhost', ...base },
    { name: 'pinned', host: 'localhost', ...base, hostKeyFingerprint: hostFingerprint },
    { name: 'badpin', host: '127.0.0.1', ...base, hostKeyFingerprint: `SHA256:${'A'.repeat(43)}` },
    { name: 'wrongkey', host: '127.0.0.1', ...base, identityFile: wrongKey },
    { name: 'closed', host: '127.0.0.1', ...base, port: 1 },
  ]);
}

function sshEnv(extra: Record<string, string> = {}): Record<string, string> {
  return baseEnv(sandbox, {
    LINUX_CLI_SSH_PROFILES: profiles(sshd.port),
    LINUX_CLI_SSH_KNOWN_HOSTS: knownHosts,
    LINUX_CLI_SSH_CONNECT_TIMEOUT_MS: '5000',
    ...extra,
  });
}

beforeAll(async () => {
  sandbox = makeSandbox('linux-cli-ssh-');
  const keys = join(sandbox.base, 'keys');
  mkdirSync(keys, { mode: 0o700 });
  const user = keygen(join(keys, 'user_ed25519'));
  userKey = user.privateKey;
  wrongKey = keygen(join(keys, 'wrong_ed25519')).privateKey;
  sshd = await startSshd(keys, user.publicKey);
  hostFingerprint = fingerprint(join(keys, 'host_ed25519.pub'));
  knownHosts = join(keys, 'known_hosts');
  writeFileSync(knownHosts, `# test\n[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic}\n`);
  remoteRoot = join(sandbox.base, 'remote');
  mkdirSync(join(remoteRoot, 'sub'), { recursive: true });
  writeFileSync(join(remoteRoot, 'hello.txt'), 'hello from the remote side\n');
  writeFileSync(join(remoteRoot, 'victim.txt'), 'x\n');
  symlinkSync('/etc', join(remoteRoot, 'etc-link'));
  h = await startHarness(sandbox, { env: sshEnv(), answer: accept });
}, 600_000);

afterAll(async () => {
  await h?.close();
  await sshd?.stop();
  sandbox?.cleanup();
});

describe('sshRunCommand against a real sshd', () => {
  test("runs the argv in the host's root with a minimal environment and returns its output", async () => {
    const out = await h.ok('sshRunCommand', { host: 'box', argv: ['cat', 'hello.txt'] });
    expect(out).toMatchObject({ host: 'box', exitCode: 0, stdout: 'hello from the remote side\n', risk: 'read_only' });
    const env = await h.ok('sshRunCommand', { host: 'box', argv: ['env'], env: { TZ: 'UTC' } });
    const names = env.stdout
      .trim()
      .split('\n')
      .map((l: string) => l.split('=')[0])
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
      'SYSTEMD_PAGER',
      'TZ',
    ]);
    const pwd = await h.ok('sshRunCommand', { host: 'box', argv: ['pwd'], cwd: join(remoteRoot, 'sub') });
    expect(pwd.stdout).toBe(`${join(remoteRoot, 'sub')}\n`);
    const quoted = await h.ok('sshRunCommand', { host: 'box', argv: ['echo', "it's $(id) `id` ; id"], stdin: 'ignored' });
    expect(quoted.stdout).toBe("it's $(id) `id` ; id\n");
    const failing = await h.ok('sshRunCommand', { host: 'box', argv: ['ls', 'nope'] });
    expect(failing.exitCode).toBe(2);
    expect(failing.stderr).toContain('nope');
    const sorted = await h.ok('sshRunCommand', { host: 'box', argv: ['sort'], stdin: 'b\na\n' });
    expect(sorted.stdout).toBe('a\nb\n');
    expect(h.audit().at(-1)).toMatchObject({
      tool: 'sshRunCommand',
      host: 'box',
      decision: 'allowed',
      exitCode: 0,
      cwd: remoteRoot,
    });
  });

  test('a host key that is not in known_hosts is refused', async () => {
    const out = await h.call('sshRunCommand', { host: 'stranger', argv: ['true'] });
    expect(out.error).toMatchObject({
      code: 'POLICY_VIOLATION',
      details: { rule: 'ssh-host-key', reason: 'unknown', fingerprint: hostFingerprint },
    });
    expect(out.error?.message).toContain('unknown hosts are refused');
    expect(h.audit().at(-1)).toMatchObject({
      tool: 'sshRunCommand',
      host: 'stranger',
      decision: 'refused',
      rule: 'ssh-host-key',
    });
  });

  test('a pinned fingerprint admits a host known_hosts does not list, and a wrong pin is refused', async () => {
    const pinned = await h.ok('sshRunCommand', { host: 'pinned', argv: ['cat', 'hello.txt'] });
    expect(pinned.stdout).toBe('hello from the remote side\n');
    const badpin = await h.call('sshRunCommand', { host: 'badpin', argv: ['true'] });
    expect(badpin.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { reason: 'pin-mismatch' } });
    expect(badpin.error?.message).toContain('HOST KEY MISMATCH');
  });

  test('a changed host key is refused as a mismatch', async () => {
    const other = keygen(join(sandbox.base, 'keys', 'other_host'));
    const mismatched = join(sandbox.base, 'keys', 'known_hosts_mismatch');
    writeFileSync(mismatched, `[127.0.0.1]:${sshd.port} ${other.publicKey}\n`);
    const m = await startHarness(sandbox, { env: sshEnv({ LINUX_CLI_SSH_KNOWN_HOSTS: mismatched }) });
    try {
      const out = await m.call('sshRunCommand', { host: 'box', argv: ['true'] });
      expect(out.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { reason: 'mismatch' } });
      expect(out.error?.message).toContain('HOST KEY MISMATCH');
    } finally {
      await m.close();
    }
  });

  test('a key the server does not accept is refused', async () => {
    const out = await h.call('sshRunCommand', { host: 'wrongkey', argv: ['true'] });
    expect(out.error).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(out.error?.message).toContain('refused our credentials');
  });

  test('an unreachable host is DEPENDENCY_UNAVAILABLE, an unknown one NOT_FOUND', async () => {
    expect((await h.call('sshRunCommand', { host: 'closed', argv: ['true'] })).error).toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      retryable: true,
    });
    expect((await h.call('sshRunCommand', { host: 'nowhere', argv: ['true'] })).error?.code).toBe('NOT_FOUND');
  });

  test('a command over its time limit is stopped and the remote process is gone', async () => {
    const started = Date.now();
    const out = await h.call('sshRunCommand', { host: 'box', argv: ['sleep', '63.3131'], timeout_ms: 1000 });
    expect(out.error).toMatchObject({ code: 'TIMEOUT' });
    // returned on the limit, not when the 63 s command would have ended (a loose bound: CI machines are slow)
    expect(Date.now() - started).toBeLessThan(30_000);
    let left = '';
    for (let i = 0; i < 40; i++) {
      left = execFileSync('ps', ['-eo', 'args']).toString();
      if (!left.includes('sleep 63.3131')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(left).not.toContain('sleep 63.3131');
    expect(h.audit().at(-1)).toMatchObject({ host: 'box', decision: 'allowed', timedOut: true, errorCode: 'TIMEOUT' });
  });

  test('the validator judges remote commands too, paths resolved on the host', async () => {
    const cases: [string[], string][] = [
      [['sh', '-c', 'rm -rf /'], 'forbidden-root'],
      [['bash', '-c', 'cat $(echo /etc/shadow)'], 'dynamic-argument'],
      [['curl', 'http://evil.example'], 'not-allowed'],
      [['cat', '/etc/shadow'], 'outside-roots'],
      [['cat', '../../../etc/shadow'], 'outside-roots'],
      [['cat', 'etc-link/passwd'], 'symlink-escape'],
      [['ls', '~/.ssh'], 'tilde'],
    ];
    for (const [argv, rule] of cases) {
      const out = await h.call('sshRunCommand', { host: 'box', argv });
      expect({ argv, error: out.error }).toMatchObject({ argv, error: { code: 'POLICY_VIOLATION', details: { rule } } });
    }
    const cwd = await h.call('sshRunCommand', { host: 'box', argv: ['ls'], cwd: '/etc' });
    expect(cwd.error?.details?.rule).toBe('outside-roots');
  });

  test('destructive remote commands ask for approval, showing the host', async () => {
    const before = h.prompts.length;
    const out = await h.ok('sshRunCommand', { host: 'box', argv: ['rm', 'victim.txt'] });
    expect(out).toMatchObject({ exitCode: 0, approval: 'accepted', risk: 'destructive' });
    expect(existsSync(join(remoteRoot, 'victim.txt'))).toBe(false);
    expect(h.prompts.length).toBe(before + 1);
    expect(h.prompts.at(-1)?.message).toContain(`host: box (root@127.0.0.1:${sshd.port})`);
    const noPrompt = await startHarness(sandbox, { env: sshEnv() });
    try {
      writeFileSync(join(remoteRoot, 'victim.txt'), 'x\n');
      const refused = await noPrompt.call('sshRunCommand', { host: 'box', argv: ['rm', 'victim.txt'] });
      expect(refused.error?.code).toBe('APPROVAL_REQUIRED');
      expect(existsSync(join(remoteRoot, 'victim.txt'))).toBe(true);
    } finally {
      await noPrompt.close();
    }
  });

  test('runReadOnlyCommand with a host runs read_only commands only', async () => {
    const out = await h.ok('runReadOnlyCommand', { host: 'box', argv: ['cat', 'hello.txt'] });
    expect(out.stdout).toBe('hello from the remote side\n');
    const refused = await h.call('runReadOnlyCommand', { host: 'box', argv: ['touch', 'x'] });
    expect(refused.error?.details?.rule).toBe('read-only');
  });

  test('large remote output is capped and paged like local output', async () => {
    const out = await h.ok('sshRunCommand', { host: 'box', argv: ['seq', '1', '20000'] });
    expect(out.stdoutBytes).toBe(108894);
    const page = await h.ok('readCommandOutput', { id: out.id, offset: out.stdoutNextOffset });
    expect(page.offset).toBe(8192);
    expect(page.data.length).toBeGreaterThan(0);
  });
});

describe('hosts looked up in cmdb', () => {
  let cmdb: RunningService;
  let c: Harness;

  beforeAll(async () => {
    cmdb = await startOnPort0(cmdbService, {
      env: { SWITCHBOARD_AUTH: 'none', SWITCHBOARD_DATA_DIR: join(sandbox.base, 'cmdb') },
    });
    const client = new Client({ name: 'seed', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(cmdb.mcpUrl)));
    await client.callTool({
      name: 'upsertItem',
      arguments: { type: 'host', name: 'web-01', attributes: { ip: '127.0.0.1', ssh_user: 'root', ssh_port: sshd.port } },
    });
    await client.callTool({ name: 'upsertItem', arguments: { type: 'host', name: 'no-user', attributes: { ip: '127.0.0.1' } } });
    await client.close();
    c = await startHarness(sandbox, {
      env: sshEnv({
        LINUX_CLI_CMDB_URL: cmdb.mcpUrl,
        LINUX_CLI_SSH_IDENTITY_FILE: userKey,
        LINUX_CLI_SSH_ROOTS: remoteRoot,
      }),
    });
  });
  afterAll(async () => {
    await c?.close();
    await cmdb?.close();
  });

  test('a host CI is reached with its ssh_user, ssh_port and address', async () => {
    const out = await c.ok('sshRunCommand', { host: 'web-01', argv: ['cat', 'hello.txt'] });
    expect(out).toMatchObject({ host: 'web-01', exitCode: 0, stdout: 'hello from the remote side\n' });
  });

  test('a missing CI is NOT_FOUND, one without ssh_user INVALID_ARGUMENT', async () => {
    expect((await c.call('sshRunCommand', { host: 'db-99', argv: ['true'] })).error?.code).toBe('NOT_FOUND');
    expect((await c.call('sshRunCommand', { host: 'no-user', argv: ['true'] })).error?.code).toBe('INVALID_ARGUMENT');
  });

  test('sshAllowedUsers limits the users cmdb may name', async () => {
    const limited = await startHarness(sandbox, {
      env: sshEnv({
        LINUX_CLI_CMDB_URL: cmdb.mcpUrl,
        LINUX_CLI_SSH_IDENTITY_FILE: userKey,
        LINUX_CLI_SSH_ROOTS: remoteRoot,
        LINUX_CLI_SSH_ALLOWED_USERS: 'deploy',
      }),
    });
    try {
      const out = await limited.call('sshRunCommand', { host: 'web-01', argv: ['true'] });
      expect(out.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { rule: 'ssh-user' } });
    } finally {
      await limited.close();
    }
  });
});
