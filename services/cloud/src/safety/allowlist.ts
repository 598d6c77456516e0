import { ToolError } from '@switchboard/shared';

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

/** Whether `name` is allowed by `patterns` (`*` matches any run of characters); an empty list allows everything. */
export function allowedBy(name: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((pattern) => globToRegExp(pattern).test(name));
}

/**
 * Refuses a name outside an allowlist before any request is made. `setting` names the configuration variable, so
 * the message tells an operator what to change.
 */
export function requireAllowed(kind: string, name: string, patterns: readonly string[], setting: string): void {
  if (!allowedBy(name, patterns)) {
    throw new ToolError('POLICY_VIOLATION', `${kind} "${name}" is not on the allowlist (${setting}: ${patterns.join(', ')})`, {
      details: { kind, name, setting },
    });
  }
}

/** Function names allowed by prefix: an empty list allows every name. */
export function requirePrefix(kind: string, name: string, prefixes: readonly string[], setting: string): void {
  if (prefixes.length > 0 && !prefixes.some((prefix) => name.startsWith(prefix))) {
    throw new ToolError(
      'POLICY_VIOLATION',
      `${kind} "${name}" does not start with an allowed prefix (${setting}: ${prefixes.join(', ')})`,
      {
        details: { kind, name, setting },
      },
    );
  }
}

export function hasPrefix(name: string, prefixes: readonly string[]): boolean {
  return prefixes.length === 0 || prefixes.some((prefix) => name.startsWith(prefix));
}
