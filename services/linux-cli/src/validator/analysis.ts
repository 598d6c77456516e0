import type { Risk } from '../policy/risk.ts';

/** One argument as the validator sees it. */
export interface Arg {
  value: string;
  /** Its value comes from a command substitution (known only at run time). */
  dynamic: boolean;
  /** A process substitution or find's `{}`: a path the validator does not check. */
  special: boolean;
  /** Starts with an unquoted `~` in a shell script. */
  tilde: boolean;
}

/**
 * What a command does to a path. The risk of a call follows from these after the paths are resolved: replacing or
 * deleting an existing file is destructive, creating or changing one is modify, reading is nothing.
 * - read: reads its content or metadata
 * - write: opens it for writing and truncates it, creating it when missing (cp's destination, tee, `>`)
 * - append: opens it for appending (`>>`, tee -a)
 * - rewrite: replaces its content in place (sed -i, truncate)
 * - create: makes a new entry (mkdir, a link)
 * - replace: puts a new entry in its place, replacing an existing one (mv's destination, ln -f)
 * - delete: removes it (rm, rmdir, find -delete)
 * - meta: changes its metadata (chmod, touch)
 * - move: renames it away (mv's source)
 * - use: may change it in ways the command decides (a policy-added command); the rule's risk applies
 */
export type PathEffect = 'read' | 'write' | 'append' | 'rewrite' | 'create' | 'replace' | 'delete' | 'meta' | 'move' | 'use';

/** A path an invocation will touch, to be resolved and checked against the allowed roots. */
export interface PathUse {
  raw: string;
  effect: PathEffect;
  command: string;
  /** Directories (raw, relative to the cwd) a relative path is resolved against instead of the cwd (ln -s targets). */
  bases?: string[];
  /** When the path is an existing directory, the command writes these names inside it (cp a b dir/). */
  intoDir?: string[];
  /** A shell redirection: writing /dev/null, /dev/stdout or /dev/stderr is harmless there. */
  redirect?: boolean;
}

/** A command the call would run, with the risk the policy gives it. */
export interface InvocationSummary {
  name: string;
  argv: string[];
  risk: Risk;
  /** The wrappers it sits in, outermost first (`sh -c`, `sudo`, `find -exec`). */
  via: string[];
  /** It creates links or renames entries, so paths checked before it ran may lead elsewhere after. */
  changesLinks?: string;
  /** It was given network access by the policy. */
  network: boolean;
  /** How many paths it uses (redirections included). */
  pathCount: number;
}

export interface Analysis {
  risk: Risk;
  invocations: InvocationSummary[];
  paths: PathUse[];
  /** Why the risk is what it is, for the approval prompt and the audit log. */
  riskReasons: string[];
}

export function plainArgs(values: readonly string[]): Arg[] {
  return values.map((value) => ({ value, dynamic: false, special: false, tilde: false }));
}

export function isWriteEffect(effect: PathEffect): boolean {
  return effect !== 'read';
}
