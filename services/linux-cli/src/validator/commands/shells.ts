import { hasOption } from '../argv/parse-args.ts';
import type { CommandSpec } from '../handler.ts';
import { refuse } from '../refusal.ts';
import { posix } from './common.ts';
import { checkSetNames, SHELL_FLAGS } from './shell-builtins.ts';

/**
 * `sh -c SCRIPT`, `bash -c SCRIPT`, `dash -c SCRIPT`: the script is parsed and every command in it is judged.
 * A shell without -c reads a script file or stdin the validator cannot see, and is refused; so are options that make
 * the shell read start-up files or change what the validator relies on (login, interactive, job control, -k).
 */
const shell: CommandSpec = {
  syntax: posix(`${SHELL_FLAGS} c noprofile norc posix`, { plus: true }),
  apply: (ctx) => {
    checkSetNames(ctx);
    const [script] = ctx.parsed.operands;
    if (!hasOption(ctx.parsed, 'c')) {
      if (!script)
        refuse('shell-stdin', `${ctx.name} without -c reads its script from stdin, which the validator cannot see`, ctx.name);
      refuse(
        'shell-script-file',
        `${ctx.name} ${script.value}: running a script file is refused, the validator cannot see inside it; pass the script with -c`,
        ctx.name,
      );
    }
    if (!script) refuse('shell-syntax', `${ctx.name} -c needs a script`, ctx.name);
    if (script.arg.dynamic) refuse('dynamic-argument', `${ctx.name} -c: the script comes from a command substitution`, ctx.name);
    ctx.script(script.value, `${ctx.name} -c`);
  },
};

/** `trap ACTION SIGNALS...`: the action is a script run later, judged now. */
const trap: CommandSpec = {
  syntax: posix('l p'),
  apply: (ctx) => {
    const [action] = ctx.parsed.operands;
    if (!action || action.value === '' || action.value === '-') return;
    if (action.arg.dynamic) refuse('dynamic-argument', 'trap: the action comes from a command substitution', 'trap');
    ctx.script(action.value, 'trap');
  },
};

export const SHELLS: Readonly<Record<string, CommandSpec>> = { sh: shell, bash: shell, dash: shell, trap };
