import type { Arg } from './analysis.ts';
import type { CommandHandler, HandlerContext } from './handler.ts';
import { refuse } from './refusal.ts';

/**
 * Wrappers run another command: the validator reads past their options and judges the command they run
 * (env, nice, timeout, nohup, stdbuf, time, ionice, command, builtin, exec, sudo, xargs, watch).
 */
interface WrapperSpec {
  /** Short option letters that take a value. */
  shortValued?: string;
  /** Short option letters allowed without a value. */
  shortFlags?: string;
  /** Long options that take a value (written `--name`), and long flags. */
  longValued?: readonly string[];
  longFlags?: readonly string[];
  /** Options refused outright, with why. */
  refused?: Readonly<Record<string, string>>;
  /** Options whose value is a file the wrapper writes or reads. */
  fileOptions?: Readonly<Record<string, 'read' | 'write'>>;
  /** How many operands the wrapper itself takes before the command (timeout's duration). */
  leadingOperands?: number;
  /** Whether `-N` (a negative number) is an option (nice -10). */
  numericOptions?: boolean;
}

interface WrapperParse {
  /** Index in ctx.args where the inner command starts (args.length when there is none). */
  start: number;
  options: { name: string; value?: string }[];
}

/** Reads a wrapper's options; refuses options it does not know (it cannot tell where the command starts). */
export function parseWrapper(ctx: HandlerContext, spec: WrapperSpec): WrapperParse {
  const options: { name: string; value?: string }[] = [];
  const args = ctx.values;
  let i = 0;
  const take = (name: string, value?: string) => {
    const why = spec.refused?.[name];
    if (why) refuse('wrapper-option', `${ctx.name} ${name}: ${why}`, ctx.name);
    const file = spec.fileOptions?.[name];
    if (file && value !== undefined) ctx.path(value, file);
    options.push(value === undefined ? { name } : { name, value });
  };
  while (i < args.length) {
    const arg = args[i] as string;
    if (arg === '--') {
      i += 1;
      break;
    }
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(0, eq) : arg;
      if (spec.refused?.[name]) take(name);
      if (spec.longValued?.includes(name)) {
        if (eq >= 0) take(name, arg.slice(eq + 1));
        else {
          take(name, args[i + 1]);
          i += 1;
        }
      } else if (spec.longFlags?.includes(name) && eq < 0) take(name);
      else refuse('unknown-option', `${ctx.name} option ${name} is not understood by the validator`, ctx.name);
      i += 1;
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      if (spec.numericOptions && /^-\d+$/.test(arg)) {
        take(arg);
        i += 1;
        continue;
      }
      let consumedNext = false;
      for (let c = 1; c < arg.length; c++) {
        const letter = arg[c] as string;
        const name = `-${letter}`;
        if (spec.refused?.[name]) take(name);
        if (spec.shortValued?.includes(letter)) {
          if (c + 1 < arg.length) take(name, arg.slice(c + 1));
          else {
            take(name, args[i + 1]);
            consumedNext = true;
          }
          break;
        }
        if (spec.shortFlags?.includes(letter)) take(name);
        else refuse('unknown-option', `${ctx.name} option ${name} is not understood by the validator`, ctx.name);
      }
      i += consumedNext ? 2 : 1;
      continue;
    }
    break;
  }
  return { start: Math.min(i + (spec.leadingOperands ?? 0), args.length), options };
}

function innerArgs(ctx: HandlerContext, start: number): Arg[] {
  return ctx.args.slice(start).map((arg) => ({ ...arg }));
}

function simpleWrapper(spec: WrapperSpec, requireCommand = true): CommandHandler {
  return {
    handle: (ctx) => {
      const parsed = parseWrapper(ctx, spec);
      const inner = innerArgs(ctx, parsed.start);
      if (inner.length === 0) {
        if (requireCommand) refuse('wrapper-without-command', `${ctx.name} needs a command to run`, ctx.name);
        return;
      }
      ctx.nested(inner, ctx.name);
    },
  };
}

export const envHandler: CommandHandler = {
  handle: (ctx) => {
    const parsed = parseWrapper(ctx, {
      shortFlags: 'i0v',
      shortValued: 'u',
      longFlags: ['--ignore-environment', '--null', '--debug'],
      longValued: ['--unset', '--block-signal', '--default-signal', '--ignore-signal'],
      refused: {
        '-S': 'splits a string into a command line the validator cannot see',
        '--split-string': 'splits a string into a command line the validator cannot see',
        '-C': 'changes directory past the cwd check; use cwd',
        '--chdir': 'changes directory past the cwd check; use cwd',
      },
    });
    let start = parsed.start;
    while (start < ctx.values.length) {
      const value = ctx.values[start] as string;
      const match = /^([^=]+)=/.exec(value);
      if (!match) break;
      const name = match[1] as string;
      if (!ctx.envAllowed(name)) {
        refuse(
          'env-assignment',
          `env ${name}=...: setting ${name} is not allowed (see envAllow; PATH, LD_*, GIT_* and the like never are)`,
          'env',
        );
      }
      if (ctx.args[start]?.dynamic) refuse('dynamic-argument', `env ${name}=...: the value comes from a substitution`, 'env');
      start += 1;
    }
    const inner = innerArgs(ctx, start);
    if (inner.length > 0) ctx.nested(inner, 'env');
  },
};

export const niceHandler = simpleWrapper({
  shortValued: 'n',
  longValued: ['--adjustment'],
  numericOptions: true,
});

export const timeoutHandler = simpleWrapper({
  shortValued: 'sk',
  shortFlags: 'v',
  longValued: ['--signal', '--kill-after'],
  longFlags: ['--preserve-status', '--foreground', '--verbose'],
  leadingOperands: 1,
});

