import { z } from '@switchboard/shared';
import type { Job } from '../exec/job-manager.ts';
import { RISKS } from '../policy/risk.ts';

export const jobStateSchema = z.enum(['running', 'exited', 'killed', 'timed_out']);

export const jobViewSchema = z.object({
  id: z.string(),
  argv: z.array(z.string()),
  cwd: z.string(),
  risk: z.enum(RISKS),
  state: jobStateSchema,
  pid: z.number().int(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  exitCode: z.number().int().nullable().optional(),
  signal: z.string().nullable().optional(),
  lifetimeMs: z.number().int().describe('The job is killed when it runs longer than this'),
  stdoutBytes: z.number().int(),
  stderrBytes: z.number().int(),
});
export type JobView = z.infer<typeof jobViewSchema>;

export function jobView(job: Job): JobView {
  return {
    id: job.id,
    argv: job.argv,
    cwd: job.cwd,
    risk: job.risk,
    state: job.state,
    pid: job.handle.pid,
    startedAt: job.startedAt.toISOString(),
    ...(job.endedAt ? { endedAt: job.endedAt.toISOString(), exitCode: job.exitCode ?? null, signal: job.signal ?? null } : {}),
    lifetimeMs: job.lifetimeMs,
    stdoutBytes: job.stdout.total,
    stderrBytes: job.stderr.total,
  };
}
