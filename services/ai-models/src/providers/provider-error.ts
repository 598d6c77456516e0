import { ToolError } from '@switchboard/shared';

/** Why a provider call failed, in the terms the fallback chain decides on. */
export type FailureKind =
  | 'rate_limited'
  | 'overloaded'
  | 'server_error'
  | 'timeout'
  | 'connection'
  | 'auth'
  | 'invalid_request'
  | 'not_found'
  | 'unsupported'
  | 'declined'
  | 'cancelled';

const RETRYABLE: ReadonlySet<FailureKind> = new Set(['rate_limited', 'overloaded', 'server_error', 'timeout', 'connection']);

/** A provider failure with what the wire said: status, the provider's error type, Retry-After, request id. */
export class ProviderError extends Error {
  readonly kind: FailureKind;
  readonly status: number | undefined;
  readonly providerType: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly requestId: string | undefined;

  constructor(
    kind: FailureKind,
    message: string,
    details: {
      status?: number | undefined;
      providerType?: string | undefined;
      retryAfterMs?: number | undefined;
      requestId?: string | undefined;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ProviderError';
    this.kind = kind;
    this.status = details.status;
    this.providerType = details.providerType;
    this.retryAfterMs = details.retryAfterMs;
    this.requestId = details.requestId;
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }
}

/** The kind for an HTTP status (Anthropic's 529 is "overloaded"). */
export function kindOfStatus(status: number): FailureKind {
  if (status === 429) return 'rate_limited';
  if (status === 529 || status === 503) return 'overloaded';
  if (status === 408 || status === 504) return 'timeout';
  if (status >= 500) return 'server_error';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  return 'invalid_request';
}

/** Retry-After as seconds or an HTTP date, or retry-after-ms; milliseconds. */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The ToolError a caller sees when the whole chain failed with this error. */
export function toolErrorOf(error: ProviderError, model: string, details: Record<string, unknown>): ToolError {
  const where = `${model}${error.status ? ` (HTTP ${error.status}${error.providerType ? ` ${error.providerType}` : ''})` : ''}`;
  const all = {
    ...details,
    failure: error.kind,
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    ...(error.requestId ? { requestId: error.requestId } : {}),
  };
  switch (error.kind) {
    case 'rate_limited':
      return new ToolError('RATE_LIMITED', `${where} is rate limited: ${error.message}`, { details: all });
    case 'timeout':
      return new ToolError('TIMEOUT', `${where} did not answer in time: ${error.message}`, { details: all });
    case 'overloaded':
    case 'server_error':
    case 'connection':
      return new ToolError('DEPENDENCY_UNAVAILABLE', `${where} is unavailable: ${error.message}`, { details: all });
    case 'auth':
      return new ToolError('DEPENDENCY_UNAVAILABLE', `${where} refused this service's credentials: ${error.message}`, {
        retryable: false,
        details: all,
      });
    case 'not_found':
      return new ToolError('NOT_FOUND', `${where}: ${error.message}`, { details: all });
    case 'unsupported':
      return new ToolError('UNSUPPORTED', `${where}: ${error.message}`, { details: all });
    case 'declined':
      return new ToolError('APPROVAL_DENIED', `${where}: ${error.message}`, { details: all });
    case 'cancelled':
      return new ToolError('CANCELLED', 'the call was cancelled');
    default:
      return new ToolError('INVALID_ARGUMENT', `${where} rejected the request: ${error.message}`, { details: all });
  }
}
