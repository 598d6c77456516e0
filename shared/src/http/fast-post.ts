import type { IncomingHttpHeaders, Server } from 'node:http';
import type { Socket } from 'node:net';
import { isToken, trimmed } from './header-lines.ts';
import { LeanResponse, type LeanResponseOwner } from './lean-response.ts';
import type { McpRequest } from './mcp-request.ts';

/** Serves one POST the fast path read whole: its request (headers, no body yet), response, path and body bytes. */
export type FastPostServe = (req: McpRequest, res: LeanResponse, path: string, body: Buffer) => void;

export interface FastPostOptions {
  /** True for a path the fast path may serve (an MCP path of a lean endpoint). */
  serves(path: string): boolean;
  serve: FastPostServe;
  /** Bodies declared larger are handed to node:http, which refuses them. */
  bodyLimit: number;
  /** How long a connection may sit without a request in progress before it is closed. */
  keepAliveMs: number;
  /** Heads larger than this are handed to node:http (which answers 431); Node's default. */
  maxHeadBytes?: number;
}

export interface FastPostHandle {
  /** Closes the connections that have no response in progress (shutdown). */
  closeIdle(): void;
  /** Closes every connection the fast path holds. */
  closeAll(): void;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const DEFAULT_MAX_HEAD_BYTES = 16 * 1024;
/** How long a request may take to arrive whole, as node:http's requestTimeout (its default). */
const REQUEST_TIMEOUT_MS = 300_000;
/** Bytes of later (pipelined) requests kept while a response is in progress before reading pauses. */
const MAX_AHEAD_BYTES = 1024 * 1024;
const DIGITS = /^\d{1,15}$/;
/** Header names as sent, lower-cased (a client sends the same few every time). */
const lowerNames = new Map<string, string>();

function lower(name: string): string {
  let value = lowerNames.get(name);
  if (value === undefined) {
    value = name.toLowerCase();
    if (lowerNames.size < 256) lowerNames.set(name, value);
  }
  return value;
}

/**
 * True when `text` holds a control character other than tab (llhttp's strict mode refuses those in a header value)
 * or, with `refuseSpace`, a tab or a space too (as in a request target).
 */
function hasControl(text: string, refuseSpace: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 127 || code < 32 ? code !== 9 || refuseSpace : refuseSpace && code === 32) return true;
  }
  return false;
}

/** A request the fast path parsed: what McpRequest promises, nothing more. */
class LeanRequest implements McpRequest {
  readonly method = 'POST';
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly socket: Socket;
  body?: unknown;
  auth?: { token: string; clientId: string; scopes: string[] };

  constructor(url: string, headers: IncomingHttpHeaders, socket: Socket) {
    this.url = url;
    this.headers = headers;
    this.socket = socket;
  }
}

/** A parsed POST head the fast path takes, or undefined for anything node:http should handle. */
interface FastHead {
  url: string;
  /** The url without its query. */
  path: string;
  headers: IncomingHttpHeaders;
  length: number;
  close: boolean;
}

/**
 * Parses a request head (the bytes before the blank line) when it is a plain HTTP/1.1 POST with a Content-Length
 * to a served path; anything else (another method or version, chunked or Expect bodies, duplicate or folded
 * headers, bytes llhttp would refuse, a body over the limit) is left to node:http, which answers it as always.
 */
function parseHead(text: string, options: FastPostOptions): FastHead | undefined {
  let end = text.indexOf('\r\n');
  if (end < 0) end = text.length;
  if (!text.startsWith('POST ') || !text.endsWith(' HTTP/1.1', end)) return undefined;
  const url = text.slice(5, end - 9);
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  if (url.charCodeAt(0) !== 47 || hasControl(url, true) || !options.serves(path)) return undefined;
  const headers: IncomingHttpHeaders = Object.create(null);
  let at = end + 2;
  while (at < text.length) {
    let lineEnd = text.indexOf('\r\n', at);
    if (lineEnd < 0) lineEnd = text.length;
    const colon = text.indexOf(':', at);
    if (colon <= at || colon > lineEnd) return undefined;
    const name = lower(text.slice(at, colon));
    if (!isToken(name) || headers[name] !== undefined) return undefined;
    const value = trimmed(text, colon + 1, lineEnd);
    if (hasControl(value, false)) return undefined;
    headers[name] = value;
    at = lineEnd + 2;
  }
  const declared = headers['content-length'];
  if (
    declared === undefined ||
    !DIGITS.test(declared) ||
    headers['transfer-encoding'] !== undefined ||
    headers.expect !== undefined ||
    headers.upgrade !== undefined ||
    !headers.host
  ) {
    return undefined;
  }
  const length = Number(declared);
  if (length > options.bodyLimit) return undefined;
  const connection = headers.connection;
  return { url, path, headers, length, close: connection !== undefined && /(?:^|,)\s*close\s*(?:,|$)/i.test(connection) };
}

/**
 * One client connection while the fast path holds it: requests are read and answered one at a time, in order
 * (pipelined ones wait); the first request it does not take hands the connection, with the bytes already read, to
 * node:http for good.
 */
class FastConnection implements LeanResponseOwner {
  readonly socket: Socket;
  readonly keepAliveSeconds: number;
  #fast: FastPost;
  #buffer: Buffer | undefined;
  #response: LeanResponse | undefined;
  /** When the connection last had no request in progress, in ms. */
  idleSince = Date.now();
  #paused = false;

  constructor(fast: FastPost, socket: Socket) {
    this.#fast = fast;
    this.socket = socket;
    this.keepAliveSeconds = Math.floor(fast.options.keepAliveMs / 1000);
    socket.setNoDelay(true);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onClose);
    socket.on('close', this.#onClose);
  }

