import { Counter, Gauge, Histogram, type Registry } from '@switchboard/shared';
import type { Channel, Severity, TargetStatus } from './model.ts';

/** notify's own metrics, on the process's registry (SetupInput.metrics): the service's /metrics shows them. */
export interface NotifyMetrics {
  /** Outcomes per recipient: sent, delivered, failed, retried, refused, deduplicated, held, rate_limited. */
  notifications: Counter<'channel' | 'severity' | 'outcome'>;
  outboxDepth: Gauge<'channel' | 'status'>;
  /** From the moment a request was stored to the provider's acceptance. */
  deliveryLatency: Histogram<'channel'>;
}

export const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export function createNotifyMetrics(
  depth: () => Promise<{ channel: Channel; status: TargetStatus; n: number }[]>,
  registry: Registry,
): NotifyMetrics {
  return {
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
