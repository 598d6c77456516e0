import type { CompiledTool } from '@switchboard/shared';
import type { PromptListing, ResourceListing, TemplateListing, ToolListing } from '../upstream/catalogue.ts';
import type { Upstream } from '../upstream/upstream.ts';

export type ToolRoute =
  | { kind: 'upstream'; upstream: Upstream; name: string; listing: ToolListing }
  | { kind: 'local'; tool: CompiledTool; namespace: string; name: string; listing: ToolListing };

/** One upstream's own lists, un-prefixed, as `/mcp/<namespace>` serves them (quarantined tools left out). */
export interface NamespaceView {
  upstream: Upstream;
  tools: ToolListing[];
  prompts: PromptListing[];
  resources: ResourceListing[];
  templates: TemplateListing[];
}

export interface PromptRoute {
  upstream: Upstream;
  name: string;
  listing: PromptListing;
}

export interface ResourceRoute {
  upstream: Upstream;
  uri: string;
}

export interface RegistryOptions {
  separator: string;
  /** Upstreams in configuration order, with their catalogues; down ones included or not by the caller. */
  upstreams: readonly Upstream[];
  localTools: readonly CompiledTool[];
  localNamespace: string;
  /** Every configured upstream (shown or not), for the `/mcp/<namespace>` views. */
  allUpstreams?: readonly Upstream[];
  /** Tools held back (quarantined, or not yet checked against their pins). */
  hidesTool?: (upstream: Upstream, tool: string) => boolean;
}

const PREFIXED_URI = /^([A-Za-z][A-Za-z0-9_-]*)\+(.+)$/;

function schemeOf(uri: string): string {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri);
  return match?.[1]?.toLowerCase() ?? '';
}

/**
 * The aggregated view of every upstream: exposed names and URIs, each mapped to the upstream that owns it.
 * Tools and prompts are `<namespace><separator><name>`. A resource URI is kept when its scheme belongs to one
 * upstream; when several upstreams share a scheme, their URIs and templates become `<namespace>+<uri>`, which
 * maps back by looking the namespace up. Routing is always a lookup here, never a guess from the string.
 */
export class Registry {
  readonly tools = new Map<string, ToolRoute>();
  readonly toolList: ToolListing[] = [];
  /** The route of each toolList entry, at the same index (lists are filtered per caller by route). */
  readonly toolRoutes: ToolRoute[] = [];
  readonly prompts = new Map<string, PromptRoute>();
  readonly promptList: PromptListing[] = [];
  readonly promptRoutes: PromptRoute[] = [];
  readonly resources = new Map<string, ResourceRoute>();
  readonly resourceList: ResourceListing[] = [];
  readonly resourceOwners: Upstream[] = [];
  readonly templates = new Map<string, { upstream: Upstream; uriTemplate: string }>();
  readonly templateList: TemplateListing[] = [];
  readonly templateOwners: Upstream[] = [];
  /** Per namespace, that upstream's own lists (for `/mcp/<namespace>`). */
  readonly views = new Map<string, NamespaceView>();
  /** Name or URI collisions found while building; each names both upstreams. */
  readonly problems: string[] = [];
  #schemeOwner = new Map<string, Upstream>();
  #prefixed = new Map<string, Upstream>();
  #contested = new Set<string>();

