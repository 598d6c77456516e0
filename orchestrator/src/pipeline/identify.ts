import type { ToolCall } from './tool-call.ts';

/**
 * Stage 1, identify: who makes the call. The identity the carrier proved for this request (HTTP authenticates every
 * request; a workflow step carries its run's submitter), else the session's own (stdio); and what the policy in force
 * grants it (remembered per identity and policy version).
 */
export function identify(call: ToolCall): void {
  const identity = call.carrier.identity ?? call.session.identity;
  call.identity = identity;
  call.access = call.host.gateway.policy.accessOf(identity);
}
