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
}

/** The command allowlist: anything not in `commands` is refused. Read once at start, frozen, never written. */
export interface Policy {
  commands: ReadonlyMap<string, CommandRule>;
  /** Where it came from: `builtin` or the policy file's path. */
  source: string;
}
