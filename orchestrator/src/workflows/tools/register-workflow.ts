import { defineTool, ToolError, z } from '@switchboard/shared';
import { problemSchema, summarize } from '../validation/problems.ts';
import { engineOf, type WorkflowToolContext } from './schemas.ts';

export const registerWorkflow = defineTool({
  name: 'registerWorkflow',
  title: 'Register a workflow',
  description:
    'Stores a named, versioned workflow definition after validating it, so executeWorkflow can run it by workflowRef. A name and version keep their content: registering other content under them is refused (register a new version).',
  input: z.object({
    workflow: z.record(z.string(), z.unknown()).describe('The definition (dsl switchboard/v1)'),
  }),
  output: z.object({
    name: z.string(),
    version: z.string(),
    hash: z.string(),
    created: z.boolean().describe('False when this exact definition was registered already'),
    warnings: z.array(problemSchema),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async (args, ctx: WorkflowToolContext) => {
    const engine = await engineOf(ctx);
    const result = engine.validate(args.workflow);
    if (!result.definition) {
      throw new ToolError('INVALID_ARGUMENT', `the workflow definition is invalid: ${summarize(result.problems)}`, {
        details: { problems: result.problems },
      });
    }
    const { stored, created } = await engine.registry.register(result.definition);
    return { name: stored.name, version: stored.version, hash: stored.hash, created, warnings: result.problems };
  },
});
