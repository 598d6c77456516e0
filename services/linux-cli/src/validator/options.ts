/**
 * Reading options the way getopt does, for the few commands whose options matter to the validator:
 * short clusters (`-rf`), attached values (`-n5`, `--lines=5`), `--` ending options.
 */
export interface OptionSpec {
  /** Short options that take a value (`n` for `-n 5` / `-n5`). */
  shortValued?: string;
  /** Long options that take a value (`--lines`), written with their dashes. */
  longValued?: readonly string[];
  /** Whether options may follow operands (GNU permutation); when false the first operand ends the options. */
  permute?: boolean;
}

export interface ParsedOption {
  /** `-n` or `--lines`. */
  name: string;
  value?: string;
  /** Index in the argument list of the option (and of its value when separate). */
  index: number;
  valueIndex?: number;
}

export interface ParsedArgs {
  options: ParsedOption[];
  /** Operands with their indexes. */
  operands: { value: string; index: number }[];
  /** Index of the first operand when options stop at it (no permutation), else -1. */
  firstOperandIndex: number;
}

export function parseOptions(args: readonly string[], spec: OptionSpec = {}): ParsedArgs {
  const options: ParsedOption[] = [];
  const operands: { value: string; index: number }[] = [];
  let firstOperandIndex = -1;
  let i = 0;
  while (i < args.length) {
    const arg = args[i] as string;
    if (arg === '--') {
      for (let j = i + 1; j < args.length; j++) operands.push({ value: args[j] as string, index: j });
      break;
    }
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(0, eq) : arg;
      if (eq >= 0) options.push({ name, value: arg.slice(eq + 1), index: i });
      else if (spec.longValued?.includes(name) && i + 1 < args.length) {
        options.push({ name, value: args[i + 1] as string, index: i, valueIndex: i + 1 });
        i += 1;
      } else options.push({ name, index: i });
      i += 1;
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let c = 1; c < arg.length; c++) {
        const letter = arg[c] as string;
        if (spec.shortValued?.includes(letter)) {
          if (c + 1 < arg.length) options.push({ name: `-${letter}`, value: arg.slice(c + 1), index: i });
          else if (i + 1 < args.length) {
            options.push({ name: `-${letter}`, value: args[i + 1] as string, index: i, valueIndex: i + 1 });
            i += 1;
          } else options.push({ name: `-${letter}`, index: i });
          break;
        }
        options.push({ name: `-${letter}`, index: i });
      }
      i += 1;
      continue;
    }
    if (!spec.permute) {
      firstOperandIndex = i;
      for (let j = i; j < args.length; j++) operands.push({ value: args[j] as string, index: j });
      break;
    }
    operands.push({ value: arg, index: i });
    i += 1;
  }
  return { options, operands, firstOperandIndex };
}

/**
 * Whether an argument list uses an option: `-i` matches `-i`, `-i.bak` and clusters such as `-ni`; `--in-place`
 * matches `--in-place`, `--in-place=.bak` and unambiguous abbreviations (`--in-pl`); single-dash long options
 * (`-delete`, find's style) match exactly.
 */
export function argMatchesOption(arg: string, option: string): boolean {
  if (arg === '--') return false;
  if (option.startsWith('--')) {
    if (!arg.startsWith('--')) return false;
    const name = arg.split('=')[0] as string;
    return name === option || (name.length >= 4 && option.startsWith(name));
  }
  if (option.length === 2 && option.startsWith('-')) {
    if (!arg.startsWith('-') || arg.startsWith('--') || arg.length < 2) return false;
    return arg.slice(1).includes(option[1] as string);
  }
  return arg === option || arg.startsWith(`${option}=`);
}

/** The arguments that count as options: everything before a `--`. */
export function optionArgs(args: readonly string[]): string[] {
  const end = args.indexOf('--');
  return (end >= 0 ? args.slice(0, end) : args).filter((arg) => arg.startsWith('-') && arg.length > 1);
}

export function hasOption(args: readonly string[], option: string): boolean {
  return optionArgs(args).some((arg) => argMatchesOption(arg, option));
}
