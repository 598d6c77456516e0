import { defineTool, z } from '@switchboard/shared';
import { commandInputShape } from '../commands/command-request.ts';
import { commandResultSchema } from '../commands/command-result.ts';
import { runLocalCommand } from '../commands/local-command.ts';
import type { LinuxCliToolContext } from '../context.ts';
import { audited } from '../safety/audited.ts';

export const runCommand = defineTool({
  name: 'runCommand',
  title: 'Run a command',
  description:
    'Runs one command on this machine without a shell (argv exec) in a directory inside the allowed roots. The validator checks it against the allowlist and the forbidden list, sees through sh -c, env, sudo, xargs, find -exec and the like, and checks every path argument. destructive and privileged commands need a human approval (elicitation). Returns exit code, signal, duration and the start of stdout/stderr; page the rest with readCommandOutput.',
  input: z.object(commandInputShape),
  output: commandResultSchema,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  truncationHint: 'page stdout/stderr with readCommandOutput { id, stream, offset }',
  handler: (args, ctx: LinuxCliToolContext) =>
    audited(ctx, 'runCommand', (record) => runLocalCommand(ctx, 'runCommand', args, record, { readOnlyOnly: false }), {
      once: true,
    }),
});
