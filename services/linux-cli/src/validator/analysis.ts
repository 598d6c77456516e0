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

export type PathAccess = 'read' | 'write';

/** A path an invocation will touch, to be resolved and checked against the allowed roots. */
export interface PathUse {
  raw: string;
  access: PathAccess;
  command: string;
  /** Directories (raw, relative to the cwd) a relative path is resolved against instead of the cwd (ln -s targets). */
  bases?: string[];
  /** A shell redirection that truncates the file: destructive when the file exists. */
  truncate?: boolean;
}

/** A command the call would run, with the risk the policy gives it. */
export interface InvocationSummary {
  name: string;
  argv: string[];
  risk: Risk;
  /** The wrappers it sits in, outermost first (`sh -c`, `sudo`, `find -exec`). */
  via: string[];
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
