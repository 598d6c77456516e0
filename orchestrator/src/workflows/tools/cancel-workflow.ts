import { defineTool, z } from '@switchboard/shared';
import { engineOf, runIdInput, runStatusSchema, type WorkflowToolContext } from './schemas.ts';

export const cancelWorkflow = defineTool({
  name: 'cancelWorkflow',
  title: 'Cancel a workflow run',
  description:
    'Cancels a running workflow: in-flight tool calls are aborted (notifications/cancelled upstream), no further step starts, then the compensations of completed steps run in reverse order if the definition (compensation.onCancel) or compensate asks.',
  input: z.object({
    runId: runIdInput,
    compensate: z.boolean().optional().describe("Run compensations; default: the definition's compensation.onCancel (true)"),
    waitMs: z.number().int().min(0).max(600_000).default(10_000).describe('How long to wait for the run to end'),
  }),
  output: z.object({
    runId: z.string(),
    status: runStatusSchema,
    compensate: z.boolean(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: WorkflowToolContext) => {
    const engine = await engineOf(ctx);
    const requested = await engine.cancel(args.runId, args.compensate);
    const run = await engine.waitFor(args.runId, { waitMs: args.waitMs, signal: ctx.signal, untilTerminal: true });
    return { runId: run.runId, status: run.status, compensate: requested.cancelRequested?.compensate ?? true };
  },
});
