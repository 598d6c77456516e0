import type { Arg } from '../analysis.ts';
import { optionTable } from '../argv/spec.ts';
import type { CommandContext, CommandSpec } from '../handler.ts';
import { refuse } from '../refusal.ts';

/**
 * find: leading options, start points, then an expression of primaries, each declared with what its arguments are.
 * An unknown primary is refused. -L/-H/-follow (following links while walking) and -files0-from are refused;
 * -exec and friends run their command through the same rules; -delete makes the start points deleted trees.
 */
const NO_ARGUMENT = new Set([
  '-daystart',
  '-depth',
  '-d',
  '-mount',
  '-noleaf',
  '-xdev',
  '-ignore_readdir_race',
  '-noignore_readdir_race',
  '-nowarn',
  '-warn',
  '-empty',
  '-false',
  '-true',
  '-nouser',
  '-nogroup',
  '-readable',
  '-writable',
  '-executable',
  '-print',
  '-print0',
  '-ls',
  '-prune',
  '-quit',
  '-delete',
  '(',
  ')',
  '!',
  '-not',
  '-a',
  '-and',
  '-o',
  '-or',
  ',',
]);
const TEXT_ARGUMENT = new Set([
  '-regextype',
  '-maxdepth',
  '-mindepth',
  '-amin',
  '-atime',
  '-cmin',
  '-ctime',
  '-mmin',
  '-mtime',
  '-used',
  '-context',
  '-fstype',
  '-gid',
  '-uid',
  '-group',
  '-user',
  '-inum',
  '-links',
  '-name',
  '-iname',
  '-lname',
  '-ilname',
  '-path',
  '-ipath',
  '-wholename',
  '-iwholename',
  '-regex',
  '-iregex',
  '-perm',
  '-size',
  '-type',
  '-xtype',
  '-printf',
]);
const READ_ARGUMENT = new Set(['-anewer', '-cnewer', '-newer', '-samefile']);
const WRITE_ARGUMENT = new Set(['-fprint', '-fprint0', '-fls']);
const EXEC = new Set(['-exec', '-execdir', '-ok', '-okdir']);
const REFUSED: Readonly<Record<string, [string, string]>> = {
  '-follow': ['follow-symlinks', 'find -follow follows symbolic links past the path checks'],
  '-files0-from': ['refused-option', 'find -files0-from reads the start points from a file the validator cannot check'],
};

function execCommand(ctx: CommandContext, values: readonly string[], args: readonly Arg[], i: number): number {
  const token = values[i] as string;
  const end = values.findIndex((a, j) => j > i && (a === ';' || (a === '+' && values[j - 1] === '{}')));
  if (end < 0) refuse('find-exec', `find ${token} has no terminating ";" or "+"`, 'find');
  const inner: Arg[] = args.slice(i + 1, end).map((arg) => {
    if (arg.value === '{}') return { ...arg, special: true };
    if (arg.value.includes('{}')) {
      refuse(
        'find-exec-placeholder',
        `find ${token}: "{}" inside the argument ${JSON.stringify(arg.value)} is substituted textually; pass {} as its own argument`,
        'find',
      );
    }
    return { ...arg };
  });
  ctx.nested(inner, `find ${token}`, { findExec: true });
  return end + 1;
}

/**
 * find -exec passes every name it matches to the command, which follows symbolic links; so the expression must
 * match only files or directories (`-type f` / `-type d`, not negated, with no `-o`, `,` or parentheses that could
 * add another branch). Then `{}` is never a link that leads out of the roots.
 */
function requireFileTypes(tests: readonly string[]): void {
  const why =
    'find -exec needs -type f or -type d (not negated, without -o, "," or parentheses), so {} is never a symbolic link leading out of the roots';
  if (tests.some((token) => ['-o', '-or', ',', '(', ')'].includes(token))) refuse('find-exec-type', why, 'find');
  const typed = tests.some(
    (token, j) => token === '-type' && /^[fd](,[fd])*$/.test(tests[j + 1] ?? '') && !['!', '-not'].includes(tests[j - 1] ?? ''),
  );
  if (!typed) refuse('find-exec-type', why, 'find');
}

export const find: CommandSpec = {
  syntax: { options: optionTable(''), permute: true, none: true },
  apply: (ctx) => {
    const values = ctx.parsed.operands.map((operand) => operand.value);
    const args = ctx.parsed.operands.map((operand) => operand.arg);
    let i = 0;
    while (i < values.length && /^-[HLPDO]/.test(values[i] as string) && (values[i] as string).length <= 3) {
      const option = values[i] as string;
      if (option === '-L' || option === '-H')
        refuse('follow-symlinks', `find ${option} follows symbolic links past the path checks`, 'find');
      i += option === '-D' ? 2 : 1;
    }
    const starts: number[] = [];
    while (i < values.length && !/^[-(!),]/.test(values[i] as string)) starts.push(i++);
    const tests: string[] = [];
    let execs = 0;
    let deletes = false;
    while (i < values.length) {
      const token = values[i] as string;
      const refused = REFUSED[token];
      if (refused) refuse(refused[0], refused[1], 'find');
      if (EXEC.has(token)) {
        execs += 1;
        i = execCommand(ctx, values, args, i);
        continue;
      }
      if (execs === 0) tests.push(token);
      if (token === '-delete') deletes = true;
      const takes = (count: number) => {
        if (i + count >= values.length)
          refuse('option-value', `find ${token} needs ${count === 1 ? 'an argument' : `${count} arguments`}`, 'find');
      };
      if (NO_ARGUMENT.has(token)) i += 1;
      else if (TEXT_ARGUMENT.has(token)) {
        takes(1);
        if (execs === 0) tests.push(values[i + 1] as string);
        i += 2;
      } else if (READ_ARGUMENT.has(token) || /^-newer[aBcm][aBcm]$/.test(token)) {
        takes(1);
        ctx.path(values[i + 1] as string, 'read');
        i += 2;
      } else if (/^-newer[aBcm]t$/.test(token)) {
        takes(1);
        i += 2;
      } else if (WRITE_ARGUMENT.has(token) || token === '-fprintf') {
        takes(token === '-fprintf' ? 2 : 1);
        ctx.path(values[i + 1] as string, 'write');
        i += token === '-fprintf' ? 3 : 2;
      } else refuse('unknown-option', `find ${token}: the validator does not know this primary, so it is refused`, 'find');
    }
    if (deletes) ctx.raise('destructive', 'find -delete removes files');
    const startOperands = starts.map((index) => ctx.parsed.operands[index] as (typeof ctx.parsed.operands)[number]);
    if (starts.length === 0) ctx.path('.', deletes ? 'delete' : 'read');
    ctx.operandPaths(startOperands, deletes ? 'delete' : 'read');
    if (execs > 0) requireFileTypes(tests);
  },
};
