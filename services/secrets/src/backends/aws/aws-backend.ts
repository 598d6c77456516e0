import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  type SecretListEntry,
  SecretsManagerClient,
  SecretsManagerServiceException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { ToolError } from '@switchboard/shared';
import {
  ATTRIBUTE_PREFIX,
  decodeAttributes,
  encodeAttributes,
  type SecretAttributes,
  type SecretListing,
  type SecretRecord,
  type SecretValue,
  type VersionInfo,
} from '../../model/secret.ts';
import type { SecretBackend } from '../backend.ts';
import { backendError, deletedError, exists, isNetworkError, notFound } from '../errors.ts';

export interface AwsBackendOptions {
  name: string;
  client: SecretsManagerClient;
  region: string;
  /** Prepended to every path to form the secret name (`switchboard/`). */
  prefix: string;
}

const DAY = 24 * 60 * 60 * 1000;

function iso(date: Date | undefined): string | undefined {
  return date ? date.toISOString() : undefined;
}

/**
 * AWS Secrets Manager through @aws-sdk/client-secrets-manager. The name is prefix + path, the value SecretString,
 * the description the native Description, the rest of Switchboard's metadata tags prefixed `sb.`. Versions are
 * version ids with their staging labels (AWSCURRENT, AWSPREVIOUS); delete is DeleteSecret with a recovery window
 * (7-30 days, AWS's limits), restore is RestoreSecret, and AWS purges by itself once the window ends.
 */
export class AwsSecretsBackend implements SecretBackend {
  readonly kind = 'aws' as const;
  readonly name: string;
  readonly location: string;
  readonly #o: AwsBackendOptions;

  constructor(options: AwsBackendOptions) {
    this.#o = options;
    this.name = options.name;
    this.location = `AWS Secrets Manager ${options.region}${options.prefix ? ` (${options.prefix}*)` : ''}`;
  }

  async close(): Promise<void> {
    this.#o.client.destroy();
  }

