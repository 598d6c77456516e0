import { createHash } from 'node:crypto';
import { idempotencyKeyOf, ToolError, z } from '@switchboard/shared';
import type { Payload } from './channels/channel.ts';
import type { NotifyToolContext } from './context.ts';
import { countOutcome } from './metrics.ts';
import { type Channel, type DeliveryView, type Severity, sendResultShape } from './model.ts';
import { quietUntil } from './routing/quiet-hours.ts';
import type { NewTarget } from './store/outbox-store.ts';

export interface SendTarget {
  channel: Channel;
  recipient: string;
  payload: Payload;
}

export interface SendRequest {
  tool: string;
  kind: string;
  severity: Severity;
  title: string;
  tags: string[];
  dedupeKey?: string | undefined;
  idempotencyKey?: string | undefined;
  dryRun: boolean;
  targets: SendTarget[];
  /** The arguments as given (without dryRun): a repeat of the idempotency key must carry the same. */
  args: Record<string, unknown>;
  /** sendBulk: refused recipients are reported, the others still sent. Otherwise one refusal refuses the call. */
  partial?: boolean;
}

const sendResult = z.object(sendResultShape);
export type SendResult = z.infer<typeof sendResult>;
type ResultTarget = SendResult['targets'][number];

function hashOf(tool: string, args: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify({ tool, args })).digest('base64url');
}

export function resultOf(view: DeliveryView, replayed: boolean, deduplicated: boolean, refused: ResultTarget[] = []): SendResult {
  return {
    dryRun: false,
    deliveryId: view.deliveryId,
    status: view.status,
    replayed,
    deduplicated,
    count: view.count,
    targets: [
      ...view.targets.map((t) => ({
        channel: t.channel,
        recipient: t.recipient,
        status: t.status,
        ...(t.reason ? { reason: t.reason } : {}),
        ...(t.nextAttemptAt ? { nextAttemptAt: t.nextAttemptAt } : {}),
      })),
      ...refused,
    ],
  };
}

/** Checks recipients and channels; returns the accepted targets (canonical recipients) and the refused ones. */
export function screen(
  ctx: NotifyToolContext,
  targets: readonly SendTarget[],
): { accepted: SendTarget[]; refused: ResultTarget[] } {
  const accepted: SendTarget[] = [];
  const refused: ResultTarget[] = [];
  const seen = new Set<string>();
  for (const target of targets) {
    if (!ctx.clients.senders.has(target.channel)) {
      throw new ToolError('UNSUPPORTED', `the ${target.channel} channel is not configured on this notify service`);
    }
    const verdict = ctx.clients.allowlist.check(target.channel, target.recipient);
    if (!verdict.ok) {
      refused.push({ channel: target.channel, recipient: verdict.recipient, status: 'refused', reason: verdict.reason });
      continue;
    }
    const key = `${target.channel}\u0000${verdict.recipient}`;
    if (seen.has(key)) continue;
    seen.add(key);
    accepted.push({ ...target, recipient: verdict.recipient });
  }
  return { accepted, refused };
}

/**
 * The one path every send takes: allowlists (refusal before anything is stored), redaction of the content, quiet
 * hours, then the outbox (idempotency key and dedupe window inside its transaction), then the worker is woken.
 */
export async function submit(ctx: NotifyToolContext, request: SendRequest): Promise<SendResult> {
  const { accepted, refused } = screen(ctx, request.targets);
  for (const r of refused) countOutcome(ctx.clients.metrics, r.channel, request.severity, 'refused');
  if (refused.length > 0 && !request.partial) {
    throw new ToolError('POLICY_VIOLATION', `refused before sending: ${refused.map((r) => r.reason).join('; ')}`, {
      details: { refused: refused.map(({ channel, recipient, reason }) => ({ channel, recipient, reason })) },
    });
  }
  if (accepted.length === 0) throw new ToolError('POLICY_VIOLATION', 'no recipient is allowed; nothing was sent');

  const now = new Date();
  const hold = request.severity === 'critical' ? undefined : quietUntil(ctx.clients.quietHours, now);
  const targets: NewTarget[] = accepted.map((t) => ({
    channel: t.channel,
    recipient: t.recipient,
    payload: ctx.redactor.redact(t.payload),
    ...(hold ? { holdUntil: hold, holdReason: `quiet hours until ${hold.toISOString()}` } : {}),
  }));

  if (request.dryRun) {
    return {
      dryRun: true,
      status: hold ? 'would_hold' : 'would_send',
      replayed: false,
      deduplicated: false,
      targets: [
        ...targets.map((t) => ({
          channel: t.channel,
          recipient: t.recipient,
          status: hold ? 'would_hold' : 'would_send',
          ...(hold ? { reason: t.holdReason as string, nextAttemptAt: hold.toISOString() } : {}),
        })),
        ...refused,
      ],
    };
  }

  // Without an idempotencyKey argument, the key the workflow engine sends with every step (the kit's IDEMPOTENCY_META_KEY).
  const idempotencyKey = request.idempotencyKey ?? idempotencyKeyOf(ctx.meta);
  const store = await ctx.clients.store();
  const outcome = await store.enqueue(
    {
      kind: request.kind,
      severity: request.severity,
      title: ctx.redactor.redactString(request.title),
      tags: request.tags,
      createdBy: ctx.caller.id,
      correlationId: ctx.correlationId,
      dedupeKey: request.dedupeKey,
      dedupeWindowMs: ctx.config.dedupeWindowMinutes * 60_000,
      idempotencyKey,
      requestHash: hashOf(request.tool, request.args),
      targets,
    },
    now.getTime(),
  );
  if (outcome.deduplicated) {
    for (const t of outcome.delivery.targets) countOutcome(ctx.clients.metrics, t.channel, request.severity, 'deduplicated');
  }
  if (!outcome.replayed && !outcome.deduplicated) ctx.clients.worker.kick();
  ctx.log.info(
    {
      delivery_id: outcome.delivery.deliveryId,
      targets: outcome.delivery.targets.length,
      replayed: outcome.replayed,
      deduplicated: outcome.deduplicated,
      held: hold !== undefined,
    },
    'notification stored',
  );
  return resultOf(outcome.delivery, outcome.replayed, outcome.deduplicated, refused);
}
