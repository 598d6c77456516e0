import { randomBytes } from 'node:crypto';
import { ToolError } from '@switchboard/shared';
import { type Db, lockRows, placeholders, type Queryable } from '@switchboard/shared/sql';
import type { Payload, SendOutcome } from '../channels/channel.ts';
import type { Channel, DeliveryView, Severity, TargetStatus } from '../model.ts';
import { type DeliveryRow, deliveryView, type TargetRow } from './rows.ts';

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(15).toString('base64url').replace(/[-_]/g, 'x')}`;
}

export interface NewTarget {
  channel: Channel;
  recipient: string;
  payload: Payload;
  /** Quiet hours: held until then. */
  holdUntil?: Date | undefined;
  holdReason?: string | undefined;
  /** Sent right away by the caller (verification codes), not by the worker: stored as `sending` under its lease. */
  direct?: { worker: string; leaseUntil: number } | undefined;
}

export interface EnqueueRequest {
  kind: string;
  severity: Severity;
  title: string;
  tags: string[];
  createdBy: string;
  correlationId: string;
  dedupeKey?: string | undefined;
  dedupeWindowMs: number;
  idempotencyKey?: string | undefined;
  requestHash: string;
  targets: NewTarget[];
}

export interface EnqueueResult {
  delivery: DeliveryView;
  /** The new targets' ids in order (empty for a replay or a fold). */
  targetIds: string[];
  replayed: boolean;
  deduplicated: boolean;
}

/** A target the worker owns for one attempt. */
export interface ClaimedTarget {
  row: TargetRow;
  delivery: DeliveryRow;
  /** The previous attempt may have reached the provider (its process died mid-send): since when. */
  inDoubtSince?: Date;
}

export interface DeliveryFilter {
  status?: TargetStatus | undefined;
  channel?: Channel | undefined;
  severity?: Severity | undefined;
  kind?: string | undefined;
  since?: number | undefined;
  until?: number | undefined;
}

const PENDING = "('queued', 'held')";

/**
 * The durable outbox. A request is written (delivery + one target per recipient) before anything is sent; the
 * worker claims a target with a lease, sends, and records the provider's answer. A target still `sending` with
 * its lease run out belongs to a process that died mid-send: it is in doubt, and the next claim says so.
 */
export class OutboxStore {
  readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  async enqueue(request: EnqueueRequest, now = Date.now()): Promise<EnqueueResult> {
    return this.db.write(async (q) => {
      if (request.idempotencyKey) {
        const earlier = await q.get<DeliveryRow>(
          `SELECT * FROM notify_delivery WHERE created_by = ? AND idempotency_key = ?${lockRows(this.db.dialect, 'share')}`,
          [request.createdBy, request.idempotencyKey],
        );
        if (earlier) {
          if (earlier.request_hash !== request.requestHash) {
            throw new ToolError(
              'IDEMPOTENCY_CONFLICT',
              `idempotency key ${request.idempotencyKey} was used for a different request (delivery ${earlier.id}); use a new key`,
              { details: { deliveryId: earlier.id } },
            );
          }
          return { delivery: await this.#view(q, earlier), targetIds: [], replayed: true, deduplicated: false };
        }
      }
      if (request.dedupeKey && request.dedupeWindowMs > 0) {
        const recent = await q.get<DeliveryRow>(
          `SELECT * FROM notify_delivery WHERE dedupe_key = ? AND created_at >= ? ORDER BY created_at DESC LIMIT 1${lockRows(this.db.dialect, 'update')}`,
          [request.dedupeKey, now - request.dedupeWindowMs],
        );
        if (recent) {
          await q.run('UPDATE notify_delivery SET dedupe_count = dedupe_count + 1 WHERE id = ?', [recent.id]);
          const again = (await q.get<DeliveryRow>('SELECT * FROM notify_delivery WHERE id = ?', [recent.id])) as DeliveryRow;
          return { delivery: await this.#view(q, again), targetIds: [], replayed: false, deduplicated: true };
        }
      }
      const id = newId('dlv');
      await q.run(
        `INSERT INTO notify_delivery (id, kind, severity, title, tags, created_at, created_by, correlation_id, dedupe_key,
           idempotency_key, request_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          id,
          request.kind,
          request.severity,
          request.title,
          JSON.stringify(request.tags),
          now,
          request.createdBy,
          request.correlationId,
          request.dedupeKey ?? null,
          request.idempotencyKey ?? null,
          request.requestHash,
        ],
      );
      let position = 0;
      const targetIds: string[] = [];
      for (const target of request.targets) {
        const held = target.holdUntil !== undefined;
        const targetId = newId('tgt');
        targetIds.push(targetId);
        const status = target.direct ? 'sending' : held ? 'held' : 'queued';
        await q.run(
          `INSERT INTO notify_target (id, delivery_id, position, channel, recipient, payload, status, next_attempt_at, reason,
             worker, lease_until, attempt_started_at, attempts, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            targetId,
            id,
            position++,
            target.channel,
            target.recipient,
            JSON.stringify(target.payload),
            status,
            held ? (target.holdUntil as Date).getTime() : now,
            held ? (target.holdReason ?? 'held') : null,
            target.direct?.worker ?? null,
            target.direct?.leaseUntil ?? null,
            target.direct ? now : null,
            target.direct ? 1 : 0,
            now,
          ],
        );
      }
      const row = (await q.get<DeliveryRow>('SELECT * FROM notify_delivery WHERE id = ?', [id])) as DeliveryRow;
      return { delivery: await this.#view(q, row), targetIds, replayed: false, deduplicated: false };
    });
  }

  async #view(q: Queryable, row: DeliveryRow): Promise<DeliveryView> {
    const targets = await q.all<TargetRow>('SELECT * FROM notify_target WHERE delivery_id = ? ORDER BY position', [row.id]);
    return deliveryView(row, targets);
  }

  async get(id: string): Promise<DeliveryView | undefined> {
    return this.db.read(async (q) => {
      const row = await q.get<DeliveryRow>('SELECT * FROM notify_delivery WHERE id = ?', [id]);
      return row ? this.#view(q, row) : undefined;
    });
  }

  /** Deliveries newest first, filtered; `after` is the last (created_at, id) of the previous page. */
  async list(
    filter: DeliveryFilter,
    limit: number,
    after?: { at: number; id: string },
  ): Promise<{ items: DeliveryView[]; total: number; hasMore: boolean }> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.severity) {
      where.push('d.severity = ?');
      params.push(filter.severity);
    }
    if (filter.kind) {
      where.push('d.kind = ?');
      params.push(filter.kind);
    }
    if (filter.since !== undefined) {
      where.push('d.created_at >= ?');
      params.push(filter.since);
    }
    if (filter.until !== undefined) {
      where.push('d.created_at < ?');
      params.push(filter.until);
    }
    if (filter.status || filter.channel) {
      const inner: string[] = ['t.delivery_id = d.id'];
      if (filter.status) {
        inner.push('t.status = ?');
        params.push(filter.status);
      }
      if (filter.channel) {
        inner.push('t.channel = ?');
        params.push(filter.channel);
      }
      where.push(`EXISTS (SELECT 1 FROM notify_target t WHERE ${inner.join(' AND ')})`);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    return this.db.read(async (q) => {
      const total = await q.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM notify_delivery d ${clause}`, params);
      const pageWhere = after
        ? `${clause ? `${clause} AND` : 'WHERE'} (d.created_at < ? OR (d.created_at = ? AND d.id < ?))`
        : clause;
      const pageParams = after ? [...params, after.at, after.at, after.id] : params;
      const rows = await q.all<DeliveryRow>(
        `SELECT d.* FROM notify_delivery d ${pageWhere} ORDER BY d.created_at DESC, d.id DESC LIMIT ?`,
        [...pageParams, limit + 1],
      );
      const items: DeliveryView[] = [];
      for (const row of rows.slice(0, limit)) items.push(await this.#view(q, row));
      return { items, total: Number(total?.n ?? 0), hasMore: rows.length > limit };
    });
  }

  /** Targets the worker may take now: pending and due, or in doubt (lease run out), on the channels given. */
  async due(channels: readonly Channel[], now: number, limit: number): Promise<string[]> {
    if (channels.length === 0) return [];
    const rows = await this.db.read((q) =>
      q.all<{ id: string }>(
        `SELECT id FROM notify_target
          WHERE channel IN (${placeholders(channels.length)})
            AND ((status IN ${PENDING} AND next_attempt_at <= ?) OR (status = 'sending' AND lease_until < ?))
          ORDER BY next_attempt_at, id LIMIT ?`,
        [...channels, now, now, limit],
      ),
    );
    return rows.map((r) => r.id);
  }

  /** Takes one target for an attempt under a lease; undefined when another worker has it or it is not due. */
  async claim(id: string, worker: string, now: number, leaseMs: number): Promise<ClaimedTarget | undefined> {
    return this.db.write(async (q) => {
      const row = await q.get<TargetRow>(`SELECT * FROM notify_target WHERE id = ?${lockRows(this.db.dialect, 'update')}`, [id]);
      if (!row) return undefined;
      const pending = (row.status === 'queued' || row.status === 'held') && Number(row.next_attempt_at) <= now;
      const inDoubt = row.status === 'sending' && Number(row.lease_until ?? 0) < now;
      if (!pending && !inDoubt) return undefined;
      await q.run(
        `UPDATE notify_target SET status = 'sending', worker = ?, lease_until = ?, attempt_started_at = ?,
           attempts = attempts + 1, updated_at = ? WHERE id = ?`,
        [worker, now + leaseMs, now, now, id],
      );
      const delivery = (await q.get<DeliveryRow>('SELECT * FROM notify_delivery WHERE id = ?', [row.delivery_id])) as DeliveryRow;
      const claimed = (await q.get<TargetRow>('SELECT * FROM notify_target WHERE id = ?', [id])) as TargetRow;
      return inDoubt
        ? { row: claimed, delivery, inDoubtSince: new Date(Number(row.attempt_started_at ?? now)) }
        : { row: claimed, delivery };
    });
  }

  /** Records the provider's acceptance; only the worker holding the lease may. */
  async complete(id: string, worker: string, outcome: SendOutcome, now = Date.now()): Promise<boolean> {
    const changed = await this.db.write((q) =>
      q.run(
        `UPDATE notify_target SET status = ?, provider_id = ?, provider_status = ?, reason = NULL, sent_at = ?,
           delivered_at = ?, lease_until = NULL, updated_at = ? WHERE id = ? AND worker = ? AND status = 'sending'`,
        [
          outcome.status,
          outcome.providerId,
          outcome.providerStatus ?? null,
          now,
          outcome.status === 'delivered' ? now : null,
          now,
          id,
          worker,
        ],
      ),
    );
    return changed > 0;
  }

  /** Puts the target back for another attempt at `at`; a rate-limited attempt does not count against the limit. */
  async retry(id: string, worker: string, at: number, reason: string, countAttempt: boolean, now = Date.now()): Promise<void> {
    await this.db.write((q) =>
      q.run(
        `UPDATE notify_target SET status = 'queued', next_attempt_at = ?, reason = ?, lease_until = NULL,
           attempts = attempts - ?, updated_at = ? WHERE id = ? AND worker = ? AND status = 'sending'`,
        [at, reason, countAttempt ? 0 : 1, now, id, worker],
      ),
    );
  }

  /**
   * Reconciliation could not ask the provider: the target stays in doubt (status sending) with the original
   * attempt's start, and is looked at again once `at` has passed.
   */
  async deferInDoubt(id: string, worker: string, at: number, since: Date, reason: string, now = Date.now()): Promise<void> {
    await this.db.write((q) =>
      q.run(
        `UPDATE notify_target SET lease_until = ?, attempt_started_at = ?, reason = ?, attempts = attempts - 1, updated_at = ?
           WHERE id = ? AND worker = ? AND status = 'sending'`,
        [at, since.getTime(), reason, now, id, worker],
      ),
    );
  }

  async fail(id: string, worker: string, reason: string, now = Date.now()): Promise<void> {
    await this.db.write((q) =>
      q.run(
        `UPDATE notify_target SET status = 'failed', reason = ?, lease_until = NULL, updated_at = ?
           WHERE id = ? AND worker = ? AND status = 'sending'`,
        [reason, now, id, worker],
      ),
    );
  }

  /**
   * A status report from the provider (Twilio's callback). Found by our target id, else by the provider's id;
   * a state never moves backwards (a late `sent` after `delivered` is ignored). Returns the target updated.
   */
  async applyProviderStatus(
    ref: { targetId?: string | undefined; providerId: string },
    update: { status: 'sent' | 'delivered' | 'failed'; providerStatus: string; reason?: string | undefined },
    now = Date.now(),
  ): Promise<{ row: TargetRow; changed: boolean } | undefined> {
    return this.db.write(async (q) => {
      const lock = lockRows(this.db.dialect, 'update');
      let row = ref.targetId
        ? await q.get<TargetRow>(`SELECT * FROM notify_target WHERE id = ?${lock}`, [ref.targetId])
        : undefined;
      if (row?.provider_id && row.provider_id !== ref.providerId) row = undefined;
      row ??= await q.get<TargetRow>(`SELECT * FROM notify_target WHERE provider_id = ?${lock}`, [ref.providerId]);
      if (!row) return undefined;
      const rank: Record<string, number> = { queued: 0, held: 0, sending: 1, sent: 2, delivered: 3, failed: 3 };
      if ((rank[update.status] ?? 0) < (rank[row.status] ?? 0)) return { row, changed: false };
      if (row.status === update.status && row.provider_status === update.providerStatus) return { row, changed: false };
      await q.run(
        `UPDATE notify_target SET status = ?, provider_id = ?, provider_status = ?, reason = ?,
           delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END,
           sent_at = COALESCE(sent_at, ?), lease_until = NULL, updated_at = ? WHERE id = ?`,
        [update.status, ref.providerId, update.providerStatus, update.reason ?? null, update.status, now, now, now, row.id],
      );
      const updated = (await q.get<TargetRow>('SELECT * FROM notify_target WHERE id = ?', [row.id])) as TargetRow;
      return { row: updated, changed: updated.status !== row.status };
    });
  }

  /** Single-process (SQLite) start-up: no other process can hold a lease, so every `sending` is in doubt now. */
  async expireLeases(): Promise<number> {
    return this.db.write((q) => q.run("UPDATE notify_target SET lease_until = 0 WHERE status = 'sending'"));
  }

  /** Targets by channel and status that are not finished: the outbox depth. */
  async depth(): Promise<{ channel: Channel; status: TargetStatus; n: number }[]> {
    const rows = await this.db.read((q) =>
      q.all<{ channel: Channel; status: TargetStatus; n: number | string }>(
        `SELECT channel, status, COUNT(*) AS n FROM notify_target WHERE status IN ('queued', 'held', 'sending')
          GROUP BY channel, status`,
      ),
    );
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  }

  /** Counts of targets per channel, severity and status for deliveries created in [from, to). */
  async stats(from: number, to: number): Promise<{ channel: Channel; severity: Severity; status: TargetStatus; n: number }[]> {
    const rows = await this.db.read((q) =>
      q.all<{ channel: Channel; severity: Severity; status: TargetStatus; n: number | string }>(
        `SELECT t.channel, d.severity, t.status, COUNT(*) AS n FROM notify_target t
           JOIN notify_delivery d ON d.id = t.delivery_id
          WHERE d.created_at >= ? AND d.created_at < ? AND d.kind <> 'report'
          GROUP BY t.channel, d.severity, t.status ORDER BY t.channel, d.severity, t.status`,
        [from, to],
      ),
    );
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  }

  /** Failed targets of deliveries created in [from, to), newest first. */
  async failures(
    from: number,
    to: number,
    limit: number,
  ): Promise<{ title: string; channel: Channel; recipient: string; reason: string }[]> {
    return this.db.read((q) =>
      q.all(
        `SELECT d.title, t.channel, t.recipient, COALESCE(t.reason, '') AS reason FROM notify_target t
           JOIN notify_delivery d ON d.id = t.delivery_id
          WHERE d.created_at >= ? AND d.created_at < ? AND t.status = 'failed' ORDER BY d.created_at DESC LIMIT ?`,
        [from, to, limit],
      ),
    );
  }
}
