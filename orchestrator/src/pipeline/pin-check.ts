import type { ToolError } from '@switchboard/shared';
import type { ToolCall } from './tool-call.ts';

/**
 * Stage 4, pin check: a tool whose definition changed since it was pinned (or whose description the policy holds
 * for review) is refused with TOOL_CHANGED (POLICY_VIOLATION for a flagged description) until an admin accepts it.
 */
export function pinCheck(call: ToolCall): ToolError | undefined {
  const { target } = call;
  if (target.kind !== 'upstream') return undefined;
  return call.host.gateway.pins.refusal(target.namespace, target.tool, target.upstream.name);
}
