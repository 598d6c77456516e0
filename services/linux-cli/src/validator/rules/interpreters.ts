import type { CommandHandler } from '../handler.ts';
import { argMatchesOption } from '../options.ts';
import { refuse } from '../refusal.ts';

// Interpreters run script files inside the roots only: inline code, modules and stdin are refused.
const INLINE_CODE = [
  '-c',
  '-e',
  '-E',
  '-r',
  '-m',
  '-p',
  '-i',
  '-x',
  '--eval',
  '--print',
  '--command',
  '--interactive',
  '--require',
  '--import',
  '-M',
  '-I',
];
export const interpreter: CommandHandler = {
  handle: (ctx) => {
    const end = ctx.values.findIndex((value) => !value.startsWith('-') || value === '-');
    const options = end < 0 ? ctx.values : ctx.values.slice(0, end);
    for (const option of options) {
      for (const inline of INLINE_CODE) {
        if (argMatchesOption(option, inline) && !(inline.length === 2 && option.startsWith('--'))) {
          refuse(
            'interpreter-inline-code',
            `${ctx.name} ${option}: inline code, modules and interactive mode are refused; run a script file inside the roots`,
            ctx.name,
          );
        }
      }
    }
    const script = end < 0 ? undefined : ctx.values[end];
    if (script === undefined || script === '-') {
      refuse(
        'interpreter-stdin',
        `${ctx.name} without a script file reads code from stdin, which the validator cannot see`,
        ctx.name,
      );
    }
    ctx.pathArgs();
  },
};
export const INTERPRETERS =
  /^(python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|node|nodejs|php[0-9.]*|lua[0-9.]*|luajit|Rscript|tclsh[0-9.]*|wish|pwsh|deno|bun|julia|irb|guile|racket|ocaml)$/;
