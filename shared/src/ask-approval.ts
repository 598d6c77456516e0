import type { ToolContext } from './context.ts';

export type ApprovalAnswer = 'accepted' | 'declined' | 'cancelled';

export interface ApprovalQuestion {
  /** What the human reads: the action, where it lands, and that approving allows it once. */
  message: string;
  /** The checkbox's label. */
  title: string;
  description?: string;
}

/**
 * Asks the human behind the client one yes/no question through elicitation: a single `approve` boolean, off unless
 * ticked. Only an accepted form with `approve: true` is 'accepted'. The caller checks `ctx.canElicit` first and
 * words its own refusals.
 */
export async function askApproval(ctx: Pick<ToolContext, 'elicit'>, question: ApprovalQuestion): Promise<ApprovalAnswer> {
  const answer = await ctx.elicit({
    message: question.message,
    requestedSchema: {
      type: 'object',
      properties: {
        approve: {
          type: 'boolean',
          title: question.title,
          ...(question.description ? { description: question.description } : {}),
          default: false,
        },
      },
      required: ['approve'],
    },
  });
  if (answer.action === 'accept' && answer.content.approve === true) return 'accepted';
  return answer.action === 'cancel' ? 'cancelled' : 'declined';
}
