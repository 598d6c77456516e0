import { hash } from 'node:crypto';

/** Whether a plain object's keys are sorted and its values are strings, numbers, booleans or null (most arguments). */
function flatAndSorted(value: Record<string, unknown>): boolean {
  let previous = '';
  for (const key in value) {
    const item = value[key];
    if (key < previous || (item !== null && typeof item === 'object') || item === undefined) return false;
    previous = key;
  }
  return true;
}

/** JSON with object keys sorted at every level: the same definition always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  // The common case of a tool's arguments: already canonical as JSON.stringify writes it.
  if (
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype &&
    flatAndSorted(value as Record<string, unknown>)
  ) {
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

/** What is pinned of a tool: its name, description, input and output schema and annotations (title included). */
export function pinnedPart(listing: Record<string, unknown>): Record<string, unknown> {
  return {
    name: listing.name,
    title: listing.title,
    description: listing.description,
    inputSchema: listing.inputSchema,
    outputSchema: listing.outputSchema,
    annotations: listing.annotations,
  };
}

/** The hash of a tool definition, `sha256:<hex>`. */
export function definitionHash(listing: Record<string, unknown>): string {
  return `sha256:${hash('sha256', canonicalJson(pinnedPart(listing)), 'hex')}`;
}
