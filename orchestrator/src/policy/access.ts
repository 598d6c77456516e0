import { createNameFilter } from '@switchboard/shared';
import { classAllows, classOfHints, type Hints, LOCAL_TOOL_CLASSES } from './classes.ts';
import type { GrantSpec, RoleSpec, ToolClass } from './schema.ts';

/** The namespace of the orchestrator's own tools. */
export const GATEWAY_NAMESPACE = 'orchestrator';

interface Grant {
  namespace: (name: string) => boolean;
  tool: (name: string) => boolean;
  class: ToolClass;
  prompts: boolean;
  resources: boolean;
}

export interface CompiledRole {
  name: string;
  grants: Grant[];
  rateLimitPerMinute: number | undefined;
}

export function compileRole(name: string, spec: RoleSpec): CompiledRole {
  return {
    name,
    grants: spec.grants.map((g: GrantSpec) => ({
      namespace: createNameFilter(g.namespaces),
      tool: createNameFilter(g.tools),
      class: g.class,
      prompts: g.prompts,
      resources: g.resources,
    })),
    rateLimitPerMinute: spec.rateLimitPerMinute,
  };
}

/** The class a tool needs: its annotations', or the gateway's own table for the orchestrator's tools. */
export function classOfTool(namespace: string, tool: string, hints: Hints | undefined): ToolClass {
  return (namespace === GATEWAY_NAMESPACE ? LOCAL_TOOL_CLASSES[tool] : undefined) ?? classOfHints(hints);
}

/** A tool as the authorize stage sees it: where it lives, its own name, its listing (annotations). */
export interface ToolRef {
  namespace: string;
  tool: string;
  listing: { annotations?: Hints };
}

/**
 * What one caller may do under one policy version: the union of its roles' grants. Decisions about a listed tool
 * are remembered per listing object (the registry replaces listings when a catalogue changes), so the hot path
 * asks a WeakMap, not the patterns.
 */
export class Access {
  readonly roles: readonly string[];
  /** The roles as one string (the audit trail's `roles`). */
  readonly rolesText: string;
  /** Tool calls per minute, or undefined for no limit. */
  readonly rateLimitPerMinute: number | undefined;
  readonly #grants: Grant[];
  readonly #tools = new WeakMap<object, boolean>();
  readonly #memo = new WeakMap<object, unknown>();

  constructor(roles: CompiledRole[]) {
    this.roles = roles.map((r) => r.name);
    this.rolesText = this.roles.join(',');
    this.#grants = roles.flatMap((r) => r.grants);
    const limits = roles.map((r) => r.rateLimitPerMinute);
    this.rateLimitPerMinute =
      limits.length === 0 || limits.some((l) => l === undefined) ? undefined : Math.max(...(limits as number[]));
  }

  /** Whether the caller holds any grant at all (no grant: 403 at the door). */
  get empty(): boolean {
    return this.#grants.length === 0;
  }

  mayCallTool(ref: ToolRef): boolean {
    const cached = this.#tools.get(ref.listing);
    if (cached !== undefined) return cached;
    const needed = classOfTool(ref.namespace, ref.tool, ref.listing.annotations);
    const allowed = this.#grants.some((g) => g.namespace(ref.namespace) && g.tool(ref.tool) && classAllows(g.class, needed));
    this.#tools.set(ref.listing, allowed);
    return allowed;
  }

  /** Why a tool call is refused, for the PERMISSION_DENIED message. */
  denialOf(ref: ToolRef): string {
    const needed = classOfTool(ref.namespace, ref.tool, ref.listing.annotations);
    const roles = this.roles.length > 0 ? `roles ${this.rolesText}` : 'no role';
    const reach = this.#grants.filter((g) => g.namespace(ref.namespace) && g.tool(ref.tool));
    if (reach.length === 0) return `${roles}: no grant covers ${ref.namespace} tool ${ref.tool}`;
    return `${roles}: ${ref.namespace} tool ${ref.tool} needs class ${needed}, granted ${reach.map((g) => g.class).join('/')}`;
  }

  /** A value derived from `key` for this caller, computed once per key object (the filtered lists of a registry). */
  memo<T>(key: object, compute: () => T): T {
    if (this.#memo.has(key)) return this.#memo.get(key) as T;
    const value = compute();
    this.#memo.set(key, value);
    return value;
  }

  /** The highest class any grant of a namespace gives (undefined: none covers it). */
  classOn(namespace: string): ToolClass | undefined {
    let best: ToolClass | undefined;
    for (const g of this.#grants) {
      if (g.namespace(namespace) && (best === undefined || classAllows(g.class, best))) best = g.class;
    }
    return best;
  }

  mayUsePrompts(namespace: string): boolean {
    return this.#grants.some((g) => g.prompts && g.namespace(namespace));
  }

  mayUseResources(namespace: string): boolean {
    return this.#grants.some((g) => g.resources && g.namespace(namespace));
  }
}
