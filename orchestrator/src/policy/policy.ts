import { createNameFilter } from '@switchboard/shared';
import type { Identity } from '../identity/identity.ts';
import { OAUTH_PREFIX } from '../identity/identity.ts';
import { Access, type CompiledRole, compileRole } from './access.ts';
import type { Hints } from './classes.ts';
import { BUILT_IN_ROLES, DEFAULT_APPROVALS, DEFAULT_BINDINGS, DEFAULT_FIRST_PARTY } from './defaults.ts';
import type { ApprovalSpec, BindingSpec, PinMode, PolicySpec } from './schema.ts';

type Matcher = (identity: Identity) => boolean;

interface Binding {
  matches: Matcher;
  roles: CompiledRole[];
}

interface ApprovalRule {
  index: number;
  upstream: (name: string, firstParty: boolean) => boolean;
  namespace: (name: string) => boolean;
  tool: (name: string) => boolean;
  when: ApprovalSpec['when'];
}

/** What the approve stage needs to know about the upstream behind a tool. */
export interface UpstreamRef {
  name: string;
  namespace: string;
}

function claimMatches(actual: unknown, wanted: unknown): boolean {
  const options = Array.isArray(wanted) ? wanted : [wanted];
  const values = Array.isArray(actual) ? actual : [actual];
  return values.some((v) => options.includes(v));
}

function compileBinding(spec: BindingSpec, roles: Map<string, CompiledRole>): Binding {
  const checks: Matcher[] = [];
  if (spec.tokens) {
    const name = createNameFilter(spec.tokens);
    checks.push((i) => i.kind === 'token' && name(i.id));
  }
  if (spec.subjects) {
    const name = createNameFilter(spec.subjects);
    checks.push((i) => i.kind === 'oauth' && name(i.id.slice(OAUTH_PREFIX.length)));
  }
  if (spec.claims) {
    const claims = Object.entries(spec.claims);
    checks.push((i) => i.kind === 'oauth' && claims.every(([claim, wanted]) => claimMatches(i.claims?.[claim], wanted)));
  }
  if (spec.scopes) {
    const scope = createNameFilter(spec.scopes);
    checks.push((i) => i.kind === 'oauth' && (i.scopes ?? []).some(scope));
  }
  if (spec.stdio) checks.push((i) => i.kind === 'stdio');
  if (spec.anonymous) checks.push((i) => i.kind === 'anonymous');
  return {
    matches: (identity) => checks.every((check) => check(identity)),
    roles: spec.roles.map((r) => roles.get(r) as CompiledRole),
  };
}

function compileApproval(spec: ApprovalSpec, index: number): ApprovalRule {
  const which = spec.upstreams;
  const named = typeof which === 'string' ? undefined : createNameFilter(which);
  return {
    index,
    upstream: (name, firstParty) => (named ? named(name) : which === 'all' || !firstParty),
    namespace: createNameFilter(spec.namespaces),
    tool: createNameFilter(spec.tools),
    when: spec.when,
  };
}

function hintsMatch(when: ApprovalSpec['when'], hints: Hints | undefined): boolean {
  if (when === 'always') return true;
  if (hints?.readOnlyHint === true) return false;
  return when === 'mutating' || hints?.destructiveHint !== false;
}

/**
 * A validated policy, compiled: roles to grants, bindings to matchers, approval rules, pin modes. Immutable; a reload
 * builds a new one (with the next version number), so decisions cached per policy never outlive it.
 */
export class Policy {
  readonly version: number;
  /** Where it came from: the file's path, or `built-in`. */
  readonly source: string;
  readonly injection: PolicySpec['injection'];
  readonly roleNames: readonly string[];
  readonly #bindings: Binding[];
  readonly #approvals: ApprovalRule[];
  readonly #firstParty: (name: string) => boolean;
  readonly #pinning: PolicySpec['pinning'];
  readonly #scopes: string[];
  readonly #access = new WeakMap<Identity, Access>();
  readonly #approvalOf = new WeakMap<object, number>();

  constructor(spec: PolicySpec, source: string, version: number) {
    this.version = version;
    this.source = source;
    this.injection = spec.injection;
    const roles = new Map<string, CompiledRole>();
    for (const [name, role] of Object.entries({ ...BUILT_IN_ROLES, ...spec.roles })) roles.set(name, compileRole(name, role));
    this.roleNames = [...roles.keys()];
    const bindings = spec.bindings ?? DEFAULT_BINDINGS;
    this.#bindings = bindings.map((b) => compileBinding(b, roles));
    this.#scopes = [...new Set(bindings.flatMap((b) => b.scopes ?? []).filter((s) => !/[*?]/.test(s)))];
    this.#approvals = (spec.approvals ?? DEFAULT_APPROVALS).map(compileApproval);
    this.#firstParty = createNameFilter(spec.firstParty ?? DEFAULT_FIRST_PARTY);
    this.#pinning = spec.pinning;
  }

  /** The roles an identity holds and what they allow (remembered per identity object). */
  accessOf(identity: Identity): Access {
    let access = this.#access.get(identity);
    if (!access) {
      const held = new Map<string, CompiledRole>();
      for (const binding of this.#bindings) {
        if (binding.matches(identity)) for (const role of binding.roles) held.set(role.name, role);
      }
      access = new Access([...held.values()]);
      this.#access.set(identity, access);
    }
    return access;
  }

  /** Scopes the bindings name: what a 403 tells an OAuth client to ask for. */
  grantingScopes(): readonly string[] {
    return this.#scopes;
  }

  isFirstParty(upstreamName: string): boolean {
    return this.#firstParty(upstreamName);
  }

  /**
   * The approval rule (its index in `approvals`) a call of this tool falls under, or -1. Remembered per listing
   * object, so the hot path pays a WeakMap lookup.
   */
  approvalRuleOf(upstream: UpstreamRef, tool: string, listing: { annotations?: Hints }): number {
    const cached = this.#approvalOf.get(listing);
    if (cached !== undefined) return cached;
    const firstParty = this.#firstParty(upstream.name);
    const rule = this.#approvals.find(
      (r) =>
        r.upstream(upstream.name, firstParty) &&
        r.namespace(upstream.namespace) &&
        r.tool(tool) &&
        hintsMatch(r.when, listing.annotations),
    );
    const index = rule ? rule.index : -1;
    this.#approvalOf.set(listing, index);
    return index;
  }

  pinMode(upstreamName: string): PinMode {
    return this.#pinning.upstreams[upstreamName] ?? this.#pinning.default;
  }
}
