import { type ElicitationAnswer, type ElicitationForm, ToolError } from '@switchboard/shared';
import { CancelToken } from '../upstream/cancel-token.ts';
import type { ElicitFn, ToolCall } from './tool-call.ts';

const MAX_ARGUMENT_TEXT = 2000;

function approvalForm(call: ToolCall, rule: number): ElicitationForm {
  const { target } = call;
  if (target.kind !== 'upstream') throw new Error('approvals apply to upstream tools');
  const policy = call.host.gateway.policy;
  const name = `${target.namespace}${call.host.config.separator}${target.tool}`;
  const origin = policy.isFirstParty(target.upstream.name) ? 'a Switchboard service' : 'a third-party server';
  let args = JSON.stringify(call.host.redactor.redact(call.params.arguments ?? {}), null, 2);
  if (args.length > MAX_ARGUMENT_TEXT) args = `${args.slice(0, MAX_ARGUMENT_TEXT)}\n… (${args.length} characters in all)`;
  const annotations = JSON.stringify(target.listing.annotations ?? {});
  return {
    message:
      `${call.identity.id} wants to call ${name} on upstream ${target.upstream.name} (${origin}).\n` +
      `The gateway policy (approvals rule ${rule}) asks a human to approve it.\n\n` +
      `Arguments:\n${args}\n\nAnnotations the upstream declares: ${annotations}`,
    requestedSchema: {
      type: 'object',
      properties: {
        approve: { type: 'boolean', title: 'Approve', description: 'Yes sends the call to the upstream; no refuses it' },
        comment: { type: 'string', title: 'Comment', description: 'Optional; recorded in the audit trail' },
      },
      required: ['approve'],
    },
  };
}

/** The way to ask the human behind this call: the carrier's (a workflow's watcher), or the client session's. */
function askerOf(call: ToolCall): ElicitFn | undefined {
  if (call.carrier.elicit) return call.carrier.elicit;
  const { session, request } = call;
  if (session.capabilities.elicitation === undefined) return undefined;
  return async (form) => {
    const answer = await session.ask('elicitation/create', { ...form }, request.id);
    if (answer.error) throw new Error(answer.error.message);
    const result = answer.result as { action?: string; content?: Record<string, unknown> };
    if (result.action === 'accept') return { action: 'accept', content: result.content ?? {} };
    return { action: result.action === 'decline' ? 'decline' : 'cancel' };
  };
}

async function ask(call: ToolCall, rule: number): Promise<ToolError | undefined> {
  const { target } = call;
  const name = `${target.namespace}${call.host.config.separator}${target.tool}`;
  const asker = askerOf(call);
  if (!asker) {
    call.approval = { decision: 'unavailable', rule };
    return new ToolError(
      'APPROVAL_REQUIRED',
      `${name} needs a human approval (policy approvals rule ${rule}) and this client cannot show one (no elicitation capability); call it from a client that supports elicitation, or change the policy's approvals`,
      { details: { namespace: target.namespace, tool: target.tool, rule } },
    );
  }
  // The prompt belongs to the call: a client that cancels the call also ends the question.
  const token = new CancelToken();
  call.session.calls.set(call.request.id, token);
  let answer: ElicitationAnswer;
  try {
    answer = await asker(approvalForm(call, rule));
  } catch (error) {
    call.approval = { decision: 'unavailable', rule };
    return new ToolError(
      'APPROVAL_REQUIRED',
      `${name} needs a human approval and the client could not answer: ${(error as Error).message}`,
      {
        details: { namespace: target.namespace, tool: target.tool, rule },
      },
    );
  } finally {
    if (call.session.calls.get(call.request.id) === token) call.session.calls.delete(call.request.id);
  }
  const comment = answer.action === 'accept' && typeof answer.content.comment === 'string' ? answer.content.comment : undefined;
  if (answer.action === 'accept' && answer.content.approve === true) {
    call.approval = { decision: 'approved', rule, ...(comment ? { comment: call.host.redactor.redactString(comment) } : {}) };
    return undefined;
  }
  call.approval = { decision: answer.action === 'cancel' ? 'cancelled' : 'declined', rule };
  return new ToolError('APPROVAL_DENIED', `the call of ${name} was not approved`, {
    details: { namespace: target.namespace, tool: target.tool, rule, action: answer.action },
  });
}

/**
 * Stage 3, approve: when a policy rule covers the tool (by default: destructive tools of third-party upstreams), the
 * human at the calling client is asked through elicitation/create, with the namespace, tool, redacted arguments and
 * the annotations the upstream declares. No elicitation capability, no answer, a decline: refused (fail closed). The
 * decision is recorded for the audit stage. No rule: nothing to wait for (no promise on the hot path).
 */
export function approve(call: ToolCall): Promise<ToolError | undefined> | undefined {
  const { target } = call;
  if (target.kind !== 'upstream') return undefined;
  const rule = call.host.gateway.policy.approvalRuleOf(target.upstream, target.tool, target.listing);
  return rule < 0 ? undefined : ask(call, rule);
}
