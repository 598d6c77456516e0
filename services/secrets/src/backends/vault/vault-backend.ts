import { ToolError } from '@switchboard/shared';
import {
  decodeAttributes,
  encodeAttributes,
  foreignEntries,
  type SecretAttributes,
  type SecretListing,
  type SecretRecord,
  type SecretValue,
} from '../../model/secret.ts';
import type { SecretBackend } from '../backend.ts';
import { deletedError, exists, notFound } from '../errors.ts';
import type { VaultClient } from './vault-client.ts';

interface KvVersionMeta {
  created_time: string;
  deletion_time: string;
  destroyed: boolean;
  version?: number;
  custom_metadata?: Record<string, string> | null;
}

interface KvMetadata {
  created_time: string;
  updated_time: string;
  current_version: number;
  oldest_version: number;
  custom_metadata: Record<string, string> | null;
  versions: Record<string, KvVersionMeta>;
}

const DELETED_AT = 'sb.deletedAt';
const RECOVER_UNTIL = 'sb.recoverUntil';
const DELETED_VERSIONS = 'sb.deletedVersions';

export interface VaultBackendOptions {
  name: string;
  client: VaultClient;
  url: string;
  mount: string;
  /** A folder inside the mount that holds Switchboard's secrets (`''`: the mount's root). */
  prefix: string;
  /** The key inside a secret's data that holds the value. */
  valueKey: string;
}

/**
 * HashiCorp Vault's KV version 2 engine over its HTTP API. The value is one key of the secret's data (`value` by
 * default; a secret with several other keys reads as their JSON), Switchboard's metadata lives in custom_metadata,
 * versions are KV versions, creation uses check-and-set 0 so it never overwrites. Soft delete records the deletion
 * in custom_metadata and soft-deletes every live version (KV's own delete); restore undeletes them; purge deletes
 * the metadata, which destroys all versions.
 */
export class VaultKvBackend implements SecretBackend {
  readonly kind = 'vault' as const;
  readonly name: string;
  readonly location: string;
  readonly #o: VaultBackendOptions;

  constructor(options: VaultBackendOptions) {
    this.#o = options;
    this.name = options.name;
    this.location = `${options.url} (${options.mount}/${options.prefix})`;
  }

  #full(path: string): string {
    return (this.#o.prefix ? `${this.#o.prefix}/${path}` : path).split('/').map(encodeURIComponent).join('/');
  }

