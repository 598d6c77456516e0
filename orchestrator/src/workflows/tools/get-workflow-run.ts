import { defineTool, ToolError, z } from '@switchboard/shared';
import { engineOf, runIdInput, runSchema, type WorkflowToolContext } from './schemas.ts';

export const getWorkflowRun = defineTool({
  name: 'getWorkflowRun',
  title: 'Get a workflow run',
  description:
    'The state of a workflow run: status, output or error, every step with its status and attempts, pending approvals, the replica driving it; optionally step outputs (redacted) and the checkpoint log.',
  input: z.object({
    runId: runIdInput,
    includeOutputs: z
      .boolean()
      .default(false)
      .describe('Add each step output as stored (redacted; sensitive ones as [SENSITIVE])'),
    includeCheckpoints: z.boolean().default(false).describe('Add the checkpoint log: before each call and after it'),
    checkpointLimit: z.number().int().min(1).max(1000).default(200),
  }),
  output: runSchema.extend({
    checkpoints: z
      .array(
        z.object({
          seq: z.number().int(),
          key: z.string(),
          event: z.string(),
          attempt: z.number().int(),
          definitionHash: z.string(),
          at: z.string(),
          detail: z.record(z.string(), z.unknown()).optional(),
        }),
      )
      .optional(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async (args, ctx: WorkflowToolContext) => {
    const engine = await engineOf(ctx);
    const view = await engine.view(args.runId, { outputs: args.includeOutputs });
    if (!view) throw new ToolError('NOT_FOUND', `no workflow run ${args.runId}`);
    if (!args.includeCheckpoints) return view;
    const checkpoints = await engine.checkpoints(args.runId, args.checkpointLimit);
    return { ...view, checkpoints: checkpoints.map((c) => ({ ...c, at: new Date(c.at).toISOString() })) };
  },
});
