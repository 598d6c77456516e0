import { ApiException } from '@kubernetes/client-node';
import { ToolError } from '@switchboard/shared';

/**
 * The API's `Status` objects as kit errors: 403 names the RBAC verb and resource, 404 the object, 409 conflicts,
 * 422 lists the invalid fields, 429 carries Retry-After, timeouts are retryable. The API's message is kept.
 */
interface Status {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    retryAfterSeconds?: number;
    causes?: { reason?: string; message?: string; field?: string }[];
  };
}

function statusOf(error: ApiException<unknown>): Status | undefined {
  let body = error.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  return body && typeof body === 'object' && (body as Status).kind === 'Status' ? (body as Status) : undefined;
}

function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export interface CallScope {
  context: string;
  /** What was attempted, for messages: `list pods in shop`. */
  what: string;
  timedOut: boolean;
  cancelled: boolean;
}

export function toToolError(error: unknown, scope: CallScope): ToolError {
  if (error instanceof ToolError) return error;
  if (scope.timedOut) {
    return new ToolError('TIMEOUT', `the Kubernetes API of context ${scope.context} did not answer in time (${scope.what})`);
  }
  if (scope.cancelled) return new ToolError('CANCELLED', 'the call was cancelled');
  if (error instanceof ApiException) {
    const status = statusOf(error);
    const message = status?.message ?? `HTTP ${error.code} from the Kubernetes API`;
    const details: Record<string, unknown> = {
      httpStatus: error.code,
      ...(status?.reason ? { reason: status.reason } : {}),
      ...(status?.details?.kind ? { resource: status.details.kind } : {}),
      ...(status?.details?.name ? { name: status.details.name } : {}),
      ...(status?.details?.group ? { group: status.details.group } : {}),
    };
    const causes = status?.details?.causes?.filter((c) => c.field || c.message);
    if (causes && causes.length > 0)
      details.causes = causes.map((c) => ({ field: c.field, reason: c.reason, message: c.message }));
    switch (error.code) {
      case 400:
        return new ToolError('INVALID_ARGUMENT', message, { details });
      case 401:
        return new ToolError('PERMISSION_DENIED', `the credentials of context ${scope.context} were refused (401 Unauthorized)`, {
          details,
        });
      case 403: {
        const rbac = /cannot (\S+) resource "([^"]+)" in API group "([^"]*)"/.exec(message);
        if (rbac) Object.assign(details, { verb: rbac[1], resource: rbac[2], apiGroup: rbac[3] });
        return new ToolError('PERMISSION_DENIED', message, { details });
      }
      case 404:
        return new ToolError('NOT_FOUND', message, { details });
      case 405:
      case 415:
        return new ToolError('UNSUPPORTED', message, { details });
      case 409:
        return new ToolError('CONFLICT', message, { details });
      case 410:
        return new ToolError('INVALID_ARGUMENT', `${message} (start the listing again without cursor)`, { details });
      case 422:
        return new ToolError('INVALID_ARGUMENT', message, { details });
      case 429: {
        const retryAfter = Number(error.headers?.['retry-after'] ?? status?.details?.retryAfterSeconds ?? 1);
        return new ToolError('RATE_LIMITED', `${message} (retry after ${retryAfter} s)`, {
          details: { ...details, retryAfterSeconds: retryAfter },
        });
      }
      case 500:
        if (status?.reason === 'Timeout' || status?.reason === 'ServerTimeout')
          return new ToolError('TIMEOUT', message, { details });
        return new ToolError('DEPENDENCY_UNAVAILABLE', message, { details, retryable: false });
      case 503:
        return new ToolError('DEPENDENCY_UNAVAILABLE', message, { details });
      case 504:
        return new ToolError('TIMEOUT', message, { details });
      default:
        return new ToolError('DEPENDENCY_UNAVAILABLE', message, { details });
    }
  }
  const code = networkCode(error);
  if (
    code &&
    /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|EAI_AGAIN|UND_ERR_\w+|ERR_TLS\w*|\w*CERT\w*|DEPTH_ZERO_SELF_SIGNED_CERT)$/.test(
      code,
    )
  ) {
    return new ToolError(
      'DEPENDENCY_UNAVAILABLE',
      `cannot reach the Kubernetes API of context ${scope.context} (${code}) while trying to ${scope.what}`,
      {
        details: { errno: code },
      },
    );
  }
  const text = (error as Error)?.message ?? String(error);
  if (/^Unrecognized API version and kind/.test(text)) {
    return new ToolError('INVALID_ARGUMENT', `${text}; listResources without kind shows what the cluster serves`);
  }
  if (/fetch failed|socket hang up|other side closed/i.test(text)) {
    return new ToolError('DEPENDENCY_UNAVAILABLE', `cannot reach the Kubernetes API of context ${scope.context}: ${text}`);
  }
  throw error;
}
