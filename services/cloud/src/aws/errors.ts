import { ToolError } from '@switchboard/shared';

const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
  'EC2ThrottledException',
]);
const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthFailure',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'ExpiredToken',
  'ExpiredTokenException',
  'AllAccessDisabled',
  'UnauthorizedException',
]);
const CONFLICT = new Set([
  'ResourceConflictException',
  'IncorrectInstanceState',
  'IncorrectState',
  'BucketAlreadyExists',
  'BucketAlreadyOwnedByYou',
  'PreconditionFailed',
  'ConditionalRequestConflict',
  'ResourceInUseException',
  'IdempotentParameterMismatch',
]);

interface SdkError {
  name?: string;
  Code?: string;
  message?: string;
  retryAfterSeconds?: string | number;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $response?: { headers?: Record<string, string> };
  code?: string;
}

function retryAfterOf(error: SdkError): number | undefined {
  const header = error.$response?.headers?.['retry-after'];
  const value = Number(error.retryAfterSeconds ?? header);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Maps an AWS SDK error to the kit's catalogue. The provider's code, message, HTTP status and request id stay in
 * the details, so a caller sees exactly what AWS said.
 */
export function awsError(error: unknown, action: string): ToolError {
  if (error instanceof ToolError) return error;
  const e = (error ?? {}) as SdkError;
  const code = e.name && e.name !== 'Error' ? e.name : (e.Code ?? e.code ?? 'Unknown');
  const status = e.$metadata?.httpStatusCode;
  const message = e.message || code;
  const details: Record<string, unknown> = { provider: 'aws', action, awsCode: code };
  if (status !== undefined) details.httpStatus = status;
  if (e.$metadata?.requestId) details.requestId = e.$metadata.requestId;
  const what = `${action}: ${message}`;
  if (code === 'TimeoutError' || code === 'RequestTimeout' || e.code === 'ETIMEDOUT') {
    return new ToolError('TIMEOUT', `${action} did not answer in time (${message})`, { details, cause: error });
  }
  if (code === 'CredentialsProviderError' || code === 'ProviderError') {
    return new ToolError('PERMISSION_DENIED', `${action}: no AWS credentials could be loaded (${message})`, {
      details,
      cause: error,
    });
  }
  if (THROTTLED.has(code) || status === 429) {
    const retryAfter = retryAfterOf(e) ?? 1;
    return new ToolError('RATE_LIMITED', `${what} (retry after ${retryAfter} s)`, {
      details: { ...details, retryAfterSeconds: retryAfter },
      cause: error,
    });
  }
  if (DENIED.has(code) || status === 403) {
    return new ToolError('PERMISSION_DENIED', `AWS denied ${what}`, { details, cause: error });
  }
  if (code.endsWith('NotFound') || code.endsWith('NotFoundException') || code.startsWith('NoSuch') || status === 404) {
    return new ToolError('NOT_FOUND', what, { details, cause: error });
  }
  if (CONFLICT.has(code) || status === 409 || status === 412) {
    return new ToolError('CONFLICT', what, { details, cause: error });
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(e.code ?? code)) {
    return new ToolError('DEPENDENCY_UNAVAILABLE', `${action}: the AWS endpoint cannot be reached (${message})`, {
      details,
      cause: error,
    });
  }
  if (status !== undefined && status >= 500) {
    return new ToolError('DEPENDENCY_UNAVAILABLE', `AWS failed ${what}`, { details, cause: error });
  }
  if (status !== undefined && status >= 400) {
    return new ToolError('INVALID_ARGUMENT', `AWS refused ${what}`, { details, cause: error });
  }
  return new ToolError('DEPENDENCY_UNAVAILABLE', `${what}`, { details, cause: error });
}

/** Runs one SDK call and maps its failure. */
export async function awsCall<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw awsError(error, action);
  }
}
