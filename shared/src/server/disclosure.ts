import type { Redactor } from '../logging/redactor.ts';

type Json = Record<string, unknown>;

function parentOf(root: Json, path: string[]): Json | undefined {
  let node: unknown = root;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Json)[key];
  }
  return node !== null && typeof node === 'object' && !Array.isArray(node) ? (node as Json) : undefined;
}

/**
 * A tool result redacted except for the fields its definition discloses on purpose (ToolDefinition.discloses):
 * the string at each path is set aside, the rest redacted as always, and the strings put back. Only strings at
 * exactly those paths pass; a disclosed value quoted anywhere else in the result is still redacted there.
 */
export function redactResult(redactor: Redactor, value: unknown, discloses: readonly string[] | undefined): unknown {
  if (!discloses?.length || value === null || typeof value !== 'object') return redactor.redact(value);
  const copy = structuredClone(value) as Json;
  const kept: { path: string[]; text: string }[] = [];
  for (const dotted of discloses) {
    const path = dotted.split('.');
    const parent = parentOf(copy, path);
    const key = path[path.length - 1] as string;
    const text = parent?.[key];
    if (parent && typeof text === 'string') {
      kept.push({ path, text });
      parent[key] = '';
    }
  }
  const redacted = redactor.redact(copy);
  for (const { path, text } of kept) {
    const parent = parentOf(redacted, path);
    if (parent) parent[path[path.length - 1] as string] = text;
  }
  return redacted;
}
