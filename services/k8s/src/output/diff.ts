/**
 * A field-level diff of two objects (what an apply changed or would change), ignoring what the server manages:
 * status, managedFields, resourceVersion, uid, generation, timestamps.
 */
export interface FieldChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

const IGNORED = new Set([
  'status',
  'metadata.managedFields',
  'metadata.resourceVersion',
  'metadata.uid',
  'metadata.generation',
  'metadata.creationTimestamp',
  'metadata.selfLink',
]);

function flatten(value: unknown, path: string, out: Map<string, unknown>): void {
  if (IGNORED.has(path)) return;
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, path ? `${path}.${k}` : k, out);
    return;
  }
  if (Array.isArray(value) && value.length > 0 && value.every((v) => v && typeof v === 'object' && !Array.isArray(v))) {
    value.forEach((v, i) => {
      const key = (v as { name?: unknown }).name;
      flatten(v, `${path}[${typeof key === 'string' ? key : i}]`, out);
    });
    return;
  }
  out.set(path, value);
}

export function diffObjects(before: unknown, after: unknown, max = 100): { changes: FieldChange[]; more: number } {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  if (before) flatten(before, '', a);
  if (after) flatten(after, '', b);
  const changes: FieldChange[] = [];
  for (const path of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(path);
    const y = b.get(path);
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    changes.push({ path, ...(a.has(path) ? { before: x } : {}), ...(b.has(path) ? { after: y } : {}) });
  }
  changes.sort((p, q) => (p.path < q.path ? -1 : 1));
  return { changes: changes.slice(0, max), more: Math.max(0, changes.length - max) };
}
