import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@jest/globals';

/**
 * The call path is one direction: endpoints (downstream/) → the call pipeline (pipeline/) → the federation, registry
 * and upstreams. upstream/ knows nothing of the downstream side (server-to-client requests come back through
 * ClientLink, which the downstream side implements), and no module imports itself back through another.
 */
const SRC = fileURLToPath(new URL('../src/', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const IMPORT = /(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g;
const graph = new Map<string, string[]>();
for (const file of files(SRC)) {
  const deps = [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => normalize(join(dirname(file), m[1] as string)));
  graph.set(
    relative(SRC, file),
    deps.map((d) => relative(SRC, d)),
  );
}

test('no import cycles in the orchestrator (type imports count too)', () => {
  expect(graph.size).toBeGreaterThan(100);
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next].join(' → '));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  expect(cycles).toEqual([]);
});

test.each([
  ['upstream/', ['downstream/', 'pipeline/', 'federation.ts', 'gateway.ts', 'workflows/']],
  ['pipeline/', ['downstream/', 'workflows/']],
  ['federation.ts', ['downstream/', 'workflows/']],
  ['registry/', ['downstream/', 'pipeline/']],
  ['policy/', ['downstream/', 'pipeline/', 'upstream/']],
])('%s imports nothing of %j', (from, forbidden) => {
  const offending = [...graph]
    .filter(([file]) => file.startsWith(from))
    .flatMap(([file, deps]) => deps.filter((d) => forbidden.some((f) => d.startsWith(f))).map((d) => `${file} → ${d}`));
  expect(offending).toEqual([]);
});
