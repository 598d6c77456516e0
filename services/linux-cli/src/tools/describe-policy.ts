import { defineTool, z } from '@switchboard/shared';
import type { LinuxCliToolContext } from '../context.ts';
import type { CommandRule } from '../policy/policy.ts';
import { RISKS } from '../policy/risk.ts';
import { audited } from '../safety/audited.ts';
import type { OptionTable } from '../validator/argv/spec.ts';
import { specFor } from '../validator/commands/registry.ts';

const riskSchema = z.enum(RISKS);

/** The options a command's spec lets through, as `-x`/`--long` (refused ones left out). */
function acceptedOptions(name: string, rule: CommandRule): string[] {
  const spec = specFor(name, rule);
  const tables = [spec.syntax.options, ...Object.values((spec.subcommands ?? {}) as Record<string, OptionTable>)];
  const names = tables.flatMap((table) =>
    table.all.filter((def) => !def.refuse).flatMap((def) => [...def.short.map((s) => `-${s}`), ...def.long.map((l) => `--${l}`)]),
  );
  return [...new Set(names)].sort();
}

export const describePolicy = defineTool({
  name: 'describePolicy',
  title: 'Describe the command policy',
  description:
    'Shows, read-only, what this service allows: the allowed roots, approval mode, read-only mode, the OS sandbox commands run in, SSH hosts, and each allowlisted command with its risk class (and, with `command`, the options the validator accepts for it). No tool can change the policy.',
  input: z.object({ command: z.string().min(1).max(100).optional().describe('Only this command') }),
  output: z.object({
    source: z.string().describe('builtin, or the policy file'),
    approvalMode: z.enum(['deny', 'ask', 'auto']),
    readOnly: z.boolean(),
    roots: z.array(z.string()),
    sandbox: z.record(z.string(), z.unknown()).describe('mode bwrap (user, limits) or off'),
    sshProfiles: z.array(z.string()),
    cmdbLookup: z.boolean(),
    commands: z.array(
      z.object({
        name: z.string(),
        risk: riskSchema,
        subcommands: z.record(z.string(), riskSchema).optional(),
        options: z.record(z.string(), riskSchema).optional(),
        denyOptions: z.array(z.string()).optional(),
        network: z.boolean().optional(),
        acceptedOptions: z.array(z.string()).optional().describe('With `command`: every option the validator accepts'),
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
          ...(rule.network ? { network: true } : {}),
          ...(args.command ? { acceptedOptions: acceptedOptions(name, rule) } : {}),
        }));
      record.ran = true;
      return {
        source: policy.source,
        approvalMode: ctx.config.approvalMode,
        readOnly: ctx.config.readOnly,
        roots,
        sandbox: ctx.clients.sandbox.describe(),
        sshProfiles: ctx.config.sshProfiles.map((profile) => profile.name),
        cmdbLookup: ctx.config.cmdbUrl !== undefined,
        commands,
      };
    }),
});
