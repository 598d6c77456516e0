/**
 * Declared option specs: what each command's options are, the only source the argument parser reads. An option that
 * is not declared is refused, so a spec lists every option we let through, with what its value is.
 *
 * A spec is written as a compact table (`optionTable('a|all A|almost-all block-size=T X|exclude-from=R!filelist')`):
 * each entry is `names[=KINDS]`, `names[[=KINDS]]` (an optional value, attached only: `--color=auto`, `-i.bak`) and
 * an optional `!tag` that refuses the option with the tag's reason. Names are separated by `|`; one character is a
 * short option (`-a`), more is a long one (`--all`). KINDS is one letter per value the option takes:
 * T text, R a file it reads, W a file it writes (creates or replaces), A a file it appends to, C program code.
 */
export type ValueKind = 'text' | 'read' | 'write' | 'append' | 'code';

export interface OptionDef {
  /** The canonical name: the first long name, else the short letter (`all`, `a`). */
  id: string;
  short: readonly string[];
  long: readonly string[];
  arg: 'none' | 'required' | 'optional';
  /** What each value is (one entry per value; two for jq's `--arg NAME VALUE`). */
  values: readonly ValueKind[];
  /** Set when the option is refused: why. */
  refuse?: string;
}

export interface OptionTable {
  byShort: ReadonlyMap<string, OptionDef>;
  byLong: ReadonlyMap<string, OptionDef>;
  all: readonly OptionDef[];
}

/** Why an option is refused, by the tag a spec writes after `!`. */
export const REFUSAL_TAGS: Readonly<Record<string, string>> = {
  follow: 'follows symbolic links while it walks directories, past the path checks',
  filelist: 'reads the names of the files to work on from a file or stdin, which the validator cannot check',
  chdir: 'changes directory past the cwd check; use cwd instead',
  exec: 'runs another program',
  config: 'reads a configuration file that can run programs',
  remote: 'acts on another machine',
  interactive: 'needs a terminal or waits for answers',
  background: 'leaves processes running after the call',
  pager: 'runs a pager',
  device: 'works on devices or the system rather than files',
  network: 'opens network connections',
  repository: 'points git at another repository or work tree; use cwd',
  unsupported: 'is not supported by the validator',
};

const KIND_LETTERS: Readonly<Record<string, ValueKind>> = { T: 'text', R: 'read', W: 'write', A: 'append', C: 'code' };
const ENTRY =
  /^([A-Za-z0-9#?@][A-Za-z0-9_#?@.-]*(?:\|[A-Za-z0-9#?@][A-Za-z0-9_#?@.-]*)*)(?:(=|\[=)([TRWAC]{1,2})\]?)?(?:!([a-z]+))?$/;

/** Compiles a spec table; a malformed entry throws at module load, so a typo never ships. */
export function optionTable(source: string): OptionTable {
  const byShort = new Map<string, OptionDef>();
  const byLong = new Map<string, OptionDef>();
  const all: OptionDef[] = [];
  for (const entry of source.split(/\s+/).filter((part) => part !== '')) {
    const match = ENTRY.exec(entry);
    if (!match) throw new Error(`option spec: cannot read the entry "${entry}"`);
    const names = (match[1] as string).split('|');
    const short = names.filter((name) => name.length === 1);
    const long = names.filter((name) => name.length > 1);
    const tag = match[4];
    if (tag !== undefined && !Object.hasOwn(REFUSAL_TAGS, tag)) throw new Error(`option spec: unknown tag !${tag} in "${entry}"`);
    if (match[2] === '[=' && !entry.includes(']')) throw new Error(`option spec: "${entry}" opens [= without ]`);
    const def: OptionDef = {
      id: long[0] ?? (short[0] as string),
      short,
      long,
      arg: match[2] === undefined ? 'none' : match[2] === '=' ? 'required' : 'optional',
      values: [...(match[3] ?? '')].map((letter) => KIND_LETTERS[letter] as ValueKind),
      ...(tag !== undefined ? { refuse: REFUSAL_TAGS[tag] as string } : {}),
    };
    for (const name of short) {
      if (byShort.has(name)) throw new Error(`option spec: -${name} is declared twice`);
      byShort.set(name, def);
    }
    for (const name of long) {
      if (byLong.has(name)) throw new Error(`option spec: --${name} is declared twice`);
      byLong.set(name, def);
    }
    all.push(def);
  }
  return { byShort, byLong, all };
}

/** Two tables as one (a command's own options plus a shared group, such as git's diff options). */
export function mergeTables(...tables: OptionTable[]): OptionTable {
  const byShort = new Map<string, OptionDef>();
  const byLong = new Map<string, OptionDef>();
  const all: OptionDef[] = [];
  for (const table of tables) {
    for (const [name, def] of table.byShort) {
      if (byShort.has(name)) throw new Error(`option spec: -${name} is declared twice`);
      byShort.set(name, def);
    }
    for (const [name, def] of table.byLong) {
      if (byLong.has(name)) throw new Error(`option spec: --${name} is declared twice`);
      byLong.set(name, def);
    }
    all.push(...table.all);
  }
  return { byShort, byLong, all };
}

/** How a command's arguments are read: the options table and the getopt dialect. */
export interface ArgvSyntax {
  options: OptionTable;
  /** GNU permutation: options may follow operands. When false the first operand ends the options. */
  permute: boolean;
  /** `-NUM` is an option whose value is the number (head -5, grep -3, nice -10, kill -9). */
  numeric?: boolean;
  /** `+x` turns an option off (sh, set), read with the same short options. */
  plus?: boolean;
  /** `--no-NAME` negates any declared long flag (git's parse-options). */
  negatable?: boolean;
  /** No options at all: every argument is an operand, even `--` (echo in some shells, printf's arguments). */
  none?: boolean;
}

/** The option of a table a policy names (`-r`, `--recursive`), or undefined. */
export function findOption(table: OptionTable, written: string): OptionDef | undefined {
  if (written.startsWith('--')) return table.byLong.get(written.slice(2));
  if (written.startsWith('-') && written.length === 2) return table.byShort.get(written.slice(1));
  return undefined;
}
