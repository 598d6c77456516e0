import { StringDecoder } from 'node:string_decoder';
import { SseParser } from '@switchboard/shared';
import type { Dispatcher } from 'undici';
import type { ExchangeDispatcher, ExchangeRequest } from './exchange-types.ts';

export type { ExchangeDispatcher, ExchangeRequest } from './exchange-types.ts';

export interface ExchangeResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as text; empty for an event stream, whose events went to `onEvent` as they arrived. */
  text: string;
}

/** What hears an exchange as it happens. */
export interface ExchangeListener {
  /** The status and headers, before any of the body (an SSE body's events may settle the caller's request). */
  onHeaders?(statusCode: number, headers: ExchangeResponse['headers']): void;
  /** The data of one event of a successful SSE body. */
  onEvent(data: string): void;
}

/** Raised when the exchange failed; `responded` says whether the server had begun to answer. */
export class ExchangeError extends Error {
  readonly responded: boolean;
  readonly code: string | undefined;
  constructor(cause: Error, responded: boolean) {
    super(cause.message, { cause });
    this.name = 'ExchangeError';
    this.responded = responded;
    this.code = (cause as { code?: string }).code;
  }
}

/**
 * The handler of one exchange, on undici's dispatch-handler contract (which H1Client speaks too): no request()
 * layer (async resource, body stream, promise per body read) on the proxy's hot path. A successful
 * `text/event-stream` body is parsed as it arrives, so progress and server requests reach the caller mid-call; any
 * other body is collected.
 */
class ExchangeHandler implements Dispatcher.DispatchHandler {
  #resolve: (response: ExchangeResponse) => void;
  #reject: (error: ExchangeError) => void;
  #listener: ExchangeListener;
  #statusCode = 0;
  #headers: ExchangeResponse['headers'] = {};
  #chunks: Buffer[] = [];
  #decoder: StringDecoder | undefined;
  #parser: SseParser | undefined;
  #responded = false;

  constructor(resolve: (response: ExchangeResponse) => void, reject: (error: ExchangeError) => void, listener: ExchangeListener) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#listener = listener;
  }

  onRequestStart(): void {}

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: ExchangeResponse['headers']): void {
    this.#responded = true;
    this.#statusCode = statusCode;
    this.#headers = headers;
    this.#listener.onHeaders?.(statusCode, headers);
    if (statusCode < 300 && String(headers['content-type'] ?? '').includes('text/event-stream')) {
      this.#parser = new SseParser((event) => {
        if (event.data) this.#listener.onEvent(event.data);
      });
    }
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.#parser) this.#chunks.push(chunk);
    else if (this.#decoder) this.#parser.push(this.#decoder.write(chunk));
    // A chunk ending in an ASCII byte ends on a character boundary (events end in a line break): decoded as is.
    // Once one ends inside a character, a decoder carries the partial bytes over from then on.
    else if (chunk.length > 0 && (chunk[chunk.length - 1] as number) < 0x80) this.#parser.push(chunk.toString('utf8'));
    else {
      this.#decoder = new StringDecoder('utf8');
      this.#parser.push(this.#decoder.write(chunk));
    }
  }

  onResponseEnd(): void {
    const chunks = this.#chunks;
    const text =
      chunks.length === 0
        ? ''
        : chunks.length === 1
          ? (chunks[0] as Buffer).toString('utf8')
          : Buffer.concat(chunks).toString('utf8');
    this.#resolve({ statusCode: this.#statusCode, headers: this.#headers, text });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#reject(new ExchangeError(error, this.#responded));
  }
}

/**
 * Sends one request on `dispatcher` and resolves once its response ended; `listener` hears it as it happens. H1Client
 * appends a request's own headers to its session's kept head; an undici dispatcher gets them merged.
 */
export function exchange(
  dispatcher: ExchangeDispatcher,
  request: ExchangeRequest,
  listener: ExchangeListener,
): Promise<ExchangeResponse> {
  const { extraHeaders } = request;
  const sent =
    extraHeaders === undefined || dispatcher.appendsExtraHeaders === true
      ? request
      : { path: request.path, method: request.method, headers: { ...request.headers, ...extraHeaders }, body: request.body };
  return new Promise((resolve, reject) => {
    try {
      dispatcher.dispatch(sent, new ExchangeHandler(resolve, reject, listener));
    } catch (error) {
      reject(new ExchangeError(error as Error, false));
    }
  });
}