  #api(kind: 'data' | 'metadata' | 'delete' | 'undelete', path: string, query = ''): string {
    return `/v1/${this.#o.mount}/${kind}/${this.#full(path)}${query}`;
  }

  async close(): Promise<void> {
    await this.#o.client.close();
  }

  async health(): Promise<void> {
    await this.#o.client.health();
  }

  async #metadata(path: string): Promise<KvMetadata | undefined> {
    const response = await this.#o.client.call<{ data?: KvMetadata }>('GET', this.#api('metadata', path));
    if (response.status === 404) return undefined;
    if (response.status !== 200 || !response.body?.data) this.#o.client.unexpected(response, `read the metadata of ${path}`);
    return response.body.data;
  }

  #deletion(meta: KvMetadata): { deletedAt: string; recoverUntil: string } | undefined {
    const custom = meta.custom_metadata ?? {};
    return custom[DELETED_AT] ? { deletedAt: custom[DELETED_AT], recoverUntil: custom[RECOVER_UNTIL] ?? '' } : undefined;
  }

  #record(path: string, meta: KvMetadata): SecretRecord {
    const versions = Object.entries(meta.versions)
      .map(([version, v]) => ({ version, createdAt: v.created_time, available: !v.destroyed && v.deletion_time === '' }))
      .sort((a, b) => Number(b.version) - Number(a.version));
    const deleted = this.#deletion(meta);
    return {
      path,
      attributes: decodeAttributes(meta.custom_metadata ?? {}),
      createdAt: meta.created_time,
      updatedAt: meta.updated_time,
      currentVersion: String(meta.current_version),
      versions: deleted ? versions.map((v) => ({ ...v, available: true })) : versions,
      ...(deleted ? { deleted } : {}),
    };
  }

  async list(prefix: string, options: { includeDeleted: boolean }): Promise<SecretListing[]> {
    // LIST works on folders: start at the deepest folder the prefix names and filter the rest of the way.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
    const paths: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const base = this.#o.prefix ? `${this.#o.prefix}/${dir}` : dir;
      const url = `/v1/${this.#o.mount}/metadata/${base.split('/').map(encodeURIComponent).join('/')}`;
      // GET with list=true is the portable form of Vault's LIST verb (proxies and some clients reject LIST).
      const response = await this.#o.client.call<{ data?: { keys?: string[] } }>('GET', `${url}?list=true`);
      if (response.status === 404) return;
      if (response.status !== 200) this.#o.client.unexpected(response, `list ${dir || '/'}`);
      for (const key of response.body?.data?.keys ?? []) {
        const path = `${dir}${key}`;
        if (key.endsWith('/')) {
          if (path.startsWith(prefix) || prefix.startsWith(path)) await walk(path);
        } else if (path.startsWith(prefix)) paths.push(path);
      }
    };
    await walk(folder);
    if (!options.includeDeleted) {
      // Deleted secrets are only known by their metadata: read it for each (KV LIST shows them all).
      const out: SecretListing[] = [];
      for (const path of paths) {
        const meta = await this.#metadata(path);
        if (meta && !this.#deletion(meta)) {
          out.push({
            path,
            attributes: decodeAttributes(meta.custom_metadata ?? {}),
            updatedAt: meta.updated_time,
            currentVersion: String(meta.current_version),
          });
        }
      }
      return out;
    }
    const out: SecretListing[] = [];
    for (const path of paths) {
      const meta = await this.#metadata(path);
      if (meta) out.push(this.#record(path, meta));
    }
    return out;
  }

  async describe(path: string): Promise<SecretRecord> {
    const meta = await this.#metadata(path);
    if (!meta) throw notFound(this.name, path);
    return this.#record(path, meta);
  }

  async read(path: string, version?: string): Promise<SecretValue> {
    if (version !== undefined && !/^[1-9]\d{0,9}$/.test(version)) throw notFound(this.name, path, version);
    const response = await this.#o.client.call<{ data?: { data: Record<string, unknown> | null; metadata: KvVersionMeta } }>(
      'GET',
      this.#api('data', path, version ? `?version=${version}` : ''),
    );
    if (response.status === 404) {
      const meta = await this.#metadata(path);
      const deleted = meta && this.#deletion(meta);
      if (deleted) throw deletedError(this.name, path, deleted.recoverUntil);
      throw notFound(this.name, path, meta ? version : undefined, meta ? { destroyedOrDeleted: true } : {});
    }
    if (response.status !== 200 || !response.body?.data?.data) this.#o.client.unexpected(response, `read ${path}`);
    const { data, metadata } = response.body.data;
    const raw = data[this.#o.valueKey];
    const keys = Object.keys(data);
    const value =
      typeof raw === 'string'
        ? raw
        : keys.length === 1 && typeof data[keys[0] as string] === 'string'
          ? (data[keys[0] as string] as string)
          : JSON.stringify(data);
    return { version: String(metadata.version ?? version), value, createdAt: metadata.created_time };
  }

  async #writeMetadata(path: string, custom: Record<string, string>): Promise<void> {
    const response = await this.#o.client.call('POST', this.#api('metadata', path), { custom_metadata: custom });
    if (response.status !== 204 && response.status !== 200) this.#o.client.unexpected(response, `write the metadata of ${path}`);
  }

  async #writeData(path: string, value: string, cas: number): Promise<string> {
    const response = await this.#o.client.call<{ data?: { version?: number } }>('POST', this.#api('data', path), {
      options: { cas },
      data: { [this.#o.valueKey]: value },
    });
    if (response.status === 400 && /check-and-set/i.test(JSON.stringify(response.body?.errors ?? []))) {
      throw new ToolError('CONFLICT', `${this.name}/${path} changed while it was being written; try again`, {
        details: { backend: this.name, path },
      });
    }
    if (response.status !== 200 || response.body?.data?.version === undefined)
      this.#o.client.unexpected(response, `write ${path}`);
    return String(response.body.data.version);
  }

  async create(path: string, value: string, attributes: SecretAttributes): Promise<{ version: string }> {
    const meta = await this.#metadata(path);
    if (meta) throw exists(this.name, path, this.#deletion(meta) !== undefined);
    const version = await this.#writeData(path, value, 0);
    try {
      await this.#writeMetadata(path, encodeAttributes(attributes));
    } catch (error) {
      // Nothing half-way: a secret whose metadata could not be written is removed again.
      await this.#o.client.call('DELETE', this.#api('metadata', path)).catch(() => {});
      throw error;
    }
    return { version };
  }

  async addVersion(path: string, value: string, attributes: SecretAttributes): Promise<{ version: string }> {
    const meta = await this.#metadata(path);
    if (!meta) throw notFound(this.name, path);
    const deleted = this.#deletion(meta);
    if (deleted) throw deletedError(this.name, path, deleted.recoverUntil);
    const version = await this.#writeData(path, value, meta.current_version);
    await this.#writeMetadata(path, { ...foreignEntries(meta.custom_metadata ?? {}), ...encodeAttributes(attributes) });
    return { version };
  }

  async setAttributes(path: string, attributes: SecretAttributes): Promise<void> {
    const meta = await this.#metadata(path);
    if (!meta) throw notFound(this.name, path);
    await this.#writeMetadata(path, { ...foreignEntries(meta.custom_metadata ?? {}), ...encodeAttributes(attributes) });
  }

  async softDelete(path: string, recoverUntil: Date): Promise<{ recoverUntil: string }> {
    const meta = await this.#metadata(path);
    if (!meta) throw notFound(this.name, path);
    const deleted = this.#deletion(meta);
    if (deleted) throw deletedError(this.name, path, deleted.recoverUntil);
    const live = Object.entries(meta.versions)
      .filter(([, v]) => !v.destroyed && v.deletion_time === '')
      .map(([version]) => Number(version));
    await this.#writeMetadata(path, {
      ...(meta.custom_metadata ?? {}),
      [DELETED_AT]: new Date().toISOString(),
      [RECOVER_UNTIL]: recoverUntil.toISOString(),
      [DELETED_VERSIONS]: live.join(','),
    });
    if (live.length > 0) {
      const response = await this.#o.client.call('POST', this.#api('delete', path), { versions: live });
      if (response.status !== 204 && response.status !== 200) this.#o.client.unexpected(response, `delete ${path}`);
    }
    return { recoverUntil: recoverUntil.toISOString() };
  }

  async restore(path: string): Promise<void> {
    const meta = await this.#metadata(path);
    if (!meta) throw notFound(this.name, path);
    if (!this.#deletion(meta)) throw new ToolError('CONFLICT', `${this.name}/${path} is not deleted`);
    const custom = { ...(meta.custom_metadata ?? {}) };
    const versions = (custom[DELETED_VERSIONS] ?? '').split(',').filter(Boolean).map(Number);
    if (versions.length > 0) {
      const response = await this.#o.client.call('POST', this.#api('undelete', path), { versions });
      if (response.status !== 204 && response.status !== 200) this.#o.client.unexpected(response, `undelete ${path}`);
    }
    delete custom[DELETED_AT];
    delete custom[RECOVER_UNTIL];
    delete custom[DELETED_VERSIONS];
    await this.#writeMetadata(path, custom);
  }

  async purge(path: string): Promise<void> {
    const response = await this.#o.client.call('DELETE', this.#api('metadata', path));
    if (response.status !== 204 && response.status !== 200 && response.status !== 404)
      this.#o.client.unexpected(response, `purge ${path}`);
  }
}