  #id(path: string): string {
    return `${this.#o.prefix}${path}`;
  }

  /** Maps the SDK's errors (typed service exceptions, network failures) to ours. */
  async #send<T>(path: string, work: () => Promise<T>, version?: string): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ToolError) throw error;
      if (error instanceof SecretsManagerServiceException) {
        const message = error.message ?? error.name;
        switch (error.name) {
          case 'ResourceNotFoundException':
            throw notFound(this.name, path, version);
          case 'ResourceExistsException':
            throw exists(this.name, path);
          case 'InvalidRequestException':
            if (/deletion|deleted/i.test(message)) {
              const described = await this.#describeRaw(path).catch(() => undefined);
              throw deletedError(this.name, path, iso(described?.DeletedDate) ?? '');
            }
            throw backendError(this.name, 'rejected', `AWS refused the request: ${message}`);
          case 'AccessDeniedException':
          case 'UnrecognizedClientException':
          case 'InvalidSignatureException':
          case 'ExpiredTokenException':
            throw backendError(this.name, 'bad_credentials', `AWS refused the credentials: ${message}`);
          case 'InternalServiceError':
          case 'ThrottlingException':
          case 'ServiceUnavailable':
            throw backendError(this.name, 'unreachable', `AWS Secrets Manager failed: ${message}`);
          default:
            throw backendError(this.name, 'rejected', `AWS Secrets Manager: ${error.name}: ${message}`);
        }
      }
      if (isNetworkError(error)) {
        throw backendError(this.name, 'unreachable', `AWS Secrets Manager cannot be reached (${(error as Error).message})`);
      }
      throw backendError(this.name, 'rejected', `AWS Secrets Manager: ${(error as Error).message}`);
    }
  }

  #describeRaw(path: string): Promise<DescribeSecretCommandOutput> {
    return this.#o.client.send(new DescribeSecretCommand({ SecretId: this.#id(path) }));
  }

  #attributes(description: string | undefined, tags: { Key?: string; Value?: string }[] | undefined): SecretAttributes {
    const map: Record<string, string> = {};
    for (const tag of tags ?? []) if (tag.Key && tag.Value !== undefined) map[tag.Key] = tag.Value;
    const attributes = decodeAttributes(map);
    if (description) attributes.description = description;
    return attributes;
  }

  #tags(attributes: SecretAttributes): { Key: string; Value: string }[] {
    const { description: _description, ...rest } = attributes;
    return Object.entries(encodeAttributes(rest)).map(([Key, Value]) => ({ Key, Value }));
  }

  async health(): Promise<void> {
    await this.#send('', () => this.#o.client.send(new ListSecretsCommand({ MaxResults: 1 })));
  }

  #listing(entry: SecretListEntry): SecretListing | undefined {
    if (!entry.Name?.startsWith(this.#o.prefix)) return undefined;
    const path = entry.Name.slice(this.#o.prefix.length);
    const current = Object.entries(entry.SecretVersionsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
    return {
      path,
      attributes: this.#attributes(entry.Description, entry.Tags),
      ...(entry.LastChangedDate ? { updatedAt: entry.LastChangedDate.toISOString() } : {}),
      ...(current ? { currentVersion: current } : {}),
      ...(entry.DeletedDate
        ? { deleted: { deletedAt: iso(entry.LastChangedDate) ?? '', recoverUntil: entry.DeletedDate.toISOString() } }
        : {}),
    };
  }

  async list(prefix: string, options: { includeDeleted: boolean }): Promise<SecretListing[]> {
    const out: SecretListing[] = [];
    let token: string | undefined;
    do {
      const page = await this.#send(prefix, () =>
        this.#o.client.send(
          new ListSecretsCommand({
            MaxResults: 100,
            ...(token ? { NextToken: token } : {}),
            ...(options.includeDeleted ? { IncludePlannedDeletion: true } : {}),
            ...(this.#o.prefix || prefix ? { Filters: [{ Key: 'name', Values: [`${this.#o.prefix}${prefix}`] }] } : {}),
          }),
        ),
      );
      for (const entry of page.SecretList ?? []) {
        const listing = this.#listing(entry);
        // The name filter matches prefixes of words too: keep only true path prefixes.
        if (listing?.path.startsWith(prefix)) out.push(listing);
      }
      token = page.NextToken;
    } while (token);
    return out;
  }

  async describe(path: string): Promise<SecretRecord> {
    const described = await this.#send(path, () => this.#describeRaw(path));
    const stages = described.VersionIdsToStages ?? {};
    const versions: VersionInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.#send(path, () =>
        this.#o.client.send(
          new ListSecretVersionIdsCommand({
            SecretId: this.#id(path),
            IncludeDeprecated: true,
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      for (const v of page.Versions ?? []) {
        if (!v.VersionId) continue;
        versions.push({
          version: v.VersionId,
          ...(v.CreatedDate ? { createdAt: v.CreatedDate.toISOString() } : {}),
          stages: v.VersionStages ?? stages[v.VersionId] ?? [],
          available: true,
        });
      }
      token = page.NextToken;
    } while (token);
    versions.sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
    const current = Object.entries(stages).find(([, s]) => s.includes('AWSCURRENT'))?.[0] ?? versions[0]?.version ?? '';
    return {
      path,
      attributes: this.#attributes(described.Description, described.Tags),
      ...(described.CreatedDate ? { createdAt: described.CreatedDate.toISOString() } : {}),
      ...(described.LastChangedDate ? { updatedAt: described.LastChangedDate.toISOString() } : {}),
      currentVersion: current,
      versions,
      ...(described.DeletedDate
        ? { deleted: { deletedAt: iso(described.LastChangedDate) ?? '', recoverUntil: described.DeletedDate.toISOString() } }
        : {}),
    };
  }

  async read(path: string, version?: string): Promise<SecretValue> {
    const out = await this.#send(
      path,
      () =>
        this.#o.client.send(new GetSecretValueCommand({ SecretId: this.#id(path), ...(version ? { VersionId: version } : {}) })),
      version,
    );
    if (out.SecretString === undefined) {
      throw backendError(this.name, 'rejected', `${path} holds a binary value (SecretBinary); only string secrets are supported`);
    }
    return {
      version: out.VersionId ?? version ?? '',
      value: out.SecretString,
      ...(out.CreatedDate ? { createdAt: out.CreatedDate.toISOString() } : {}),
    };
  }

  async create(path: string, value: string, attributes: SecretAttributes): Promise<{ version: string }> {
    const out = await this.#send(path, () =>
      this.#o.client.send(
        new CreateSecretCommand({
          Name: this.#id(path),
          SecretString: value,
          ...(attributes.description ? { Description: attributes.description } : {}),
          Tags: this.#tags(attributes),
        }),
      ),
    ).catch((error: unknown) => {
      // A name scheduled for deletion cannot be reused until AWS purges it: that is a conflict, not a missing secret.
      if (error instanceof ToolError && error.code === 'NOT_FOUND' && error.details?.deleted) throw exists(this.name, path, true);
      throw error;
    });
    return { version: out.VersionId ?? '' };
  }

  async addVersion(path: string, value: string, attributes: SecretAttributes): Promise<{ version: string }> {
    const out = await this.#send(path, () =>
      this.#o.client.send(new PutSecretValueCommand({ SecretId: this.#id(path), SecretString: value })),
    );
    await this.setAttributes(path, attributes);
    return { version: out.VersionId ?? '' };
  }

  async setAttributes(path: string, attributes: SecretAttributes): Promise<void> {
    const described = await this.#send(path, () => this.#describeRaw(path));
    const tags = this.#tags(attributes);
    const stale = (described.Tags ?? [])
      .map((t) => t.Key as string)
      .filter((key) => key?.startsWith(ATTRIBUTE_PREFIX) && !tags.some((t) => t.Key === key));
    if (stale.length > 0)
      await this.#send(path, () => this.#o.client.send(new UntagResourceCommand({ SecretId: this.#id(path), TagKeys: stale })));
    if (tags.length > 0)
      await this.#send(path, () => this.#o.client.send(new TagResourceCommand({ SecretId: this.#id(path), Tags: tags })));
    if ((described.Description ?? '') !== (attributes.description ?? '')) {
      await this.#send(path, () =>
        this.#o.client.send(new UpdateSecretCommand({ SecretId: this.#id(path), Description: attributes.description ?? '' })),
      );
    }
  }

  async softDelete(path: string, recoverUntil: Date): Promise<{ recoverUntil: string }> {
    const days = Math.min(30, Math.max(7, Math.ceil((recoverUntil.getTime() - Date.now()) / DAY)));
    const out = await this.#send(path, () =>
      this.#o.client.send(new DeleteSecretCommand({ SecretId: this.#id(path), RecoveryWindowInDays: days })),
    );
    return { recoverUntil: iso(out.DeletionDate) ?? new Date(Date.now() + days * DAY).toISOString() };
  }

  async restore(path: string): Promise<void> {
    const described = await this.#send(path, () => this.#describeRaw(path));
    if (!described.DeletedDate) throw new ToolError('CONFLICT', `${this.name}/${path} is not deleted`);
    await this.#send(path, () => this.#o.client.send(new RestoreSecretCommand({ SecretId: this.#id(path) })));
  }

  async purge(_path: string): Promise<void> {
    // Secrets Manager deletes the secret itself when the recovery window ends.
  }
}

export function createAwsClient(options: {
  region: string;
  endpoint?: string | undefined;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined } | undefined;
  maxAttempts: number;
}): SecretsManagerClient {
  return new SecretsManagerClient({
    region: options.region,
    maxAttempts: options.maxAttempts,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}
