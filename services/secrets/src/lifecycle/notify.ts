import { createHmac } from 'node:crypto';
import { request } from 'undici';

export interface RotationEvent {
  event: 'secret.rotated';
  handle: string;
  backend: string;
  path: string;
  version: string;
  previousVersion: string;
  graceUntil: string;
  at: string;
}

export interface Delivery {
  target: string;
  ok: boolean;
  status?: number;
  error?: string;
}

/**
 * Tells dependents a secret rotated: a JSON POST to each webhook, signed with HMAC-SHA256 of the body
 * (`x-switchboard-signature: sha256=<hex>`) when a webhook secret is set. The event carries handles and versions,
 * never a value. A failed delivery is reported, not retried, and never undoes the rotation.
 */
export async function notifyRotation(
  webhooks: readonly string[],
  secret: string | undefined,
  event: RotationEvent,
): Promise<Delivery[]> {
  const body = JSON.stringify(event);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'switchboard-secrets' };
  if (secret) headers['x-switchboard-signature'] = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return Promise.all(
    webhooks.map(async (target): Promise<Delivery> => {
      try {
        const response = await request(target, { method: 'POST', headers, body, headersTimeout: 5000, bodyTimeout: 5000 });
        await response.body.dump();
        return { target, ok: response.statusCode >= 200 && response.statusCode < 300, status: response.statusCode };
      } catch (error) {
        return { target, ok: false, error: (error as Error).message.slice(0, 200) };
      }
    }),
  );
}
