import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from '@switchboard/shared';
import { parse as parseYaml } from 'yaml';
import { BUILT_IN_ROLES } from './defaults.ts';
import { Policy } from './policy.ts';
import { type PolicySpec, policySchema } from './schema.ts';

export type PolicyLoad = { ok: true; spec: PolicySpec } | { ok: false; problems: string[] };

/** Validates a policy document, listing every problem (shape, then roles that bindings name but nobody defines). */
export function parsePolicy(value: unknown): PolicyLoad {
  const parsed = policySchema.safeParse(value ?? {});
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const raw = (value && typeof value === 'object' ? value : {}) as { roles?: unknown; bindings?: unknown };
  const defined = new Set([
    ...Object.keys(BUILT_IN_ROLES),
    ...(raw.roles && typeof raw.roles === 'object' ? Object.keys(raw.roles) : []),
  ]);
  if (Array.isArray(raw.bindings)) {
    raw.bindings.forEach((binding, index) => {
      const roles = (binding as { roles?: unknown } | null)?.roles;
      if (!Array.isArray(roles)) return;
      for (const role of roles) {
        if (typeof role === 'string' && !defined.has(role)) {
          problems.push(`bindings.${index}.roles: unknown role "${role}" (defined: ${[...defined].sort().join(', ')})`);
        }
      }
    });
  }
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  return { ok: true, spec: parsed.data };
}

export function readPolicyFile(path: string): PolicyLoad {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { ok: false, problems: [`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`] };
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    return { ok: false, problems: [`${path}: ${(error as Error).message.split('\n')[0]}`] };
  }
  if (value !== null && value !== undefined && (typeof value !== 'object' || Array.isArray(value))) {
    return { ok: false, problems: [`${path}: the top level must be a mapping`] };
  }
  return parsePolicy(value);
}

/** A policy that cannot be loaded at start: start-up stops listing every problem (exit code 2, as for the config). */
export class PolicyError extends Error {
  readonly problems: string[];
  constructor(path: string, problems: string[]) {
    super(`Invalid policy file ${path}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PolicyError';
    this.problems = problems;
  }
}

export interface PolicyHolderOptions {
  /** The policy file; undefined: the built-in defaults. */
  file: string | undefined;
  log: Logger;
  /** A new policy is in force (after a reload). */
  onChange(policy: Policy): void;
}

/**
 * The policy in force, hot-reloaded like the upstream configuration: an edit to the file is applied while running;
 * a bad edit is logged with every problem and the running policy kept. A bad file at start throws PolicyError.
 */
export class PolicyHolder {
  #current: Policy;
  #version = 1;
  #watcher: FSWatcher | undefined;
  readonly #options: PolicyHolderOptions;

  constructor(options: PolicyHolderOptions) {
    this.#options = options;
    const file = options.file ? resolve(options.file) : undefined;
    if (!file) {
      this.#current = new Policy(policySchema.parse({}), 'built-in', this.#version);
      return;
    }
    const loaded = readPolicyFile(file);
    if (!loaded.ok) throw new PolicyError(file, loaded.problems);
    this.#current = new Policy(loaded.spec, file, this.#version);
  }

  get current(): Policy {
    return this.#current;
  }

  /** Reads the file again; true when a new policy is in force. */
  reload(): boolean {
    const file = this.#options.file ? resolve(this.#options.file) : undefined;
    if (!file) return false;
    const loaded = readPolicyFile(file);
    if (!loaded.ok) {
      this.#options.log.error(
        { problems: loaded.problems, policy_file: file },
        'policy reload failed; keeping the running policy',
      );
      return false;
    }
    this.#current = new Policy(loaded.spec, file, ++this.#version);
    this.#options.log.info({ policy_file: file, version: this.#version }, 'policy reloaded');
    this.#options.onChange(this.#current);
    return true;
  }

  watch(): void {
    const file = this.#options.file ? resolve(this.#options.file) : undefined;
    if (!file || this.#watcher) return;
    let timer: NodeJS.Timeout | undefined;
    this.#watcher = watch(dirname(file), (_event, name) => {
      if (name !== basename(file)) return;
      clearTimeout(timer);
      timer = setTimeout(() => this.reload(), 200);
    });
    this.#watcher.unref();
  }

  close(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }
}
