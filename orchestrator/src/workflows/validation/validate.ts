import type { ToolDescription } from '../../downstream/tool-invoker.ts';
import type { Definition } from '../definition/schema.ts';
import { type Expressions, expressionBody, findExpressions } from '../expressions/expressions.ts';
import { referencesOf } from '../expressions/references.ts';
import { checkParams, schemaError } from './params-check.ts';
import { type Problem, problem } from './problems.ts';
import { checkStructure, type StepSite } from './structure.ts';

/** What validation may ask about the federation's tools. */
export interface ToolCatalog {
  namespaces(): string[];
  describeTool(service: string, tool: string): ToolDescription | undefined;
  /** Whether the service's catalogue can be trusted now (up or degraded); false while it is down or connecting. */
  isAvailable(namespace: string): boolean;
  /** The service's state (a step waits only for a service still connecting; one known down fails at once). */
  stateOf?(namespace: string): 'connecting' | 'up' | 'degraded' | 'down' | undefined;
}

export interface ValidationResult {
  valid: boolean;
  definition: Definition | undefined;
  problems: Problem[];
}

export interface ValidateOptions {
  expressions: Expressions;
  /** Check services, tools and literal params; left out when the federation cannot be asked (loading at start). */
  catalog?: ToolCatalog;
  /**
   * Why the run's submitter may not call a tool under the gateway policy (undefined: it may). A run acts with its
   * submitter's roles, so a step it may not call is a problem at validation as well as before the call.
   */
  permission?: (service: string, tool: string) => string | undefined;
}

/** The fields of a step that hold its own values: the step without its nested step lists. */
function ownFields(site: StepSite): Record<string, unknown> {
  const copy = structuredClone(site.raw);
  const kind = site.kind;
  const body = kind ? (copy[kind] as Record<string, unknown> | undefined) : undefined;
  if (body && typeof body === 'object') {
    if (kind === 'parallel' && Array.isArray(body.branches)) {
      for (const branch of body.branches) if (branch && typeof branch === 'object') delete (branch as { steps?: unknown }).steps;
    }
    if (kind === 'forEach') delete body.steps;
    if (kind === 'switch') {
      if (Array.isArray(body.cases))
        for (const c of body.cases) if (c && typeof c === 'object') delete (c as { steps?: unknown }).steps;
      delete body.default;
    }
  }
  return copy;
}

/** Goto cycles of one step list: sequential edges plus catch gotos; a `fail` step ends its path. */
function gotoCycles(list: StepSite[]): string[][] {
  const index = new Map(list.map((s, i) => [s.id, i]));
  const edges = list.map((site, i) => {
    const out: number[] = [];
    if (site.kind !== 'fail' && i + 1 < list.length) out.push(i + 1);
    const rules = Array.isArray(site.raw.catch) ? (site.raw.catch as { next?: unknown }[]) : [];
    for (const rule of rules) {
      const target = typeof rule?.next === 'string' ? index.get(rule.next) : undefined;
      if (target !== undefined) out.push(target);
    }
    return out;
  });
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const state = new Array<number>(list.length).fill(0);
  const stack: number[] = [];
  const visit = (node: number) => {
    state[node] = 1;
    stack.push(node);
    for (const next of edges[node] ?? []) {
      if (state[next] === 1) {
        const cycle = stack.slice(stack.indexOf(next)).map((i) => list[i]?.id ?? '?');
        const key = [...cycle].sort().join(',');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...cycle, list[next]?.id ?? '?']);
        }
      } else if (state[next] === 0) visit(next);
    }
    stack.pop();
    state[node] = 2;
  };
  for (let i = 0; i < list.length; i++) if (state[i] === 0) visit(i);
  return cycles;
}

function checkCall(
  spec: unknown,
  pointer: string,
  stepId: string,
  options: ValidateOptions & { catalog: ToolCatalog },
  problems: Problem[],
  namespaces: Set<string>,
): void {
  const { catalog } = options;
  if (!spec || typeof spec !== 'object') return;
  const { service, tool, params } = spec as { service?: unknown; tool?: unknown; params?: unknown };
  if (typeof service !== 'string' || typeof tool !== 'string') return;
  if (!namespaces.has(service)) {
    const known = [...namespaces].sort().join(', ');
    problems.push(
      problem('unknown_service', `${pointer}/service`, `unknown service "${service}" (configured: ${known})`, { stepId }),
    );
    return;
  }
  const description = catalog.describeTool(service, tool);
  if (!description) {
    if (catalog.isAvailable(service)) {
      problems.push(problem('unknown_tool', `${pointer}/tool`, `service "${service}" has no tool "${tool}"`, { stepId }));
    } else {
      problems.push(
        problem('service_unavailable', `${pointer}/tool`, `cannot check tool "${tool}": service "${service}" is not up`, {
          stepId,
          severity: 'warning',
        }),
      );
    }
    return;
  }
  const denied = options.permission?.(service, tool);
  if (denied) problems.push(problem('permission_denied', `${pointer}/tool`, denied, { stepId }));
  if (params === undefined || expressionBody(params) !== undefined) return;
  for (const issue of checkParams(description.inputSchema, params)) {
    problems.push(problem('params', `${pointer}/params${issue.pointer}`, `${service}.${tool}: ${issue.message}`, { stepId }));
  }
}

/**
 * Validates a definition and reports every problem at once: shape, unique ids, goto targets and cycles,
 * expressions that do not compile, $steps references (existing and in scope), services and tools that exist,
 * and literal params against each tool's inputSchema.
 */
