import { hasOption, type Operand, optionValues } from '../argv/parse-args.ts';
import type { CommandContext, CommandSpec } from '../handler.ts';
import { checkAwkProgram } from '../languages/awk-program.ts';
import { checkSedScript } from '../languages/sed-script.ts';
import { refuse } from '../refusal.ts';
import { gnu } from './common.ts';

const GREP_OPTIONS =
  'E|extended-regexp F|fixed-strings G|basic-regexp P|perl-regexp e|regexp=T f|file=R i|y|ignore-case no-ignore-case w|word-regexp x|line-regexp z|null-data s|no-messages v|invert-match V|version m|max-count=T b|byte-offset n|line-number line-buffered H|with-filename h|no-filename label=T o|only-matching q|quiet|silent binary-files=T a|text I d|directories=T D|devices=T r|recursive R|dereference-recursive!follow include=T exclude=T exclude-from=R exclude-dir=T L|files-without-match l|files-with-matches c|count T|initial-tab Z|null B|before-context=T A|after-context=T C|context=T #=T group-separator=T no-group-separator color[=T] colour[=T] U|binary';

/** grep: the first operand is the pattern unless -e or -f gave one; the rest are files it reads. */
const grep: CommandSpec = {
  syntax: gnu(GREP_OPTIONS, { numeric: true }),
  apply: (ctx) => {
    const patternGiven = hasOption(ctx.parsed, 'regexp', 'file');
    ctx.operandPaths(patternGiven ? ctx.parsed.operands : ctx.parsed.operands.slice(1), 'read');
  },
};

function dynamicProgram(ctx: CommandContext, operand: Operand): void {
  if (operand.arg.dynamic) refuse('dynamic-argument', `${ctx.name}: the program comes from a substitution`, ctx.name);
}

/** sed: scripts from -e or the first operand are read and checked; -i rewrites the files in place (destructive). */
const sed: CommandSpec = {
  syntax: gnu(
    'n|quiet|silent debug e|expression=C f|file=R!unsupported follow-symlinks i|in-place[=T] l|line-length=T posix E|r|regexp-extended s|separate sandbox u|unbuffered z|null-data',
  ),
  apply: (ctx) => {
    const scripts = optionValues(ctx.parsed, 'expression');
    let files = ctx.parsed.operands;
    if (scripts.length === 0) {
      const first = files[0];
      if (!first) refuse('sed-syntax', 'sed needs a script', 'sed');
      dynamicProgram(ctx, first);
      scripts.push(first.value);
      files = files.slice(1);
    }
    for (const script of scripts) checkSedScript(script);
    const inPlace = ctx.parsed.options.find((option) => option.def.id === 'in-place');
    if (inPlace) {
      const suffix = inPlace.values[0] ?? '';
      if (/[/*]/.test(suffix)) refuse('sed-suffix', `sed -i${suffix}: a backup suffix with / or * writes elsewhere`, 'sed');
      if (files.length === 0) refuse('sed-syntax', 'sed -i needs files to edit', 'sed');
      ctx.operandPaths(files, 'rewrite');
      if (suffix !== '') for (const file of files) ctx.path(`${file.value}${suffix}`, 'write');
    } else ctx.operandPaths(files, 'read');
  },
};

/**
 * awk (gawk, mawk, nawk): the program (-e/--source values, else the first operand) is tokenized and checked;
 * program files, extensions, and options that write files are refused. `var=value` operands are assignments.
 */
const awk: CommandSpec = {
  syntax: gnu(
    'f|file=R!unsupported F|field-separator=T v|assign=T b|characters-as-bytes c|traditional C|copyright d|dump-variables[=T]!unsupported D|debug[=T]!interactive e|source=C E|exec=R!unsupported g|gen-pot h|help i|include=T!unsupported I|trace l|load=T!unsupported L|lint[=T] M|bignum N|use-lc-numeric n|non-decimal-data o|pretty-print[=T]!unsupported O|optimize p|profile[=T]!unsupported P|posix r|re-interval s|no-optimize S|sandbox t|lint-old V|version W=T!unsupported',
    { permute: false },
  ),
  apply: (ctx) => {
    for (const assignment of optionValues(ctx.parsed, 'assign')) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(assignment))
        refuse('awk-assign', `${ctx.name} -v ${assignment}: not NAME=VALUE`, ctx.name);
    }
    const programs = optionValues(ctx.parsed, 'source');
    let operands = ctx.parsed.operands;
    if (programs.length === 0) {
      const first = operands[0];
      if (!first) refuse('awk-program-missing', `${ctx.name} needs a program`, ctx.name);
      dynamicProgram(ctx, first);
      programs.push(first.value);
      operands = operands.slice(1);
    }
    for (const program of programs) checkAwkProgram(program, ctx.name);
    ctx.operandPaths(
      operands.filter((operand) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(operand.value)),
      'read',
    );
  },
};

export const TEXT_PROGRAMS: Readonly<Record<string, CommandSpec>> = {
  grep,
  egrep: grep,
  fgrep: grep,
  sed,
  awk,
  gawk: awk,
  mawk: awk,
  nawk: awk,
};