  constructor(options: RegistryOptions) {
    const { separator } = options;
    const hides = options.hidesTool ?? (() => false);
    for (const tool of options.localTools) {
      const name = `${options.localNamespace}${separator}${tool.listing.name}`;
      const listing = { ...(tool.listing as unknown as ToolListing), name };
      const route: ToolRoute = { kind: 'local', tool, namespace: options.localNamespace, name: tool.listing.name, listing };
      this.tools.set(name, route);
      this.toolList.push(listing);
      this.toolRoutes.push(route);
    }
    const schemeUsers = new Map<string, Set<Upstream>>();
    for (const upstream of options.upstreams) {
      const catalogue = upstream.catalogue;
      if (!catalogue) continue;
      for (const uri of [...catalogue.resources.map((r) => r.uri), ...catalogue.templates.map((t) => t.uriTemplate)]) {
        const scheme = schemeOf(uri);
        const users = schemeUsers.get(scheme) ?? new Set();
        users.add(upstream);
        schemeUsers.set(scheme, users);
      }
    }
    for (const [scheme, users] of schemeUsers) {
      if (users.size > 1) this.#contested.add(scheme);
      else this.#schemeOwner.set(scheme, [...users][0] as Upstream);
    }

    for (const upstream of options.upstreams) {
      const catalogue = upstream.catalogue;
      if (!catalogue) continue;
      const ns = upstream.namespace;
      for (const tool of catalogue.tools) {
        const name = `${ns}${separator}${tool.name}`;
        const existing = this.tools.get(name);
        if (existing) {
          this.problems.push(
            `tool name "${name}" collides: ${describe(existing)} and ${upstream.name} (tool ${tool.name}); ${upstream.name}'s is not exposed`,
          );
          continue;
        }
        const listing = { ...tool, name };
        const route: ToolRoute = { kind: 'upstream', upstream, name: tool.name, listing };
        // A held-back tool still routes (its calls are refused with TOOL_CHANGED by the pin check) but is not listed.
        this.tools.set(name, route);
        if (hides(upstream, tool.name)) continue;
        this.toolList.push(listing);
        this.toolRoutes.push(route);
      }
      for (const prompt of catalogue.prompts) {
        const name = `${ns}${separator}${prompt.name}`;
        const existing = this.prompts.get(name);
        if (existing) {
          this.problems.push(
            `prompt name "${name}" collides: ${existing.upstream.name} and ${upstream.name}; ${upstream.name}'s is not exposed`,
          );
          continue;
        }
        const listing = { ...prompt, name };
        const route = { upstream, name: prompt.name, listing };
        this.prompts.set(name, route);
        this.promptList.push(listing);
        this.promptRoutes.push(route);
      }
      for (const resource of catalogue.resources) {
        const uri = this.exposeUri(upstream, resource.uri);
        if (this.resources.has(uri)) continue;
        this.resources.set(uri, { upstream, uri: resource.uri });
        this.resourceList.push({ ...resource, uri });
        this.resourceOwners.push(upstream);
      }
      for (const template of catalogue.templates) {
        const uriTemplate = this.exposeUri(upstream, template.uriTemplate);
        if (this.templates.has(uriTemplate)) continue;
        this.templates.set(uriTemplate, { upstream, uriTemplate: template.uriTemplate });
        this.templateList.push({ ...template, uriTemplate });
        this.templateOwners.push(upstream);
      }
    }
    for (const upstream of options.allUpstreams ?? options.upstreams) {
      const catalogue = upstream.catalogue;
      this.views.set(upstream.namespace, {
        upstream,
        tools: (catalogue?.tools ?? []).filter((t) => !hides(upstream, t.name)),
        prompts: catalogue?.prompts ?? [],
        resources: catalogue?.resources ?? [],
        templates: catalogue?.templates ?? [],
      });
    }
  }

  /** The URI a client sees for an upstream's URI (or URI template). */
  exposeUri(upstream: Upstream, uri: string): string {
    if (!this.#contested.has(schemeOf(uri))) return uri;
    this.#prefixed.set(upstream.namespace, upstream);
    return `${upstream.namespace}+${uri}`;
  }

  /** Which upstream serves a URI a client sent, and under which URI it knows it. */
  resolveUri(uri: string): ResourceRoute | undefined {
    const exact = this.resources.get(uri);
    if (exact) return exact;
    const prefixed = PREFIXED_URI.exec(uri);
    const byNamespace = prefixed ? this.#prefixed.get(prefixed[1] as string) : undefined;
    if (byNamespace && prefixed) return { upstream: byNamespace, uri: prefixed[2] as string };
    const owner = this.#schemeOwner.get(schemeOf(uri));
    return owner ? { upstream: owner, uri } : undefined;
  }
}

function describe(route: ToolRoute): string {
  return route.kind === 'local' ? 'the orchestrator' : `${route.upstream.name} (tool ${route.name})`;
}
