import type { Channel, Severity } from '../model.ts';

export interface EmailAttachment {
  filename: string;
  contentType: string;
  contentBase64: string;
}

export interface EmailPayload {
  subject: string;
  text?: string;
  html?: string;
  attachments?: EmailAttachment[];
}

export interface SmsPayload {
  body: string;
}

export interface SlackPayload {
  text: string;
  blocks?: Record<string, unknown>[];
  threadTs?: string;
}

export interface WebhookPayload {
  title: string;
  body: string;
  tags: string[];
  dedupeKey?: string;
  details?: Record<string, unknown>;
}

export type Payload = EmailPayload | SmsPayload | SlackPayload | WebhookPayload;

/** One message to one recipient, as the outbox hands it to a channel. */
export interface OutgoingMessage<P = Payload> {
  /** Our id of this recipient's message: the same on every attempt (Message-ID, idempotency key, Slack metadata). */
  targetId: string;
  deliveryId: string;
  recipient: string;
  severity: Severity;
  createdAt: string;
  payload: P;
}

export interface SendOutcome {
  /** The provider's id of the message. */
  providerId: string;
  /** sent: accepted by the provider; delivered: the provider says it reached the recipient. */
  status: 'sent' | 'delivered';
  providerStatus?: string;
}

/** A failed send: whether a retry can help, and how long the provider asked us to wait. */
export class SendError extends Error {
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly rateLimited: boolean;

  constructor(message: string, options: { retryable: boolean; retryAfterMs?: number; rateLimited?: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SendError';
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.rateLimited = options.rateLimited ?? false;
  }
}

export interface ChannelSender<P = Payload> {
  readonly channel: Channel;
  send(message: OutgoingMessage<P>, signal: AbortSignal): Promise<SendOutcome>;
  /**
   * After a crash in the middle of a send: asks the provider whether this message already arrived (placed since
   * `since`). Returns its outcome when it did, undefined when it did not. Channels whose provider cannot be asked
   * leave this out; their in-doubt messages are sent again with the same idempotency key or Message-ID.
   */
  reconcile?(message: OutgoingMessage<P>, since: Date, signal: AbortSignal): Promise<SendOutcome | undefined>;
  close?(): Promise<void>;
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
