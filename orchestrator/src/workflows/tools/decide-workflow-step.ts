import { defineTool, z } from '@switchboard/shared';
import { engineOf, runIdInput, type WorkflowToolContext } from './schemas.ts';

const input = z.object({
  runId: runIdInput,
  stepId: z.string().min(1).describe('The approval step id, or its path (pendingApprovals[].path) inside a loop'),
  comment: z.string().max(2000).optional().describe('Recorded with the decision'),
});

const output = z.object({
  runId: z.string(),
  stepId: z.string(),
  path: z.string(),
  approved: z.boolean(),
});

function decideTool(approved: boolean) {
  return defineTool({
    name: approved ? 'approveWorkflowStep' : 'rejectWorkflowStep',
    title: approved ? 'Approve a workflow step' : 'Reject a workflow step',
    description: approved
      ? 'Approves an approval step a workflow run waits on (status input_required); the run continues.'
      : 'Rejects an approval step a workflow run waits on; the step fails with approval.rejected (catch may handle it, else the run fails and compensates).',
    input,
    output,
    annotations: { readOnlyHint: false, destructiveHint: !approved, idempotentHint: false, openWorldHint: false },
    handler: async (args, ctx: WorkflowToolContext) => {
      const engine = await engineOf(ctx);
      const step = await engine.decide(args.runId, args.stepId, approved, ctx.caller.id, args.comment);
      ctx.log.info({ run_id: args.runId, step: step.key, approved }, 'workflow approval decided');
      return { runId: args.runId, stepId: step.stepId, path: step.key, approved };
    },
  });
}

export const approveWorkflowStep = decideTool(true);
export const rejectWorkflowStep = decideTool(false);
