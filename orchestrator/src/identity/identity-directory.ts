import type { Credential, Logger } from '@switchboard/shared';
import type { GatewayStore } from '../pins/gateway-store.ts';
import { ANONYMOUS_IDENTITY, type Identity, OAUTH_PREFIX, STDIO_IDENTITY } from './identity.ts';

export interface IdentityDirectoryOptions {
  credentials: readonly Credential[];
  store: GatewayStore;
  log: Logger;
}

/**
 * The identities workflow runs act as. A run records its submitter's caller id; each step resolves it again here, so
 * the policy in force decides (a role revoked mid-run stops the next step). Static tokens resolve by name while the
 * token is configured; OAuth callers by the claims they last presented, kept in the gateway's tables so a run
 * resumed after a restart (or on another replica) still acts as them. An id nobody knows resolves to nothing, and
 * the step is refused.
 */
export class IdentityDirectory {
  readonly #tokens = new Map<string, Identity>();
  readonly #oauth = new Map<string, Identity>();
  readonly #saved = new WeakSet<Identity>();
  readonly #options: IdentityDirectoryOptions;

  constructor(options: IdentityDirectoryOptions) {
    this.#options = options;
    for (const c of options.credentials) this.#tokens.set(c.name, Object.freeze({ id: c.name, kind: 'token' as const }));
  }

  /** Remembers an OAuth caller's latest claims (when it starts a run, or calls the orchestrator's own tools). */
  remember(identity: Identity): void {
    if (identity.kind !== 'oauth' || this.#saved.has(identity)) return;
    this.#saved.add(identity);
    this.#oauth.set(identity.id, identity);
    void this.#options.store
      .saveIdentity({
        id: identity.id,
        kind: identity.kind,
        claims: identity.claims ? { ...identity.claims } : undefined,
        scopes: identity.scopes ? [...identity.scopes] : undefined,
      })
      .catch((error: Error) =>
        this.#options.log.error({ err: error, caller: identity.id }, `cannot store an identity: ${error.message}`),
      );
  }

  /** The identity a caller id stands for, or undefined when it is not (or no longer) known. */
  async resolve(id: string): Promise<Identity | undefined> {
    const token = this.#tokens.get(id);
    if (token) return token;
    if (id === STDIO_IDENTITY.id) return STDIO_IDENTITY;
    if (id === ANONYMOUS_IDENTITY.id) return ANONYMOUS_IDENTITY;
    if (!id.startsWith(OAUTH_PREFIX)) return undefined;
    const known = this.#oauth.get(id);
    if (known) return known;
    const row = await this.#options.store.loadIdentity(id).catch((error: Error) => {
      this.#options.log.error({ err: error, caller: id }, `cannot read an identity: ${error.message}`);
      return undefined;
    });
    if (row?.kind !== 'oauth') return undefined;
    const identity: Identity = Object.freeze({
      id: row.id,
      kind: 'oauth',
      ...(row.claims ? { claims: Object.freeze(row.claims) } : {}),
      ...(row.scopes ? { scopes: Object.freeze(row.scopes) } : {}),
    });
    this.#oauth.set(id, identity);
    this.#saved.add(identity);
    return identity;
  }
}
