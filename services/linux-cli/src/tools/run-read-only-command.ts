import { defineTool, z } from '@switchboard/shared';
import { commandInputShape } from '../commands/command-request.ts';
import { commandResultSchema } from '../commands/command-result.ts';
import { runLocalCommand } from '../commands/local-command.ts';
import { runSshCommand } from '../commands/ssh-command.ts';
import type { LinuxCliToolContext } from '../context.ts';
import { audited } from '../safety/audited.ts';
import { hostNameSchema } from './host-name.ts';

export const runReadOnlyCommand = defineTool({
  name: 'runReadOnlyCommand',
  title: 'Run a read-only command',
  description:
    'Like runCommand (or sshRunCommand when host is given), but runs only commands whose risk class is read_only; anything that could modify, destroy or escalate is refused. The only command tool in read-only mode.',
  input: z.object({
    ...commandInputShape,
    host: hostNameSchema.optional().describe('Run on this SSH host (profile or cmdb name) instead of locally'),
  }),
  output: commandResultSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  truncationHint: 'page stdout/stderr with readCommandOutput { id, stream, offset }',
  handler: (args, ctx: LinuxCliToolContext) =>
    audited(ctx, 'runReadOnlyCommand', (record) => {
      const { host, ...request } = args;
      return host === undefined
        ? runLocalCommand(ctx, 'runReadOnlyCommand', request, record, { readOnlyOnly: true })
        : runSshCommand(ctx, 'runReadOnlyCommand', { ...request, host }, record, { readOnlyOnly: true });
    }),
});
