import type { McpResponse } from '@switchboard/shared';
import { type JsonRpcMessage, messageText } from '../json-rpc.ts';

const MAX_BUFFERED = 500;
const KEEPALIVE_MS = 25_000;

/**
 * One server-to-client SSE stream of a session: a POST's response stream or the standalone GET stream. Events
 * carry ids `<stream>|<seq>`; while no connection is attached they are kept (bounded) so a client that reconnects
 * with Last-Event-ID gets what it missed.
 */
export class SseStream {
  readonly id: string;
  #res: McpResponse | undefined;
  #events: { seq: number; text: string }[] = [];
  #seq = 0;
  /** The last event written to an attached connection. */
  #delivered = 0;
  #keepalive: NodeJS.Timeout | undefined;
  ended = false;

  constructor(id: string) {
    this.id = id;
  }

  get attached(): boolean {
    return this.#res !== undefined && !this.#res.writableEnded;
  }

  /**
   * Attaches a connection; headers are written now. Events after `afterSeq` are replayed first; `undelivered`
   * replays the events no connection received (a server request sent before the client opened its GET stream).
   */
  attach(res: McpResponse, headers: Record<string, string>, afterSeq?: number | 'undelivered', keepalive = false): void {
    const replayAfter = afterSeq === 'undelivered' ? this.#delivered : afterSeq;
    this.#res = res;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      ...headers,
    });
    res.flushHeaders();
    if (replayAfter !== undefined) for (const event of this.#events) if (event.seq > replayAfter) res.write(event.text);
    this.#delivered = this.#seq;
    res.on('close', () => {
      if (this.#res === res) this.#res = undefined;
      clearInterval(this.#keepalive);
    });
    if (keepalive) {
      this.#keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
      this.#keepalive.unref();
    }
    if (this.ended) this.end();
  }

  write(message: JsonRpcMessage): void {
    const seq = ++this.#seq;
    const text = `event: message\nid: ${this.id}|${seq}\ndata: ${messageText(message)}\n\n`;
    this.#events.push({ seq, text });
    if (this.#events.length > MAX_BUFFERED) this.#events.shift();
    if (this.#res) {
      this.#res.write(text);
      this.#delivered = seq;
    }
  }

  /** No more events: the attached connection (now or later) is ended after what is buffered. */
  end(): void {
    this.ended = true;
    clearInterval(this.#keepalive);
    if (this.#res && !this.#res.writableEnded) this.#res.end();
  }

  /** Drops the connection without ending the stream (shutdown, session close). */
  close(): void {
    clearInterval(this.#keepalive);
    this.#res?.end();
    this.#res = undefined;
  }
}

/** Splits a Last-Event-ID into its stream id and sequence number. */
export function parseEventId(value: string): { stream: string; seq: number } | undefined {
  const bar = value.lastIndexOf('|');
  if (bar <= 0) return undefined;
  const seq = Number(value.slice(bar + 1));
  return Number.isInteger(seq) ? { stream: value.slice(0, bar), seq } : undefined;
}
