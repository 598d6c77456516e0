import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ConfigError } from '@switchboard/shared';
import { spawnService } from '@switchboard/shared/testing';
import { CaptureBuffer } from '../src/exec/capture-buffer.ts';
import { startProcess } from '../src/exec/run-process.ts';
import { createBwrapSandbox, type Sandbox, type SandboxLimits } from '../src/sandbox/sandbox.ts';
import { PRLIMIT } from '../src/sandbox/setup-sandbox.ts';
import { type CorpusWorld, createCorpusWorld } from './corpus/fixture.ts';
import { baseEnv, makeSandbox, SANDBOX_UID, startHarness } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/**
 * The OS sandbox is the boundary, so it is tested with the validator out of the way: hostile commands go straight to
 * the sandbox and must not reach anything outside the roots.
 */
let world: CorpusWorld;
const asRoot = process.getuid?.() === 0;
const LIMITS: SandboxLimits = {
  processes: 64,
  cpuSeconds: 30,
  fileBytes: 1024 * 1024,
  memoryBytes: 2 * 1024 ** 3,
  openFiles: 256,
};

function sandboxFor(limits: SandboxLimits = LIMITS): Sandbox {
  const { root, data } = world.sandbox;
  return createBwrapSandbox({
    bwrap: '/usr/bin/bwrap',
    prlimit: PRLIMIT,
    layout: {
      roots: [root],
      readPaths: [],
      hidden: [join(root, 'protected.yaml')],
      home: join(data, 'home'),
      uid: SANDBOX_UID,
      gid: SANDBOX_UID,
      tmpBytes: 16 * 1024 * 1024,
      hostUser: asRoot ? { uid: SANDBOX_UID, gid: SANDBOX_UID } : undefined,
    },
    limits,
    ...(asRoot ? { hostUser: { uid: SANDBOX_UID, gid: SANDBOX_UID } } : {}),
  });
}

/** Runs argv in the sandbox, no validator involved; returns what it printed and how it ended. */
async function inSandbox(
  argv: string[],
  options: { writable?: boolean; network?: boolean; timeoutMs?: number; sandbox?: Sandbox } = {},
) {
  const stdout = new CaptureBuffer(1024 * 1024, 'head');
  const stderr = new CaptureBuffer(1024 * 1024, 'head');
  const file = execFileSync('sh', ['-c', 'command -v "$1"', 'sh', argv[0] as string])
    .toString()
    .trim();
  const launch = (options.sandbox ?? sandboxFor()).launch(
    { file, argv, cwd: world.sandbox.root },
    { writable: options.writable ?? true, network: options.network ?? false },
  );
  const handle = await startProcess({
    launch,
    argv,
    cwd: world.sandbox.root,
    env: { PATH: '/usr/bin:/bin', HOME: join(world.sandbox.data, 'home'), LANG: 'C.UTF-8' },
    timeoutMs: options.timeoutMs ?? 10_000,
    killGraceMs: 300,
    stdout,
    stderr,
  });
  const result = await handle.done;
  const text = (b: CaptureBuffer) => b.slice(0, b.end).data.toString('utf8');
  return { ...result, stdout: text(stdout), stderr: text(stderr) };
}

beforeAll(() => {
  world = createCorpusWorld('linux-cli-sandbox-');
  writeFileSync(join(world.sandbox.root, 'protected.yaml'), 'policy: secret\n');
});
afterAll(() => world.cleanup());

