import { createHmac } from 'node:crypto';
import { request } from 'undici';
import type { WebhookEndpoint } from '../config.ts';
import type { Severity } from '../model.ts';
import {
  type ChannelSender,
  type OutgoingMessage,
  retryAfterMs,
  SendError,
  type SendOutcome,
  type WebhookPayload,
} from './channel.ts';

export interface ResolvedWebhook extends Omit<WebhookEndpoint, 'secret' | 'routingKey'> {
  secret: string;
  routingKey?: string | undefined;
}

export interface WebhookSenderOptions {
  endpoints: Record<string, ResolvedWebhook>;
  timeoutMs: number;
}

export const SIGNATURE_HEADER = 'x-switchboard-signature';
export const TIMESTAMP_HEADER = 'x-switchboard-timestamp';

/** `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`: what a receiver recomputes to trust the request. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

const PAGERDUTY_SEVERITY: Record<Severity, string> = { info: 'info', warning: 'warning', error: 'error', critical: 'critical' };

function bodyFor(endpoint: ResolvedWebhook, message: OutgoingMessage<WebhookPayload>): Record<string, unknown> {
  const p = message.payload;
  switch (endpoint.format) {
    case 'pagerduty':
      return {
        routing_key: endpoint.routingKey,
        event_action: 'trigger',
        dedup_key: p.dedupeKey ?? message.deliveryId,
        payload: {
          summary: p.title.slice(0, 1024),
          source: 'switchboard',
          severity: PAGERDUTY_SEVERITY[message.severity],
          timestamp: message.createdAt,
          custom_details: { body: p.body, tags: p.tags, ...p.details },
        },
      };
    case 'teams':
      return { text: `**${p.title}**\n\n${p.body}` };
    default:
      return {
        id: message.targetId,
        deliveryId: message.deliveryId,
        severity: message.severity,
        title: p.title,
        body: p.body,
        tags: p.tags,
        createdAt: message.createdAt,
        ...(p.dedupeKey ? { dedupeKey: p.dedupeKey } : {}),
        ...(p.details ? { details: p.details } : {}),
      };
  }
}

/**
 * A generic webhook: JSON POST to a configured endpoint (never a URL from the caller), signed with HMAC-SHA256,
 * with `Idempotency-Key` set to our target id on every attempt so a receiver can drop a resend.
 */
export function createWebhookSender(options: WebhookSenderOptions): ChannelSender<WebhookPayload> {
  return {
    channel: 'webhook',
    async send(message: OutgoingMessage<WebhookPayload>, signal: AbortSignal): Promise<SendOutcome> {
      const endpoint = options.endpoints[message.recipient];
      if (!endpoint) throw new SendError(`no webhook endpoint named ${message.recipient}`, { retryable: false });
      const body = JSON.stringify(bodyFor(endpoint, message));
      const timestamp = String(Math.floor(Date.now() / 1000));
      let response: Awaited<ReturnType<typeof request>>;
      try {
        response = await request(endpoint.url, {
          method: 'POST',
          body,
          signal,
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'switchboard-notify/0.1',
            'idempotency-key': message.targetId,
            'x-switchboard-delivery': message.deliveryId,
            [TIMESTAMP_HEADER]: timestamp,
            [SIGNATURE_HEADER]: signWebhook(endpoint.secret, timestamp, body),
          },
        });
      } catch (error) {
        throw new SendError(`webhook ${message.recipient}: ${(error as Error).message}`, { retryable: true, cause: error });
      }
      const text = (await response.body.text().catch(() => '')).slice(0, 300);
      const status = response.statusCode;
      if (status >= 200 && status < 300) {
        const requestId = response.headers['x-request-id'];
        return {
          providerId: typeof requestId === 'string' ? requestId : message.targetId,
          status: 'delivered',
          providerStatus: String(status),
        };
      }
      const rateLimited = status === 429;
      throw new SendError(`webhook ${message.recipient}: HTTP ${status}${text ? ` ${text}` : ''}`, {
        retryable: rateLimited || status >= 500 || status === 408,
        rateLimited,
        retryAfterMs: retryAfterMs(response.headers['retry-after']),
      });
    },
  };
}
