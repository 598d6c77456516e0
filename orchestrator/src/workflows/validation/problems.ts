import { z } from '@switchboard/shared';

export const PROBLEM_CODES = [
  'schema',
  'duplicate_id',
  'unknown_step',
  'goto_target',
  'goto_cycle',
  'expression',
  'scope',
  'unknown_variable',
  'retry_kind',
  'unknown_service',
  'unknown_tool',
  'service_unavailable',
  'params',
  'permission_denied',
] as const;

export type ProblemCode = (typeof PROBLEM_CODES)[number];

/** One finding of validation; `path` is a JSON pointer into the definition. */
export interface Problem {
  severity: 'error' | 'warning';
  code: ProblemCode;
  path: string;
  stepId?: string;
  message: string;
}

export const problemSchema = z.object({
  severity: z.enum(['error', 'warning']),
  code: z.enum(PROBLEM_CODES),
  path: z.string().describe('JSON pointer into the definition'),
  stepId: z.string().optional(),
  message: z.string(),
});

export function problem(
  code: ProblemCode,
  path: string,
  message: string,
  options: { stepId?: string | undefined; severity?: 'error' | 'warning' } = {},
): Problem {
  return {
    severity: options.severity ?? 'error',
    code,
    path,
    ...(options.stepId ? { stepId: options.stepId } : {}),
    message,
  };
}

/** A one-paragraph summary of the errors, for an error message. */
export function summarize(problems: readonly Problem[]): string {
  const errors = problems.filter((p) => p.severity === 'error');
  const shown = errors.slice(0, 10).map((p) => `${p.path || '/'}: ${p.message}`);
  const more = errors.length > shown.length ? `; and ${errors.length - shown.length} more` : '';
  return `${errors.length} problem${errors.length === 1 ? '' : 's'}: ${shown.join('; ')}${more}`;
}
