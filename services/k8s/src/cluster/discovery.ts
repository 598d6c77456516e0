import type { ApisApi, CoreV1Api, CustomObjectsApi, V1APIResource } from '@kubernetes/client-node';
import { ToolError } from '@switchboard/shared';

/** A kind the cluster serves, from discovery (`/api/v1`, `/apis/<group>/<version>`). */
export interface KindInfo {
  apiVersion: string;
  kind: string;
  resource: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
}

const toInfo = (apiVersion: string, r: V1APIResource): KindInfo => ({
  apiVersion,
  kind: r.kind,
  resource: r.name,
  namespaced: r.namespaced,
  verbs: r.verbs,
  shortNames: r.shortNames ?? [],
});

/**
 * Discovery with a cache per group version (kinds rarely change; an unknown kind refreshes its group version).
 * `call` runs each request under the tool's signal and maps errors.
 */
export class Discovery {
  readonly #core: CoreV1Api;
  readonly #custom: CustomObjectsApi;
  readonly #apis: ApisApi;
  readonly #cache = new Map<string, KindInfo[]>();

  constructor(core: CoreV1Api, custom: CustomObjectsApi, apis: ApisApi) {
    this.#core = core;
    this.#custom = custom;
    this.#apis = apis;
  }

  async #load(apiVersion: string): Promise<KindInfo[]> {
    const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
    const list = group === '' ? await this.#core.getAPIResources() : await this.#custom.getAPIResources({ group, version });
    const kinds = list.resources.filter((r) => !r.name.includes('/')).map((r) => toInfo(apiVersion, r));
    this.#cache.set(apiVersion, kinds);
    return kinds;
  }

  async kind(apiVersion: string, kind: string): Promise<KindInfo> {
    let found = this.#cache.get(apiVersion)?.find((k) => k.kind === kind);
    if (!found) {
      try {
        found = (await this.#load(apiVersion)).find((k) => k.kind === kind);
      } catch (error) {
        if (error && typeof error === 'object' && (error as { code?: number }).code === 404) {
          throw new ToolError(
            'NOT_FOUND',
            `the cluster does not serve apiVersion ${apiVersion}; listResources without kind shows what it serves`,
          );
        }
        throw error;
      }
    }
    if (!found)
      throw new ToolError(
        'NOT_FOUND',
        `the cluster serves no kind ${kind} in ${apiVersion}; listResources without kind shows what it serves`,
      );
    return found;
  }

  /** Every kind of the preferred version of each group. */
  async all(): Promise<KindInfo[]> {
    const out = [...(await this.#load('v1'))];
    const groups = await this.#apis.getAPIVersions();
    for (const group of groups.groups) {
      const preferred = group.preferredVersion?.groupVersion ?? group.versions[0]?.groupVersion;
      if (preferred) out.push(...(await this.#load(preferred)));
    }
    return out;
  }
}
