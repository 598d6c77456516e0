import { askApproval, ToolError } from '@switchboard/shared';
import type { CloudToolContext } from '../context.ts';
import type { Target } from './scope.ts';

export type ApprovalOutcome = 'not_required' | 'accepted' | 'auto';

export interface MutationRequest {
  tool: string;
  /** What will happen, in one line: `delete s3://backups/db.dump`. */
  action: string;
  target: Target;
  /** Destructive calls need a human's approval (elicitation); others only need write mode. */
  destructive: boolean;
}

export function describeTarget(target: Target): string {
  const owner = target.provider === 'aws' ? `account ${target.account ?? 'unknown'}` : `project ${target.project ?? 'unknown'}`;
  return `${target.provider.toUpperCase()} ${owner}, ${target.zone ? `zone ${target.zone}` : `region ${target.region}`}`;
}

/**
 * The gate every mutation passes after its allowlists and before its first request: write mode, then for a
 * destructive call a human's approval through elicitation, naming the account or project and region. A client that
 * cannot ask is refused (fail closed); the approval covers this one call only.
 */
export async function authorizeMutation(ctx: CloudToolContext, request: MutationRequest): Promise<ApprovalOutcome> {
  if (ctx.config.mode !== 'write' || ctx.config.readOnly) {
    throw new ToolError(
      'READ_ONLY',
      `cloud runs read-only; ${request.tool} is refused (an operator sets CLOUD_MODE=write to allow mutations)`,
    );
  }
  if (!request.destructive) return 'not_required';
  const where = describeTarget(request.target);
  if (ctx.config.approvalMode === 'auto') return 'auto';
  if (ctx.config.approvalMode === 'deny') {
    throw new ToolError(
      'POLICY_VIOLATION',
      `refused: CLOUD_APPROVAL_MODE is deny, so destructive calls never run (${request.action} in ${where})`,
      {
        details: { approval: 'denied_by_mode' },
      },
    );
  }
  if (!ctx.canElicit) {
    throw new ToolError(
      'APPROVAL_REQUIRED',
      `${request.tool} needs a human's approval to ${request.action} in ${where}, but this client cannot show approval prompts (no MCP elicitation capability). Call again from a client that supports elicitation, or have an operator do it.`,
      { details: { approval: 'unavailable' } },
    );
  }
  const answer = await askApproval(ctx, {
    message: [
      `cloud asks to make a DESTRUCTIVE change (${request.tool}).`,
      `where:  ${where}`,
      `action: ${request.action}`,
      'Approving does exactly this, once.',
    ].join('\n'),
    title: 'Do this once',
    description: 'true goes ahead; false refuses',
  });
  if (answer === 'accepted') return 'accepted';
  throw new ToolError('APPROVAL_DENIED', `the human ${answer} the approval to ${request.action} in ${where}`, {
    details: { approval: answer },
  });
}

/** The workflow engine's per-step key, when the call comes from a run: used as the provider's idempotency token. */
export function idempotencyKeyOf(ctx: CloudToolContext): string | undefined {
  const key = ctx.meta['io.switchboard/idempotency-key'];
  return typeof key === 'string' && key.length > 0 ? key : undefined;
}
