import { ToolError } from '@switchboard/shared';

export type BackendFailure = 'unreachable' | 'bad_credentials' | 'corrupted' | 'tampered' | 'locked' | 'rejected' | 'timeout';

const RETRYABLE: Record<BackendFailure, boolean> = {
  unreachable: true,
  timeout: true,
  locked: true,
  bad_credentials: false,
  corrupted: false,
  tampered: false,
  rejected: false,
};

/** The one error for "this backend cannot do it right now or at all", with the reason as data. */
export function backendError(backend: string, reason: BackendFailure, message: string, cause?: unknown): ToolError {
  return new ToolError('DEPENDENCY_UNAVAILABLE', `secrets backend ${backend}: ${message}`, {
    retryable: RETRYABLE[reason],
    details: { backend, reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

export function notFound(backend: string, path: string, version?: string, details: Record<string, unknown> = {}): ToolError {
  const what = version ? `version ${version} of ${backend}/${path}` : `${backend}/${path}`;
  return new ToolError('NOT_FOUND', `no secret ${what}`, {
    details: { backend, path, ...(version ? { version } : {}), ...details },
  });
}

export function deletedError(backend: string, path: string, recoverUntil: string): ToolError {
  return new ToolError('NOT_FOUND', `${backend}/${path} is deleted; restoreSecret brings it back until ${recoverUntil}`, {
    details: { backend, path, deleted: true, recoverUntil },
  });
}

export function exists(backend: string, path: string, deleted?: boolean): ToolError {
  return new ToolError(
    'CONFLICT',
    deleted
      ? `${backend}/${path} exists in the recycle bin (soft-deleted); restore it with restoreSecret or wait for the purge`
      : `${backend}/${path} exists already; updateSecret adds a version`,
    { details: { backend, path, ...(deleted ? { deleted: true } : {}) } },
  );
}

/** Network-level failures of fetch/undici/SDK clients: connection refused, reset, DNS, timeouts. */
export function isNetworkError(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    const name = (current as { name?: unknown }).name;
    if (
      typeof code === 'string' &&
      /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|UND_ERR_\w+|ERR_SOCKET\w*)$/.test(
        code,
      )
    ) {
      return true;
    }
    if (name === 'TimeoutError' || name === 'ConnectTimeoutError') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
