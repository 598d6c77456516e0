import type { Logger } from '@switchboard/shared';
import { type ChannelSender, type OutgoingMessage, type Payload, SendError } from '../channels/channel.ts';
import { type NotifyConfig, retryPolicy } from '../config.ts';
import { countOutcome, type NotifyMetrics } from '../metrics.ts';
import type { Channel } from '../model.ts';
import { maskRecipient } from '../routing/recipients.ts';
import type { ClaimedTarget, OutboxStore } from '../store/outbox-store.ts';
import { backoffMs } from './backoff.ts';
import { withCount } from './payloads.ts';
import type { ChannelRateLimiter } from './rate-limiter.ts';

export interface OutboxWorkerOptions {
  store: OutboxStore;
  senders: ReadonlyMap<Channel, ChannelSender>;
  config: Pick<NotifyConfig, 'workerPollMs' | 'workerConcurrency' | 'sendTimeoutMs' | 'leaseMs' | 'retry'>;
  limiter: ChannelRateLimiter;
  metrics: NotifyMetrics;
  log: Logger;
  workerId: string;
}

function asSendError(error: unknown): SendError {
  if (error instanceof SendError) return error;
  return new SendError((error as Error)?.message ?? String(error), { retryable: true, cause: error });
}

/**
 * Delivers the outbox: polls for due targets (and is woken at once after an enqueue), claims each under a lease,
 * sends through its channel, and records the outcome. In-doubt targets (a process died mid-send) are first
 * reconciled with the provider where it can be asked, so a message the provider accepted is not sent again.
 */
export class OutboxWorker {
  readonly #o: OutboxWorkerOptions;
  readonly #inFlight = new Map<string, Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #ticking = false;
  #again = false;

  constructor(options: OutboxWorkerOptions) {
    this.#o = options;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** Looks for work now (after an enqueue). */
  kick(): void {
    if (this.#running) this.#schedule(0);
  }

  /** Stops polling and waits for the sends in flight (each bounded by the send timeout). */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await Promise.allSettled([...this.#inFlight.values()]);
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), ms);
    this.#timer.unref?.();
  }

  async #tick(): Promise<void> {
    if (!this.#running) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    this.#ticking = true;
    try {
      await this.#poll();
    } catch (error) {
      this.#o.log.warn({ err: error }, 'outbox poll failed; retrying');
    } finally {
      this.#ticking = false;
      if (this.#running) this.#schedule(this.#again ? 0 : this.#o.config.workerPollMs);
      this.#again = false;
    }
  }

  async #poll(): Promise<void> {
    const { store, senders, limiter, config } = this.#o;
    const capacity = config.workerConcurrency - this.#inFlight.size;
    if (capacity <= 0) return;
    const now = Date.now();
    const channels = [...senders.keys()].filter((c) => limiter.available(c, now) >= 1);
    const ids = await store.due(channels, now, capacity * 2);
    let started = 0;
    for (const id of ids) {
      if (started >= capacity) break;
      if (this.#inFlight.has(id)) continue;
      const claimed = await store.claim(id, this.#o.workerId, Date.now(), config.leaseMs);
      if (!claimed) continue;
      if (!limiter.take(claimed.row.channel)) {
        await store.retry(id, this.#o.workerId, Date.now() + 1000, 'channel rate limit', false);
        continue;
      }
      started++;
      const work = this.#attempt(claimed).finally(() => this.#inFlight.delete(id));
      this.#inFlight.set(id, work);
    }
  }

  async #attempt(claimed: ClaimedTarget): Promise<void> {
    const { store, senders, metrics, log, workerId, config } = this.#o;
    const { row, delivery } = claimed;
    const channel = row.channel;
    const severity = delivery.severity;
    const sender = senders.get(channel) as ChannelSender;
    const message: OutgoingMessage = {
      targetId: row.id,
      deliveryId: row.delivery_id,
      recipient: row.recipient,
      severity,
      createdAt: new Date(Number(delivery.created_at)).toISOString(),
      payload: withCount(channel, JSON.parse(row.payload) as Payload, Number(delivery.dedupe_count)),
    };
    const fields = { delivery_id: row.delivery_id, target_id: row.id, channel, to: maskRecipient(channel, row.recipient) };
    const signal = AbortSignal.timeout(config.sendTimeoutMs);
    const attempts = Number(row.attempts);

    if (claimed.inDoubtSince && (message.payload as { ephemeral?: boolean }).ephemeral) {
      // A verification code lives only in the memory of the process that made it: it cannot be sent again.
      await store.fail(row.id, workerId, 'the process stopped while sending this code; request a new one');
      countOutcome(metrics, channel, severity, 'failed');
      return;
    }
    if (claimed.inDoubtSince) {
      if (sender.reconcile) {
        try {
          const found = await sender.reconcile(message, claimed.inDoubtSince, signal);
          if (found) {
            await store.complete(row.id, workerId, found);
            countOutcome(metrics, channel, severity, found.status);
            log.info({ ...fields, provider_id: found.providerId }, 'in-doubt message found at the provider; not sent again');
            return;
          }
          log.info(fields, 'in-doubt message not found at the provider; sending it');
        } catch (error) {
          const e = asSendError(error);
          const at =
            Date.now() + Math.max(e.retryAfterMs ?? 0, backoffMs(retryPolicy(config as NotifyConfig, channel), attempts));
          await store.deferInDoubt(row.id, workerId, at, claimed.inDoubtSince, `cannot check the provider: ${e.message}`);
          log.warn({ ...fields, err: e.message }, 'in-doubt message: the provider cannot be asked yet; will check again');
          return;
        }
      } else {
        log.info(fields, 'in-doubt message sent again with the same idempotency key / Message-ID');
      }
    }

    try {
      const outcome = await sender.send(message, signal);
      const recorded = await store.complete(row.id, workerId, outcome);
      countOutcome(metrics, channel, severity, outcome.status);
      metrics.deliveryLatency.observe({ channel }, (Date.now() - Number(delivery.created_at)) / 1000);
      log.info({ ...fields, provider_id: outcome.providerId, recorded }, 'notification sent');
    } catch (error) {
      const e = asSendError(error);
      const policy = retryPolicy(config as NotifyConfig, channel);
      if (e.retryable && (e.rateLimited || attempts < policy.maxAttempts)) {
        const wait = e.rateLimited
          ? (e.retryAfterMs ?? backoffMs(policy, 1))
          : Math.max(e.retryAfterMs ?? 0, backoffMs(policy, attempts));
        await store.retry(row.id, workerId, Date.now() + wait, e.message, !e.rateLimited);
        countOutcome(metrics, channel, severity, e.rateLimited ? 'rate_limited' : 'retried');
        log.warn({ ...fields, attempt: attempts, retry_in_ms: wait, err: e.message }, 'send failed; will retry');
      } else {
        const reason = e.retryable ? `gave up after ${attempts} attempts: ${e.message}` : e.message;
        await store.fail(row.id, workerId, reason);
        countOutcome(metrics, channel, severity, 'failed');
        log.warn({ ...fields, attempt: attempts, err: e.message }, 'send failed for good');
      }
    }
  }
}
