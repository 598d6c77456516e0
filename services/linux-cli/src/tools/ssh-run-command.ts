import { defineTool, z } from '@switchboard/shared';
import { commandInputShape } from '../commands/command-request.ts';
import { commandResultSchema } from '../commands/command-result.ts';
import { runSshCommand } from '../commands/ssh-command.ts';
import type { LinuxCliToolContext } from '../context.ts';
import { audited } from '../safety/audited.ts';
import { hostNameSchema } from './host-name.ts';

export const sshRunCommand = defineTool({
  name: 'sshRunCommand',
  title: 'Run a command over SSH',
  description:
    "Runs one command on a remote host over SSH with the same validator, approvals and limits as runCommand. host is a named profile from configuration, or a host CI looked up in cmdb (ssh_user, ssh_port, address). Key or agent authentication only; the host key must be in known_hosts or pinned by the profile. cwd must be absolute and inside the host's roots.",
  input: z.object({ host: hostNameSchema, ...commandInputShape }),
  output: commandResultSchema,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  truncationHint: 'page stdout/stderr with readCommandOutput { id, stream, offset }',
  handler: (args, ctx: LinuxCliToolContext) =>
    audited(ctx, 'sshRunCommand', (record) => runSshCommand(ctx, 'sshRunCommand', args, record, { readOnlyOnly: false }), {
      once: true,
    }),
});
