import { constants, type KeyObject, verify } from 'node:crypto';

/**
 * JSON Web Tokens as OAuth access tokens (RFC 7519, RFC 9068): decoding, the signature, and the claims a resource
 * server must check. Fails closed: anything this code does not understand (an unknown or symmetric algorithm, a
 * `crit` header, a malformed segment) is a rejected token, never a skipped check.
 */

/** Asymmetric algorithms only: `none` and the HMAC family (a shared secret) are never accepted. */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** Why a token was refused; the message is safe to show the client (it never quotes the token). */
export type TokenProblem =
  | 'malformed'
  | 'algorithm'
  | 'unknown_key'
  | 'signature'
  | 'expired'
  | 'not_yet_valid'
  | 'issuer'
  | 'audience'
  | 'unavailable';

export class TokenError extends Error {
  readonly problem: TokenProblem;
  constructor(problem: TokenProblem, message: string) {
    super(message);
    this.name = 'TokenError';
    this.problem = problem;
  }
}

export interface JwtHeader {
  alg: JwtAlgorithm;
  kid?: string;
  typ?: string;
}

export interface DecodedJwt {
  header: JwtHeader;
  payload: Record<string, unknown>;
  /** `<header>.<payload>` as sent: what the signature covers. */
  signingInput: string;
  signature: Buffer;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const TYPES = new Set(['jwt', 'at+jwt', 'application/jwt', 'application/at+jwt']);

function json(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('malformed', `the token's ${what} is not JSON`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new TokenError('malformed', `the token's ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Whether a bearer token has the shape of a JWS compact serialisation (three base64url segments). */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split('.');
  return parts.length === 3 && parts.every((p) => SEGMENT.test(p));
}

export function decodeJwt(token: string): DecodedJwt {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) {
    throw new TokenError('malformed', 'the token is not a signed JWT (three base64url segments)');
  }
  const [head, body, signature] = parts as [string, string, string];
  const header = json(head, 'header');
  if (!JWT_ALGORITHMS.includes(header.alg as JwtAlgorithm)) {
    throw new TokenError('algorithm', `the token's algorithm ${JSON.stringify(header.alg)} is not accepted`);
  }
  if (header.crit !== undefined) throw new TokenError('malformed', 'the token has critical header parameters');
  if (header.kid !== undefined && typeof header.kid !== 'string') throw new TokenError('malformed', 'kid is not a string');
  if (header.typ !== undefined && (typeof header.typ !== 'string' || !TYPES.has(header.typ.toLowerCase()))) {
    throw new TokenError('malformed', `the token's type ${JSON.stringify(header.typ)} is not a JWT access token`);
  }
  return {
    header: header as unknown as JwtHeader,
    payload: json(body, 'payload'),
    signingInput: `${head}.${body}`,
    signature: Buffer.from(signature, 'base64url'),
  };
}

const DIGEST: Record<string, string> = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };
const CURVE: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

/** Whether a key may verify an algorithm: its type (and curve) must be the algorithm's. */
export function keyFits(alg: JwtAlgorithm, key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  if (alg.startsWith('RS')) return type === 'rsa';
  if (alg.startsWith('PS')) return type === 'rsa' || type === 'rsa-pss';
  if (alg.startsWith('ES')) return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === CURVE[alg];
  return type === 'ed25519' || type === 'ed448';
}

/** Checks the signature of a decoded token with a public key. */
export function verifySignature(jwt: DecodedJwt, key: KeyObject): boolean {
  const { alg } = jwt.header;
  if (!keyFits(alg, key)) return false;
  const data = Buffer.from(jwt.signingInput);
  try {
    if (alg === 'EdDSA') return verify(null, data, key, jwt.signature);
    const digest = DIGEST[alg.slice(2)] as string;
    if (alg.startsWith('RS')) return verify(digest, data, key, jwt.signature);
    if (alg.startsWith('PS')) {
      return verify(
        digest,
        data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 },
        jwt.signature,
      );
    }
    return verify(digest, data, { key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
  } catch {
    return false;
  }
}

export interface ClaimRules {
  /** The `iss` the tokens must carry, exactly. */
  issuer: string;
  /** `aud` must name one of these (the orchestrator's resource URL, RFC 8707). */
  audience: readonly string[];
  clockSkewSeconds: number;
  nowSeconds: number;
}

function numeric(payload: Record<string, unknown>, claim: string): number | undefined {
  const value = payload[claim];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TokenError('malformed', `${claim} is not a number`);
  return value;
}

/** The checks of RFC 7519 and RFC 9068 a resource server makes: issuer, audience, expiry, not-before. */
export function checkClaims(payload: Record<string, unknown>, rules: ClaimRules): void {
  if (payload.iss !== rules.issuer) throw new TokenError('issuer', `the token was not issued by ${rules.issuer}`);
  const aud = payload.aud;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a) => typeof a === 'string') : [];
  if (!audiences.some((a) => rules.audience.includes(a))) {
    throw new TokenError('audience', `the token is not meant for this server (audience must include ${rules.audience[0]})`);
  }
  const exp = numeric(payload, 'exp');
  if (exp === undefined) throw new TokenError('malformed', 'the token has no expiry (exp)');
  if (rules.nowSeconds - rules.clockSkewSeconds >= exp) throw new TokenError('expired', 'the token expired');
  const nbf = numeric(payload, 'nbf');
  if (nbf !== undefined && nbf > rules.nowSeconds + rules.clockSkewSeconds) {
    throw new TokenError('not_yet_valid', 'the token is not valid yet (nbf)');
  }
  const iat = numeric(payload, 'iat');
  if (iat !== undefined && iat > rules.nowSeconds + rules.clockSkewSeconds) {
    throw new TokenError('not_yet_valid', 'the token was issued in the future (iat)');
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new TokenError('malformed', 'the token has no subject (sub)');
}

/** The scopes an access token carries: `scope` (space-separated, RFC 9068) or `scp` (a list, some providers). */
export function scopesOf(payload: Record<string, unknown>): string[] {
  if (typeof payload.scope === 'string') return payload.scope.split(' ').filter(Boolean);
  if (Array.isArray(payload.scp)) return payload.scp.filter((s): s is string => typeof s === 'string');
  if (typeof payload.scp === 'string') return payload.scp.split(' ').filter(Boolean);
  return [];
}
