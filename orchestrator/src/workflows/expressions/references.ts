import type jsonata from 'jsonata';

/** What an expression reads by name: `$steps.<id>` step ids and `$vars.<name>` variables. */
export interface References {
  steps: Set<string>;
  vars: Set<string>;
}

/**
 * Walks a compiled expression's AST for paths that start with `$steps.<name>` or `$vars.<name>`. A step
 * reached another way (`$lookup($steps, id)`) is not seen; the validator only reports what it can be sure of.
 */
export function referencesOf(ast: jsonata.ExprNode): References {
  const refs: References = { steps: new Set(), vars: new Set() };
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    const n = node as { type?: string; steps?: { type?: string; value?: unknown }[] };
    if (n.type === 'path' && Array.isArray(n.steps)) {
      const [head, next] = n.steps;
      if (head?.type === 'variable' && next?.type === 'name' && typeof next.value === 'string') {
        if (head.value === 'steps') refs.steps.add(next.value);
        if (head.value === 'vars') refs.vars.add(next.value);
      }
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(ast);
  return refs;
}