export function validateDefinition(raw: unknown, options: ValidateOptions): ValidationResult {
  const structure = checkStructure(raw);
  const problems = [...structure.problems];
  const { sites, lists } = structure;
  const byId = new Map<string, StepSite[]>();
  for (const site of sites) byId.set(site.id, [...(byId.get(site.id) ?? []), site]);

  for (const [id, found] of byId) {
    if (found.length > 1) {
      for (const site of found.slice(1)) {
        problems.push(
          problem(
            'duplicate_id',
            `${site.pointer}/id`,
            `step id "${id}" is used ${found.length} times (first at ${found[0]?.pointer})`,
            {
              stepId: id,
            },
          ),
        );
      }
    }
  }

  const setVars = new Set<string>();
  for (const site of sites) {
    if (site.kind === 'set' && site.raw.set && typeof site.raw.set === 'object') {
      for (const name of Object.keys(site.raw.set)) setVars.add(name);
    }
  }

  for (const site of sites) {
    if (site.raw.retry !== undefined && site.kind !== undefined && site.kind !== 'call') {
      problems.push(
        problem('retry_kind', `${site.pointer}/retry`, `retry applies to call steps; "${site.id}" is a ${site.kind} step`, {
          stepId: site.id,
        }),
      );
    }
    const rules = Array.isArray(site.raw.catch) ? (site.raw.catch as { next?: unknown }[]) : [];
    rules.forEach((rule, i) => {
      const next = rule?.next;
      if (typeof next !== 'string' || next === 'continue' || next === '@compensate') return;
      const sameList = lists.get(site.list)?.some((s) => s.id === next);
      if (sameList) return;
      const elsewhere = byId.has(next);
      problems.push(
        problem(
          'goto_target',
          `${site.pointer}/catch/${i}/next`,
          elsewhere
            ? `goto target "${next}" is not in the same step list as "${site.id}"; a goto stays within its list`
            : `goto target "${next}" is not a step of this definition`,
          { stepId: site.id },
        ),
      );
    });

    const fields = ownFields(site);
    for (const { pointer, body } of findExpressions(fields)) {
      const at = `${site.pointer}${pointer}`;
      const compileProblem = options.expressions.check(body);
      if (compileProblem) {
        const where = compileProblem.position !== undefined ? ` at character ${compileProblem.position}` : '';
        problems.push(
          problem('expression', at, `expression does not compile${where}: ${compileProblem.message}`, { stepId: site.id }),
        );
        continue;
      }
      const refs = referencesOf(options.expressions.compile(body).ast());
      for (const ref of refs.steps) {
        const target = byId.get(ref)?.[0];
        if (!target) {
          problems.push(problem('unknown_step', at, `$steps.${ref} refers to no step of this definition`, { stepId: site.id }));
          continue;
        }
        const outside = target.loops.find((loop, i) => site.loops[i] !== loop);
        if (outside && target.id !== site.id) {
          problems.push(
            problem(
              'scope',
              at,
              `$steps.${ref} runs inside forEach "${outside}" and is not visible here; read $steps.${outside}.output instead`,
              { stepId: site.id },
            ),
          );
        }
      }
      for (const name of refs.vars) {
        if (!setVars.has(name)) {
          problems.push(
            problem('unknown_variable', at, `$vars.${name} is set by no step`, { stepId: site.id, severity: 'warning' }),
          );
        }
      }
    }
  }

  for (const [pointer, list] of lists) {
    for (const cycle of gotoCycles(list)) {
      const first = list.find((s) => s.id === cycle[0]);
      problems.push(problem('goto_cycle', first?.pointer ?? pointer, `goto cycle: ${cycle.join(' → ')}`, { stepId: cycle[0] }));
    }
  }

  const header = raw as { output?: unknown; input?: { schema?: unknown } } | null;
  if (header && typeof header === 'object') {
    for (const { pointer, body } of findExpressions(header.output, '/output')) {
      const compileProblem = options.expressions.check(body);
      if (compileProblem) {
        problems.push(problem('expression', pointer, `expression does not compile: ${compileProblem.message}`));
        continue;
      }
      for (const ref of referencesOf(options.expressions.compile(body).ast()).steps) {
        const target = byId.get(ref)?.[0];
        if (!target) problems.push(problem('unknown_step', pointer, `$steps.${ref} refers to no step of this definition`));
        else if (target.loops.length > 0) {
          problems.push(
            problem(
              'scope',
              pointer,
              `$steps.${ref} runs inside forEach "${target.loops[0]}"; read $steps.${target.loops[0]}.output`,
            ),
          );
        }
      }
    }
    const inputSchema = header.input?.schema;
    if (inputSchema && typeof inputSchema === 'object' && !Array.isArray(inputSchema)) {
      const error = schemaError(inputSchema as Record<string, unknown>);
      if (error) problems.push(problem('schema', '/input/schema', `input.schema is not a valid JSON Schema: ${error}`));
    }
  }

  if (options.catalog) {
    const withCatalog = { ...options, catalog: options.catalog };
    const namespaces = new Set(options.catalog.namespaces());
    for (const site of sites) {
      if (site.kind === 'call') checkCall(site.raw.call, `${site.pointer}/call`, site.id, withCatalog, problems, namespaces);
      if (site.raw.compensate !== undefined) {
        checkCall(site.raw.compensate, `${site.pointer}/compensate`, site.id, withCatalog, problems, namespaces);
      }
    }
  }

  const valid = !problems.some((p) => p.severity === 'error');
  return { valid, definition: valid ? structure.definition : undefined, problems };
}
