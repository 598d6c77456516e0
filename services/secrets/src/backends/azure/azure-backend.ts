import { RestError } from '@azure/core-rest-pipeline';
import type { KeyVaultSecret, SecretClient, SecretProperties } from '@azure/keyvault-secrets';
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
import { backendError, deletedError, exists, isNetworkError, notFound } from '../errors.ts';

/** Key Vault names allow letters, digits and dashes: a path's `/` becomes `--`, so segments may hold single dashes only. */
export function azureNameOf(path: string): string {
  const segments = path.split('/');
  for (const segment of segments) {
    if (!/^[A-Za-z0-9](?:-?[A-Za-z0-9])*$/.test(segment)) {
      throw new ToolError(
        'INVALID_ARGUMENT',
        `Azure Key Vault names allow letters, digits and single dashes: path segment "${segment.slice(0, 40)}" cannot be stored`,
        { details: { reason: 'bad_path' } },
      );
    }
  }
  const name = segments.join('--');
  if (name.length > 127)
    throw new ToolError('INVALID_ARGUMENT', 'the path is too long for an Azure Key Vault name (127 characters)');
  return name;
}

export function pathOfAzureName(name: string): string {
  return name.split('--').join('/');
}

function iso(date: Date | undefined): string | undefined {
  return date ? date.toISOString() : undefined;
}

export interface AzureBackendOptions {
  name: string;
  client: SecretClient;
  vaultUrl: string;
  pollIntervalMs?: number;
}

/**
 * Azure Key Vault through @azure/keyvault-secrets. A path maps to a secret name (`/` as `--`), versions are Key
 * Vault versions, Switchboard's metadata is the tags of the current version (carried to each new one). Delete is
 * Key Vault's soft delete (the recovery window is the vault's retention), restore is recover, purge is purge.
 */
export class AzureKeyVaultBackend implements SecretBackend {
  readonly kind = 'azure' as const;
  readonly name: string;
  readonly location: string;
  readonly #o: AzureBackendOptions;

  constructor(options: AzureBackendOptions) {
    this.#o = options;
    this.name = options.name;
    this.location = options.vaultUrl;
  }

