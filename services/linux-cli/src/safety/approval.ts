import { askApproval, type ToolContext, ToolError } from '@switchboard/shared';
import type { ApprovalMode } from '../config.ts';
import { needsApproval, type Risk } from '../policy/risk.ts';
import type { ApprovalOutcome } from './audit-log.ts';

export interface ApprovalRequest {
  tool: string;
  risk: Risk;
  argv: readonly string[];
  cwd: string;
  host: string;
  reasons: readonly string[];
  /** Existing files the call replaces, truncates or deletes. */
  replaces?: readonly string[];
  mode: ApprovalMode;
}

/** The approval outcome travels in the error's details, so the audit line can say how a call was refused. */
function approvalError(
  code: 'APPROVAL_REQUIRED' | 'APPROVAL_DENIED' | 'POLICY_VIOLATION',
  message: string,
  approval: ApprovalOutcome,
) {
  return new ToolError(code, message, { details: { approval } });
}

export function approvalOf(error: unknown): ApprovalOutcome | undefined {
  if (!(error instanceof ToolError)) return undefined;
  const value = error.details?.approval;
  return typeof value === 'string' ? (value as ApprovalOutcome) : undefined;
}

/**
 * Destructive and privileged calls need a human: the client is asked through MCP elicitation with the exact argv,
 * host and cwd, and the answer covers this one call only (nothing is remembered). A client that cannot ask is
 * refused with how to approve (fail closed), unless approvalMode says deny (always refuse) or auto.
 */
export async function requireApproval(ctx: ToolContext, request: ApprovalRequest): Promise<ApprovalOutcome> {
  if (!needsApproval(request.risk)) return 'not_required';
  const what = `${request.risk} command ${JSON.stringify(request.argv)} on ${request.host} in ${request.cwd}`;
  if (request.mode === 'auto') return 'auto';
  if (request.mode === 'deny') {
    throw approvalError(
      'POLICY_VIOLATION',
      `refused: approvalMode is deny, so ${request.risk} commands are never run (${what}); an operator can set LINUX_CLI_APPROVAL_MODE=ask to allow them with a human's approval`,
      'denied_by_mode',
    );
  }
  if (!ctx.canElicit) {
    throw approvalError(
      'APPROVAL_REQUIRED',
      `${request.tool} needs a human's approval for the ${what}, but this client cannot show approval prompts (it did not declare the MCP elicitation capability). To approve: call again from a client that supports elicitation and accept the prompt, or have an operator run it; the operator setting LINUX_CLI_APPROVAL_MODE=auto turns approvals off for trusted unattended use.`,
      'unavailable',
    );
  }
  const message = [
    `linux-cli asks to run a ${request.risk.toUpperCase()} command.`,
    `host: ${request.host}`,
    `cwd:  ${request.cwd}`,
    `argv: ${JSON.stringify(request.argv)}`,
    `why:  ${request.reasons.join('; ')}`,
    ...(request.replaces && request.replaces.length > 0
      ? [
          `replaces or deletes: ${request.replaces.slice(0, 20).join(', ')}${request.replaces.length > 20 ? ` and ${request.replaces.length - 20} more` : ''}`,
        ]
      : []),
    'Approving runs exactly this command, once.',
  ].join('\n');
  const answer = await askApproval(ctx, {
    message,
    title: 'Run this exact command once',
    description: 'true runs it; false refuses it',
  });
  if (answer === 'accepted') return 'accepted';
  throw approvalError('APPROVAL_DENIED', `the human ${answer} the approval for the ${what}`, answer);
}
