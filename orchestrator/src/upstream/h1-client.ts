import { connect, type Socket } from 'node:net';
import { headerLines } from '@switchboard/shared';
import type { Dispatcher } from 'undici';
import type { ExchangeRequest } from './exchange-types.ts';
import { find, H1Error, parseResponseHead } from './h1-head.ts';

export interface H1ClientOptions {
  /** The upstream's origin (`http:` only). */
  origin: URL;
  /** Gives up on a connection that is not established within this long. */
  connectTimeoutMs: number;
  /** An idle connection is closed after this long, or sooner when the server's Keep-Alive timeout is shorter. */
  idleMs?: number;
}

type Handler = Pick<Dispatcher.DispatchHandler, 'onResponseStart' | 'onResponseData' | 'onResponseEnd' | 'onResponseError'>;

const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE = 4096;
const DEFAULT_IDLE_MS = 4000;
/** How often connections idle past their limit are closed (a connection is never reused past it in any case). */
const SWEEP_MS = 250;
/** Bytes one socket read may deliver (the buffer reads land in, shared by a client's connections). */
const READ_BUFFER_BYTES = 64 * 1024;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const NO_CONTROLLER = undefined as unknown as Dispatcher.DispatchController;
const invalidHeader = (name: string) => new H1Error('UND_ERR_INVALID_ARG', `invalid request header ${JSON.stringify(name)}`);

/** One response being read: framing state and where the body goes. */
interface Reading {
  handler: Handler;
  phase: 'head' | 'length' | 'size' | 'data' | 'data-end' | 'trailers' | 'close';
  remaining: number;
  keepAlive: boolean;
}

/** One keep-alive connection; it carries one exchange at a time (no pipelining: a slow call blocks nobody). */
class Connection {
  readonly socket: Socket;
  #client: H1Client;
  #pending: Buffer | undefined;
  #reading: Reading | undefined;
  /** When the last exchange ended (performance.now()), while idle. */
  #idleSince = 0;
  #idleMs: number;
  #closed = false;

