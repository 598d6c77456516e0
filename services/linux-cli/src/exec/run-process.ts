import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { ToolError } from '@switchboard/shared';
import type { CaptureBuffer } from './capture-buffer.ts';

/** What to execute: the program file, its arguments after argv[0], the name it sees as argv[0], and the user. */
export interface Launch {
  file: string;
  args: readonly string[];
  argv0: string;
  uid?: number;
  gid?: number;
  /** Where the program starts, when not the command's cwd (bubblewrap changes into it inside the sandbox). */
  cwd?: string;
  /**
   * A launcher that runs the command in a process group of its own further down (bubblewrap: its init's session):
   * the group a signal goes to first, given the launcher's pid. SIGKILL then goes to the launcher, taking everything
   * with it; and a signal that ended the command comes back as the launcher's exit code 128+N.
   */
  innerGroup?(pid: number): number | undefined;
}

export interface StartProcessOptions {
  launch: Launch;
  /** The command as the caller gave it, for messages. */
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
  stdin?: string;
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL to the process group. */
  killGraceMs: number;
  stdout: CaptureBuffer;
  stderr: CaptureBuffer;
  signal?: AbortSignal;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
}

export interface ProcessHandle {
  pid: number;
  startedAt: Date;
  done: Promise<ProcessResult>;
  /** Signals the whole process group; SIGTERM is followed by SIGKILL after the grace period. */
  kill(signal?: 'SIGTERM' | 'SIGKILL' | 'SIGINT' | 'SIGHUP'): void;
}

function signalName(number: number): string | undefined {
  return Object.entries(osConstants.signals).find(([, value]) => value === number)?.[0];
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {}
}

/**
 * Runs one program without a shell, in its own process group (session), with stdout and stderr captured under
 * their byte caps. On timeout or cancellation the whole group gets SIGTERM, then SIGKILL after the grace period;
 * when the program exits, whatever it left running in its group is killed too, so nothing outlives the call.
 */
export function startProcess(options: StartProcessOptions): Promise<ProcessHandle> {
  return new Promise((resolveStart, rejectStart) => {
    const started = process.hrtime.bigint();
    const startedAt = new Date();
    const { launch } = options;
    const child = spawn(launch.file, [...launch.args], {
      argv0: launch.argv0,
      ...(launch.uid !== undefined ? { uid: launch.uid } : {}),
      ...(launch.gid !== undefined ? { gid: launch.gid } : {}),
      cwd: launch.cwd ?? options.cwd,
      env: options.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let timedOut = false;
    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let exit: { code: number | null; signal: string | null } | undefined;
    let signalled = false;
    const terminate = (signal: 'SIGTERM' | 'SIGKILL' | 'SIGINT' | 'SIGHUP' = 'SIGTERM') => {
      if (child.pid === undefined) return;
      signalled = true;
      const inner = signal === 'SIGKILL' ? undefined : launch.innerGroup?.(child.pid);
      // A sandbox whose command cannot be asked (it has no inner group yet) is stopped whole.
      if (launch.innerGroup && inner === undefined) signalGroup(child.pid, 'SIGKILL');
      else signalGroup(inner ?? child.pid, signal);
      if (signal !== 'SIGKILL' && !killTimer) {
        killTimer = setTimeout(() => child.pid !== undefined && signalGroup(child.pid, 'SIGKILL'), options.killGraceMs);
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      terminate('SIGTERM');
    }, options.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      terminate('SIGTERM');
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const done = new Promise<ProcessResult>((resolveDone) => {
      child.on('exit', (code, signal) => {
        exit = { code, signal };
        // The leader is gone: whatever it left in its group goes too, and a pipe held open elsewhere is let go.
        if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
        setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
        }, options.killGraceMs + 1000).unref();
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        options.signal?.removeEventListener('abort', onAbort);
        const final = exit ?? { code, signal };
        const relayed = launch.innerGroup && signalled && final.code !== null ? signalName(final.code - 128) : undefined;
        resolveDone({
          exitCode: relayed ? null : final.code,
          signal: relayed ?? final.signal,
          timedOut,
          cancelled,
          durationMs: Number((process.hrtime.bigint() - started) / 1_000_000n),
        });
      });
    });
    child.stdout.on('data', (chunk: Buffer) => options.stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => options.stderr.push(chunk));
    child.stdin.on('error', () => {});
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      rejectStart(
        new ToolError(
          error.code === 'ENOENT' ? 'NOT_FOUND' : 'INTERNAL',
          `cannot start ${options.argv[0]}: ${error.code ?? error.message}`,
        ),
      );
    });
    child.once('spawn', () => {
      child.stdin.end(options.stdin ?? '');
      resolveStart({ pid: child.pid as number, startedAt, done, kill: terminate });
    });
  });
}