export const nohupHandler = simpleWrapper({});

export const stdbufHandler = simpleWrapper({
  shortValued: 'ioe',
  longValued: ['--input', '--output', '--error'],
});

export const timeHandler = simpleWrapper({
  shortValued: 'of',
  shortFlags: 'apvq',
  longValued: ['--output', '--format'],
  longFlags: ['--append', '--portability', '--verbose', '--quiet'],
  fileOptions: { '-o': 'write', '--output': 'write' },
});

export const ioniceHandler = simpleWrapper({
  shortValued: 'cn',
  shortFlags: 't',
  longValued: ['--class', '--classdata'],
  longFlags: ['--ignore'],
  refused: {
    '-p': 'changes the priority of other processes',
    '-P': 'changes the priority of other processes',
    '-u': 'changes the priority of other processes',
    '--pid': 'changes the priority of other processes',
    '--pgid': 'changes the priority of other processes',
    '--uid': 'changes the priority of other processes',
  },
});

export const commandHandler: CommandHandler = {
  handle: (ctx) => {
    const parsed = parseWrapper(ctx, { shortFlags: 'pvV' });
    if (parsed.options.some((o) => o.name === '-v' || o.name === '-V')) return;
    const inner = innerArgs(ctx, parsed.start);
    if (inner.length === 0) refuse('wrapper-without-command', `${ctx.name} needs a command to run`, ctx.name);
    ctx.nested(inner, ctx.name);
  },
};

export const builtinHandler = simpleWrapper({});

export const execHandler = simpleWrapper({ shortValued: 'a', shortFlags: 'cl' });

const SUDO_STANDALONE = new Set([
  '-l',
  '-v',
  '-k',
  '-K',
  '-V',
  '--list',
  '--validate',
  '--version',
  '--reset-timestamp',
  '--remove-timestamp',
]);

const SUDO_SPEC: WrapperSpec = {
  shortValued: 'gpruUCT',
  shortFlags: 'AEHKknPSVvl',
  longValued: ['--user', '--group', '--prompt', '--role', '--type', '--other-user', '--close-from', '--command-timeout'],
  longFlags: [
    '--askpass',
    '--preserve-env',
    '--set-home',
    '--reset-timestamp',
    '--remove-timestamp',
    '--non-interactive',
    '--preserve-groups',
    '--stdin',
    '--version',
    '--validate',
    '--list',
  ],
  refused: {
    '-i': 'runs a login shell; give the command explicitly',
    '--login': 'runs a login shell; give the command explicitly',
    '-s': 'runs a shell; give the command explicitly',
    '--shell': 'runs a shell; give the command explicitly',
    '-e': 'edits files as root past the path checks',
    '--edit': 'edits files as root past the path checks',
    '-b': 'runs the command in the background, detached from the service',
    '--background': 'runs the command in the background, detached from the service',
    '-D': 'changes directory past the cwd check; use cwd',
    '--chdir': 'changes directory past the cwd check; use cwd',
    '-R': 'changes the root directory past the path checks',
    '--chroot': 'changes the root directory past the path checks',
    '-h': 'runs the command on another host',
    '--host': 'runs the command on another host',
  },
};

/** sudo runs the command as root: the command is judged as usual and the call is at least privileged. */
export const sudoHandler: CommandHandler = {
  handle: (ctx) => {
    const parsed = parseWrapper(ctx, SUDO_SPEC);
    const inner = innerArgs(ctx, parsed.start);
    if (inner.length === 0) {
      if (parsed.options.some((o) => SUDO_STANDALONE.has(o.name))) return;
      refuse('wrapper-without-command', 'sudo needs a command to run', 'sudo');
    }
    ctx.raise('privileged', 'sudo runs the command as another user');
    ctx.nested(inner, 'sudo');
  },
};

export const xargsHandler: CommandHandler = {
  handle: (ctx) => {
    const parsed = parseWrapper(ctx, {
      shortValued: 'adEILnPs',
      shortFlags: '0oprtx',
      longValued: [
        '--arg-file',
        '--delimiter',
        '--eof',
        '--replace',
        '--max-lines',
        '--max-args',
        '--max-procs',
        '--max-chars',
        '--process-slot-var',
      ],
      longFlags: ['--null', '--open-tty', '--interactive', '--no-run-if-empty', '--verbose', '--exit', '--show-limits'],
      fileOptions: { '-a': 'read', '--arg-file': 'read' },
      refused: {
        '-i': 'use -I with an explicit replacement string',
        '-e': 'use -E',
        '-l': 'use -L',
      },
    });
    const inner = innerArgs(ctx, parsed.start);
    ctx.nested(inner.length > 0 ? inner : [{ value: 'echo', dynamic: false, special: false, tilde: false }], 'xargs', {
      dynamicTail: true,
    });
  },
};

export const watchHandler: CommandHandler = {
  handle: (ctx) => {
    const parsed = parseWrapper(ctx, {
      shortValued: 'nq',
      shortFlags: 'bcCdegprtwx',
      longValued: ['--interval', '--differences', '--equexit', '--errexit'],
      longFlags: ['--beep', '--color', '--no-color', '--chgexit', '--precise', '--no-title', '--no-wrap', '--exec', '--no-rerun'],
    });
    const inner = innerArgs(ctx, parsed.start);
    if (inner.length === 0) refuse('wrapper-without-command', 'watch needs a command to run', 'watch');
    if (parsed.options.some((o) => o.name === '-x' || o.name === '--exec')) ctx.nested(inner, 'watch -x');
    else ctx.script(inner.map((arg) => arg.value).join(' '), 'watch');
  },
};
