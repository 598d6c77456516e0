import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';

/** One package's configuration: a zod object schema and the environment variable of each top-level key. */
export interface ConfigSpec<S extends z.ZodObject = z.ZodObject> {
  schema: S;
  env: Partial<Record<keyof z.infer<S> & string, string>>;
  /** Cross-field checks and derived values; push every problem found instead of throwing. */
  finalize?: (config: z.infer<S>, problems: string[]) => z.infer<S>;
}

export function defineConfig<S extends z.ZodObject>(spec: ConfigSpec<S>): ConfigSpec<S> {
  return spec;
}

/** Start-up stops with this error, exit code 2, and every problem listed. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(subject: string, problems: string[]) {
    super(`Invalid configuration for ${subject}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface ConfigSource {
  /** Environment variables; the values win over the file. */
  env: Readonly<Record<string, string | undefined>>;
  /** Optional YAML file whose top-level keys are the schema's keys. */
  file?: string | undefined;
  /** Values that win over everything (tests). */
  overrides?: Record<string, unknown>;
}

/** Merges two specs into one; a key defined twice is a programming error. */
export function mergeConfigSpecs<A extends z.ZodObject, B extends z.ZodObject>(
  a: ConfigSpec<A>,
  b: ConfigSpec<B>,
): ConfigSpec<z.ZodObject<A['shape'] & B['shape']>> {
  for (const key of Object.keys(b.schema.shape)) {
    if (Object.hasOwn(a.schema.shape, key)) throw new Error(`config key "${key}" is defined twice`);
  }
  const schema = a.schema.extend(b.schema.shape) as unknown as z.ZodObject<A['shape'] & B['shape']>;
  return {
    schema,
    env: { ...a.env, ...b.env } as ConfigSpec<z.ZodObject<A['shape'] & B['shape']>>['env'],
    finalize: (config, problems) => {
      let out = config as z.infer<A> & z.infer<B>;
      if (a.finalize) out = { ...out, ...a.finalize(out, problems) };
      if (b.finalize) out = { ...out, ...b.finalize(out, problems) };
      return out as z.infer<z.ZodObject<A['shape'] & B['shape']>>;
    },
  };
}

function readYaml(path: string, problems: string[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`config file ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    return {};
  }
  try {
    const value: unknown = parseYaml(text);
    if (value === null || value === undefined) return {};
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`config file ${path}: the top level must be a mapping of keys to values`);
      return {};
    }
    return value as Record<string, unknown>;
  } catch (error) {
    problems.push(`config file ${path}: ${(error as Error).message.split('\n')[0]}`);
    return {};
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * Parses configuration once: file, then environment, then overrides; validates with the schema and returns a
 * frozen object. Throws ConfigError listing every problem.
 */
export function loadConfig<S extends z.ZodObject>(subject: string, spec: ConfigSpec<S>, source: ConfigSource): z.infer<S> {
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  const origin = new Map<string, string>();
  const keys = new Set(Object.keys(spec.schema.shape));

  if (source.file) {
    const fromFile = readYaml(source.file, problems);
    for (const [key, value] of Object.entries(fromFile)) {
      if (!keys.has(key)) {
        problems.push(`config file ${source.file}: unknown key "${key}"`);
        continue;
      }
      raw[key] = value;
      origin.set(key, `in ${source.file}`);
    }
  }
  for (const [key, envName] of Object.entries(spec.env) as [string, string][]) {
    const value = source.env[envName];
    if (value !== undefined && value !== '') {
      raw[key] = value;
      origin.set(key, `from ${envName}`);
    }
  }
  for (const [key, value] of Object.entries(source.overrides ?? {})) {
    raw[key] = value;
    origin.set(key, 'override');
  }

  const parsed = spec.schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      const envName = (spec.env as Record<string, string | undefined>)[key];
      const where = origin.get(key) ?? (envName ? `set ${envName}` : 'missing');
      const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
      problems.push(`${path} (${where}): ${issue.message}`);
    }
    // The cross-field checks still run over the values that are valid, so one message lists every problem.
    if (spec.finalize) {
      const partial: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(spec.schema.shape as Record<string, z.ZodType>)) {
        const result = field.safeParse(raw[key]);
        if (result.success) partial[key] = result.data;
      }
      const more: string[] = [];
      try {
        spec.finalize(partial as never, more);
      } catch {}
      for (const problem of more) if (!problems.includes(problem)) problems.push(problem);
    }
    throw new ConfigError(subject, problems);
  }
  const config = spec.finalize ? spec.finalize(parsed.data, problems) : parsed.data;
  if (problems.length > 0) throw new ConfigError(subject, problems);
  return deepFreeze(config);
}
