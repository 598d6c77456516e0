import { ToolError } from '@switchboard/shared';

interface GoogleLikeError {
  name?: string;
  code?: number | string;
  status?: number;
  message?: string;
  reason?: string;
  errors?: { reason?: string; message?: string }[];
  response?: { status?: number; headers?: Headers | Record<string, string> };
}

/** gRPC status codes (google-gax reports these, also in REST mode, where it maps the HTTP status onto them). */
const GRPC_TO_HTTP: Record<number, number> = {
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 412,
  10: 409,
  14: 503,
  16: 401,
};

function header(headers: Headers | Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  return (headers as Record<string, string>)[name];
}

/** A job's errorResult carries a reason but no HTTP status (BigQuery's documented reasons). */
const REASON_TO_HTTP: Record<string, number> = {
  notFound: 404,
  duplicate: 409,
  alreadyExists: 409,
  invalid: 400,
  invalidQuery: 400,
  badRequest: 400,
  accessDenied: 403,
  forbidden: 403,
  rateLimitExceeded: 429,
  quotaExceeded: 429,
  backendError: 503,
  internalError: 503,
  timeout: 504,
  stopped: 409,
};

function httpStatusOf(e: GoogleLikeError, reason: string | undefined): number | undefined {
  if (typeof e.code === 'number') return e.code >= 100 ? e.code : GRPC_TO_HTTP[e.code];
  if (typeof e.status === 'number') return e.status;
  if (typeof e.response?.status === 'number') return e.response.status;
  return reason ? REASON_TO_HTTP[reason] : undefined;
}

/** Maps a Google client error (ApiError, GaxiosError, GoogleError) to the kit's catalogue. */
export function gcpError(error: unknown, action: string): ToolError {
  if (error instanceof ToolError) return error;
  const e = (error ?? {}) as GoogleLikeError;
  const reason = e.errors?.[0]?.reason ?? e.reason;
  const status = httpStatusOf(e, reason);
  const message = (e.message || reason || 'unknown error').split('\n')[0] ?? 'unknown error';
  const details: Record<string, unknown> = { provider: 'gcp', action };
  if (status !== undefined) details.httpStatus = status;
  if (reason) details.reason = reason;
  const what = `${action}: ${message}`;
  const networkCode = typeof e.code === 'string' ? e.code : undefined;
  if (networkCode && ['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(networkCode)) {
    return new ToolError('DEPENDENCY_UNAVAILABLE', `${action}: the Google API cannot be reached (${message})`, {
      details,
      cause: error,
    });
  }
  if (/Could not load the default credentials|Unable to detect a Project Id/i.test(message)) {
    return new ToolError('PERMISSION_DENIED', `${action}: no Google credentials could be loaded (${message})`, {
      details,
      cause: error,
    });
  }
  if (status === 429 || reason === 'rateLimitExceeded' || reason === 'userRateLimitExceeded') {
    const retryAfter = Number(header(e.response?.headers, 'retry-after') ?? 1);
    const seconds = Number.isFinite(retryAfter) ? retryAfter : 1;
    return new ToolError('RATE_LIMITED', `${what} (retry after ${seconds} s)`, {
      details: { ...details, retryAfterSeconds: seconds },
      cause: error,
    });
  }
  if (status === 401 || status === 403)
    return new ToolError('PERMISSION_DENIED', `Google denied ${what}`, { details, cause: error });
  if (status === 404) return new ToolError('NOT_FOUND', what, { details, cause: error });
  if (status === 409 || status === 412) return new ToolError('CONFLICT', what, { details, cause: error });
  if (status === 504) return new ToolError('TIMEOUT', what, { details, cause: error });
  if (status !== undefined && status >= 500)
    return new ToolError('DEPENDENCY_UNAVAILABLE', `Google failed ${what}`, { details, cause: error });
  if (status !== undefined && status >= 400)
    return new ToolError('INVALID_ARGUMENT', `Google refused ${what}`, { details, cause: error });
  return new ToolError('DEPENDENCY_UNAVAILABLE', what, { details, cause: error });
}

export async function gcpCall<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw gcpError(error, action);
  }
}
