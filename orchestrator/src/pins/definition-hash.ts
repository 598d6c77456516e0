import { hash } from 'node:crypto';

/** JSON with object keys sorted at every level: the same definition always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
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
