import type { CommandHandler } from './handler.ts';
import { refuse } from './refusal.ts';

/** Shell options that change nothing the validator relies on. */
const SAFE_SHORT = new Set(['c', 'e', 'u', 'x', 'v', 'f', 'n', 'C']);
const SAFE_LONG = new Set(['--noprofile', '--norc', '--posix']);
const SAFE_SET_O = new Set(['errexit', 'nounset', 'pipefail', 'noglob', 'xtrace', 'verbose', 'noclobber', 'noexec']);

/**
 * `sh -c SCRIPT`, `bash -c SCRIPT`, `dash -c SCRIPT`: the script is parsed and every command in it is judged.
 * A shell without -c reads a script file or stdin the validator cannot see, and is refused; so are options
 * that make the shell read start-up files (login, interactive, --rcfile).
 */
export const shellHandler: CommandHandler = {
  handle: (ctx) => {
    const args = ctx.values;
    let command = false;
    let i = 0;
    for (; i < args.length; i++) {
      const arg = args[i] as string;
      if (arg === '--' || arg === '-') {
        i += 1;
        break;
      }
      if (arg.startsWith('--')) {
        if (!SAFE_LONG.has(arg))
          refuse('shell-option', `${ctx.name} ${arg} is refused (it reads start-up files or changes the shell)`, ctx.name);
        continue;
      }
      if ((arg.startsWith('-') || arg.startsWith('+')) && arg.length > 1) {
        for (const letter of arg.slice(1)) {
          if (letter === 'o') {
            const value = args[i + 1];
            if (!value || !SAFE_SET_O.has(value)) refuse('shell-option', `${ctx.name} -o ${value ?? ''} is refused`, ctx.name);
            i += 1;
            continue;
          }
          if (!SAFE_SHORT.has(letter)) {
            refuse(
              'shell-option',
              `${ctx.name} -${letter} is refused (login, interactive and stdin shells read code the validator cannot see)`,
              ctx.name,
            );
          }
          if (letter === 'c') command = true;
        }
        continue;
      }
      break;
    }
    const script = args[i];
    if (!command) {
      if (script === undefined)
        refuse('shell-stdin', `${ctx.name} without -c reads its script from stdin, which the validator cannot see`, ctx.name);
      refuse(
        'shell-script-file',
        `${ctx.name} ${script}: running a script file is refused, the validator cannot see inside it; pass the script with -c`,
        ctx.name,
      );
    }
    if (script === undefined) refuse('shell-syntax', `${ctx.name} -c needs a script`, ctx.name);
    if (ctx.args[i]?.dynamic)
      refuse('dynamic-argument', `${ctx.name} -c: the script comes from a command substitution`, ctx.name);
    ctx.script(script, `${ctx.name} -c`);
  },
};

/** `trap ACTION SIGNALS...`: the action is a script run later, judged now. */
export const trapHandler: CommandHandler = {
  handle: (ctx) => {
    const args = ctx.values.filter((value) => value !== '--');
    if (args.length === 0 || args[0] === '-l' || args[0] === '-p') return;
    const action = args[0] as string;
    if (action !== '' && action !== '-') ctx.script(action, 'trap');
  },
};
