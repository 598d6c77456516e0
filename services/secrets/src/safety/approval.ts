import { askApproval, type ToolContext, ToolError } from '@switchboard/shared';

export type ApprovalMode = 'ask' | 'auto' | 'deny';

export interface ApprovalRequest {
  /** What is asked, one line: `reveal the value of secret://local/db/pw#3`. */
  action: string;
  /** Lines shown to the human: path, version, caller. */
  facts: Record<string, string>;
  mode: ApprovalMode;
  /** The operator setting that decides the mode, named in refusals. */
  setting: string;
}

export type ApprovalOutcome = 'accepted' | 'auto';

/**
 * Asks the human at the client through MCP elicitation; the answer covers this one call. It fails closed: a client
 * that cannot prompt gets APPROVAL_REQUIRED, a decline or cancel APPROVAL_DENIED, mode deny POLICY_VIOLATION. No tool
 * argument can change the mode: only the operator's configuration.
 */
export async function requireApproval(ctx: ToolContext, request: ApprovalRequest): Promise<ApprovalOutcome> {
  if (request.mode === 'auto') return 'auto';
  if (request.mode === 'deny') {
    throw new ToolError('POLICY_VIOLATION', `refused to ${request.action}: ${request.setting} is deny`, {
      details: { approval: 'denied_by_mode' },
    });
  }
  if (!ctx.canElicit) {
    throw new ToolError(
      'APPROVAL_REQUIRED',
      `to ${request.action} a human must approve it, but this client cannot show approval prompts (no MCP elicitation capability); call again from a client that supports elicitation`,
      { details: { approval: 'unavailable' } },
    );
  }
  const lines = Object.entries(request.facts).map(([key, value]) => `${key}: ${value}`);
  const answer = await askApproval(ctx, {
    message: [`The secrets service asks to ${request.action}.`, ...lines, 'Approving allows exactly this, once.'].join('\n'),
    title: 'Approve this once',
    description: 'true allows it; false refuses it',
  });
  if (answer === 'accepted') return 'accepted';
  throw new ToolError('APPROVAL_DENIED', `the human ${answer} the request to ${request.action}`, {
    details: { approval: answer },
  });
}
