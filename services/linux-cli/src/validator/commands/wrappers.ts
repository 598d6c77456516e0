import type { Arg } from '../analysis.ts';
import { hasOption, type ParsedArgs } from '../argv/parse-args.ts';
import type { CommandContext, CommandSpec } from '../handler.ts';
import { refuse } from '../refusal.ts';
import { posix, textOperands } from './common.ts';

/**
 * Wrappers run another command: their options are read against their spec (getopt without permutation, so the first
 * operand is the command) and the command they run is judged with the same rules.
 */
function innerFrom(ctx: CommandContext, operandIndex = 0): Arg[] {
  const first = ctx.parsed.operands[operandIndex];
  return first ? ctx.args.slice(first.index).map((arg) => ({ ...arg })) : [];
}

function wrapper(table: string, options: { numeric?: boolean; leading?: number; optionalCommand?: boolean } = {}): CommandSpec {
  return {
    syntax: posix(table, options.numeric ? { numeric: true } : {}),
    apply: (ctx) => {
      const inner = innerFrom(ctx, options.leading ?? 0);
      if (inner.length === 0) {
        if (options.optionalCommand) return;
        refuse('wrapper-without-command', `${ctx.name} needs a command to run`, ctx.name);
      }
      ctx.nested(inner, ctx.name);
    },
  };
}

const env: CommandSpec = {
  syntax: posix(
    'i|ignore-environment 0|null u|unset=T C|chdir=T!chdir S|split-string=T!exec v|debug block-signal[=T] default-signal[=T] ignore-signal[=T] list-signal-handling help version',
  ),
  apply: (ctx) => {
    let next = 0;
    for (const operand of ctx.parsed.operands) {
      const match = /^([^=]+)=/.exec(operand.value);
      if (!match) break;
      const name = match[1] as string;
      if (!ctx.envAllowed(name)) {
        refuse(
          'env-assignment',
          `env ${name}=...: setting ${name} is not allowed (see envAllow; PATH, LD_*, GIT_* and the like never are)`,
          'env',
        );
      }
      next += 1;
    }
    const inner = innerFrom(ctx, next);
    if (inner.length > 0) ctx.nested(inner, 'env');
  },
};

const SUDO_STANDALONE = new Set(['l', 'validate', 'reset-timestamp', 'remove-timestamp', 'version', 'list']);

/** sudo runs the command as root: the command is judged as usual and the call is at least privileged. */
const sudo: CommandSpec = {
  syntax: posix(
    'g|group=T p|prompt=T r|role=T u|user=T U|other-user=T C|close-from=T T|command-timeout=T t|type=T A|askpass E|preserve-env[=T] H|set-home K|remove-timestamp k|reset-timestamp n|non-interactive P|preserve-groups S|stdin V|version v|validate l|list i|login!interactive s|shell!interactive e|edit!unsupported b|background!background D|chdir=T!chdir R|chroot=T!unsupported h|host=T!remote help',
  ),
  apply: (ctx) => {
    const inner = innerFrom(ctx);
    if (inner.length === 0) {
      if (ctx.parsed.options.some((option) => SUDO_STANDALONE.has(option.def.id))) return;
      refuse('wrapper-without-command', 'sudo needs a command to run', 'sudo');
    }
    ctx.raise('privileged', 'sudo runs the command as another user');
    ctx.nested(inner, 'sudo');
  },
};

function parallelism(ctx: CommandContext, parsed: ParsedArgs): void {
  for (const option of parsed.options) {
    if (option.def.id !== 'max-procs') continue;
    const value = option.values[0] ?? '';
    const procs = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!(procs >= 1 && procs <= ctx.maxParallel)) {
      refuse(
        'process-cap',
        `xargs -P ${value}: at most ${ctx.maxParallel} processes may run at once (0 means unlimited)`,
        'xargs',
      );
    }
  }
}

/** xargs appends arguments from its input, so only commands that touch no files may be given them. */
const xargs: CommandSpec = {
  syntax: posix(
    'a|arg-file=R d|delimiter=T E=T e|eof[=T] I=T i|replace[=T] L=T l|max-lines[=T] n|max-args=T P|max-procs=T s|max-chars=T process-slot-var=T!unsupported 0|null o|open-tty!interactive p|interactive!interactive r|no-run-if-empty t|verbose x|exit show-limits help version',
  ),
  apply: (ctx) => {
    parallelism(ctx, ctx.parsed);
    const inner = innerFrom(ctx);
    ctx.nested(inner.length > 0 ? inner : [{ value: 'echo', dynamic: false, special: false, tilde: false }], 'xargs', {
      dynamicTail: true,
    });
  },
};

/** watch runs its command through `sh -c` (the words joined by spaces), or directly with -x. */
const watch: CommandSpec = {
  syntax: posix(
    'n|interval=T d|differences[=T] t|no-title b|beep e|errexit g|chgexit c|color C|no-color w|no-wrap p|precise q|equexit=T x|exec r|no-rerun h|help v|version',
  ),
  apply: (ctx) => {
    const inner = innerFrom(ctx);
    if (inner.length === 0) refuse('wrapper-without-command', 'watch needs a command to run', 'watch');
    if (hasOption(ctx.parsed, 'exec')) ctx.nested(inner, 'watch');
    else {
      if (inner.some((arg) => arg.dynamic)) refuse('dynamic-argument', 'watch: the command comes from a substitution', 'watch');
      ctx.script(inner.map((arg) => arg.value).join(' '), 'watch');
    }
  },
};

const command: CommandSpec = {
  syntax: posix('p v V'),
  apply: (ctx) => {
    if (hasOption(ctx.parsed, 'v', 'V')) return textOperands();
    const inner = innerFrom(ctx);
    if (inner.length === 0) refuse('wrapper-without-command', 'command needs a command to run', 'command');
    ctx.nested(inner, 'command');
  },
};

export const WRAPPERS: Readonly<Record<string, CommandSpec>> = {
  env,
  sudo,
  xargs,
  watch,
  command,
  nice: wrapper('n|adjustment=T #=T help version', { numeric: true }),
  timeout: wrapper('s|signal=T k|kill-after=T v|verbose preserve-status foreground!background help version', { leading: 1 }),
  nohup: wrapper('help version'),
  stdbuf: wrapper('i|input=T o|output=T e|error=T help version'),
  time: wrapper('o|output=W a|append f|format=T p|portability v|verbose q|quiet help V|version'),
  ionice: wrapper(
    'c|class=T n|classdata=T t|ignore p|pid=T!unsupported P|pgid=T!unsupported u|uid=T!unsupported h|help V|version',
  ),
  builtin: wrapper(''),
  exec: wrapper('a=T c l'),
};
