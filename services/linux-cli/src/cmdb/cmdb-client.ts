import { type ServiceCallOptions, type ServiceClient, ToolError } from '@switchboard/shared';

/** A host as cmdb describes it. */
export interface CmdbHost {
  name: string;
  attributes: Record<string, string | number | boolean>;
}

export interface CmdbHosts {
  /** The host CI of that name, or undefined when cmdb has none. */
  getHost(name: string, call?: ServiceCallOptions): Promise<CmdbHost | undefined>;
}

/** Host look-ups in cmdb (`getItem { type: host, name }`) over the kit's service client. */
export function createCmdbHosts(client: ServiceClient): CmdbHosts {
  return {
    getHost: async (name, call) => {
      try {
        const found = await client.call<{ item: CmdbHost }>('getItem', { type: 'host', name, relationshipsLimit: 0 }, call);
        return { name: found.item.name, attributes: found.item.attributes };
      } catch (error) {
        if (error instanceof ToolError && error.code === 'NOT_FOUND') return undefined;
        if (error instanceof ToolError && error.code === 'CANCELLED') throw error;
        const why = error instanceof ToolError ? `${error.code}: ${error.message}` : String(error);
        throw new ToolError('DEPENDENCY_UNAVAILABLE', `cmdb lookup of host ${name} failed: ${why}`, { retryable: true });
      }
    },
  };
}
