import type { RequestContext, ToolContext } from '@switchboard/shared';
import type { ChannelSender } from './channels/channel.ts';
import type { NotifyConfig } from './config.ts';
import type { NotifyMetrics } from './metrics.ts';
import type { Channel } from './model.ts';
import type { ChannelRateLimiter } from './outbox/rate-limiter.ts';
import type { OutboxWorker } from './outbox/worker.ts';
import type { Allowlist } from './routing/allowlist.ts';
import type { QuietHours } from './routing/quiet-hours.ts';
import type { OutboxStore } from './store/outbox-store.ts';
import type { VerificationStore } from './verification/codes.ts';

export interface NotifyClients {
  /** The outbox, once its schema is in place; DEPENDENCY_UNAVAILABLE while the database is unreachable. */
  store(): Promise<OutboxStore>;
  verifications(): Promise<VerificationStore>;
  allowlist: Allowlist;
  senders: ReadonlyMap<Channel, ChannelSender>;
  limiter: ChannelRateLimiter;
  worker: OutboxWorker;
  metrics: NotifyMetrics;
  quietHours: QuietHours | undefined;
  workerId: string;
}

export type NotifyToolContext = ToolContext<NotifyConfig, NotifyClients>;
export type NotifyRequestContext = RequestContext<NotifyConfig, NotifyClients>;
