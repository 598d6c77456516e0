import { statSync } from 'node:fs';
import { ConfigError, defineConfig, loadConfig, z } from '@switchboard/shared';
import { findOption, type OptionTable } from '../validator/argv/spec.ts';
import { builtinSpec, specFor } from '../validator/commands/registry.ts';
import { unlistableReason } from '../validator/forbidden.ts';
import type { CommandSpec } from '../validator/handler.ts';
import { BUILTIN_COMMANDS } from './default-policy.ts';
import type { CommandRule, Policy } from './policy.ts';
import { RISKS } from './risk.ts';

const riskSchema = z.enum(RISKS);
const ruleSchema = z.union([
  riskSchema,
  z
    .object({
      risk: riskSchema,
      subcommands: z.record(z.string().min(1), riskSchema).optional(),
      options: z.record(z.string().regex(/^-/, 'options start with -'), riskSchema).optional(),
      denyOptions: z.array(z.string().regex(/^-/, 'options start with -')).optional(),
      network: z.boolean().optional(),
      arguments: z
        .object({
          options: z.string().optional(),
          operands: z.enum(['read', 'use', 'text']).optional(),
          permute: z.boolean().optional(),
        })
        .strict()
        .optional(),
    })
    .strict(),
]);

/** The policy file: YAML (or JSON) with these top-level keys. */
export const policyFileSpec = defineConfig({
  schema: z.object({
    extends: z.enum(['builtin', 'none']).default('none'),
    commands: z.record(z.string(), ruleSchema).default({}),
    deny: z.array(z.string()).default([]),
  }),
  env: {},
});

const COMMAND_NAME = /^[A-Za-z0-9_.+:@[-]+$/;

function freezeRule(rule: CommandRule): CommandRule {
  return Object.freeze({
    risk: rule.risk,
    ...(rule.subcommands ? { subcommands: Object.freeze({ ...rule.subcommands }) } : {}),
    ...(rule.options ? { options: Object.freeze({ ...rule.options }) } : {}),
    ...(rule.denyOptions ? { denyOptions: Object.freeze([...rule.denyOptions]) } : {}),
    ...(rule.network !== undefined ? { network: rule.network } : {}),
    ...(rule.arguments ? { arguments: Object.freeze({ ...rule.arguments }) } : {}),
  });
}

/**
 * A rule must speak the validator's language: options it names must be options the command's spec declares (or a
 * subcommand's), subcommands must be ones the spec can read, and only commands without a built-in spec may declare
 * their own arguments.
 */
function ruleProblems(name: string, rule: CommandRule): string[] {
  const problems: string[] = [];
  const builtin = builtinSpec(name);
  if (rule.arguments && builtin)
    problems.push(`commands.${name}.arguments: ${name} has a built-in spec, which arguments cannot replace`);
  let spec: CommandSpec;
  try {
    spec = specFor(name, rule);
  } catch (error) {
    return [`commands.${name}.arguments.options: ${(error as Error).message}`];
  }
  const tables: OptionTable[] = [spec.syntax.options, ...Object.values((spec.subcommands ?? {}) as Record<string, OptionTable>)];
  for (const written of [...Object.keys(rule.options ?? {}), ...(rule.denyOptions ?? [])]) {
    if (!tables.some((table) => findOption(table, written))) {
      problems.push(`commands.${name}: ${written} is not an option of ${name} that the validator knows`);
    }
  }
  if (spec.subcommands) {
    for (const sub of Object.keys(rule.subcommands ?? {})) {
      if (!Object.hasOwn(spec.subcommands, sub))
        problems.push(`commands.${name}.subcommands.${sub}: the validator cannot read ${name} ${sub}`);
    }
  }
  return problems;
}

function frozenPolicy(entries: Record<string, CommandRule>, source: string): Policy {
  const commands = new Map(Object.entries(entries).map(([name, rule]) => [name, freezeRule(rule)]));
  const view: ReadonlyMap<string, CommandRule> = {
    get: (name) => commands.get(name),
    has: (name) => commands.has(name),
    get size() {
      return commands.size;
    },
    forEach: (fn, thisArg) => {
      for (const [key, value] of commands) fn.call(thisArg, value, key, view);
    },
    entries: () => commands.entries(),
    keys: () => commands.keys(),
    values: () => commands.values(),
    [Symbol.iterator]: () => commands[Symbol.iterator](),
  };
  return Object.freeze({ commands: Object.freeze(view), source });
}

/**
 * Loads the command policy once at start: the built-in allowlist, or the policy file (which may extend it).
 * The result is frozen; nothing in the service writes the file or changes the policy afterwards. A policy file
 * that others than its owner may write, or that lists a forbidden command, stops start-up.
 */
export function loadPolicy(file: string | undefined): Policy {
  if (!file) {
    const problems = Object.entries(BUILTIN_COMMANDS).flatMap(([name, rule]) => ruleProblems(name, rule));
    if (problems.length > 0) throw new ConfigError('linux-cli built-in policy', problems);
    return frozenPolicy({ ...BUILTIN_COMMANDS }, 'builtin');
  }
  const problems: string[] = [];
  try {
    const mode = statSync(file).mode;
    if (mode & 0o022) {
      problems.push(`policy file ${file}: it is writable by group or others (mode ${(mode & 0o777).toString(8)}); chmod go-w it`);
    }
  } catch (error) {
    problems.push(`policy file ${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    throw new ConfigError('linux-cli policy', problems);
  }
  const parsed = loadConfig('linux-cli policy', policyFileSpec, { env: {}, file });
  const entries: Record<string, CommandRule> = parsed.extends === 'builtin' ? { ...BUILTIN_COMMANDS } : {};
  for (const [name, rule] of Object.entries(parsed.commands)) {
    if (!COMMAND_NAME.test(name) || name.includes('/')) {
      problems.push(`policy file ${file}: commands.${name}: a command is listed by its bare name (no path)`);
      continue;
    }
    const why = unlistableReason(name);
    if (why) {
      problems.push(`policy file ${file}: commands.${name} cannot be allowed: ${why}`);
      continue;
    }
    entries[name] = typeof rule === 'string' ? { risk: rule } : (rule as CommandRule);
  }
  for (const name of parsed.deny) delete entries[name];
  for (const [name, rule] of Object.entries(entries))
    problems.push(...ruleProblems(name, rule).map((p) => `policy file ${file}: ${p}`));
  if (problems.length > 0) throw new ConfigError('linux-cli policy', problems);
  return frozenPolicy(entries, file);
}
