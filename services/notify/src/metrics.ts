import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Channel, Severity, TargetStatus } from './model.ts';

/**
 * notify's own metrics. They are registered on the registry given: the kit's per-process registry once the kit
 * hands one to `setup` (today it does not, so setup makes one and the interim callback listener serves it).
 */
export interface NotifyMetrics {
  registry: Registry;
  /** Outcomes per recipient: sent, delivered, failed, retried, refused, deduplicated, held, rate_limited. */
  notifications: Counter<'channel' | 'severity' | 'outcome'>;
  outboxDepth: Gauge<'channel' | 'status'>;
  /** From the moment a request was stored to the provider's acceptance. */
  deliveryLatency: Histogram<'channel'>;
}

export const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export function createNotifyMetrics(
  depth: () => Promise<{ channel: Channel; status: TargetStatus; n: number }[]>,
  registry: Registry = new Registry(),
): NotifyMetrics {
  return {
    registry,
    notifications: new Counter({
      name: 'switchboard_notifications_total',
      help: 'Notifications per recipient by channel, severity and outcome',
      labelNames: ['channel', 'severity', 'outcome'],
      registers: [registry],
    }),
    outboxDepth: new Gauge({
      name: 'switchboard_notify_outbox_depth',
      help: 'Messages in the outbox not yet finished, by channel and status (queued, held, sending)',
      labelNames: ['channel', 'status'],
      registers: [registry],
      async collect() {
        this.reset();
        try {
          for (const row of await depth()) this.set({ channel: row.channel, status: row.status }, row.n);
        } catch {
          // The database is unreachable: /ready says so; the gauge keeps no stale values.
        }
      },
    }),
    deliveryLatency: new Histogram({
      name: 'switchboard_notification_delivery_seconds',
      help: 'Seconds from a request being stored to the provider accepting it, by channel',
      labelNames: ['channel'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
  };
}

export function countOutcome(metrics: NotifyMetrics, channel: Channel, severity: Severity, outcome: string, n = 1): void {
  metrics.notifications.inc({ channel, severity, outcome }, n);
}
