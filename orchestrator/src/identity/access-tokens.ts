import type { Logger } from '@switchboard/shared';
import type { OAuthConfig } from '../config.ts';
import { type Identity, OAUTH_PREFIX } from './identity.ts';
import { JwksCache } from './jwks.ts';
import { checkClaims, type DecodedJwt, decodeJwt, scopesOf, TokenError, verifySignature } from './jwt.ts';

/** Verified tokens kept so a client's next request costs a map lookup (until the token expires). */
const CACHE_ENTRIES = 10_000;

/**
 * The orchestrator as an OAuth 2.1 resource server: it accepts JWT access tokens signed by the configured
 * authorization server (keys from its JWKS URL, rotated by kid), issued by the configured issuer for this resource
 * (audience), unexpired. A valid token becomes an `oauth` identity named by its caller claim (`sub` by default).
 */
export class AccessTokens {
  readonly #config: OAuthConfig;
  readonly #jwks: JwksCache;
  readonly #cache = new Map<string, Identity>();
  readonly #now: () => number;

  constructor(config: OAuthConfig, log: Logger, now: () => number = Date.now) {
    this.#config = config;
    this.#now = now;
    this.#jwks = new JwksCache({
      url: config.jwksUrl,
      cacheMs: config.jwksCacheMs,
      minRefreshMs: config.jwksMinRefreshMs,
      timeoutMs: config.jwksTimeoutMs,
      log,
      now,
    });
  }

  /** The identity of a valid token; throws TokenError saying what is wrong with it. */
  verify(token: string): Identity | Promise<Identity> {
    const cached = this.#cache.get(token);
    if (cached) {
      if ((cached.expiresAt ?? 0) - this.#config.clockSkewSeconds * 1000 > this.#now()) return cached;
      this.#cache.delete(token);
    }
    const jwt = decodeJwt(token);
    const key = this.#jwks.cachedKey(jwt.header.kid);
    if (key) return this.#accept(token, jwt, verifySignature(jwt, key));
    return this.#jwks.keyFor(jwt.header.kid).then(
      (found) => {
        if (!found) {
          throw new TokenError(
            'unknown_key',
            jwt.header.kid === undefined
              ? 'the token names no key (kid) and the key set has several'
              : `the token is signed with an unknown key (kid ${JSON.stringify(jwt.header.kid)})`,
          );
        }
        return this.#accept(token, jwt, verifySignature(jwt, found));
      },
      (error: Error) => {
        if (error instanceof TokenError) throw error;
        throw new TokenError('unavailable', `the authorization server's keys cannot be fetched: ${error.message}`);
      },
    );
  }

  #accept(token: string, jwt: DecodedJwt, signed: boolean): Identity {
    if (!signed) throw new TokenError('signature', 'the token signature is not valid');
    const { payload } = jwt;
    const config = this.#config;
    checkClaims(payload, {
      issuer: config.issuer,
      audience: config.audience,
      clockSkewSeconds: config.clockSkewSeconds,
      nowSeconds: this.#now() / 1000,
    });
    const name = payload[config.callerClaim];
    if (typeof name !== 'string' || name === '') {
      throw new TokenError('malformed', `the token has no ${config.callerClaim} claim to name the caller`);
    }
    const identity: Identity = Object.freeze({
      id: `${OAUTH_PREFIX}${name}`,
      kind: 'oauth',
      claims: Object.freeze({ ...payload }),
      scopes: Object.freeze(scopesOf(payload)),
      expiresAt: Number(payload.exp) * 1000,
    });
    if (this.#cache.size >= CACHE_ENTRIES) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(token, identity);
    return identity;
  }
}
