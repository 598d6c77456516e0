import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import type { Launch } from '../exec/run-process.ts';
import { bwrapArgs, type SandboxLayout, type SandboxProfile } from './bwrap-args.ts';

export interface SandboxLimits {
  /** Processes of the sandbox user at once (RLIMIT_NPROC). */
  processes: number;
  /** CPU seconds per process (RLIMIT_CPU). */
  cpuSeconds: number;
  /** Largest file a process may write (RLIMIT_FSIZE). */
  fileBytes: number;
  /** Address space per process (RLIMIT_AS). */
  memoryBytes: number;
  openFiles: number;
}

export interface SandboxOptions {
  bwrap: string;
  prlimit: string;
  layout: SandboxLayout;
  limits: SandboxLimits;
  /** The host user bubblewrap runs as when the service is root (so the sandbox is not root even on the host). */
  hostUser?: { uid: number; gid: number };
}

/** Runs local commands inside bubblewrap, or (turned off by the operator) as plain child processes. */
export interface Sandbox {
  readonly enabled: boolean;
  /** What to execute for one command: the resolved executable, its argv, inside the sandbox when it is on. */
  launch(command: { file: string; argv: readonly string[]; cwd: string }, profile: SandboxProfile): Launch;
  /** For describePolicy and health. */
  describe(): Record<string, unknown>;
}

/**
 * bubblewrap's init (the pid namespace's pid 1, its first child) leads the session the command runs in; signalling
 * that group reaches the command first, so a timeout can end it gently before the whole sandbox is killed.
 */
function sandboxSession(pid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

function limitArgs(limits: SandboxLimits): string[] {
  return [
    `--nproc=${limits.processes}`,
    `--cpu=${limits.cpuSeconds}`,
    `--fsize=${limits.fileBytes}`,
    `--as=${limits.memoryBytes}`,
    `--nofile=${limits.openFiles}`,
  ];
}

/**
 * The sandbox every local command runs in: prlimit sets the resource limits, then bubblewrap builds the namespaces
 * (see bwrapArgs). When the service runs as root, bubblewrap itself is started as the sandbox user, so nothing in
 * the sandbox is root on the host either.
 */
export function createBwrapSandbox(options: SandboxOptions): Sandbox {
  const limits = limitArgs(options.limits);
  return {
    enabled: true,
    launch: (command, profile) => ({
      file: options.prlimit,
      args: [
        ...limits,
        '--',
        options.bwrap,
        ...bwrapArgs(options.layout, profile, command.cwd),
        '--',
        command.file,
        ...command.argv.slice(1),
      ],
      argv0: 'prlimit',
      cwd: '/',
      innerGroup: sandboxSession,
      ...(options.hostUser ? { uid: options.hostUser.uid, gid: options.hostUser.gid } : {}),
    }),
    describe: () => ({
      mode: 'bwrap',
      user: `${options.layout.uid}:${options.layout.gid}`,
      hostUser: options.hostUser ? `${options.hostUser.uid}:${options.hostUser.gid}` : 'the service user',
      limits: options.limits,
      tmpBytes: options.layout.tmpBytes,
      readPaths: options.layout.readPaths,
    }),
  };
}

/** No sandbox: the operator turned it off (LINUX_CLI_SANDBOX=off). Commands run as the service user. */
export const NO_SANDBOX: Sandbox = {
  enabled: false,
  launch: (command) => ({ file: command.file, args: command.argv.slice(1), argv0: command.argv[0] as string }),
  describe: () => ({ mode: 'off', warning: 'commands run without the OS sandbox: the validator is the only boundary' }),
};

/**
 * Proves at start that the sandbox works here: bubblewrap and prlimit exist, and a sandbox with this layout can run
 * /usr/bin/true. Returns the problem, or undefined.
 */
export function probeSandbox(options: SandboxOptions, cwd: string): string | undefined {
  for (const [name, file] of [
    ['bubblewrap', options.bwrap],
    ['prlimit', options.prlimit],
  ] as const) {
    try {
      accessSync(file, constants.X_OK);
    } catch {
      return `${name} was not found at ${file} (Debian: apt-get install ${name === 'bubblewrap' ? 'bubblewrap' : 'util-linux'})`;
    }
  }
  const launch = createBwrapSandbox(options).launch(
    { file: '/usr/bin/true', argv: ['true'], cwd },
    { writable: true, network: false },
  );
  try {
    execFileSync(launch.file, [...launch.args], {
      timeout: 10_000,
      cwd: '/',
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: '/usr/bin:/bin' },
      ...(launch.uid !== undefined ? { uid: launch.uid, gid: launch.gid } : {}),
    });
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString('utf8').trim();
    return `bubblewrap could not start a sandbox: ${stderr || (error as Error).message}. It needs user namespaces (sysctl kernel.unprivileged_userns_clone=1; in a container a seccomp and AppArmor profile that allow them and an unmasked /proc)`;
  }
}
