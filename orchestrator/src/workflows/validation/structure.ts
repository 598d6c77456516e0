import type { z } from '@switchboard/shared';
import { type Definition, headerSchema, STEP_KINDS, type Step, type StepKind, shallowStepSchemas } from '../definition/schema.ts';
import { type Problem, problem } from './problems.ts';

/** Where a step sits: its list (for gotos), enclosing loops (for $steps scope), and its raw JSON. */
export interface StepSite {
  id: string;
  pointer: string;
  kind: StepKind | undefined;
  raw: Record<string, unknown>;
  /** The pointer of the list it is in; gotos stay within one list. */
  list: string;
  index: number;
  /** Ids of the enclosing forEach steps, outermost first. */
  loops: string[];
}

export interface StructureResult {
  /** The parsed definition (defaults applied) when the structure has no problem. */
  definition: Definition | undefined;
  problems: Problem[];
  sites: StepSite[];
  /** Every step list: pointer → sites in order. */
  lists: Map<string, StepSite[]>;
}

function pointerOf(base: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((p, key) => `${p}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`, base);
}

function schemaProblems(error: z.ZodError, base: string, stepId?: string): Problem[] {
  return error.issues.map((issue) => {
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
    return problem('schema', pointerOf(base, issue.path), message, { stepId });
  });
}

/** The nested step lists of a raw step of a known kind: [pointer suffix, raw list]. */
function nestedLists(kind: StepKind, raw: Record<string, unknown>): [string, unknown][] {
  const body = raw[kind] as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object') return [];
  switch (kind) {
    case 'parallel':
      return Array.isArray(body.branches)
        ? body.branches.map((b, i) => [`/parallel/branches/${i}/steps`, (b as { steps?: unknown } | null)?.steps])
        : [];
    case 'forEach':
      return [['/forEach/steps', body.steps]];
    case 'switch': {
      const lists: [string, unknown][] = Array.isArray(body.cases)
        ? body.cases.map((c, i) => [`/switch/cases/${i}/steps`, (c as { steps?: unknown } | null)?.steps])
        : [];
      if (body.default !== undefined) lists.push(['/switch/default', body.default]);
      return lists;
    }
    default:
      return [];
  }
}

/** Puts parsed nested lists back into a parsed step. */
function withChildren(kind: StepKind, parsed: Record<string, unknown>, children: Map<string, Step[]>): Step {
  const body = parsed[kind] as Record<string, unknown>;
  switch (kind) {
    case 'parallel':
      body.branches = (body.branches as Record<string, unknown>[]).map((b, i) => ({
        ...b,
        steps: children.get(`/parallel/branches/${i}/steps`) ?? [],
      }));
      break;
    case 'forEach':
      body.steps = children.get('/forEach/steps') ?? [];
      break;
    case 'switch':
      body.cases = (body.cases as Record<string, unknown>[]).map((c, i) => ({
        ...c,
        steps: children.get(`/switch/cases/${i}/steps`) ?? [],
      }));
      if (body.default !== undefined) body.default = children.get('/switch/default') ?? [];
      break;
    default:
      break;
  }
  return parsed as unknown as Step;
}

/**
 * Checks the shape of a definition step by step, so every problem is reported at once with its own path, and
 * records where each step sits for the semantic checks.
 */
export function checkStructure(raw: unknown): StructureResult {
  const problems: Problem[] = [];
  const sites: StepSite[] = [];
  const lists = new Map<string, StepSite[]>();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { definition: undefined, problems: [problem('schema', '', 'a definition is a JSON object')], sites, lists };
  }
  const header = headerSchema.safeParse(raw);
  if (!header.success) problems.push(...schemaProblems(header.error, ''));

  const walkList = (value: unknown, pointer: string, loops: string[]): Step[] => {
    const parsed: Step[] = [];
    const here: StepSite[] = [];
    lists.set(pointer, here);
    // A missing, empty or non-list value is reported by the enclosing schema.
    if (!Array.isArray(value)) return parsed;
    value.forEach((item, index) => {
      const at = `${pointer}/${index}`;
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        problems.push(problem('schema', at, 'a step is a JSON object'));
        return;
      }
      const step = item as Record<string, unknown>;
      const id = typeof step.id === 'string' ? step.id : undefined;
      const kinds = STEP_KINDS.filter((k) => k in step);
      const kind = kinds.length === 1 ? kinds[0] : undefined;
      if (id !== undefined) {
        const site: StepSite = { id, pointer: at, kind, raw: step, list: pointer, index, loops };
        sites.push(site);
        here.push(site);
      }
      if (!kind) {
        const which = kinds.length === 0 ? 'none' : kinds.join(' and ');
        problems.push(
          problem('schema', at, `a step has exactly one of ${STEP_KINDS.join(', ')}; this one has ${which}`, { stepId: id }),
        );
        return;
      }
      const children = new Map<string, Step[]>();
      for (const [suffix, list] of nestedLists(kind, step)) {
        children.set(suffix, walkList(list, `${at}${suffix}`, kind === 'forEach' && id ? [...loops, id] : loops));
      }
      const result = shallowStepSchemas[kind].safeParse(step);
      if (!result.success) {
        problems.push(...schemaProblems(result.error, at, id));
        return;
      }
      parsed.push(withChildren(kind, result.data as Record<string, unknown>, children));
    });
    return parsed;
  };

  const steps = walkList((raw as { steps?: unknown }).steps, '/steps', []);
  const definition = problems.length === 0 && header.success ? ({ ...header.data, steps } as unknown as Definition) : undefined;
  return { definition, problems, sites, lists };
}
