import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { baseEnv, type Harness, makeSandbox, type Sandbox, startHarness } from './helpers.ts';
import { keygen, type Sshd, startSshd } from './sshd.ts';

const WRAPPER = fileURLToPath(new URL('../remote/switchboard-sandbox', import.meta.url));

/**
 * The far side of SSH is sandboxed by the shipped ForceCommand wrapper (remote/switchboard-sandbox) when the host
 * installs it: run directly as sshd would run it, and behind a real sshd for linux-cli's own calls.
 */
let sandbox: Sandbox;
let remoteRoot: string;

function wrapper(command: string, ...options: string[]) {
  try {
    const stdout = execFileSync(WRAPPER, [...options, remoteRoot], {
      env: { PATH: '/usr/bin:/bin', HOME: '/root', SSH_ORIGINAL_COMMAND: command },
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
    return { code: 0, stdout, stderr: '' };
  } catch (error) {
    const e = error as { status: number; stdout: Buffer; stderr: Buffer };
    return { code: e.status, stdout: e.stdout.toString(), stderr: e.stderr.toString() };
  }
}

beforeAll(() => {
  sandbox = makeSandbox('linux-cli-ssh-sandbox-');
  remoteRoot = join(sandbox.base, 'remote');
  mkdirSync(remoteRoot);
  chmodSync(remoteRoot, 0o777);
  writeFileSync(join(remoteRoot, 'hello.txt'), 'hello from the remote side\n');
  writeFileSync(join(sandbox.outside, 'secret'), 'remote host secret\n');
});
afterAll(() => sandbox.cleanup());

describe('the remote ForceCommand wrapper', () => {
  test('runs the command with only the roots writable, as an unprivileged user, without /etc/shadow or the network', () => {
    const out = wrapper(
      `id -u; cat hello.txt; echo made > made.txt; cat /etc/shadow; cat ${sandbox.outside}/secret; echo x > /etc/x; echo x > /usr/x; exec 3<>/dev/tcp/127.0.0.1/22`,
    );
    expect(out.stdout).toBe('65534\nhello from the remote side\n');
    expect(out.stderr).toContain('/etc/shadow: No such file or directory');
    expect(out.stderr).toContain('secret: No such file or directory');
    expect(out.stderr).toMatch(/\/etc\/x: Read-only file system/);
    expect(out.stderr).toMatch(/\/usr\/x: Read-only file system/);
    expect(out.code).not.toBe(0);
    expect(existsSync(join(remoteRoot, 'made.txt'))).toBe(true);
    expect(existsSync('/etc/x')).toBe(false);
  });

  test('nothing it starts outlives it; no command or a relative root is refused', () => {
    wrapper('(sleep 61.9191 &) ; echo started');
    expect(execFileSync('ps', ['-eo', 'args']).toString()).not.toContain('sleep 61.9191');
    expect(wrapper('').code).toBe(2);
    const relative = execFileSync('sh', ['-c', `SSH_ORIGINAL_COMMAND=id ${WRAPPER} relative/root 2>&1 || true`]).toString();
    expect(relative).toContain('roots are absolute paths');
  });
});

describe('linux-cli over SSH to a host that forces the wrapper', () => {
  let sshd: Sshd;
  let h: Harness;

  beforeAll(async () => {
    const keys = join(sandbox.base, 'keys');
    mkdirSync(keys, { mode: 0o700 });
    const user = keygen(join(keys, 'user_ed25519'));
    sshd = await startSshd(keys, `command="${WRAPPER} ${remoteRoot}",no-port-forwarding,no-pty ${user.publicKey}`);
    const knownHosts = join(keys, 'known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic}\n`);
    h = await startHarness(sandbox, {
      env: baseEnv(sandbox, {
        LINUX_CLI_SSH_PROFILES: JSON.stringify([
          { name: 'boxed', host: '127.0.0.1', port: sshd.port, user: 'root', identityFile: user.privateKey, roots: [remoteRoot] },
        ]),
        LINUX_CLI_SSH_KNOWN_HOSTS: knownHosts,
      }),
    });
  }, 600_000);
  afterAll(async () => {
    await h?.close();
    await sshd?.stop();
  });

  test('commands run inside the remote sandbox, paths are still resolved and checked there', async () => {
    const out = await h.ok('sshRunCommand', { host: 'boxed', argv: ['cat', 'hello.txt'] });
    expect(out.stdout).toBe('hello from the remote side\n');
    expect((await h.ok('sshRunCommand', { host: 'boxed', argv: ['id', '-u'] })).stdout).toBe('65534\n');
    expect((await h.ok('sshRunCommand', { host: 'boxed', argv: ['hostname'] })).stdout).toBe('switchboard-sandbox\n');
    const refused = await h.call('sshRunCommand', { host: 'boxed', argv: ['cat', '/etc/shadow'] });
    expect(refused.error?.details?.rule).toBe('outside-roots');
  });
});
