import { randomUUID } from 'node:crypto';
import { ToolError } from '@switchboard/shared';
import type { Risk } from '../policy/risk.ts';
import { CaptureBuffer } from './capture-buffer.ts';
import { type Launch, type ProcessHandle, type ProcessResult, type StartProcessOptions, startProcess } from './run-process.ts';

export type JobState = 'running' | 'exited' | 'killed' | 'timed_out';

export interface Job {
  id: string;
  caller: string;
  argv: string[];
  cwd: string;
  risk: Risk;
  state: JobState;
  startedAt: Date;
  endedAt?: Date;
  exitCode?: number | null;
  signal?: string | null;
  lifetimeMs: number;
  stdout: CaptureBuffer;
  stderr: CaptureBuffer;
  handle: ProcessHandle;
  killedBy?: string;
}

export interface JobManagerOptions {
  maxJobs: number;
  maxLifetimeMs: number;
  retentionMs: number;
  maxOutputBytes: number;
  killGraceMs: number;
  /** Called once when a job ends (for the audit log). */
  onEnd?(job: Job, result: ProcessResult): void;
}

export interface StartJobInput {
  caller: string;
  launch: Launch;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  stdin?: string;
  risk: Risk;
  lifetimeMs: number;
}

/**
 * Long-running commands that outlive one call: bounded in number (running at once) and lifetime (killed when it
 * runs out), kept after they end for a retention period, visible only to the caller that started them.
 */
export class JobManager {
  readonly options: JobManagerOptions;
  #jobs = new Map<string, Job>();
  #sweeper: NodeJS.Timeout;

  constructor(options: JobManagerOptions) {
    this.options = options;
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(60_000, options.retentionMs)).unref();
  }

  running(): number {
    return [...this.#jobs.values()].filter((job) => job.state === 'running').length;
  }

  async start(input: StartJobInput): Promise<Job> {
    this.#sweep();
    if (this.running() >= this.options.maxJobs) {
      throw new ToolError(
        'RATE_LIMITED',
        `${this.options.maxJobs} jobs are already running (the limit); wait for one to end or kill one`,
        {
          details: { maxJobs: this.options.maxJobs },
        },
      );
    }
    const stdout = new CaptureBuffer(this.options.maxOutputBytes, 'tail');
    const stderr = new CaptureBuffer(this.options.maxOutputBytes, 'tail');
    const lifetimeMs = Math.min(input.lifetimeMs, this.options.maxLifetimeMs);
    const options: StartProcessOptions = {
      launch: input.launch,
      argv: input.argv,
      cwd: input.cwd,
      env: input.env,
      timeoutMs: lifetimeMs,
      killGraceMs: this.options.killGraceMs,
      stdout,
      stderr,
      ...(input.stdin !== undefined ? { stdin: input.stdin } : {}),
    };
    const handle = await startProcess(options);
    const job: Job = {
      id: `job_${randomUUID()}`,
      caller: input.caller,
      argv: input.argv,
      cwd: input.cwd,
      risk: input.risk,
      state: 'running',
      startedAt: handle.startedAt,
      lifetimeMs,
      stdout,
      stderr,
      handle,
    };
    this.#jobs.set(job.id, job);
    void handle.done.then((result) => {
      job.endedAt = new Date();
      job.exitCode = result.exitCode;
      job.signal = result.signal;
      job.state = result.timedOut ? 'timed_out' : job.killedBy ? 'killed' : 'exited';
      this.options.onEnd?.(job, result);
    });
    return job;
  }

  get(id: string, caller: string): Job {
    this.#sweep();
    const job = this.#jobs.get(id);
    if (!job || job.caller !== caller)
      throw new ToolError('NOT_FOUND', `no job ${id} (jobs are visible to the caller that started them)`);
    return job;
  }

  list(caller: string): Job[] {
    this.#sweep();
    return [...this.#jobs.values()].filter((job) => job.caller === caller);
  }

  /** Signals the job's process group and waits (up to the grace period and a second) for it to end. */
  async kill(job: Job, signal: 'SIGTERM' | 'SIGKILL' | 'SIGINT' | 'SIGHUP', by: string): Promise<void> {
    if (job.state !== 'running') return;
    job.killedBy = by;
    job.handle.kill(signal);
    await Promise.race([job.handle.done, new Promise((r) => setTimeout(r, this.options.killGraceMs + 1000))]);
  }

  /** Kills every running job (shutdown). */
  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    await Promise.all(
      [...this.#jobs.values()]
        .filter((job) => job.state === 'running')
        .map(async (job) => {
          job.killedBy = 'shutdown';
          job.handle.kill('SIGKILL');
          await job.handle.done;
        }),
    );
  }

  #sweep(): void {
    const cutoff = Date.now() - this.options.retentionMs;
    for (const [id, job] of this.#jobs) {
      if (job.state !== 'running' && (job.endedAt?.getTime() ?? 0) < cutoff) this.#jobs.delete(id);
    }
  }
}
