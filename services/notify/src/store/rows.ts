import type { Channel, DeliveryView, Severity, TargetStatus, TargetView } from '../model.ts';

/** Rows as the database returns them (BIGINT may arrive as a string from PostgreSQL). */
export interface DeliveryRow {
  id: string;
  kind: string;
  severity: Severity;
  title: string;
  tags: string;
  created_at: number | string;
  created_by: string;
  correlation_id: string | null;
  dedupe_key: string | null;
  dedupe_count: number | string;
  idempotency_key: string | null;
  request_hash: string | null;
}

export interface TargetRow {
  id: string;
  delivery_id: string;
  position: number;
  channel: Channel;
  recipient: string;
  payload: string;
  status: TargetStatus;
  attempts: number | string;
  next_attempt_at: number | string;
  lease_until: number | string | null;
  attempt_started_at: number | string | null;
  worker: string | null;
  provider_id: string | null;
  provider_status: string | null;
  reason: string | null;
  sent_at: number | string | null;
  delivered_at: number | string | null;
  updated_at: number | string;
}

const iso = (ms: number | string | null | undefined) =>
  ms === null || ms === undefined ? undefined : new Date(Number(ms)).toISOString();

export function targetView(row: TargetRow): TargetView {
  const view: TargetView = {
    channel: row.channel,
    recipient: row.recipient,
    status: row.status,
    attempts: Number(row.attempts),
    updatedAt: iso(row.updated_at) as string,
  };
  if (row.provider_id) view.providerId = row.provider_id;
  if (row.provider_status) view.providerStatus = row.provider_status;
  if (row.reason) view.reason = row.reason;
  if (row.status === 'queued' || row.status === 'held') view.nextAttemptAt = iso(row.next_attempt_at);
  const sent = iso(row.sent_at);
  if (sent) view.sentAt = sent;
  const delivered = iso(row.delivered_at);
  if (delivered) view.deliveredAt = delivered;
  return view;
}

/** One word for a delivery over all its recipients. */
export function overallStatus(targets: readonly { status: TargetStatus }[]): string {
  if (targets.length === 0) return 'failed';
  const statuses = new Set(targets.map((t) => t.status));
  const pending = statuses.has('queued') || statuses.has('held') || statuses.has('sending');
  if (pending)
    return statuses.size === 1 && (statuses.has('queued') || statuses.has('held')) ? ([...statuses][0] as string) : 'in_progress';
  if (statuses.has('failed')) return statuses.size === 1 ? 'failed' : 'partially_failed';
  return statuses.has('sent') ? 'sent' : 'delivered';
}

export function deliveryView(row: DeliveryRow, targets: TargetRow[]): DeliveryView {
  const views = targets.map(targetView);
  const view: DeliveryView = {
    deliveryId: row.id,
    kind: row.kind,
    severity: row.severity,
    title: row.title,
    tags: JSON.parse(row.tags) as string[],
    status: overallStatus(views),
    createdAt: iso(row.created_at) as string,
    createdBy: row.created_by,
    count: Number(row.dedupe_count),
    targets: views,
  };
  if (row.dedupe_key) view.dedupeKey = row.dedupe_key;
  if (row.idempotency_key) view.idempotencyKey = row.idempotency_key;
  return view;
}
