import type { Risk } from './risk.ts';

/** What the policy says about one command: its risk class and, optionally, finer rules on its arguments. */
export interface CommandRule {
  risk: Risk;
  /** When set, the first operand must be one of these, and its risk replaces `risk` (git status, systemctl restart). */
  subcommands?: Readonly<Record<string, Risk>>;
  /** Options that raise the risk when present (`-i` for sed, `-delete` for find). */
  options?: Readonly<Record<string, Risk>>;
  /** Options refused outright. */
  denyOptions?: readonly string[];
  /** The sandbox shares the host's network with calls made only of commands that have this (curl, git fetch). */
  network?: boolean;
  /** For a command the validator has no built-in spec for: the options it accepts and what its operands are. */
  arguments?: Readonly<ArgumentRules>;
}

export interface ArgumentRules {
  /** Option table in the built-in specs' syntax (`r|raw-output indent=T f|file=R`); empty by default. */
  options?: string;
  /** Operands are paths it reads, paths it may change (`use`), or text. */
  operands?: 'read' | 'use' | 'text';
  /** GNU permutation (options after operands); true by default. */
  permute?: boolean;
}

/** The command allowlist: anything not in `commands` is refused. Read once at start, frozen, never written. */
export interface Policy {
  commands: ReadonlyMap<string, CommandRule>;
  /** Where it came from: `builtin` or the policy file's path. */
  source: string;
}
