import type { Catalogue, PromptListing, ResourceListing, TemplateListing, ToolListing } from './catalogue.ts';
import { TransportError } from './transport.ts';
import type { UpstreamSession } from './upstream-session.ts';

const MAX_LIST_PAGES = 100;

export type CatalogueKind = 'tools' | 'resources' | 'prompts';

/** Every page of one list method; a server without the method lists nothing. */
async function listAll<T>(session: UpstreamSession, method: string, key: string, timeoutMs: number): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const response = await session.request(method, cursor ? { cursor } : {}, { timeoutMs });
    if (response.error) {
      if (response.error.code === -32601) return out;
      throw new TransportError(`${method} failed: ${response.error.message}`);
    }
    out.push(...((response.result?.[key] as T[] | undefined) ?? []));
    cursor = response.result?.nextCursor as string | undefined;
    if (!cursor) break;
  }
  return out;
}

/**
 * Reads what an upstream offers over its control session: the kinds asked for (those its capabilities declare) are
 * fetched again, every page; the others are kept from `previous`. Tools the upstream's allow/deny filter refuses
 * are left out.
 */
export async function fetchCatalogue(
  session: UpstreamSession,
  previous: Catalogue | undefined,
  kinds: ReadonlySet<CatalogueKind>,
  allowsTool: (name: string) => boolean,
  timeoutMs: number,
): Promise<Catalogue | undefined> {
  const init = session.initializeResult;
  if (!init) return undefined;
  const caps = init.capabilities as { tools?: unknown; resources?: unknown; prompts?: unknown };
  const next: Catalogue = previous ? { ...previous, init } : { init, tools: [], resources: [], templates: [], prompts: [] };
  if (kinds.has('tools') && caps.tools) {
    next.tools = (await listAll<ToolListing>(session, 'tools/list', 'tools', timeoutMs)).filter((tool) => allowsTool(tool.name));
  }
  if (kinds.has('resources') && caps.resources) {
    next.resources = await listAll<ResourceListing>(session, 'resources/list', 'resources', timeoutMs);
    next.templates = await listAll<TemplateListing>(session, 'resources/templates/list', 'resourceTemplates', timeoutMs);
  }
  if (kinds.has('prompts') && caps.prompts)
    next.prompts = await listAll<PromptListing>(session, 'prompts/list', 'prompts', timeoutMs);
  return next;
}
