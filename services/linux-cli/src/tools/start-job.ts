import { defineTool, z } from '@switchboard/shared';
import { argvSchema, commandInputShape } from '../commands/command-request.ts';
import { prepareLocal } from '../commands/local-command.ts';
import type { LinuxCliToolContext } from '../context.ts';
import { audited } from '../safety/audited.ts';
import { jobView, jobViewSchema } from './job-view.ts';

export const startJob = defineTool({
  name: 'startJob',
  title: 'Start a background job',
  description:
    'Starts a long-running command in the background, under the same validator and approvals as runCommand, and returns at once with a job id. Read its output with readJobOutput, see jobs with listJobs, stop it with killJob. Jobs are limited in number and killed when their lifetime runs out.',
  input: z.object({
    argv: argvSchema,
    cwd: commandInputShape.cwd,
    stdin: commandInputShape.stdin,
    env: commandInputShape.env,
    lifetime_ms: z
      .number()
      .int()
      .min(1000)
      .optional()
      .describe('Kill the job after this long (default and maximum: the configured job lifetime)'),
  }),
  output: jobViewSchema.extend({ approval: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  handler: (args, ctx: LinuxCliToolContext) =>
    audited(
      ctx,
      'startJob',
      async (record) => {
        const prepared = await prepareLocal(ctx, 'startJob', args, record, { readOnlyOnly: false });
        const job = await ctx.clients.jobs.start({
          caller: ctx.caller.id,
          launch: prepared.launch,
          argv: args.argv,
          cwd: prepared.cwd,
          env: prepared.env,
          risk: prepared.verdict.risk,
          lifetimeMs: args.lifetime_ms ?? ctx.config.jobMaxLifetimeMs,
          ...(args.stdin !== undefined ? { stdin: args.stdin } : {}),
        });
        record.ran = true;
        record.jobId = job.id;
        return { ...jobView(job), approval: prepared.approval };
      },
      { once: true },
    ),
});
