import type { Risk } from '../policy/risk.ts';
import type { Arg, PathAccess } from './analysis.ts';

/** What a command-specific rule can do while the analyzer looks at one invocation. */
export interface HandlerContext {
  /** The command name (basename of argv[0]). */
  name: string;
  /** The arguments after the command name. */
  args: readonly Arg[];
  values: readonly string[];
  /** Judges an inner command (a wrapper's, find -exec's) with the same rules. */
  nested(args: Arg[], via: string, options?: { dynamicTail?: boolean; findExec?: boolean }): void;
  /** Judges a shell script (sh -c, trap, watch). */
  script(script: string, via: string): void;
  /** Records a path to check. */
  path(raw: string, access: PathAccess, options?: { bases?: string[] }): void;
  /** Records the path candidates of these argument indexes (all by default), the generic way. */
  pathArgs(indexes?: readonly number[], access?: PathAccess): void;
  /** Raises the risk of this invocation. */
  raise(risk: Risk, reason: string): void;
  /** The access a path argument of this command has: write when its risk is above read_only. */
  readonly defaultAccess: PathAccess;
  /** Whether a caller may set this environment variable. */
  envAllowed(name: string): boolean;
}

export interface CommandHandler {
  handle(ctx: HandlerContext): void;
  /** The subcommand the policy's `subcommands` map is matched against, when the generic rule (first operand) is wrong. */
  subcommand?(values: readonly string[]): string | undefined;
}
