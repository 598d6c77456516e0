import { optionTable } from '../argv/spec.ts';
import type { CommandContext, CommandSpec } from '../handler.ts';
import { refuse } from '../refusal.ts';
import { noOperands, posix, textOperands } from './common.ts';

const NO_OPTIONS = { options: optionTable(''), permute: true, none: true };

const FILE_TESTS = new Set([
  '-b',
  '-c',
  '-d',
  '-e',
  '-f',
  '-g',
  '-G',
  '-h',
  '-k',
  '-L',
  '-N',
  '-O',
  '-p',
  '-r',
  '-s',
  '-S',
  '-u',
  '-w',
  '-x',
]);
const FILE_COMPARISONS = new Set(['-ef', '-nt', '-ot']);

/** `test` / `[`: the operand after a file test (`-f x`), and both sides of `-nt`/`-ot`/`-ef`, are paths it reads. */
function testExpression(ctx: CommandContext): void {
  const operands = [...ctx.parsed.operands];
  if (ctx.name === '[') {
    if (operands.at(-1)?.value !== ']') refuse('test-syntax', '[ needs a closing ]', '[');
    operands.pop();
  }
  operands.forEach((operand, i) => {
    const next = operands[i + 1];
    if (FILE_TESTS.has(operand.value) && next) ctx.operandPaths([next], 'read');
    if (FILE_COMPARISONS.has(operand.value)) {
      const previous = operands[i - 1];
      if (previous) ctx.operandPaths([previous], 'read');
      if (next) ctx.operandPaths([next], 'read');
    }
  });
}

/**
 * printf's format and arguments are text. bash's builtin also takes `-v NAME`, which assigns the output to a shell
 * variable (PATH, IFS) and so changes what later commands run: refused, like every option but `--`.
 */
function printfFormat(ctx: CommandContext): void {
  const first = ctx.parsed.operands[0]?.value;
  if (first?.startsWith('-') && first !== '--') {
    refuse(
      'printf-option',
      `printf ${first}: options are refused (bash's -v assigns shell variables); put -- before a format that starts with -`,
      'printf',
    );
  }
}

const SET_OPTIONS = new Set([
  'errexit',
  'nounset',
  'pipefail',
  'noglob',
  'xtrace',
  'verbose',
  'noclobber',
  'noexec',
  'allexport',
  'posix',
  'errtrace',
  'functrace',
  'physical',
  'hashall',
]);

/**
 * `set` and a shell's own flags: only options that change nothing the validator relies on. Refused among others:
 * -m (job control puts background jobs in process groups of their own), -k (assignment words anywhere become
 * environment variables of the command, past envAllow), -i, -s, -l and -o names outside SET_OPTIONS.
 */
export const SHELL_FLAGS = 'e u x v f n C a h P E T o=T';

export function checkSetNames(ctx: CommandContext): void {
  for (const option of ctx.parsed.options) {
    if (option.def.id !== 'o') continue;
    const name = option.values[0] ?? '';
    if (!SET_OPTIONS.has(name)) refuse('shell-option', `${ctx.name} -o ${name} is refused`, ctx.name);
  }
}

export const SHELL_BUILTINS: Readonly<Record<string, CommandSpec>> = {
  echo: { syntax: NO_OPTIONS, apply: textOperands },
  printf: { syntax: NO_OPTIONS, apply: printfFormat },
  true: { syntax: NO_OPTIONS, apply: textOperands },
  false: { syntax: NO_OPTIONS, apply: textOperands },
  ':': { syntax: NO_OPTIONS, apply: textOperands },
  test: { syntax: NO_OPTIONS, apply: testExpression },
  '[': { syntax: NO_OPTIONS, apply: testExpression },
  exit: { syntax: NO_OPTIONS, apply: textOperands },
  wait: { syntax: posix('n f'), apply: textOperands },
  set: {
    syntax: posix(SHELL_FLAGS, { plus: true }),
    apply: (ctx) => {
      checkSetNames(ctx);
      noOperands(ctx);
    },
  },
};
