import { type RequestContext, ToolError } from '@switchboard/shared';
import type { SecretBackend } from '../backends/backend.ts';
import { checkBackendName, checkVersion, formatHandle, isHandle, parseHandle, type SecretRef } from '../model/handle.ts';
import type { SecretAttributes, SecretListing, SecretRecord, SecretValue } from '../model/secret.ts';
import { checkPath, checkPrefix } from '../model/secret-path.ts';
import type { AuditAction, AuditLog } from '../safety/audit-log.ts';
import { isExpired, versionState } from './version-state.ts';

const DENIED = new Set(['PERMISSION_DENIED', 'APPROVAL_REQUIRED', 'APPROVAL_DENIED', 'POLICY_VIOLATION', 'READ_ONLY']);

export interface ManagerOptions {
  backends: readonly SecretBackend[];
  defaultBackend: string;
  audit: AuditLog;
  listMax: number;
  now?: () => Date;
}

/** A secret found by a list, with where it lives. */
export interface Found extends SecretListing {
  backend: string;
}

/**
 * What every tool shares: the mounted backends by name, references (handles or paths) checked once, soft-deleted
 * secrets purged when their recovery window is over, the resolvable-version rule, and the audit line plus metric of
 * each access. Tools add their own rules (policy, approvals, generation) on top.
 */
export class SecretManager {
  readonly #backends: Map<string, SecretBackend>;
  readonly defaultBackend: string;
  readonly audit: AuditLog;
  readonly listMax: number;
  readonly #now: () => Date;

  constructor(options: ManagerOptions) {
    this.#backends = new Map(options.backends.map((b) => [b.name, b]));
    this.defaultBackend = options.defaultBackend;
    this.audit = options.audit;
    this.listMax = options.listMax;
    this.#now = options.now ?? (() => new Date());
  }

  now(): Date {
    return this.#now();
  }

