import type { Risk } from '../policy/risk.ts';
import type { Arg, PathEffect } from './analysis.ts';
import type { Operand, ParsedArgs } from './argv/parse-args.ts';
import type { ArgvSyntax } from './argv/spec.ts';

/** What a command's semantics can do while the analyzer looks at one invocation. */
export interface CommandContext {
  /** The command name (basename of argv[0]). */
  name: string;
  /** The arguments after the command name. */
  args: readonly Arg[];
  /** The arguments read against the command's spec. */
  parsed: ParsedArgs;
  /** The risk the policy gives this invocation (its subcommand's, when it has one). */
  ruleRisk: Risk;
  /** The largest number of processes a command may run at once (xargs -P). */
  maxParallel: number;
  /** Judges an inner command (a wrapper's, find -exec's) with the same rules. */
  nested(args: Arg[], via: string, options?: { dynamicTail?: boolean; findExec?: boolean }): void;
  /** Judges a shell script (sh -c, trap, watch). */
  script(script: string, via: string): void;
  /** Records a path to check. */
  path(raw: string, effect: PathEffect, options?: { bases?: string[]; intoDir?: string[] }): void;
  /** Records operands as paths (process substitutions and find's `{}` are skipped). */
  operandPaths(operands: readonly Operand[], effect: PathEffect): void;
  /** Raises the risk of this invocation. */
  raise(risk: Risk, reason: string): void;
  /** Marks the invocation as one that creates links or renames entries (see the script rule). */
  changesLinks(reason: string): void;
  /** Whether a caller may set this environment variable. */
  envAllowed(name: string): boolean;
  /**
   * Reads more arguments against another spec (a subcommand's, after the command's own options): their option values
   * are recorded as paths like the command's, and the policy's option rules see them too.
   */
  parseMore(args: Arg[], syntax: ArgvSyntax): ParsedArgs;
}

/** A command the validator knows: how its arguments are read, and what it does with them. */
export interface CommandSpec {
  syntax: ArgvSyntax;
  /** Rewrites the arguments into getopt form before they are parsed (tar's dashless first word). */
  normalize?(args: Arg[]): Arg[];
  /**
   * What the command does with its arguments, after the options' own values (R, W, A kinds) were recorded. Without
   * it, operands are paths: read for a read_only command, `use` otherwise. Option values of kind C (code) must be
   * handled here.
   */
  apply?(ctx: CommandContext): void;
  /** The subcommand the policy's `subcommands` map is matched against (git status), read from the parsed arguments. */
  subcommand?(parsed: ParsedArgs): string | undefined;
  /** The specs of its subcommands, so a policy can only allow subcommands the validator can read. */
  subcommands?: Readonly<Record<string, unknown>>;
}
