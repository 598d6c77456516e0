import type { CommandRule } from '../../policy/policy.ts';
import { optionTable } from '../argv/spec.ts';
import type { CommandSpec } from '../handler.ts';
import { EXTRAS, INTERPRETERS, interpreter } from './extras.ts';
import { FILE_CHANGES } from './file-changes.ts';
import { find } from './find.ts';
import { git } from './git/git.ts';
import { READ_TOOLS } from './read-tools.ts';
import { SHELL_BUILTINS } from './shell-builtins.ts';
import { SHELLS } from './shells.ts';
import { SYSTEM } from './system.ts';
import { TEXT_PROGRAMS } from './text-programs.ts';
import { WRAPPERS } from './wrappers.ts';

const BUILTIN_SPECS: ReadonlyMap<string, CommandSpec> = new Map(
  Object.entries({
    ...READ_TOOLS,
    ...SHELL_BUILTINS,
    ...SHELLS,
    ...WRAPPERS,
    ...FILE_CHANGES,
    ...TEXT_PROGRAMS,
    ...SYSTEM,
    ...EXTRAS,
    git,
    find,
  }),
);

/** The validator's own spec for a command name, if it has one (interpreters share one). */
export function builtinSpec(name: string): CommandSpec | undefined {
  return BUILTIN_SPECS.get(name) ?? (INTERPRETERS.test(name) ? interpreter : undefined);
}

const compiled = new WeakMap<CommandRule, CommandSpec>();

/**
 * A command a policy file adds without a built-in spec: its options are what the policy declares (`arguments.options`,
 * the same table syntax as the built-in specs; nothing by default, so any option is refused), its operands are paths
 * it reads (read_only commands), paths it may change (others), or text, as the policy says.
 */
function policySpec(rule: CommandRule): CommandSpec {
  const cached = compiled.get(rule);
  if (cached) return cached;
  const args = rule.arguments;
  const operands = args?.operands ?? (rule.risk === 'read_only' ? 'read' : 'use');
  const spec: CommandSpec = {
    syntax: { options: optionTable(args?.options ?? ''), permute: args?.permute ?? true },
    apply: (ctx) => {
      if (operands !== 'text') ctx.operandPaths(ctx.parsed.operands, operands);
    },
  };
  compiled.set(rule, spec);
  return spec;
}

export function specFor(name: string, rule: CommandRule): CommandSpec {
  return builtinSpec(name) ?? policySpec(rule);
}
