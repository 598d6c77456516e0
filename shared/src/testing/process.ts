import { type ChildProcess, spawn } from 'node:child_process';
import { sleep } from '../runtime/sleep.ts';

export interface SpawnedService {
  child: ChildProcess;
  /** Base URL from the service's "listening" log line. */
  url: string;
  /** Every stderr line so far (JSON log lines and anything else). */
  stderr: string[];
  /** Parsed JSON log lines so far. */
  logs(): Record<string, unknown>[];
  /**
   * Resolves with the first JSON log line matching `predicate`, waiting for it (logs are written in batches, up
   * to a quarter of a second late); rejects after `timeoutMs` with the lines seen.
   */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or signal name) once the process ends. */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  args?: string[];
  /** How long to wait for the listening line. */
  timeoutMs?: number;
  /** Resolve as soon as the process started, without waiting for a listening line. */
  noWait?: boolean;
  cwd?: string;
}

/**
 * Starts a service entry file as a real Node process (the same Node that runs the tests) and waits for its
 * "listening" log line. The child's environment is exactly `env` plus PATH and HOME.
 */
export function spawnService(entry: string, options: SpawnOptions = {}): Promise<SpawnedService> {
  const child = spawn(process.execPath, [entry, ...(options.args ?? [])], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const stderr: string[] = [];
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  let buffered = '';
  let listening = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`${entry} did not report listening within ${options.timeoutMs ?? 15_000} ms:\n${stderr.join('\n')}`)),
      options.timeoutMs ?? 15_000,
    );
    const handle: Omit<SpawnedService, 'url'> = {
      child,
      stderr,
      logs: () =>
        stderr.flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
      waitForLog: async (predicate, timeoutMs = 5000) => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const found = handle.logs().find(predicate);
          if (found) return found;
          if (Date.now() > deadline) throw new Error(`no matching log line within ${timeoutMs} ms:\n${stderr.join('\n')}`);
          await sleep(25);
        }
      },
      exited,
      stop: (signal = 'SIGTERM') => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      },
    };
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        stderr.push(line);
        if (listening) {
          newline = buffered.indexOf('\n');
          continue;
        }
        try {
          const parsed = JSON.parse(line) as { msg?: string; url?: string };
          if (parsed.msg === 'listening' && typeof parsed.url === 'string') {
            clearTimeout(timer);
            listening = true;
            resolve({ ...handle, url: parsed.url.replace(/\/mcp$/, '') });
          }
        } catch {}
        newline = buffered.indexOf('\n');
      }
    });
    if (options.noWait) {
      clearTimeout(timer);
      resolve({ ...handle, url: '' });
    }
    void exited.then((code) => {
      clearTimeout(timer);
      if (buffered) stderr.push(buffered);
      reject(new Error(`${entry} exited with ${code} before listening:\n${stderr.join('\n')}`));
    });
  });
}
