import { defineTool, z } from '@switchboard/shared';
import { observerOf } from './execute-workflow.ts';
import { engineOf, finishedRun, runIdInput, runReport, runReportShape, type WorkflowToolContext } from './schemas.ts';

export const resumeWorkflow = defineTool({
  name: 'resumeWorkflow',
  title: 'Resume a workflow run',
  description:
    'Runs a failed or cancelled workflow run again from its checkpoints: completed steps are not executed again; its failed steps run again, or, with fromStep, that step and every later one. Refused while the run is active or when its definition changed since it started.',
  input: z.object({
    runId: runIdInput,
    fromStep: z.string().min(1).optional().describe('Run again from this step id (and everything after it)'),
    waitMs: z.number().int().min(0).optional().describe('Return after this long with the run still going'),
  }),
  output: z.object(runReportShape),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  handler: async (args, ctx: WorkflowToolContext) => {
    const engine = await engineOf(ctx);
    await engine.resume(args.runId, args.fromStep);
    const observer = observerOf(ctx);
    const detach = engine.attach(args.runId, observer);
    try {
      await engine.waitFor(args.runId, {
        observer,
        signal: ctx.signal,
        ...(args.waitMs !== undefined ? { waitMs: args.waitMs } : {}),
      });
    } finally {
      detach();
    }
    return finishedRun(runReport(await engine.requireView(args.runId)));
  },
});
