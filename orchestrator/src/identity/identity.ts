import type { Caller } from '@switchboard/shared';

/**
 * How a caller proved who it is: a static bearer token (its configured name), an OAuth 2.1 / OIDC access token
 * (a JWT the orchestrator validated), the client that launched `--stdio`, nobody (SWITCHBOARD_AUTH=none), or the
 * orchestrator itself.
 */
export type IdentityKind = 'token' | 'oauth' | 'stdio' | 'anonymous' | 'internal';

/** A caller as the policy sees it. One object per static token, per validated access token, per transport. */
export interface Identity {
  /** The caller id in logs, the audit trail and workflow runs: a token's name, `oauth:<sub>`, `stdio`, `anonymous`. */
  readonly id: string;
  readonly kind: IdentityKind;
  /** An access token's claims (the policy's `claims` and `subjects` bindings read them). */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** An access token's scopes (`scope` or `scp`). */
  readonly scopes?: readonly string[];
  /** When an access token expires (epoch ms). */
  readonly expiresAt?: number;
}

export const STDIO_IDENTITY: Identity = Object.freeze({ id: 'stdio', kind: 'stdio' });
export const ANONYMOUS_IDENTITY: Identity = Object.freeze({ id: 'anonymous', kind: 'anonymous' });

/** The kit's caller for an identity (ctx.caller of the orchestrator's own tools). */
export function callerOf(identity: Identity): Caller {
  switch (identity.kind) {
    case 'token':
    case 'oauth':
      return { id: identity.id, kind: 'token' };
    case 'anonymous':
      return { id: identity.id, kind: 'anonymous' };
    default:
      return { id: identity.id, kind: 'local' };
  }
}

/** The prefix of OAuth callers' ids, so an access token's subject can never pass for a static token's name. */
export const OAUTH_PREFIX = 'oauth:';
