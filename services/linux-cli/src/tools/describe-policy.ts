import { defineTool, z } from '@switchboard/shared';
import type { LinuxCliToolContext } from '../context.ts';
import { RISKS } from '../policy/risk.ts';
import { audited } from '../safety/audited.ts';

const riskSchema = z.enum(RISKS);

export const describePolicy = defineTool({
  name: 'describePolicy',
  title: 'Describe the command policy',
  description:
    'Shows, read-only, what this service allows: the allowed roots, approval mode, read-only mode, SSH hosts, and each allowlisted command with its risk class. No tool can change the policy.',
  input: z.object({ command: z.string().min(1).max(100).optional().describe('Only this command') }),
  output: z.object({
    source: z.string().describe('builtin, or the policy file'),
    approvalMode: z.enum(['deny', 'ask', 'auto']),
    readOnly: z.boolean(),
    roots: z.array(z.string()),
    sshProfiles: z.array(z.string()),
    cmdbLookup: z.boolean(),
    commands: z.array(
      z.object({
        name: z.string(),
        risk: riskSchema,
        subcommands: z.record(z.string(), riskSchema).optional(),
        options: z.record(z.string(), riskSchema).optional(),
        denyOptions: z.array(z.string()).optional(),
      }),
    ),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  truncationHint: 'ask about one command',
  handler: (args, ctx: LinuxCliToolContext) =>
    audited(ctx, 'describePolicy', async (record) => {
      const { policy, roots } = ctx.clients;
      const commands = [...policy.commands.entries()]
        .filter(([name]) => !args.command || name === args.command)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, rule]) => ({
          name,
          risk: rule.risk,
          ...(rule.subcommands ? { subcommands: { ...rule.subcommands } } : {}),
          ...(rule.options ? { options: { ...rule.options } } : {}),
          ...(rule.denyOptions ? { denyOptions: [...rule.denyOptions] } : {}),
        }));
      record.ran = true;
      return {
        source: policy.source,
        approvalMode: ctx.config.approvalMode,
        readOnly: ctx.config.readOnly,
        roots,
        sshProfiles: ctx.config.sshProfiles.map((profile) => profile.name),
        cmdbLookup: ctx.config.cmdbUrl !== undefined,
        commands,
      };
    }),
});