  backends(): SecretBackend[] {
    return [...this.#backends.values()];
  }

  backend(name: string): SecretBackend {
    checkBackendName(name);
    const backend = this.#backends.get(name);
    if (!backend) {
      throw new ToolError('NOT_FOUND', `no backend named "${name}"; mounted: ${[...this.#backends.keys()].join(', ')}`, {
        details: { backend: name, reason: 'unknown_backend' },
      });
    }
    return backend;
  }

  /** A handle (`secret://b/p#v`) or a path in the default backend, with an optional explicit version. */
  ref(secret: string, version?: string): SecretRef {
    const ref: SecretRef = isHandle(secret) ? parseHandle(secret) : { backend: this.defaultBackend, path: checkPath(secret) };
    if (version !== undefined) {
      if (ref.version !== undefined && ref.version !== version) {
        throw new ToolError('INVALID_ARGUMENT', `the handle names version ${ref.version} but version says ${version}`);
      }
      ref.version = checkVersion(version);
    }
    this.backend(ref.backend);
    return ref;
  }

  /**
   * Runs `work`, then writes the audit line and counts the metric, for a success or a failure alike. `target` is
   * read afterwards, so work may fill it in once it has parsed the reference (a bad handle is audited too).
   */
  async audited<T>(
    ctx: RequestContext,
    action: AuditAction,
    target: { backend?: string; path?: string; version?: string },
    work: () => Promise<T>,
    details?: (result: T) => Record<string, unknown> | undefined,
  ): Promise<T> {
    const base = () => ({
      action,
      caller: ctx.caller.id,
      correlationId: ctx.correlationId,
      ...(target.backend ? { backend: target.backend } : {}),
      ...(target.path ? { path: target.path } : {}),
      ...(target.version ? { version: target.version } : {}),
    });
    let result: T;
    try {
      result = await work();
    } catch (error) {
      const code = error instanceof ToolError ? error.code : 'INTERNAL';
      const reason = error instanceof ToolError ? (error.details?.reason ?? error.details?.approval) : undefined;
      this.audit.record({
        ...base(),
        outcome: DENIED.has(code) ? 'denied' : code.toLowerCase(),
        details: { code, ...(reason !== undefined ? { reason } : {}) },
      });
      throw error;
    }
    const extra = details?.(result);
    this.audit.record({ ...base(), outcome: 'success', ...(extra ? { details: extra } : {}) });
    return result;
  }

  /** Purges a soft-deleted secret whose recovery window is over; true when it did. */
  async #purgeIfExpired(backend: SecretBackend, path: string, recoverUntil: string | undefined): Promise<boolean> {
    if (!recoverUntil || Date.parse(recoverUntil) > this.#now().getTime()) return false;
    await backend.purge(path);
    this.audit.record({
      action: 'purge',
      outcome: 'success',
      backend: backend.name,
      path,
      caller: 'system',
      correlationId: 'recovery-window',
    });
    return true;
  }

  /** Every secret of the backends asked for (all when none), sorted by backend then path, up to listMax. */
  async list(options: { backend?: string | undefined; prefix?: string | undefined; includeDeleted: boolean }): Promise<Found[]> {
    const prefix = checkPrefix(options.prefix);
    const backends = options.backend ? [this.backend(options.backend)] : this.backends();
    const out: Found[] = [];
    for (const backend of backends) {
      for (const listing of await backend.list(prefix, { includeDeleted: true })) {
        if (listing.deleted && (await this.#purgeIfExpired(backend, listing.path, listing.deleted.recoverUntil))) continue;
        if (listing.deleted && !options.includeDeleted) continue;
        out.push({ ...listing, backend: backend.name });
        if (out.length > this.listMax) {
          throw new ToolError('OUTPUT_TOO_LARGE', `more than ${this.listMax} secrets match; narrow the prefix or name a backend`);
        }
      }
    }
    return out.sort((a, b) =>
      a.backend === b.backend ? (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) : a.backend < b.backend ? -1 : 1,
    );
  }

  async describe(ref: SecretRef): Promise<SecretRecord> {
    const backend = this.backend(ref.backend);
    const record = await backend.describe(ref.path);
    if (record.deleted && (await this.#purgeIfExpired(backend, ref.path, record.deleted.recoverUntil))) {
      throw new ToolError('NOT_FOUND', `no secret ${ref.backend}/${ref.path} (purged after its recovery window)`, {
        details: { backend: ref.backend, path: ref.path, purged: true },
      });
    }
    return record;
  }

  /**
   * The value a handle resolves to, under the resolvable rule: not deleted, not expired, and the version current
   * or in its rotation grace. `allowRetired` (an approved reveal) may read any version the backend still holds.
   */
  async readResolvable(
    ref: SecretRef,
    options: { allowRetired?: boolean } = {},
  ): Promise<{ value: SecretValue; record: SecretRecord }> {
    const record = await this.describe(ref);
    const backend = this.backend(ref.backend);
    if (record.deleted) {
      throw new ToolError(
        'NOT_FOUND',
        `${ref.backend}/${ref.path} is deleted; restoreSecret brings it back until ${record.deleted.recoverUntil}`,
        {
          details: { backend: ref.backend, path: ref.path, deleted: true, recoverUntil: record.deleted.recoverUntil },
        },
      );
    }
    const now = this.#now();
    if (isExpired(record, now) && !options.allowRetired) {
      throw new ToolError(
        'CONFLICT',
        `${ref.backend}/${ref.path} expired at ${record.attributes.expiresAt}; update or rotate it`,
        {
          details: { backend: ref.backend, path: ref.path, reason: 'expired' },
        },
      );
    }
    const version = ref.version ?? record.currentVersion;
    if (!record.versions.some((v) => v.version === version))
      throw new ToolError('NOT_FOUND', `no version ${version} of ${ref.backend}/${ref.path}`, {
        details: { backend: ref.backend, path: ref.path, version },
      });
    const state = versionState(record, version, now);
    if (state === 'retired' && !options.allowRetired) {
      const graceNote =
        record.attributes.graceVersion === version && record.attributes.graceUntil
          ? ` (its rotation grace ended at ${record.attributes.graceUntil})`
          : '';
      throw new ToolError(
        'CONFLICT',
        `version ${version} of ${ref.backend}/${ref.path} is retired${graceNote}; use the current version ${record.currentVersion}`,
        {
          details: { backend: ref.backend, path: ref.path, version, reason: 'retired', currentVersion: record.currentVersion },
        },
      );
    }
    const value = await backend.read(ref.path, version);
    return { value, record };
  }

  handleOf(backend: string, path: string, version?: string): string {
    return formatHandle({ backend, path, ...(version ? { version } : {}) });
  }
}

/** Refuses metadata that quotes the value (a description "password is hunter22" would leak it to every list). */
export function checkMetadataFree(value: string, attributes: Partial<SecretAttributes>): void {
  if (value.length < 4) return;
  const texts = [attributes.description, attributes.owner, ...(attributes.tags ?? [])];
  if (texts.some((t) => typeof t === 'string' && t.includes(value))) {
    throw new ToolError(
      'INVALID_ARGUMENT',
      'the description, owner or tags contain the secret value; metadata is shown to everyone who lists',
    );
  }
}