  constructor(client: H1Client, socket: Socket, idleMs: number) {
    this.#client = client;
    this.socket = socket;
    this.#idleMs = idleMs;
    socket.on('end', () => this.#onEnd());
    socket.on('error', (error: Error & { code?: string }) => this.#fail(error));
    socket.on('close', () => this.#fail(new H1Error('UND_ERR_SOCKET', 'other side closed')));
  }

  get usable(): boolean {
    return !this.#closed && !this.socket.destroyed && !this.socket.readableEnded;
  }

  /** Idle longer than the server may keep it (it could be closing it right now). */
  expired(now: number): boolean {
    return this.#reading === undefined && now - this.#idleSince >= this.#idleMs;
  }

  send(request: ExchangeRequest, handler: Handler): void {
    const head = this.#client.headFor(request) + (request.extraHeaders ? headerLines(request.extraHeaders, invalidHeader) : '');
    this.socket.ref();
    this.#reading = { handler, phase: 'head', remaining: 0, keepAlive: true };
    this.socket.write(`${head}content-length: ${Buffer.byteLength(request.body)}\r\n\r\n${request.body}`);
  }

  close(error: Error): void {
    this.#fail(error);
  }

  /**
   * Bytes read into the client's shared read buffer (net's `onread`: no stream machinery per read). They are parsed
   * at once; what must outlive this call (a partial head or chunk line, a body part handed on) is copied.
   */
  onRead(view: Buffer): void {
    if (!this.#reading) {
      // Bytes nobody asked for: the connection is no longer in a known state.
      this.#fail(new H1Error('UND_ERR_SOCKET', 'unexpected data on an idle connection'));
      return;
    }
    this.#pending = this.#pending ? Buffer.concat([this.#pending, view]) : view;
    try {
      this.#parse();
      // Nothing left over is nothing pending (the next read is then parsed where it landed, not copied onto it).
      const rest = this.#pending;
      if (rest !== undefined) this.#pending = rest.length === 0 ? undefined : this.#owned(rest);
    } catch (error) {
      this.#fail(error as Error);
    }
  }

  /** Reads as much of the response as the bytes at hand allow. */
  #parse(): void {
    for (;;) {
      const reading = this.#reading;
      const pending = this.#pending;
      if (!reading || !pending || pending.length === 0) return;
      switch (reading.phase) {
        case 'head': {
          const end = find(pending, HEAD_END, MAX_HEAD_BYTES, 'UND_ERR_HEADERS_OVERFLOW', 'response head too large');
          if (end < 0) return;
          this.#pending = pending.subarray(end + 4);
          this.#head(reading, pending.toString('latin1', 0, end));
          break;
        }
        case 'length':
        case 'data': {
          const take = Math.min(reading.remaining, pending.length);
          reading.remaining -= take;
          this.#pending = pending.subarray(take);
          reading.handler.onResponseData?.(NO_CONTROLLER, this.#owned(pending.subarray(0, take)));
          if (reading.remaining === 0) {
            if (reading.phase === 'length') this.#finish(reading);
            else reading.phase = 'data-end';
          }
          break;
        }
        case 'size': {
          const end = find(pending, CRLF, MAX_CHUNK_LINE, 'UND_ERR_INVALID_CHUNK', 'chunk size line too long');
          if (end < 0) return;
          const line = pending.toString('latin1', 0, end);
          const hex = (line.includes(';') ? line.slice(0, line.indexOf(';')) : line).trim();
          if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw new H1Error('UND_ERR_INVALID_CHUNK', 'malformed chunk size');
          this.#pending = pending.subarray(end + 2);
          reading.remaining = Number.parseInt(hex, 16);
          reading.phase = reading.remaining === 0 ? 'trailers' : 'data';
          break;
        }
        case 'data-end': {
          if (pending.length < 2) return;
          if (pending[0] !== 13 || pending[1] !== 10) throw new H1Error('UND_ERR_INVALID_CHUNK', 'chunk not followed by CRLF');
          this.#pending = pending.subarray(2);
          reading.phase = 'size';
          break;
        }
        case 'trailers': {
          const end = find(pending, CRLF, MAX_HEAD_BYTES, 'UND_ERR_HEADERS_OVERFLOW', 'trailers too large');
          if (end < 0) return;
          this.#pending = pending.subarray(end + 2);
          if (end === 0) this.#finish(reading);
          break;
        }
        case 'close': {
          this.#pending = undefined;
          reading.handler.onResponseData?.(NO_CONTROLLER, this.#owned(pending));
          return;
        }
      }
    }
  }

  /** The status line and headers; an interim (1xx) response is skipped. */
  #head(reading: Reading, text: string): void {
    const head = parseResponseHead(text);
    if (head === undefined) return;
    const { statusCode, minor, headers } = head;
    const one = (name: string) => {
      const value = headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    };
    const connection = (one('connection') ?? '').toLowerCase();
    reading.keepAlive = minor === 49 ? !connection.includes('close') : connection.includes('keep-alive');
    const alive = one('keep-alive');
    const hint = alive === undefined ? null : /timeout=(\d+)/i.exec(alive);
    if (hint) this.#idleMs = Math.min(this.#idleMs, Math.max(500, Number(hint[1]) * 1000 - 1000));
    reading.handler.onResponseStart?.(NO_CONTROLLER, statusCode, headers as Record<string, string>, '');
    const encoding = (one('transfer-encoding') ?? '').toLowerCase();
    const length = one('content-length');
    if (encoding) {
      if (!encoding.trim().endsWith('chunked')) {
        reading.phase = 'close';
        reading.keepAlive = false;
      } else reading.phase = 'size';
    } else if (length !== undefined) {
      if (!/^\d{1,15}$/.test(length)) throw new H1Error('UND_ERR_INVALID_RESPONSE', 'malformed content-length');
      reading.remaining = Number(length);
      reading.phase = 'length';
      if (reading.remaining === 0) this.#finish(reading);
    } else if (statusCode === 204 || statusCode === 304) {
      this.#finish(reading);
    } else {
      reading.phase = 'close';
      reading.keepAlive = false;
    }
  }

  #finish(reading: Reading): void {
    this.#reading = undefined;
    const leftover = this.#pending !== undefined && this.#pending.length > 0;
    this.#pending = undefined;
    if (reading.keepAlive && !leftover && this.usable) {
      this.socket.unref();
      this.#idleSince = performance.now();
      this.#client.release(this);
    } else {
      this.#closed = true;
      this.#client.forget(this);
      this.socket.destroy();
    }
    reading.handler.onResponseEnd?.(NO_CONTROLLER, {});
  }

  /** `bytes` itself, or a copy when it lies in the shared read buffer (which the next read overwrites). */
  #owned(bytes: Buffer): Buffer {
    return bytes.buffer === this.#client.readBuffer.buffer ? Buffer.from(bytes) : bytes;
  }

  #onEnd(): void {
    const reading = this.#reading;
    if (reading?.phase === 'close') {
      reading.keepAlive = false;
      this.#finish(reading);
    } else {
      this.#fail(new H1Error('UND_ERR_SOCKET', 'other side closed'));
    }
  }

  #fail(error: Error): void {
    const reading = this.#reading;
    this.#reading = undefined;
    this.#pending = undefined;
    if (!this.#closed) {
      this.#closed = true;
      this.#client.forget(this);
      this.socket.destroy();
    }
    if (reading) {
      const failure =
        error instanceof H1Error || (error as { code?: string }).code ? error : new H1Error('UND_ERR_SOCKET', error.message);
      reading.handler.onResponseError?.(NO_CONTROLLER, failure);
    }
  }
}

