import { createHash, timingSafeEqual } from 'node:crypto';
import type { Credential } from '../config/kit-config.ts';
import { sendJsonRpcError } from './json-rpc-error.ts';
import type { RequestGuard } from './mcp-request.ts';

export interface AuthOptions {
  /**
   * `token`: bearer tokens checked here; `none`: no authentication (local development); `endpoint`: the endpoint
   * authenticates every request itself and answers 401/403 (the orchestrator, whose callers also present OAuth
   * access tokens), so this guard lets requests through untouched.
   */
  mode: 'token' | 'none' | 'endpoint';
  credentials: readonly Credential[];
  realm: string;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Bearer-token authentication. Every configured token is compared in constant time (on fixed-length digests,
 * without stopping at the first match); the matching token's name becomes the caller identity.
 */
export function createAuthenticator(options: AuthOptions): RequestGuard {
  const known = options.credentials.map((c) => ({ name: c.name, digest: digest(c.token) }));
  return (req, res) => {
    if (options.mode === 'none' || options.mode === 'endpoint') return true;
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) {
      sendJsonRpcError(res, 401, -32001, 'Unauthorized: send Authorization: Bearer <token>', undefined, {
        'www-authenticate': `Bearer realm="${options.realm}"`,
      });
      return false;
    }
    const given = digest(match[1]);
    let caller: string | undefined;
    for (const entry of known) {
      if (timingSafeEqual(given, entry.digest) && caller === undefined) caller = entry.name;
    }
    if (caller === undefined) {
      sendJsonRpcError(res, 401, -32001, 'Unauthorized: the bearer token is not valid', undefined, {
        'www-authenticate': `Bearer realm="${options.realm}", error="invalid_token", error_description="The token is not valid"`,
      });
      return false;
    }
    req.auth = { token: '', clientId: caller, scopes: [] };
    return true;
  };
}

/** The authenticated caller's name, if any. */
export function callerIdOf(req: object): string | undefined {
  const auth = (req as { auth?: unknown }).auth as { clientId?: string } | undefined;
  return auth?.clientId;
}
