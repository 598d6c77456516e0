import { decodeCursor, defineTool, encodeCursor, fitPage, pageInput, pageOutput, z } from '@switchboard/shared';
import type { LinuxCliToolContext } from '../context.ts';
import { audited } from '../safety/audited.ts';
import { jobStateSchema, jobView, jobViewSchema } from './job-view.ts';

export const listJobs = defineTool({
  name: 'listJobs',
  title: 'List background jobs',
  description: "Lists the caller's background jobs, newest first, optionally only those in one state.",
  input: z.object({ state: jobStateSchema.optional(), ...pageInput({ defaultLimit: 20, maxLimit: 100 }) }),
  output: z.object(pageOutput(jobViewSchema)),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  truncationHint: 'page with cursor, or filter by state',
  handler: (args, ctx: LinuxCliToolContext) =>
    audited(ctx, 'listJobs', async (record) => {
      const scope = { tool: 'listJobs', state: args.state };
      const after = args.cursor ? decodeCursor<{ n: number }>(args.cursor, scope).n : 0;
      const all = ctx.clients.jobs
        .list(ctx.caller.id)
        .filter((job) => !args.state || job.state === args.state)
        .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime() || (a.id < b.id ? -1 : 1))
        .map(jobView);
      const slice = all.slice(after, after + args.limit);
      record.ran = true;
      return fitPage(slice, {
        total: all.length,
        capBytes: ctx.config.outputCapBytes,
        hasMore: after + slice.length < all.length,
        cursorAfter: (item) => encodeCursor({ n: after + slice.indexOf(item) + 1 }, scope),
      });
    }),
});
