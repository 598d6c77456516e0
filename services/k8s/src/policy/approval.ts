import { askApproval, ToolError } from '@switchboard/shared';
import type { K8sToolContext } from '../context.ts';

/**
 * The destructive tier is offered only in admin mode: in read and write mode its tools are not listed and the kit
 * refuses them by name (PERMISSION_DENIED) before their arguments are read. Spread into each destructive tool.
 */
export const DESTRUCTIVE_TIER = {
  enabled: (config: K8sToolContext['config']) => config.mode === 'admin',
  disabledReason: 'it is in the destructive tier, which needs K8S_MODE=admin',
};

/**
 * The write tier's one tool that changes nothing itself, waitForRollout (it follows a rollout a write started), is
 * offered with the rest of that tier, in write and admin mode; its annotations stay honest (readOnlyHint).
 */
export const WRITE_TIER = {
  enabled: (config: K8sToolContext['config']) => config.mode !== 'read',
  disabledReason: 'it is in the write tier, which needs K8S_MODE=write or admin',
};

/**
 * The destructive tier (delete, exec) runs only in admin mode and only after a human approves the exact call
 * through MCP elicitation. A client that cannot ask is refused (fail closed); nothing is remembered between calls.
 */
export interface ApprovalRequest {
  tool: string;
  context: string;
  namespace?: string | undefined;
  /** What will happen, in one line: `delete Pod shop/web-7d9c`. */
  action: string;
  detail?: string[];
}

export async function requireApproval(ctx: K8sToolContext, request: ApprovalRequest): Promise<void> {
  // The kit already refuses the tier outside admin mode (DESTRUCTIVE_TIER); kept so no path skips the check.
  if (ctx.config.mode !== 'admin') {
    throw new ToolError(
      'PERMISSION_DENIED',
      `${request.tool} is in the destructive tier, which needs K8S_MODE=admin (this service runs in ${ctx.config.mode} mode)`,
    );
  }
  if (!ctx.canElicit) {
    throw new ToolError(
      'APPROVAL_REQUIRED',
      `${request.tool} needs a human's approval to ${request.action} in context ${request.context}, but this client cannot show approval prompts (no MCP elicitation capability); call it from a client that supports elicitation`,
    );
  }
  const message = [
    `k8s asks to ${request.action}.`,
    `context:   ${request.context}`,
    ...(request.namespace ? [`namespace: ${request.namespace}`] : []),
    ...(request.detail ?? []),
    'Approving allows exactly this call, once.',
  ].join('\n');
  const answer = await askApproval(ctx, { message, title: 'Allow this exact call once' });
  if (answer === 'accepted') return;
  throw new ToolError('APPROVAL_DENIED', `the human ${answer} the approval to ${request.action}`);
}