describe('the sandbox, with the validator switched off', () => {
  test('/etc/shadow, /root and the service data directory are not there', async () => {
    const out = await inSandbox(['sh', '-c', `cat /etc/shadow; ls /root; cat ${world.sandbox.data}/canary-secret; ls /etc`]);
    expect(out.stderr).toContain('/etc/shadow: No such file or directory');
    expect(out.stderr).toContain('/root');
    expect(out.stderr).toContain('canary-secret: No such file or directory');
    expect(out.stdout).not.toContain('shadow');
    expect(out.stdout).not.toContain('sudoers');
    for (const secret of world.secrets) expect(out.stdout + out.stderr).not.toContain(secret);
  });

  test('a fresh /proc: no other process, the service included, is visible', async () => {
    const out = await inSandbox([
      'sh',
      '-c',
      `ls /proc | grep -c '^[0-9]'; cat /proc/${process.pid}/environ; cat /proc/1/environ`,
    ]);
    expect(Number(out.stdout.split('\n')[0])).toBeLessThan(6);
    expect(out.stderr).toContain(`/proc/${process.pid}/environ: No such file or directory`);
    for (const secret of world.secrets) expect(out.stdout).not.toContain(secret);
  });

  test('writes outside the roots fail or stay inside the sandbox; the host is unchanged', async () => {
    const before = world.snapshot();
    const outside = join(world.sandbox.outside, 'written');
    const out = await inSandbox([
      'sh',
      '-c',
      `echo x > ${outside}; echo x > ${world.sandbox.base}/new; echo x > /usr/bin/new; echo x > /tmp/in-sandbox-tmp; echo x > ${join(world.sandbox.root, 'inside')}; echo done`,
    ]);
    expect(out.stdout).toBe('done\n');
    expect(out.stderr).toMatch(
      /written: (No such file or directory|Directory nonexistent|Read-only file system|Permission denied)/,
    );
    expect(existsSync(outside)).toBe(false);
    expect(existsSync(join(world.sandbox.base, 'new'))).toBe(false);
    expect(existsSync('/usr/bin/new')).toBe(false);
    expect(existsSync('/tmp/in-sandbox-tmp')).toBe(false);
    expect(readFileSync(join(world.sandbox.root, 'inside'), 'utf8')).toBe('x\n');
    expect(world.snapshot()).toBe(before);
  });

  test('read-only commands get the roots read-only', async () => {
    const out = await inSandbox(['sh', '-c', 'touch ro-attempt; echo $?'], { writable: false });
    expect(out.stderr).toContain('Read-only file system');
    expect(existsSync(join(world.sandbox.root, 'ro-attempt'))).toBe(false);
  });

  test('protected files inside a root are hidden', async () => {
    const out = await inSandbox(['cat', 'protected.yaml']);
    expect(out.stdout).toBe('');
  });

  test('commands run as the sandbox user, inside and on the host', async () => {
    const out = await inSandbox(['sh', '-c', 'id -u; touch owned; hostname']);
    expect(out.stdout).toBe(`${SANDBOX_UID}\nswitchboard-sandbox\n`);
    if (asRoot)
      expect(
        execFileSync('stat', ['-c', '%u', join(world.sandbox.root, 'owned')])
          .toString()
          .trim(),
      ).toBe(String(SANDBOX_UID));
  });

  test('nothing outlives the call: a background child escaping with job control is gone', async () => {
    const out = await inSandbox(['bash', '-c', 'set -m; (sleep 1; touch late) & (sleep 61.8181 &) ; exit 0']);
    expect(out.exitCode).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(existsSync(join(world.sandbox.root, 'late'))).toBe(false);
    expect(execFileSync('ps', ['-eo', 'args']).toString()).not.toContain('sleep 61.8181');
  });

  describe('network', () => {
    let server: Server;
    let port = 0;
    let connections = 0;
    beforeAll(async () => {
      server = createServer((socket) => {
        connections += 1;
        socket.end('hello\n');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    test('is unreachable unless the policy grants it', async () => {
      const connect = ['bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port} && cat <&3`];
      const off = await inSandbox(connect);
      expect(off.exitCode).not.toBe(0);
      expect(connections).toBe(0);
      const on = await inSandbox(connect, { network: true });
      expect(on.stdout).toBe('hello\n');
      expect(connections).toBe(1);
    });
  });

  test('a fork bomb is contained by the process limit and ends with the call', async () => {
    const started = Date.now();
    // Its processes carry a name of their own (exec -a), so other tests' sandboxed commands do not count.
    const out = await inSandbox(['bash', '-c', 'exec -a fork-bomb-7171 bash -c "b(){ b | b & }; b"'], { timeoutMs: 3000 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(out.timedOut || out.exitCode !== null).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    // Live processes only: a dead one waits for the host's init to reap it, which is not ours to hurry.
    const left = execFileSync('ps', ['-eo', 'stat=,args='], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes('fork-bomb-7171') && !line.trim().startsWith('Z'));
    expect(left).toEqual([]);
    expect(execFileSync('echo', ['the host still forks']).toString()).toBe('the host still forks\n');
  });

  test('a file over the size limit cannot be written', async () => {
    const out = await inSandbox(['sh', '-c', 'head -c 3000000 /dev/zero > big; ls -l big']);
    expect(out.stderr).toMatch(/File size limit exceeded|Permission denied/i);
    const size = Number(
      execFileSync('stat', ['-c', '%s', join(world.sandbox.root, 'big')])
        .toString()
        .trim(),
    );
    expect(size).toBeLessThanOrEqual(1024 * 1024);
  });
});

describe('the service runs every local command in the sandbox', () => {
  test('runCommand and startJob go through it; describePolicy says so', async () => {
    const sandbox = makeSandbox('linux-cli-sandboxed-');
    const h = await startHarness(sandbox);
    try {
      const out = await h.ok('runCommand', { argv: ['id', '-u'] });
      expect(out.stdout).toBe(`${SANDBOX_UID}\n`);
      expect((await h.ok('runCommand', { argv: ['hostname'] })).stdout).toBe('switchboard-sandbox\n');
      const ps = await h.ok('runCommand', { argv: ['ps', '-e', '-o', 'comm='] });
      expect(ps.stdout.trim().split('\n').length).toBeLessThan(5);
      expect((await h.ok('describePolicy')).sandbox).toMatchObject({ mode: 'bwrap', user: `${SANDBOX_UID}:${SANDBOX_UID}` });
    } finally {
      await h.close();
      sandbox.cleanup();
    }
  });

  test('a default workspace the sandbox user could not reach (a 0700 home above the data) moves below /var/lib', async () => {
    if (!asRoot) return;
    const home = mkdtempSync(join(tmpdir(), 'linux-cli-closed-home-'));
    const data = join(home, 'checkout', '.data');
    const unused = makeSandbox('linux-cli-unused-');
    const h = await startHarness(unused, { env: { SWITCHBOARD_DATA_DIR: data } });
    let workspace = '';
    try {
      workspace = (await h.ok('runCommand', { argv: ['pwd'] })).stdout.trim();
      expect(workspace).toMatch(/^\/var\/lib\/switchboard\/linux-cli\/workspace-[0-9a-f]{12}$/);
      expect((await h.ok('runCommand', { argv: ['touch', 'made-here'] })).exitCode).toBe(0);
      expect(statSync(home).mode & 0o777).toBe(0o700);
    } finally {
      await h.close();
      rmSync(home, { recursive: true, force: true });
      unused.cleanup();
      if (workspace) rmSync(workspace, { recursive: true, force: true });
    }
  });

  test('extra read-only paths may not show the data directory or a protected file', async () => {
    const sandbox = makeSandbox('linux-cli-readpaths-');
    try {
      const error = await startHarness(sandbox, { env: baseEnv(sandbox, { LINUX_CLI_SANDBOX_READ_PATHS: sandbox.base }) }).catch(
        (e) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect(String(error.message)).toContain('would show');
    } finally {
      sandbox.cleanup();
    }
  });

  test('start-up fails with what is wrong when bubblewrap is missing', async () => {
    const sandbox = makeSandbox('linux-cli-nobwrap-');
    try {
      const error = await startHarness(sandbox, {
        env: baseEnv(sandbox, { LINUX_CLI_SANDBOX_BWRAP: '/nonexistent/bwrap' }),
      }).catch((e) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect(String(error.message)).toContain('bubblewrap was not found at /nonexistent/bwrap');
      expect(String(error.message)).toContain('LINUX_CLI_SANDBOX=off');
    } finally {
      sandbox.cleanup();
    }
  });

  test('/health says ok with the sandbox, degraded with a warning without it', async () => {
    const sandbox = makeSandbox('linux-cli-health-');
    try {
      for (const [mode, status] of [
        ['bwrap', 'ok'],
        ['off', 'degraded'],
      ] as const) {
        const service = await spawnService(MAIN, {
          env: { ...baseEnv(sandbox), PORT: '0', SWITCHBOARD_AUTH: 'none', LINUX_CLI_SANDBOX: mode },
        });
        try {
          const response = await fetch(`${service.url}/health`);
          expect(response.status).toBe(200);
          const body = (await response.json()) as { status: string; warnings?: string[]; details?: Record<string, unknown> };
          expect(body).toMatchObject({ status, details: { sandbox: mode } });
          if (mode === 'off') expect(body.warnings?.[0]).toContain('without the OS sandbox');
        } finally {
          await service.stop();
        }
      }
    } finally {
      sandbox.cleanup();
    }
  });

  test('LINUX_CLI_SANDBOX=off runs commands as plain children, and says so', async () => {
    const sandbox = makeSandbox('linux-cli-nosandbox-');
    const h = await startHarness(sandbox, { env: baseEnv(sandbox, { LINUX_CLI_SANDBOX: 'off' }) });
    try {
      const out = await h.ok('runCommand', { argv: ['id', '-u'] });
      expect(out.stdout).toBe(`${process.getuid?.()}\n`);
      expect((await h.ok('describePolicy')).sandbox).toMatchObject({ mode: 'off' });
    } finally {
      await h.close();
      sandbox.cleanup();
    }
  });
});
