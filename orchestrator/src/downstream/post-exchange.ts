import { randomUUID } from 'node:crypto';
import type { McpResponse } from '@switchboard/shared';
import { isResponse, type JsonRpcMessage, type JsonRpcResponse, messageText, type RequestId } from '../json-rpc.ts';
import { SseStream } from './sse-stream.ts';

/** One POST that carried requests: answered as JSON when nothing else needs sending first, else as SSE. */
export class PostExchange {
  #res: McpResponse;
  #headers: Record<string, string>;
  #pending: Set<RequestId>;
  #stream: SseStream | undefined;
  #onStream: (stream: SseStream) => void;
  #onDone: () => void;
  #done = false;

  constructor(
    res: McpResponse,
    headers: Record<string, string>,
    pending: Set<RequestId>,
    onStream: (s: SseStream) => void,
    onDone: () => void,
  ) {
    this.#res = res;
    this.#headers = headers;
    this.#pending = pending;
    this.#onStream = onStream;
    this.#onDone = onDone;
  }

  deliver(message: JsonRpcMessage): void {
    if (this.#done) return;
    const final = isResponse(message) && this.#pending.has(message.id);
    if (!this.#stream) {
      if (final && this.#pending.size === 1) {
        this.#done = true;
        if (!this.#res.writableEnded && !this.#res.destroyed) {
          // With its length known the response goes out in one write, not chunked.
          const body = messageText(message);
          this.#res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...this.#headers,
          });
          this.#res.end(body);
        }
        this.#onDone();
        return;
      }
      this.#stream = new SseStream(randomUUID());
      this.#onStream(this.#stream);
      if (!this.#res.destroyed) this.#stream.attach(this.#res, this.#headers);
    }
    this.#stream.write(message);
    if (final) this.#settle((message as JsonRpcResponse).id);
  }

  /** A request that ends without a response (cancelled by the client). */
  dropped(id: RequestId): void {
    if (this.#pending.has(id)) this.#settle(id);
  }

  #settle(id: RequestId): void {
    this.#pending.delete(id);
    if (this.#pending.size > 0 || this.#done) return;
    this.#done = true;
    if (this.#stream) this.#stream.end();
    else if (!this.#res.writableEnded && !this.#res.destroyed) {
      this.#res.writeHead(200, { 'content-type': 'text/event-stream', ...this.#headers });
      this.#res.end();
    }
    this.#onDone();
  }
}