  /** Idle past the keep-alive time, or a request arriving for longer than the request timeout. */
  expired(now: number): boolean {
    if (this.#response) return false;
    return now - this.idleSince > (this.#buffer ? REQUEST_TIMEOUT_MS : this.#fast.options.keepAliveMs);
  }

  /** Closes the connection when no response is in progress and no request has partly arrived. */
  closeIfIdle(): boolean {
    if (this.#response || this.#buffer) return false;
    this.socket.destroy();
    return true;
  }

  finished(keepAlive: boolean): void {
    this.#response = undefined;
    this.idleSince = Date.now();
    if (!keepAlive || this.socket.readableEnded) {
      this.socket.end();
      return;
    }
    if (this.#paused) {
      this.#paused = false;
      this.socket.resume();
    }
    this.#next();
  }

  #onData = (chunk: Buffer) => {
    this.#buffer = this.#buffer ? Buffer.concat([this.#buffer, chunk]) : chunk;
    if (this.#response) {
      if (this.#buffer.length > MAX_AHEAD_BYTES && !this.#paused) {
        this.#paused = true;
        this.socket.pause();
      }
      return;
    }
    this.#next();
  };

  /** The client will send nothing more: once nothing is in progress, the connection is closed. */
  #onEnd = () => {
    if (!this.#response && !this.socket.destroyed) {
      this.#next();
      if (!this.#response) this.socket.end();
    }
  };

  #onClose = () => {
    this.#fast.forget(this);
    this.#buffer = undefined;
    const response = this.#response;
    this.#response = undefined;
    response?.abort();
  };

  /** Serves the next complete request in the buffer, hands the connection over, or waits for more bytes. */
  #next(): void {
    const buffer = this.#buffer;
    if (!buffer || this.#response || this.socket.destroyed) return;
    const options = this.#fast.options;
    const headEnd = buffer.indexOf(HEAD_END);
    const maxHead = options.maxHeadBytes ?? DEFAULT_MAX_HEAD_BYTES;
    // A head over the limit is node:http's to refuse, whether its end has arrived yet or not.
    if (headEnd > maxHead || (headEnd < 0 && buffer.length > maxHead)) {
      this.#handOver();
      return;
    }
    if (headEnd < 0) return;
    const head = parseHead(buffer.toString('latin1', 0, headEnd), options);
    if (!head) {
      this.#handOver();
      return;
    }
    const bodyStart = headEnd + 4;
    const bodyEnd = bodyStart + head.length;
    if (buffer.length < bodyEnd) return;
    const body = buffer.subarray(bodyStart, bodyEnd);
    this.#buffer = buffer.length > bodyEnd ? buffer.subarray(bodyEnd) : undefined;
    const response = new LeanResponse(this, head.close);
    this.#response = response;
    options.serve(new LeanRequest(head.url, head.headers, this.socket), response, head.path, body);
  }

  /** node:http takes the connection from here, starting with the bytes not yet served. */
  #handOver(): void {
    const { socket } = this;
    socket.removeListener('data', this.#onData);
    socket.removeListener('end', this.#onEnd);
    socket.removeListener('error', this.#onClose);
    socket.removeListener('close', this.#onClose);
    this.#fast.forget(this);
    if (this.#buffer) socket.unshift(this.#buffer);
    this.#buffer = undefined;
    this.#fast.handOver(socket);
  }
}

class FastPost implements FastPostHandle {
  readonly options: FastPostOptions;
  readonly #server: Server;
  readonly #nodeListeners: ((socket: Socket) => void)[];
  readonly #connections = new Set<FastConnection>();
  readonly #sweep: NodeJS.Timeout;

  constructor(server: Server, options: FastPostOptions) {
    this.options = options;
    this.#server = server;
    this.#nodeListeners = server.listeners('connection') as ((socket: Socket) => void)[];
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) => this.#connections.add(new FastConnection(this, socket)));
    this.#sweep = setInterval(() => this.#closeExpired(), Math.min(options.keepAliveMs, 5000));
    this.#sweep.unref();
    server.once('close', () => clearInterval(this.#sweep));
  }

  handOver(socket: Socket): void {
    for (const listener of this.#nodeListeners) listener.call(this.#server, socket);
  }

  forget(connection: FastConnection): void {
    this.#connections.delete(connection);
  }

  closeIdle(): void {
    for (const connection of this.#connections) if (connection.closeIfIdle()) this.#connections.delete(connection);
  }

  closeAll(): void {
    for (const connection of this.#connections) connection.socket.destroy();
    this.#connections.clear();
  }

  /** Connections idle past the keep-alive time (or a request arriving for too long), as node:http closes them. */
  #closeExpired(): void {
    const now = Date.now();
    for (const connection of this.#connections) {
      if (connection.expired(now)) {
        connection.socket.destroy();
        this.#connections.delete(connection);
      }
    }
  }
}

/**
 * Serves an HTTP server's MCP POSTs without node:http: a proxied call's request and response otherwise pass
 * through IncomingMessage and ServerResponse and their stream machinery, which at one call at a time costs the
 * orchestrator about an eighth of its CPU per call (benchmarked). It takes over the server's connections; each
 * POST it can take (see parseHead) is parsed here and answered with a LeanResponse, and a connection is handed to
 * node:http, with its unread bytes, at the first request it does not take, so every other route, method and edge
 * case keeps Node's behaviour.
 */
export function installFastPost(server: Server, options: FastPostOptions): FastPostHandle {
  return new FastPost(server, options);
}
