import type { AuditEntry } from '../audit/audit-chain.ts';
import type { ToolCall } from './tool-call.ts';

/**
 * Stage 5, audit: every tool call, refused ones included, becomes one record of the gateway's audit trail (caller,
 * roles, namespace, tool, the redacted arguments' hash, outcome, duration, correlation id, approval decision).
 */
export function auditCall(call: ToolCall, outcome: string): void {
  const { identity, target } = call;
  const audit = call.host.gateway.audit;
  if (!audit.enabled) return;
  const entry: AuditEntry = {
    type: 'call',
    caller: identity.id,
    callerKind: identity.kind,
    roles: call.access?.rolesText ?? '',
    namespace: target.namespace,
    tool: target.tool,
    argsHash: audit.argsHash(call.params.arguments),
    outcome,
    durationMs: Math.round(performance.now() - call.started),
    correlationId: call.carrier.correlationId,
  };
  if (call.approval) entry.approval = call.approval;
  audit.record(entry);
}
