import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoute, Logger } from '@switchboard/shared';
import { validTwilioSignature } from '../channels/sms.ts';
import { countOutcome, type NotifyMetrics } from '../metrics.ts';
import type { OutboxStore } from '../store/outbox-store.ts';

/** Where Twilio posts message status, on the service's own port (a kit route, outside bearer auth: Twilio signs it). */
export const TWILIO_STATUS_PATH = '/notify/twilio/status';

const MAX_BODY = 64 * 1024;

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, body?: Record<string, unknown>): void {
  res.statusCode = status;
  if (body) {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  } else res.end();
}

function mapStatus(status: string): 'sent' | 'delivered' | 'failed' | undefined {
  if (status === 'delivered' || status === 'read') return 'delivered';
  if (status === 'failed' || status === 'undelivered' || status === 'canceled') return 'failed';
  if (['queued', 'accepted', 'scheduled', 'sending', 'sent'].includes(status)) return 'sent';
  return undefined;
}

export interface TwilioStatusOptions {
  authToken: string;
  /** The public URL Twilio was given (its origin and path are what Twilio signs). */
  publicUrl: string;
  store: () => Promise<OutboxStore>;
  metrics: NotifyMetrics;
  log: Logger;
}

/**
 * Twilio's status callback: a form POST signed with X-Twilio-Signature (HMAC-SHA1 of the URL and the sorted
 * parameters under the auth token). Unsigned or wrongly signed requests are refused with 403 before anything is
 * read from them.
 */
export function twilioStatusRoute(options: TwilioStatusOptions): HttpRoute {
  const origin = new URL(options.publicUrl).origin;
  return {
    method: 'POST',
    path: TWILIO_STATUS_PATH,
    async handle(req, res) {
      const type = String(req.headers['content-type'] ?? '');
      if (!type.startsWith('application/x-www-form-urlencoded')) return answer(res, 415, { error: 'expected a form body' });
      const text = await readBody(req);
      if (text === undefined) return answer(res, 413, { error: 'body too large' });
      const params = Object.fromEntries(new URLSearchParams(text));
      const signature = req.headers['x-twilio-signature'];
      const url = `${origin}${req.url ?? ''}`;
      if (typeof signature !== 'string' || !validTwilioSignature(options.authToken, signature, url, params)) {
        options.log.warn({ path: TWILIO_STATUS_PATH }, 'Twilio status callback refused: bad signature');
        return answer(res, 403, { error: 'invalid signature' });
      }
      const sid = params.MessageSid ?? params.SmsSid;
      const providerStatus = params.MessageStatus ?? params.SmsStatus ?? '';
      const status = mapStatus(providerStatus);
      if (!sid || !status) return answer(res, 400, { error: 'MessageSid and a known MessageStatus are required' });
      const targetId = new URL(req.url ?? '/', origin).searchParams.get('target') ?? undefined;
      const reason =
        status === 'failed' ? `Twilio ${providerStatus}${params.ErrorCode ? ` (error ${params.ErrorCode})` : ''}` : undefined;
      const store = await options.store();
      const applied = await store.applyProviderStatus({ targetId, providerId: sid }, { status, providerStatus, reason });
      if (!applied) return answer(res, 404, { error: `no message ${sid}` });
      const { row } = applied;
      if (applied.changed && (status === 'delivered' || status === 'failed')) {
        const delivery = await store.get(row.delivery_id);
        if (delivery) countOutcome(options.metrics, 'sms', delivery.severity, status);
      }
      options.log.info({ target_id: row.id, provider_id: sid, provider_status: providerStatus }, 'Twilio status received');
      return answer(res, 204);
    },
  };
}