  async #send<T>(path: string, work: () => Promise<T>, version?: string): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ToolError) throw error;
      if (error instanceof RestError || (error as { name?: string }).name === 'RestError') {
        const rest = error as RestError;
        const code = rest.code ?? '';
        if (rest.statusCode === 404) throw notFound(this.name, path, version);
        if (rest.statusCode === 409 && /deleted/i.test(rest.message)) {
          const deleted = await this.#o.client.getDeletedSecret(azureNameOf(path)).catch(() => undefined);
          throw deletedError(this.name, path, iso(deleted?.properties.scheduledPurgeDate) ?? '');
        }
        if (rest.statusCode === 401 || rest.statusCode === 403) {
          throw backendError(
            this.name,
            'bad_credentials',
            `Key Vault refused the credential (${code || rest.statusCode}): ${rest.message}`,
          );
        }
        if (rest.statusCode === 429 || (rest.statusCode ?? 0) >= 500) {
          throw backendError(this.name, 'unreachable', `Key Vault answered ${rest.statusCode}: ${rest.message}`);
        }
        if (rest.statusCode === undefined && isNetworkError(rest)) {
          throw backendError(this.name, 'unreachable', `Key Vault at ${this.#o.vaultUrl} cannot be reached (${rest.message})`);
        }
        throw backendError(this.name, 'rejected', `Key Vault refused the request (${code || rest.statusCode}): ${rest.message}`);
      }
      if (
        (error as { name?: string }).name === 'CredentialUnavailableError' ||
        (error as { name?: string }).name === 'AuthenticationError'
      ) {
        throw backendError(this.name, 'bad_credentials', (error as Error).message);
      }
      if (isNetworkError(error)) {
        throw backendError(
          this.name,
          'unreachable',
          `Key Vault at ${this.#o.vaultUrl} cannot be reached (${(error as Error).message})`,
        );
      }
      throw backendError(this.name, 'rejected', `Key Vault: ${(error as Error).message}`);
    }
  }

  async health(): Promise<void> {
    await this.#send('', async () => {
      for await (const _page of this.#o.client.listPropertiesOfSecrets().byPage({ maxPageSize: 1 })) break;
    });
  }

  #listing(properties: SecretProperties): SecretListing {
    return {
      path: pathOfAzureName(properties.name),
      attributes: decodeAttributes(properties.tags),
      ...(properties.updatedOn ? { updatedAt: properties.updatedOn.toISOString() } : {}),
      ...(properties.version ? { currentVersion: properties.version } : {}),
    };
  }

  async list(prefix: string, options: { includeDeleted: boolean }): Promise<SecretListing[]> {
    return this.#send(prefix, async () => {
      const out: SecretListing[] = [];
      for await (const properties of this.#o.client.listPropertiesOfSecrets()) {
        if (properties.managed) continue;
        const listing = this.#listing(properties);
        if (listing.path.startsWith(prefix)) out.push(listing);
      }
      if (options.includeDeleted) {
        for await (const deleted of this.#o.client.listDeletedSecrets()) {
          const path = pathOfAzureName(deleted.properties.name);
          if (!path.startsWith(prefix)) continue;
          out.push({
            ...this.#listing(deleted.properties),
            deleted: {
              deletedAt: iso(deleted.properties.deletedOn) ?? '',
              recoverUntil: iso(deleted.properties.scheduledPurgeDate) ?? '',
            },
          });
        }
      }
      return out;
    });
  }

  async #current(path: string): Promise<KeyVaultSecret> {
    return this.#send(path, () => this.#o.client.getSecret(azureNameOf(path)));
  }

  async describe(path: string): Promise<SecretRecord> {
    const name = azureNameOf(path);
    let current: KeyVaultSecret;
    try {
      current = await this.#current(path);
    } catch (error) {
      if (error instanceof ToolError && error.code === 'NOT_FOUND') {
        const deleted = await this.#o.client.getDeletedSecret(name).catch(() => undefined);
        if (deleted) {
          return {
            path,
            attributes: decodeAttributes(deleted.properties.tags),
            ...(deleted.properties.createdOn ? { createdAt: deleted.properties.createdOn.toISOString() } : {}),
            currentVersion: deleted.properties.version ?? '',
            versions: [],
            deleted: {
              deletedAt: iso(deleted.properties.deletedOn) ?? '',
              recoverUntil: iso(deleted.properties.scheduledPurgeDate) ?? '',
            },
          };
        }
      }
      throw error;
    }
    const versions = await this.#send(path, async () => {
      const all: SecretProperties[] = [];
      for await (const properties of this.#o.client.listPropertiesOfSecretVersions(name)) all.push(properties);
      return all;
    });
    versions.sort((a, b) => (b.createdOn?.getTime() ?? 0) - (a.createdOn?.getTime() ?? 0));
    return {
      path,
      attributes: decodeAttributes(current.properties.tags),
      ...(versions.at(-1)?.createdOn ? { createdAt: versions.at(-1)?.createdOn?.toISOString() } : {}),
      ...(current.properties.updatedOn ? { updatedAt: current.properties.updatedOn.toISOString() } : {}),
      currentVersion: current.properties.version ?? '',
      versions: versions.map((v) => ({
        version: v.version ?? '',
        ...(v.createdOn ? { createdAt: v.createdOn.toISOString() } : {}),
        available: v.enabled !== false,
      })),
    };
  }

  async read(path: string, version?: string): Promise<SecretValue> {
    const secret = await this.#send(path, () => this.#o.client.getSecret(azureNameOf(path), version ? { version } : {}), version);
    if (secret.value === undefined) throw backendError(this.name, 'rejected', `${path} has no value (disabled version?)`);
    return {
      version: secret.properties.version ?? version ?? '',
      value: secret.value,
      ...(secret.properties.createdOn ? { createdAt: secret.properties.createdOn.toISOString() } : {}),
    };
  }

  async #set(path: string, value: string, tags: Record<string, string>): Promise<{ version: string }> {
    const secret = await this.#send(path, () =>
      this.#o.client.setSecret(azureNameOf(path), value, { tags, contentType: 'text/plain' }),
    );
    return { version: secret.properties.version ?? '' };
  }

  async create(path: string, value: string, attributes: SecretAttributes): Promise<{ version: string }> {
    const existing = await this.#current(path).catch((error) => {
      if (error instanceof ToolError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    });
    if (existing) throw exists(this.name, path);
    return this.#set(path, value, encodeAttributes(attributes)).catch((error: unknown) => {
      // Key Vault keeps a deleted name until it is purged: a conflict, not a missing secret.
      if (error instanceof ToolError && error.code === 'NOT_FOUND' && error.details?.deleted) throw exists(this.name, path, true);
      throw error;
    });
  }

  async addVersion(path: string, value: string, attributes: SecretAttributes): Promise<{ version: string }> {
    const current = await this.#current(path);
    return this.#set(path, value, { ...foreignEntries(current.properties.tags ?? {}), ...encodeAttributes(attributes) });
  }

  async setAttributes(path: string, attributes: SecretAttributes): Promise<void> {
    const current = await this.#current(path);
    await this.#send(path, () =>
      this.#o.client.updateSecretProperties(azureNameOf(path), current.properties.version ?? '', {
        tags: { ...foreignEntries(current.properties.tags ?? {}), ...encodeAttributes(attributes) },
      }),
    );
  }

  async softDelete(path: string, _recoverUntil: Date): Promise<{ recoverUntil: string }> {
    const poller = await this.#send(path, () =>
      this.#o.client.beginDeleteSecret(azureNameOf(path), { intervalInMs: this.#o.pollIntervalMs ?? 2000 }),
    );
    const deleted = await this.#send(path, () => poller.pollUntilDone());
    return { recoverUntil: iso(deleted.properties.scheduledPurgeDate) ?? '' };
  }

  async restore(path: string): Promise<void> {
    const poller = await this.#send(path, () =>
      this.#o.client.beginRecoverDeletedSecret(azureNameOf(path), { intervalInMs: this.#o.pollIntervalMs ?? 2000 }),
    );
    await this.#send(path, () => poller.pollUntilDone());
  }

  async purge(path: string): Promise<void> {
    await this.#send(path, () => this.#o.client.purgeDeletedSecret(azureNameOf(path)));
  }
}
