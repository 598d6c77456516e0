import { type FailureKind, kindOfStatus, ProviderError, retryAfterMs } from './provider-error.ts';

/** The error classes the Stainless-generated SDKs (Anthropic, OpenAI) share in shape. */
export interface StainlessErrors {
  APIError: abstract new (...args: never[]) => Error;
  APIConnectionError: abstract new (...args: never[]) => Error;
  APIConnectionTimeoutError: abstract new (...args: never[]) => Error;
  APIUserAbortError: abstract new (...args: never[]) => Error;
}

interface ApiErrorShape {
  status?: number | undefined;
  headers?: { get(name: string): string | null } | undefined;
  type?: string | null;
  requestID?: string | null;
  error?: unknown;
  apiMessage?: string | null;
  message: string;
}

const TYPE_KIND: Record<string, FailureKind> = {
  overloaded_error: 'overloaded',
  rate_limit_error: 'rate_limited',
  api_error: 'server_error',
  timeout_error: 'timeout',
  authentication_error: 'auth',
  permission_error: 'auth',
  not_found_error: 'not_found',
};

function providerMessage(error: ApiErrorShape): string {
  if (error.apiMessage) return error.apiMessage;
  const body = error.error as { message?: unknown; error?: { message?: unknown } } | undefined;
  const message = body?.error?.message ?? body?.message;
  return typeof message === 'string' ? message : error.message;
}

/**
 * Maps an SDK exception to a ProviderError; anything unknown is rethrown unchanged. A connection error that came
 * after the whole timeout is a timeout, whatever the SDK could tell (an abort from another realm, such as a test
 * VM, reaches it as a plain connection error).
 */
export function classifyStainlessError(
  error: unknown,
  classes: StainlessErrors,
  signal: AbortSignal,
  timing?: { startedAt: number; timeoutMs: number },
): ProviderError {
  const classified = classify(error, classes, signal);
  if (classified.kind === 'connection' && timing && performance.now() - timing.startedAt >= timing.timeoutMs * 0.95) {
    return new ProviderError('timeout', 'the request timed out', { cause: error });
  }
  return classified;
}

function classify(error: unknown, classes: StainlessErrors, signal: AbortSignal): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof classes.APIUserAbortError || signal.aborted) {
    return new ProviderError('cancelled', 'the call was cancelled', { cause: error });
  }
  if (error instanceof classes.APIConnectionTimeoutError) {
    return new ProviderError('timeout', 'the request timed out', { cause: error });
  }
  if (error instanceof classes.APIConnectionError) {
    return new ProviderError('connection', `cannot connect: ${(error as Error).message}`, { cause: error });
  }
  if (error instanceof classes.APIError) {
    const api = error as unknown as ApiErrorShape;
    const body = api.error as { error?: { type?: unknown; code?: unknown }; type?: unknown; code?: unknown } | undefined;
    const type =
      api.type ??
      (typeof body?.error?.type === 'string' ? body.error.type : typeof body?.type === 'string' ? body.type : undefined);
    const kind = (type ? TYPE_KIND[type] : undefined) ?? (api.status ? kindOfStatus(api.status) : 'server_error');
    return new ProviderError(kind, providerMessage(api), {
      status: api.status,
      providerType: type ?? undefined,
      retryAfterMs: retryAfterMs(api.headers),
      requestId: api.requestID ?? api.headers?.get('x-request-id') ?? undefined,
      cause: error,
    });
  }
  throw error;
}
