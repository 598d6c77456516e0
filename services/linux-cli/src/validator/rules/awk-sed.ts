import type { CommandHandler } from '../handler.ts';
import { argMatchesOption, hasOption, parseOptions } from '../options.ts';
import { checkAwkProgram, checkSedScript } from '../program-checks.ts';
import { refuse } from '../refusal.ts';

// awk: the program is checked; -f program files and extensions are refused; var=value operands are assignments.
export const awk: CommandHandler = {
  handle: (ctx) => {
    const parsed = parseOptions(ctx.values, {
      shortValued: 'fvFeEil',
      longValued: ['--file', '--assign', '--field-separator', '--source', '--exec', '--include', '--load'],
    });
    const programs: string[] = [];
    for (const option of parsed.options) {
      if (['-f', '--file', '-E', '--exec'].includes(option.name)) {
        refuse(
          'awk-program-file',
          `${ctx.name} ${option.name}: program files are refused, the validator cannot see inside; pass the program as an argument`,
          ctx.name,
        );
      }
      if (['-i', '--include', '-l', '--load'].includes(option.name)) {
        refuse('awk-extension', `${ctx.name} ${option.name} loads code the validator cannot see`, ctx.name);
      }
      if ((option.name === '-e' || option.name === '--source') && option.value !== undefined) programs.push(option.value);
    }
    let operands = parsed.operands;
    if (programs.length === 0) {
      const first = operands[0];
      if (!first) refuse('awk-program-missing', `${ctx.name} needs a program`, ctx.name);
      if (ctx.args[first.index]?.dynamic)
        refuse('dynamic-argument', `${ctx.name}: the program comes from a substitution`, ctx.name);
      programs.push(first.value);
      operands = operands.slice(1);
    }
    for (const program of programs) checkAwkProgram(program, ctx.name);
    for (const operand of operands) {
      if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(operand.value)) continue;
      ctx.pathArgs([operand.index], 'read');
    }
  },
};

// sed: scripts are checked; -f script files refused; -i makes it modify.
export const sed: CommandHandler = {
  handle: (ctx) => {
    const parsed = parseOptions(ctx.values, {
      shortValued: 'eflS',
      longValued: ['--expression', '--file', '--line-length'],
      permute: true,
    });
    const scripts: string[] = [];
    let inPlace = false;
    for (const option of parsed.options) {
      if (option.name === '-f' || option.name === '--file') {
        refuse(
          'sed-script-file',
          'sed -f: script files are refused, the validator cannot see inside; pass the script with -e',
          'sed',
        );
      }
      if ((option.name === '-e' || option.name === '--expression') && option.value !== undefined) scripts.push(option.value);
      if (option.name === '-i' || argMatchesOption(option.name, '--in-place')) inPlace = true;
    }
    if (hasOption(ctx.values, '-i') || hasOption(ctx.values, '--in-place')) inPlace = true;
    let operands = parsed.operands;
    if (scripts.length === 0) {
      const first = operands[0];
      if (!first) refuse('sed-script-missing', 'sed needs a script', 'sed');
      scripts.push(first.value);
      operands = operands.slice(1);
    }
    for (const script of scripts) checkSedScript(script);
    if (inPlace) ctx.raise('modify', 'sed -i edits files in place');
    ctx.pathArgs(
      operands.map((o) => o.index),
      inPlace ? 'write' : 'read',
    );
  },
};
