import type { Arg } from '../analysis.ts';
import type { CommandHandler } from '../handler.ts';
import { refuse } from '../refusal.ts';

// find: start points, -exec and friends, file-valued primaries; -L/-follow refused.
const FIND_VALUE_PRIMARIES = new Set([
  '-name',
  '-iname',
  '-path',
  '-ipath',
  '-wholename',
  '-iwholename',
  '-regex',
  '-iregex',
  '-lname',
  '-ilname',
  '-perm',
  '-type',
  '-xtype',
  '-user',
  '-group',
  '-uid',
  '-gid',
  '-size',
  '-mtime',
  '-mmin',
  '-atime',
  '-amin',
  '-ctime',
  '-cmin',
  '-used',
  '-links',
  '-inum',
  '-maxdepth',
  '-mindepth',
  '-printf',
  '-fstype',
  '-context',
  '-regextype',
]);
const FIND_FILE_PRIMARIES: Record<string, 'read' | 'write'> = {
  '-newer': 'read',
  '-anewer': 'read',
  '-cnewer': 'read',
  '-samefile': 'read',
  '-files0-from': 'read',
  '-fprint': 'write',
  '-fprint0': 'write',
  '-fls': 'write',
};

export const find: CommandHandler = {
  handle: (ctx) => {
    const args = ctx.values;
    let i = 0;
    while (i < args.length && /^-[HLPDO]/.test(args[i] as string) && (args[i] as string).length <= 3) {
      const option = args[i] as string;
      if (option === '-L' || option === '-H')
        refuse('follow-symlinks', `find ${option} follows symbolic links past the path checks`, 'find');
      i += option === '-D' ? 2 : 1;
    }
    let execs = 0;
    const starts: number[] = [];
    while (i < args.length && !/^[-(!),]/.test(args[i] as string)) starts.push(i++);
    const expressionIndex = i;
    if (starts.length === 0) ctx.path('.', 'read');
    ctx.pathArgs(starts, 'read');
    while (i < args.length) {
      const token = args[i] as string;
      if (token === '-exec' || token === '-execdir' || token === '-ok' || token === '-okdir') {
        execs += 1;
        const end = args.findIndex((a, j) => j > i && (a === ';' || (a === '+' && args[j - 1] === '{}')));
        if (end < 0) refuse('find-exec', `find ${token} has no terminating ";" or "+"`, 'find');
        const inner: Arg[] = ctx.args.slice(i + 1, end).map((arg) => {
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
        i = end + 1;
        continue;
      }
      if (token === '-follow') refuse('follow-symlinks', 'find -follow follows symbolic links past the path checks', 'find');
      if (token === '-delete') ctx.raise('destructive', 'find -delete removes files');
      if (token === '-fprintf') {
        ctx.path(args[i + 1] ?? '', 'write');
        ctx.raise('modify', 'find -fprintf writes a file');
        i += 3;
        continue;
      }
      const file = FIND_FILE_PRIMARIES[token];
      if (file) {
        ctx.path(args[i + 1] ?? '', file);
        if (file === 'write') ctx.raise('modify', `find ${token} writes a file`);
        i += 2;
        continue;
      }
      if (/^-newer[acmB][acmBt]$/.test(token)) {
        if (!token.endsWith('t')) ctx.path(args[i + 1] ?? '', 'read');
        i += 2;
        continue;
      }
      if (FIND_VALUE_PRIMARIES.has(token)) {
        i += 2;
        continue;
      }
      i += 1;
    }
    if (execs > 0) requireFileTypes(args, expressionIndex);
  },
};

/**
 * find -exec passes every name it matches to the command, which follows symbolic links; so the expression must
 * match only files or directories (`-type f` / `-type d`, not negated, with no `-o`, `,` or parentheses that could
 * add another branch). Then `{}` is never a link that leads out of the roots.
 */
function requireFileTypes(args: readonly string[], firstExpression: number): void {
  const expression = args.slice(firstExpression);
  const cut = expression.findIndex((token) => ['-exec', '-execdir', '-ok', '-okdir'].includes(token));
  const tests = cut < 0 ? expression : expression.slice(0, cut);
  const why =
    'find -exec needs -type f or -type d (not negated, without -o, "," or parentheses), so {} is never a symbolic link leading out of the roots';
  if (tests.some((token) => ['-o', '-or', ',', '(', ')'].includes(token))) refuse('find-exec-type', why, 'find');
  const typed = tests.some(
    (token, j) => token === '-type' && /^[fd](,[fd])*$/.test(tests[j + 1] ?? '') && !['!', '-not'].includes(tests[j - 1] ?? ''),
  );
  if (!typed) refuse('find-exec-type', why, 'find');
}
