/**
 * A step failure as the engine sees it: a `type` that retry and catch match on (transport, timeout, tool,
 * validation, approval.rejected, cancelled, or a `fail` step's own name), the step it happened in, and for
 * tool failures the upstream's error code.
 */
export class WorkflowError extends Error {
  readonly type: string;
  stepId: string | undefined;
  readonly code: string | undefined;
  /** Set by a catch rule `@compensate`: compensations run whatever the definition's onFailure says. */
  forceCompensate = false;

  constructor(type: string, message: string, options: { stepId?: string | undefined; code?: string | undefined } = {}) {
    super(message);
    this.name = 'WorkflowError';
    this.type = type;
    this.stepId = options.stepId;
    this.code = options.code;
  }

  toJSON(): ErrorRecord {
    return {
      type: this.type,
      message: this.message,
      ...(this.stepId ? { stepId: this.stepId } : {}),
      ...(this.code ? { code: this.code } : {}),
    };
  }

  static from(record: ErrorRecord): WorkflowError {
    return new WorkflowError(record.type, record.message, { stepId: record.stepId, code: record.code });
  }
}

/** How an error is stored and reported. */
export interface ErrorRecord {
  type: string;
  message: string;
  stepId?: string;
  code?: string;
}

/**
 * The execution of a run stops without recording anything: the engine is closing or another replica took the
 * lease. The run stays as it is in the store and resumes from its checkpoints.
 */
export class Halt extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'Halt';
  }
}

/** Whether an error name list matches: exact names, or ALL for everything except cancellation. */
export function errorMatches(names: readonly string[], error: WorkflowError): boolean {
  if (names.includes(error.type)) return true;
  return names.includes('ALL') && error.type !== 'cancelled';
}

/** Maps an upstream error code (from the invoker's error result) to an error name. */
export function typeOfCode(code: string | undefined): string {
  switch (code) {
    case 'UPSTREAM_UNAVAILABLE':
      return 'transport';
    case 'UPSTREAM_TIMEOUT':
    case 'TIMEOUT':
      return 'timeout';
    case 'INVALID_ARGUMENT':
      return 'validation';
    case 'CANCELLED':
      return 'cancelled';
    default:
      return 'tool';
  }
}

export function asWorkflowError(error: unknown, stepId?: string): WorkflowError {
  if (error instanceof WorkflowError) {
    error.stepId ??= stepId;
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new WorkflowError('tool', message, { stepId });
}
