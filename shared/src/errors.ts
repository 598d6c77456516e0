/**
 * The one catalogue of error codes. Every code a tool, the kit or the orchestrator can return is listed
 * here with whether a retry can help; the README documents each (a test enforces it).
 */
export const ERROR_CATALOGUE = {
  INVALID_ARGUMENT: {
    retryable: false,
    description: 'The arguments do not match the input schema, or break a rule of the tool (unknown type, bad cursor).',
  },
  NOT_FOUND: { retryable: false, description: 'The thing named does not exist (item, relationship target, run).' },
  CONFLICT: {
    retryable: false,
    description:
      'The call contradicts existing state: a natural key taken under another id, relationships still point at an item.',
  },
  IDEMPOTENCY_CONFLICT: {
    retryable: false,
    description: 'The idempotency key was already used for this tool with other arguments; a different call needs a new key.',
  },
  READ_ONLY: { retryable: false, description: 'The service runs in read-only mode and refuses every mutating tool.' },
  PERMISSION_DENIED: { retryable: false, description: 'The caller or the policy does not allow this call.' },
  POLICY_VIOLATION: {
    retryable: false,
    description: 'A safety policy refused the call (command not on the allowlist, forbidden command, path outside roots).',
  },
  APPROVAL_REQUIRED: {
    retryable: false,
    description: 'The call needs a human approval that could not be asked for; the message says how to approve.',
  },
  APPROVAL_DENIED: { retryable: false, description: 'The human declined or cancelled the approval request.' },
  TOOL_CHANGED: {
    retryable: false,
    description:
      "The upstream changed this tool's definition since the orchestrator pinned it: the tool is quarantined until an admin accepts the new definition (orchestrator.reviewToolChanges, orchestrator.acceptToolChange).",
  },
  RATE_LIMITED: { retryable: true, description: 'Too many calls; wait for the time given and try again.' },
  BUDGET_EXCEEDED: {
    retryable: false,
    description:
      "The caller's spending budget (tokens or currency per day) does not cover this call; it was refused before any cost was incurred.",
  },
  TIMEOUT: { retryable: true, description: 'The operation did not finish within its time limit and was stopped.' },
  CANCELLED: { retryable: false, description: 'The caller cancelled the call.' },
  DEPENDENCY_UNAVAILABLE: {
    retryable: true,
    description: 'A backend this service needs (database, API) cannot be reached right now.',
  },
  UPSTREAM_UNAVAILABLE: {
    retryable: true,
    description: 'The orchestrator cannot reach the service that owns this tool (down or circuit open), with since when.',
  },
  UPSTREAM_TIMEOUT: { retryable: true, description: 'The upstream service did not answer within the call timeout.' },
  UPSTREAM_ERROR: {
    retryable: false,
    description: 'The upstream service answered with a protocol error; the message carries its text.',
  },
  OUTPUT_TOO_LARGE: {
    retryable: false,
    description: 'The result cannot be reduced under the output cap; narrow the request (limit, fields, byte range).',
  },
  WORKFLOW_FAILED: {
    retryable: false,
    description:
      'The workflow run failed in a way no other code names (a fail step, a definition changed under a resumed run); structuredContent.error.details is the run, with its error type and failed step.',
  },
  UNSUPPORTED: { retryable: false, description: 'The request asks for something this deployment does not support.' },
  INTERNAL: {
    retryable: false,
    description: 'An unexpected failure inside the service; details are in its log under the correlation id.',
  },
} as const satisfies Record<string, { retryable: boolean; description: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export interface ToolErrorOptions {
  /** Whether the same call may succeed later; defaults to the catalogue's value for the code. */
  retryable?: boolean;
  /** Extra machine-readable facts; they reach the client in structuredContent.error.details. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** An error a tool means to return: it becomes an `isError` result carrying its code, never a protocol error. */
export class ToolError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: ToolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ToolError';
    this.code = code;
    this.retryable = options.retryable ?? ERROR_CATALOGUE[code].retryable;
    this.details = options.details;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATALOGUE, value);
}

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  details?: Record<string, unknown>;
}

export function errorPayload(error: ToolError): ErrorPayload {
  const payload: ErrorPayload = { code: error.code, message: error.message, retryable: error.retryable };
  if (error.details !== undefined) payload.details = error.details;
  return payload;
}
