import type { Arg } from '../analysis.ts';
import { refuse } from '../refusal.ts';
import type { ArgvSyntax, OptionDef, OptionTable } from './spec.ts';

/** One option as the command will read it. */
export interface ParsedOption {
  def: OptionDef;
  /** As written: `-n`, `--lines`, `+e`. */
  written: string;
  /** Its values (none for a flag, one or two otherwise; an optional value left out is not here). */
  values: string[];
  /** Index of the option's own argument. */
  index: number;
  /** `+x` or `--no-NAME`. */
  negated: boolean;
}

export interface Operand {
  arg: Arg;
  value: string;
  index: number;
}

/** A command's arguments read the way its getopt reads them. */
export interface ParsedArgs {
  options: ParsedOption[];
  operands: Operand[];
  /** Whether a `--` ended the options. */
  dashDash: boolean;
}

function closest(table: OptionTable, name: string): string | undefined {
  const matches = [...table.byLong.keys()].filter((long) => long.startsWith(name));
  return matches.length === 1 ? `--${matches[0]}` : undefined;
}

function unknown(command: string, written: string, table: OptionTable): never {
  const name = written.startsWith('--') ? (written.slice(2).split('=')[0] as string) : '';
  const suggestion = name !== '' ? closest(table, name) : undefined;
  refuse(
    'unknown-option',
    suggestion
      ? `${command} ${written}: abbreviated options are refused; write ${suggestion} in full`
      : `${command} ${written.split('=')[0]}: the validator does not know this option, so it is refused`,
    command,
  );
}

/**
 * The one argument parser: reads a command's arguments against its declared spec the way GNU getopt_long (or the
 * command's own dialect) would, and refuses what it does not know. Long options must be written in full: getopt
 * and git accept unique prefixes, so an abbreviation is refused rather than guessed. A refused option refuses the
 * call with its reason.
 */
export function parseArgs(command: string, args: readonly Arg[], syntax: ArgvSyntax): ParsedArgs {
  const { options: table } = syntax;
  const options: ParsedOption[] = [];
  const operands: Operand[] = [];
  let dashDash = false;
  const take = (def: OptionDef, written: string, values: string[], index: number, negated: boolean) => {
    if (def.refuse) refuse('refused-option', `${command} ${written} ${def.refuse}`, command);
    options.push({ def, written, values, index, negated });
  };
  const following = (def: OptionDef, written: string, index: number, first: string | undefined): string[] => {
    const values = first === undefined ? [] : [first];
    let next = index + 1;
    while (values.length < def.values.length) {
      const arg = args[next];
      if (arg === undefined) refuse('option-value', `${command} ${written} needs a value`, command);
      values.push(arg.value);
      next += 1;
    }
    return values;
  };
  let i = 0;
  while (i < args.length) {
    const arg = args[i] as Arg;
    const value = arg.value;
    if (syntax.none || dashDash || arg.special || value === '-' || value === '') {
      operands.push({ arg, value, index: i });
      i += 1;
      if (!syntax.permute) dashDash = true;
      continue;
    }
    if (value === '--') {
      dashDash = true;
      i += 1;
      continue;
    }
    if (value.startsWith('--')) {
      const eq = value.indexOf('=');
      const name = eq < 0 ? value.slice(2) : value.slice(2, eq);
      let def = table.byLong.get(name);
      let negated = false;
      if (!def && syntax.negatable && name.startsWith('no-')) {
        const positive = table.byLong.get(name.slice(3));
        if (positive && positive.arg === 'none') {
          def = positive;
          negated = true;
        }
      }
      if (!def) unknown(command, value, table);
      if (def.arg === 'none') {
        if (eq >= 0) refuse('option-value', `${command} --${name} takes no value`, command);
        take(def, `--${name}`, [], i, negated);
        i += 1;
      } else if (def.arg === 'optional' || eq >= 0) {
        const values = eq >= 0 ? following(def, `--${name}`, i, value.slice(eq + 1)) : [];
        take(def, `--${name}`, values, i, false);
        i += 1 + Math.max(0, values.length - (eq >= 0 ? 1 : 0));
      } else {
        const values = following(def, `--${name}`, i, undefined);
        take(def, `--${name}`, values, i, false);
        i += 1 + values.length;
      }
      continue;
    }
    const sign = value[0];
    if ((sign === '-' || (sign === '+' && syntax.plus)) && value.length > 1) {
      if (syntax.numeric && sign === '-' && /^-\d+$/.test(value)) {
        const def = table.byShort.get('#');
        if (!def) unknown(command, value, table);
        take(def, '-NUM', [value.slice(1)], i, false);
        i += 1;
        continue;
      }
      let consumed = 1;
      for (let c = 1; c < value.length; c++) {
        const letter = value[c] as string;
        const def = table.byShort.get(letter);
        if (!def) unknown(command, `${sign}${letter}`, table);
        const written = `${sign}${letter}`;
        if (def.arg === 'none') {
          take(def, written, [], i, sign === '+');
          continue;
        }
        const attached = c + 1 < value.length ? value.slice(c + 1) : undefined;
        if (def.arg === 'optional') {
          take(def, written, attached === undefined ? [] : [attached], i, false);
        } else {
          const values = following(def, written, i, attached);
          take(def, written, values, i, false);
          consumed += values.length - (attached === undefined ? 0 : 1);
        }
        break;
      }
      i += consumed;
      continue;
    }
    operands.push({ arg, value, index: i });
    i += 1;
    if (!syntax.permute) dashDash = true;
  }
  return { options, operands, dashDash };
}

/** Reading helpers for a command's semantics. */
export function hasOption(parsed: ParsedArgs, ...ids: string[]): boolean {
  return parsed.options.some((option) => ids.includes(option.def.id) && !option.negated);
}

export function optionValues(parsed: ParsedArgs, ...ids: string[]): string[] {
  return parsed.options.filter((option) => ids.includes(option.def.id)).flatMap((option) => option.values);
}
