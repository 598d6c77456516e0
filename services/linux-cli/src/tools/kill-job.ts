import { defineTool, z } from '@switchboard/shared';
import type { LinuxCliToolContext } from '../context.ts';
import { audited } from '../safety/audited.ts';
import { jobView, jobViewSchema } from './job-view.ts';

export const killJob = defineTool({
  name: 'killJob',
  title: 'Kill a background job',
  description:
    "Signals a background job's whole process group (SIGTERM by default, followed by SIGKILL after the grace period) and returns its state. Killing a job that already ended changes nothing.",
  input: z.object({
    id: z.string().min(1).max(100),
    signal: z.enum(['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP']).default('SIGTERM'),
  }),
  output: jobViewSchema,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  handler: (args, ctx: LinuxCliToolContext) =>
    audited(
      ctx,
      'killJob',
      async (record) => {
        record.jobId = args.id;
        const job = ctx.clients.jobs.get(args.id, ctx.caller.id);
        record.argv = job.argv;
        record.cwd = job.cwd;
        await ctx.clients.jobs.kill(job, args.signal, ctx.caller.id);
        record.ran = true;
        return jobView(job);
      },
      { once: true },
    ),
});
