/**
 * Which caller may resolve which secrets, server to server: caller name (the name of its bearer token) to globs over
 * `<backend>/<path>`. `*` matches within one segment, `**` any number of segments. Default deny: a caller not named,
 * or a path no glob matches, is refused.
 */
export type ResolvePolicySpec = Readonly<Record<string, readonly string[]>>;

const GLOB = /^(?:\*\*|[A-Za-z0-9._*-]+)(?:\/(?:\*\*|[A-Za-z0-9._*-]+))*$/;

/** The problems of a policy, for start-up (a bad glob stops the service instead of matching nothing or everything). */
export function policyProblems(spec: ResolvePolicySpec, backends: readonly string[]): string[] {
  const problems: string[] = [];
  for (const [caller, globs] of Object.entries(spec)) {
    for (const glob of globs) {
      if (!GLOB.test(glob) || glob.split('/').some((s) => s === '.' || s === '..' || (s.includes('**') && s !== '**'))) {
        problems.push(
          `resolvePolicy.${caller}: "${glob}" is not a glob of <backend>/<path> segments (letters, digits, . _ - * and **)`,
        );
        continue;
      }
      const backend = glob.split('/')[0] as string;
      if (!backend.includes('*') && !backends.includes(backend)) {
        problems.push(
          `resolvePolicy.${caller}: "${glob}" names backend "${backend}", which is not mounted (${backends.join(', ')})`,
        );
      }
    }
  }
  return problems;
}

function segmentPattern(segment: string): string {
  return segment
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&'))
    .join('[^/]*');
}

function compile(glob: string): RegExp {
  const parts = glob.split('/');
  let source = '';
  parts.forEach((part, index) => {
    const last = index === parts.length - 1;
    if (part === '**') source += last ? '(?:[^/]+(?:/[^/]+)*)' : '(?:[^/]+/)*';
    else source += segmentPattern(part) + (last ? '' : '/');
  });
  return new RegExp(`^${source}$`);
}

export class ResolvePolicy {
  readonly #rules: Map<string, { glob: string; pattern: RegExp }[]>;

  constructor(spec: ResolvePolicySpec) {
    this.#rules = new Map(
      Object.entries(spec).map(([caller, globs]) => [caller, globs.map((glob) => ({ glob, pattern: compile(glob) }))]),
    );
  }

  /** The glob that allows it, or undefined (denied). */
  match(caller: string, backend: string, path: string): string | undefined {
    const target = `${backend}/${path}`;
    return this.#rules.get(caller)?.find((rule) => rule.pattern.test(target))?.glob;
  }

  callers(): string[] {
    return [...this.#rules.keys()];
  }
}
