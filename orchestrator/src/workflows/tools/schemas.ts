import { type ErrorCode, isErrorCode, type ToolContext, ToolError, z } from '@switchboard/shared';
import type { OrchestratorClients } from '../../local-tools/services-status.ts';
import type { WorkflowEngine } from '../engine/engine.ts';
import type { RunView } from '../engine/run-view.ts';
import { RUN_STATUSES } from '../store/types.ts';

/**
 * The clients the workflow tools use: the orchestrator's own plus the engine (attached in runtime.ts), and the gateway
 * policy as the caller of this call sees it (a run acts with its submitter's roles).
 */
export type WorkflowToolContext = ToolContext<
  unknown,
  OrchestratorClients & { workflows?: WorkflowEngine; permission?: (service: string, tool: string) => string | undefined }
>;

export async function engineOf(ctx: WorkflowToolContext): Promise<WorkflowEngine> {
  const engine = ctx.clients.workflows;
  if (!engine) throw new ToolError('UNSUPPORTED', 'workflows are not enabled in this orchestrator');
  await engine.ready();
  return engine;
}

export const runStatusSchema = z.enum(RUN_STATUSES);

export const errorSchema = z.object({
  type: z.string().describe('transport, timeout, tool, validation, approval.rejected, cancelled, or a fail step name'),
  stepId: z.string().optional(),
  message: z.string(),
  code: z.string().optional().describe('The upstream error code, for tool errors'),
});

export const stepSummarySchema = z.object({
  id: z.string(),
  path: z.string().describe('Step path with loop indices, e.g. impacts/impact:2; also the idempotency key suffix'),
  status: z.string(),
  attempts: z.number().int(),
  compensation: z.string().optional().describe('Status of the compensate call, once it ran'),
});

export const pendingApprovalSchema = z.object({
  stepId: z.string(),
  path: z.string(),
  message: z.string(),
  deadline: z.string().optional(),
});

export const stepDetailSchema = stepSummarySchema.extend({
  kind: z.string(),
  error: errorSchema.optional(),
  output: z.unknown().optional().describe('As stored: redacted; sensitive outputs are [SENSITIVE]'),
});

export const runSchema = z.object({
  runId: z.string(),
  workflow: z.string(),
  version: z.string(),
  status: runStatusSchema,
  output: z.unknown().optional(),
  error: errorSchema.optional(),
  steps: z.array(stepDetailSchema),
  pendingApprovals: z.array(pendingApprovalSchema),
  definitionHash: z.string(),
  idempotencyKey: z.string().optional(),
  caller: z.string(),
  leaseOwner: z.string().optional().describe('The replica driving the run now'),
  cancelRequested: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
});

/** The result of executeWorkflow (and resumeWorkflow) for a run. */
export function runReport(view: RunView, created?: boolean) {
  return {
    runId: view.runId,
    status: view.status,
    ...(created !== undefined ? { created } : {}),
    workflow: { name: view.workflow, version: view.version, hash: view.definitionHash },
    ...(view.output !== undefined ? { output: view.output } : {}),
    ...(view.error ? { error: view.error } : {}),
    steps: view.steps.map((s) => ({
      id: s.id,
      path: s.path,
      status: s.status,
      attempts: s.attempts,
      ...(s.compensation ? { compensation: s.compensation } : {}),
    })),
    ...(view.pendingApprovals.length > 0 ? { pendingApprovals: view.pendingApprovals } : {}),
  };
}

const CODE_OF_TYPE: Record<string, ErrorCode> = {
  transport: 'UPSTREAM_UNAVAILABLE',
  timeout: 'TIMEOUT',
  validation: 'INVALID_ARGUMENT',
  'approval.rejected': 'APPROVAL_DENIED',
  cancelled: 'CANCELLED',
};

/**
 * The result of a call that ran a workflow: the report when the run succeeded or waits for input; for a failed or
 * cancelled run an `isError` result whose code is the run's (the failed step's error code, else one for its error
 * type, else WORKFLOW_FAILED) with the report in `details`, so clients and switchboard_proxy_calls_total see a failure.
 * Not retryable: calling again starts another run (resumeWorkflow continues this one).
 */
export function finishedRun<T extends ReturnType<typeof runReport>>(report: T): T {
  if (report.status !== 'failed' && report.status !== 'cancelled') return report;
  const error = report.error;
  const code: ErrorCode =
    report.status === 'cancelled'
      ? 'CANCELLED'
      : error?.code && isErrorCode(error.code)
        ? error.code
        : (CODE_OF_TYPE[error?.type ?? ''] ?? 'WORKFLOW_FAILED');
  const what = error ? `${error.stepId ? `step ${error.stepId}: ` : ''}${error.type}: ${error.message}` : report.status;
  throw new ToolError(code, `workflow run ${report.runId} ${report.status}: ${what}`, { retryable: false, details: report });
}

export const runReportShape = {
  runId: z.string().optional().describe('Absent for validate and dryRun'),
  status: z.enum([...RUN_STATUSES, 'valid', 'invalid']),
  created: z.boolean().optional().describe('False when the idempotencyKey matched an existing run, which is returned'),
  workflow: z.object({ name: z.string(), version: z.string(), hash: z.string() }).optional(),
  output: z.unknown().optional(),
  error: errorSchema.optional(),
  steps: z.array(stepSummarySchema),
  pendingApprovals: z.array(pendingApprovalSchema).optional().describe('Approve with approveWorkflowStep'),
};

export const runIdInput = z.string().min(1).max(200).describe('The runId executeWorkflow returned');
