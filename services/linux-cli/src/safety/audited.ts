import { ToolError } from '@switchboard/shared';
import type { LinuxCliToolContext } from '../context.ts';
import { PolicyRefusal, refusalToToolError } from '../validator/refusal.ts';
import { approvalOf } from './approval.ts';
import type { AuditEntry } from './audit-log.ts';

/** What a tool fills in while it works; `ran` marks that the command or file operation went ahead. */
export type AuditRecord = Partial<Omit<AuditEntry, 'decision' | 'caller' | 'correlationId' | 'durationMs'>> & { ran?: boolean };

const REFUSALS = new Set(['POLICY_VIOLATION', 'APPROVAL_REQUIRED', 'APPROVAL_DENIED', 'READ_ONLY', 'IDEMPOTENCY_CONFLICT']);

/**
 * Runs a tool body and appends its audit line whatever happens: `allowed` when it went ahead (whatever the exit
 * code), `refused` when the validator, the approval or the policy stopped it, `failed` otherwise. A validator
 * refusal becomes POLICY_VIOLATION with the rule and reason in its details.
 */
export interface AuditedOptions {
  /**
   * A mutation: it runs through ctx.idempotent, so a repeat with the call's idempotency key (a workflow step sent
   * again after a crash) gets the first outcome and runs nothing; its audit line says `replayed`.
   */
  once?: boolean;
}

export async function audited<T>(
  ctx: LinuxCliToolContext,
  tool: string,
  run: (record: AuditRecord) => Promise<T>,
  options: AuditedOptions = {},
): Promise<T> {
  const started = performance.now();
  const record: AuditRecord = {};
  const write = (entry: Pick<AuditEntry, 'decision'> & Partial<AuditEntry>) => {
    const { ran: _ran, ...fields } = record;
    return ctx.clients.audit.append({
      tool,
      caller: ctx.caller.id,
      correlationId: ctx.correlationId,
      ...fields,
      ...entry,
      durationMs: Math.round(performance.now() - started),
    });
  };
  try {
    let ran = false;
    const out = options.once
      ? await ctx.idempotent(() => {
          ran = true;
          return run(record);
        })
      : await run(record);
    if (options.once && !ran) record.replayed = true;
    await write({ decision: 'allowed' });
    return out;
  } catch (error) {
    const toolError = error instanceof PolicyRefusal ? refusalToToolError(error) : error;
    if (toolError instanceof ToolError) {
      const refused = !record.ran && REFUSALS.has(toolError.code);
      const rule = toolError.details?.rule;
      const approval = approvalOf(toolError) ?? record.approval;
      await write({
        decision: record.ran ? 'allowed' : refused ? 'refused' : 'failed',
        reason: toolError.message,
        errorCode: toolError.code,
        ...(typeof rule === 'string' ? { rule } : {}),
        ...(approval ? { approval } : {}),
      });
    } else {
      await write({
        decision: record.ran ? 'allowed' : 'failed',
        errorCode: 'INTERNAL',
        reason: 'unexpected error (see the service log)',
      });
    }
    throw toolError;
  }
}
