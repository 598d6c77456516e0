import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A free TCP port on loopback (closed again, so the child can bind it). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Children started here; killed when the benchmark exits, however it exits (none outlives it to skew a later run). */
const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});

export interface StartOptions {
  /** Runs node under this CPU list (taskset -c), for pinned benchmarks. */
  cpus?: string;
}

/**
 * Starts `node <args>` with only PATH, HOME and `env`, and resolves once its output matches `ready`; its output
 * is drained afterwards so a chatty process never blocks on a full pipe.
 */
export function startNode(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  options: StartOptions = {},
): Promise<ChildProcess> {
  const command = options.cpus ? 'taskset' : process.execPath;
  const argv = options.cpus ? ['-c', options.cpus, process.execPath, ...args] : args;
  const child = spawn(command, argv, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  child.once('exit', () => started.delete(child));
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args[0]} did not start:\n${output}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (ready.test(output)) {
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data');
        child.stderr?.removeAllListeners('data');
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
      if (output.length > 1e6) output = output.slice(-1e5);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args[0]} exited ${code}:\n${output}`)));
  });
}
