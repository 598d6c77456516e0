import {
  type KitConfig,
  type McpRequest,
  type McpResponse,
  RateLimiter,
  sendJsonRpcError,
  sendRateLimited,
} from '@switchboard/shared';
import type { Gateway } from '../gateway.ts';
import type { AuthOutcome } from '../identity/authenticate.ts';
import type { Identity } from '../identity/identity.ts';
import { bearerChallenge, METADATA_PATH, protectedResourceMetadata } from '../identity/resource-metadata.ts';

const REALM = 'orchestrator';

/**
 * The identify stage's HTTP half, in front of every MCP request of `/mcp`, `/mcp/<namespace>`, `/sse` and
 * `/messages`: the request's bearer credential becomes an identity (a static token, or a validated OAuth access
 * token), or the request is answered 401/403 with the `WWW-Authenticate` challenge of the MCP authorization spec
 * (naming the protected resource metadata when OAuth is on). With the orchestrator authenticating, the kit's
 * per-client request limit (SWITCHBOARD_RATE_LIMIT) is applied here, per identity.
 */
export function createHttpIdentify(gateway: Gateway, config: Readonly<KitConfig>) {
  const limiter = new RateLimiter();
  const perMinute = config.auth === 'token' ? config.rateLimitPerMinute : 0;
  const authenticator = gateway.authenticator;

  const refuse = (req: McpRequest, res: McpResponse, outcome: Exclude<AuthOutcome, { ok: true }>) => {
    const { challenge } = outcome;
    if (outcome.status === 503) {
      sendJsonRpcError(res, 503, -32000, `Service unavailable: ${challenge.description ?? 'cannot check the token'}`, undefined, {
        'retry-after': '5',
      });
      return;
    }
    if (challenge.error) {
      gateway.audit.record({
        type: 'denial',
        outcome: outcome.status === 403 ? 'permission_denied' : 'unauthenticated',
        detail: { status: outcome.status, error: challenge.error, reason: challenge.description ?? '', path: req.url ?? '' },
      });
    }
    const message = outcome.status === 403 ? 'Forbidden' : 'Unauthorized';
    sendJsonRpcError(
      res,
      outcome.status,
      -32001,
      `${message}: ${challenge.description ?? 'authentication required'}`,
      undefined,
      {
        'www-authenticate': bearerChallenge(REALM, challenge, authenticator.oauth),
      },
    );
  };

  const admit = (req: McpRequest, res: McpResponse, outcome: AuthOutcome, next: (identity: Identity) => void) => {
    if (!outcome.ok) return refuse(req, res, outcome);
    const { identity } = outcome;
    if (perMinute > 0) {
      const wait = limiter.take(identity.id, perMinute);
      if (wait > 0) {
        sendRateLimited(res, perMinute, wait);
        return;
      }
    }
    next(identity);
  };

  return {
    /** Calls `next` with the request's identity, or answers the request itself. */
    identify(req: McpRequest, res: McpResponse, next: (identity: Identity) => void): void {
      const outcome = authenticator.authenticate(req.headers.authorization);
      if (!(outcome instanceof Promise)) {
        admit(req, res, outcome, next);
        return;
      }
      outcome.then(
        (settled) => admit(req, res, settled, next),
        () => sendJsonRpcError(res, 500, -32603, 'Internal error while checking the token'),
      );
    },

    /** RFC 9728 protected resource metadata, at the well-known path and its path-suffixed forms. */
    metadata(path: string, res: McpResponse): boolean {
      if (path !== METADATA_PATH && !path.startsWith(`${METADATA_PATH}/`)) return false;
      const oauth = authenticator.oauth;
      if (!oauth) {
        sendJsonRpcError(res, 404, -32001, 'This orchestrator does not accept OAuth access tokens');
        return true;
      }
      const body = JSON.stringify(protectedResourceMetadata(oauth));
      res
        .writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'cache-control': 'max-age=300',
        })
        .end(body);
      return true;
    },
  };
}