/**
 * A lean HTTP/1.1 client for the proxy's hot path: POST exchanges with plain-HTTP upstreams over pooled keep-alive
 * connections, one exchange per connection at a time. It exists for cost: undici's pool defers every request and
 * every socket reuse by an event-loop turn (setImmediate) and runs a general-purpose parser, which at one call at a
 * time costs the proxy about as much CPU as the upstream's whole call (benchmarked). It speaks undici's dispatch
 * handler interface, so `exchange` drives either; TLS upstreams and the GET/DELETE requests stay on undici.
 */
export class H1Client {
  readonly host: string;
  /** A request's own headers follow its session's kept head (see headFor); `exchange` need not merge them. */
  readonly appendsExtraHeaders = true;
  /** Where socket reads land (each read is parsed before the next one). */
  readonly readBuffer = Buffer.alloc(READ_BUFFER_BYTES);
  #options: H1ClientOptions;
  #idle: Connection[] = [];
  #all = new Set<Connection>();
  #closed = false;
  #sweep: NodeJS.Timeout | undefined;
  /** Request heads up to the per-request headers, by the (per-session, long-lived) headers object they were built from. */
  #heads = new WeakMap<Record<string, string>, { method: string; path: string; text: string }>();

  constructor(options: H1ClientOptions) {
    if (options.origin.protocol !== 'http:') throw new Error('H1Client speaks plain HTTP only');
    this.#options = options;
    this.host = options.origin.host;
  }

  /** Starts one exchange; its outcome reaches `handler` (undici's dispatch contract, as `exchange` uses it). */
  dispatch(request: ExchangeRequest, handler: Handler): boolean {
    if (this.#closed) {
      handler.onResponseError?.(NO_CONTROLLER, new H1Error('UND_ERR_DESTROYED', 'the client is closed'));
      return false;
    }
    const now = performance.now();
    let connection = this.#idle.pop();
    while (connection && (!connection.usable || connection.expired(now))) {
      connection.close(new H1Error('UND_ERR_SOCKET', 'idle'));
      connection = this.#idle.pop();
    }
    connection ??= this.#connect();
    try {
      connection.send(request, handler);
    } catch (error) {
      this.release(connection);
      handler.onResponseError?.(NO_CONTROLLER, error as Error);
    }
    return true;
  }

  /** The request line and the request's `headers` as text, validated once per headers object. */
  headFor(request: ExchangeRequest): string {
    const cached = this.#heads.get(request.headers);
    if (cached && cached.method === request.method && cached.path === request.path) return cached.text;
    if (/[\s\0]/.test(request.path)) throw new H1Error('UND_ERR_INVALID_ARG', 'invalid request path');
    const text = `${request.method} ${request.path} HTTP/1.1\r\nhost: ${this.host}\r\n${headerLines(request.headers, invalidHeader)}`;
    this.#heads.set(request.headers, { method: request.method, path: request.path, text });
    return text;
  }

  /** A connection whose exchange ended cleanly goes back to the idle list. */
  release(connection: Connection): void {
    if (this.#closed || !connection.usable) return;
    this.#idle.push(connection);
    this.#sweep ??= setInterval(() => this.#closeExpired(), SWEEP_MS).unref();
  }

  forget(connection: Connection): void {
    this.#all.delete(connection);
    const at = this.#idle.indexOf(connection);
    if (at >= 0) this.#idle.splice(at, 1);
  }

  get connections(): number {
    return this.#all.size;
  }

  /** Closes every connection; exchanges in progress fail. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#sweep);
    for (const connection of [...this.#all]) connection.close(new H1Error('UND_ERR_DESTROYED', 'the client is closed'));
    this.#idle = [];
  }

  /** Closes idle connections kept past their limit; the sweep stops while none is idle. */
  #closeExpired(): void {
    const now = performance.now();
    for (const connection of [...this.#idle])
      if (connection.expired(now)) connection.close(new H1Error('UND_ERR_SOCKET', 'idle'));
    if (this.#idle.length === 0) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }

  #connect(): Connection {
    const { origin } = this.#options;
    let connection: Connection | undefined;
    const socket = connect({
      host: origin.hostname.replace(/^\[|\]$/g, ''),
      port: Number(origin.port || 80),
      noDelay: true,
      onread: {
        buffer: this.readBuffer,
        callback: (bytes: number) => {
          connection?.onRead(this.readBuffer.subarray(0, bytes));
          return true;
        },
      },
    });
    const timer = setTimeout(
      () =>
        socket.destroy(new H1Error('UND_ERR_CONNECT_TIMEOUT', `connect timed out after ${this.#options.connectTimeoutMs} ms`)),
      this.#options.connectTimeoutMs,
    );
    socket.once('connect', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
    connection = new Connection(this, socket, this.#options.idleMs ?? DEFAULT_IDLE_MS);
    this.#all.add(connection);
    return connection;
  }
}
