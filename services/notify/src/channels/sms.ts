import { AsyncLocalStorage } from 'node:async_hooks';
import twilio from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient.js';
import {
  type ChannelSender,
  type OutgoingMessage,
  retryAfterMs,
  SendError,
  type SendOutcome,
  type SmsPayload,
} from './channel.ts';

export interface SmsSenderOptions {
  accountSid: string;
  authToken: string;
  /** An E.164 number, or a Messaging Service SID (MG...). */
  from: string;
  /** https://api.twilio.com, or another origin that speaks the same API (a regional edge, a test fixture). */
  apiUrl: string;
  /** Where Twilio posts delivery status; our target id is added as `target`. */
  statusCallbackUrl?: string | undefined;
  timeoutMs: number;
}

/** What the HTTP client saw of the last response inside one send: Twilio's RestException drops the headers. */
interface ResponseNote {
  retryAfter?: string;
}
const notes = new AsyncLocalStorage<ResponseNote>();

/**
 * The SDK's own HTTP client (axios, Basic auth, form encoding, its parser), sending to the configured origin
 * instead of api.twilio.com, and noting Retry-After for the error mapping.
 */
class OriginRequestClient extends RequestClient {
  readonly #origin: URL;
  constructor(origin: string, options: RequestClient.RequestClientOptions) {
    super(options);
    this.#origin = new URL(origin);
  }
  override async request<T>(opts: RequestClient.RequestOptions<T>) {
    const uri = new URL(opts.uri);
    uri.protocol = this.#origin.protocol;
    uri.host = this.#origin.host;
    const response = await super.request({ ...opts, uri: uri.href });
    const note = notes.getStore();
    if (note) {
      const header = (response.headers as Record<string, string | undefined> | undefined)?.['retry-after'];
      if (header !== undefined) note.retryAfter = header;
    }
    return response;
  }
}

/** Twilio error codes a retry can fix: rate limits, queue overflow, and Twilio's own internal errors. */
const TRANSIENT_TWILIO = new Set([20429, 20500, 20503, 30001, 14107]);

function classify(error: unknown, note: ResponseNote): SendError {
  const e = error as { status?: number; code?: number | string; message?: string; moreInfo?: string };
  if (typeof e.status === 'number') {
    const text = `Twilio ${e.status}${e.code ? ` (error ${e.code})` : ''}: ${e.message ?? 'request failed'}`;
    const rateLimited = e.status === 429 || e.code === 20429;
    const retryable = rateLimited || e.status >= 500 || e.status === 401 || TRANSIENT_TWILIO.has(Number(e.code));
    return new SendError(text, { retryable, rateLimited, retryAfterMs: retryAfterMs(note.retryAfter), cause: error });
  }
  return new SendError(`Twilio: ${e.message ?? String(error)}`, { retryable: true, cause: error });
}

function mapStatus(status: string): 'sent' | 'delivered' {
  return status === 'delivered' || status === 'read' ? 'delivered' : 'sent';
}

/** SMS through the twilio SDK's Messages resource. */
export function createSmsSender(options: SmsSenderOptions): ChannelSender<SmsPayload> {
  const client = twilio(options.accountSid, options.authToken, {
    httpClient: new OriginRequestClient(options.apiUrl, { timeout: options.timeoutMs, autoRetry: false }),
  });
  const sender = options.from.startsWith('MG') ? { messagingServiceSid: options.from } : { from: options.from };
  const callbackFor = (targetId: string) => {
    if (!options.statusCallbackUrl) return {};
    const url = new URL(options.statusCallbackUrl);
    url.searchParams.set('target', targetId);
    return { statusCallback: url.href };
  };

  return {
    channel: 'sms',
    async send(message: OutgoingMessage<SmsPayload>): Promise<SendOutcome> {
      const note: ResponseNote = {};
      try {
        const created = await notes.run(note, () =>
          client.messages.create({
            to: message.recipient,
            body: message.payload.body,
            ...sender,
            ...callbackFor(message.targetId),
          }),
        );
        if (created.status === 'failed' || created.status === 'undelivered') {
          throw new SendError(`Twilio accepted ${created.sid} as ${created.status}: ${created.errorMessage ?? ''}`, {
            retryable: false,
          });
        }
        return { providerId: created.sid, status: mapStatus(created.status), providerStatus: created.status };
      } catch (error) {
        throw error instanceof SendError ? error : classify(error, note);
      }
    },
    /** Twilio has no idempotency key for Messages: look for a message to this number with this body since `since`. */
    async reconcile(message: OutgoingMessage<SmsPayload>, since: Date): Promise<SendOutcome | undefined> {
      const note: ResponseNote = {};
      try {
        const found = await notes.run(note, () =>
          client.messages.list({
            to: message.recipient,
            ...('from' in sender ? { from: sender.from } : {}),
            pageSize: 50,
            limit: 200,
          }),
        );
        const match = found.find(
          (m) => m.body === message.payload.body && m.dateCreated && m.dateCreated.getTime() >= since.getTime() - 60_000,
        );
        return match ? { providerId: match.sid, status: mapStatus(match.status), providerStatus: match.status } : undefined;
      } catch (error) {
        throw classify(error, note);
      }
    },
  };
}

/** Checks the X-Twilio-Signature of a status callback against the auth token. */
export function validTwilioSignature(authToken: string, signature: string, url: string, params: Record<string, string>): boolean {
  return twilio.validateRequest(authToken, signature, url, params);
}
