import { createHash, timingSafeEqual } from 'node:crypto';
import type { Credential, Logger } from '@switchboard/shared';
import type { OAuthConfig } from '../config.ts';
import { AccessTokens } from './access-tokens.ts';
import { ANONYMOUS_IDENTITY, type Identity } from './identity.ts';
import { looksLikeJwt, TokenError } from './jwt.ts';
import type { Challenge } from './resource-metadata.ts';

export type AuthOutcome = { ok: true; identity: Identity } | { ok: false; status: 401 | 403 | 503; challenge: Challenge };

export interface AuthenticatorOptions {
  /** `token`: every request must present a static token or a valid access token; `none`: everyone is anonymous. */
  mode: 'token' | 'none';
  credentials: readonly Credential[];
  oauth: OAuthConfig | undefined;
  log: Logger;
  /** Whether the policy grants the identity anything; a valid credential that is granted nothing gets 403. */
  hasAccess(identity: Identity): boolean;
  /** The scopes that would grant access, named in a 403's challenge. */
  grantingScopes(): readonly string[];
  now?: () => number;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const ANONYMOUS: AuthOutcome = Object.freeze({ ok: true, identity: ANONYMOUS_IDENTITY });

/**
 * The identify stage's HTTP half: who sent a request. A static bearer token (SWITCHBOARD_TOKENS, compared in constant
 * time against every configured token) names its caller; otherwise, when OAuth is configured, a JWT access token is
 * validated (signature by the JWKS, issuer, audience, expiry). Failures are 401 with the MCP authorization spec's
 * challenge; a valid credential the policy grants nothing is 403 insufficient_scope.
 */
export class Authenticator {
  readonly #options: AuthenticatorOptions;
  readonly #tokens: { identity: Identity; digest: Buffer }[];
  readonly #accessTokens: AccessTokens | undefined;

  constructor(options: AuthenticatorOptions) {
    this.#options = options;
    this.#tokens = options.credentials.map((c) => ({
      identity: Object.freeze({ id: c.name, kind: 'token' as const }),
      digest: digest(c.token),
    }));
    this.#accessTokens = options.oauth ? new AccessTokens(options.oauth, options.log, options.now) : undefined;
  }

  get oauth(): OAuthConfig | undefined {
    return this.#options.oauth;
  }

  authenticate(authorization: string | undefined): AuthOutcome | Promise<AuthOutcome> {
    if (this.#options.mode === 'none') return ANONYMOUS;
    const match = authorization ? BEARER.exec(authorization) : null;
    const token = match?.[1];
    if (!token) {
      return { ok: false, status: 401, challenge: { description: 'send Authorization: Bearer <token>' } };
    }
    const given = digest(token);
    let found: Identity | undefined;
    for (const entry of this.#tokens) if (timingSafeEqual(given, entry.digest) && !found) found = entry.identity;
    if (found) return this.#admit(found);
    if (!this.#accessTokens || !looksLikeJwt(token)) {
      return { ok: false, status: 401, challenge: { error: 'invalid_token', description: 'the bearer token is not valid' } };
    }
    try {
      const verified = this.#accessTokens.verify(token);
      if (verified instanceof Promise) return verified.then((identity) => this.#admit(identity), refused);
      return this.#admit(verified);
    } catch (error) {
      return refused(error);
    }
  }

  #admit(identity: Identity): AuthOutcome {
    const required = this.#options.oauth?.requiredScopes ?? [];
    if (identity.kind === 'oauth' && required.some((s) => !identity.scopes?.includes(s))) {
      return {
        ok: false,
        status: 403,
        challenge: { error: 'insufficient_scope', description: 'the token lacks a required scope', scope: required },
      };
    }
    if (!this.#options.hasAccess(identity)) {
      const scope = this.#options.grantingScopes();
      return {
        ok: false,
        status: 403,
        challenge: {
          error: 'insufficient_scope',
          description: `the policy grants ${identity.id} no role`,
          ...(scope.length > 0 ? { scope } : {}),
        },
      };
    }
    return { ok: true, identity };
  }
}

function refused(error: unknown): AuthOutcome {
  if (error instanceof TokenError) {
    if (error.problem === 'unavailable') return { ok: false, status: 503, challenge: { description: error.message } };
    return { ok: false, status: 401, challenge: { error: 'invalid_token', description: error.message } };
  }
  throw error;
}
