import { SseParser } from '@switchboard/shared';
import type { Pool } from 'undici';
import type { JsonRpcMessage, RequestId } from '../json-rpc.ts';
import { HttpStatusError } from './http-transport.ts';
import { TransportError, type UpstreamTransport } from './transport.ts';

export interface LegacySseTransportOptions {
  url: URL;
  pool: Pool;
  token?: string | undefined;
  connectTimeoutMs: number;
}

/**
 * The 2024-11-05 HTTP+SSE transport, client side: one GET event stream carries everything the server sends; the
 * first `endpoint` event names where to POST our messages.
 */
export class LegacySseTransport implements UpstreamTransport {
  readonly kind = 'sse' as const;
  onmessage?: (message: JsonRpcMessage, relatedTo: RequestId | undefined) => void;
  onclose?: (error: Error) => void;
  #options: LegacySseTransportOptions;
  #endpoint: URL | undefined;
  #abort = new AbortController();

  constructor(options: LegacySseTransportOptions) {
    this.#options = options;
  }

  #auth(): Record<string, string> {
    return this.#options.token ? { authorization: `Bearer ${this.#options.token}` } : {};
  }

  async start(): Promise<void> {
    const { url, pool } = this.#options;
    const response = await pool
      .request({
        path: url.pathname + url.search,
        method: 'GET',
        headers: { accept: 'text/event-stream', ...this.#auth() },
        signal: this.#abort.signal,
        headersTimeout: this.#options.connectTimeoutMs,
      })
      .catch((error: Error) => {
        throw new TransportError(`cannot reach ${url.origin}: ${error.message}`, { notSent: true, cause: error });
      });
    if (response.statusCode >= 400 || !String(response.headers['content-type'] ?? '').includes('text/event-stream')) {
      await response.body.dump();
      throw new HttpStatusError(response.statusCode, 'not an SSE endpoint');
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new TransportError('no endpoint event from the SSE server')),
        this.#options.connectTimeoutMs,
      );
      const parser = new SseParser((event) => {
        if (event.event === 'endpoint') {
          this.#endpoint = new URL(event.data, url);
          clearTimeout(timer);
          resolve();
          return;
        }
        try {
          this.onmessage?.(JSON.parse(event.data) as JsonRpcMessage, undefined);
        } catch {}
      });
      response.body.setEncoding('utf8');
      response.body.on('data', (chunk: string) => parser.push(chunk));
      response.body.on('error', () => {});
      response.body.on('close', () => {
        clearTimeout(timer);
        reject(new TransportError('the SSE stream closed before the endpoint event'));
        this.onclose?.(new TransportError('the SSE stream closed'));
      });
    });
  }

  async send(message: JsonRpcMessage): Promise<void> {
    const endpoint = this.#endpoint;
    if (!endpoint) throw new TransportError('not connected', { notSent: true });
    const response = await this.#options.pool
      .request({
        path: endpoint.pathname + endpoint.search,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.#auth() },
        body: JSON.stringify(message),
      })
      .catch((error: Error) => {
        throw new TransportError(`cannot reach ${endpoint.origin}: ${error.message}`, { cause: error });
      });
    await response.body.dump();
    if (response.statusCode >= 400) throw new HttpStatusError(response.statusCode, '');
  }

  async close(): Promise<void> {
    this.#abort.abort();
  }
}
