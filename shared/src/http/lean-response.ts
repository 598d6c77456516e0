import { EventEmitter } from 'node:events';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { isValidHeader } from './header-lines.ts';
import type { McpResponse } from './mcp-request.ts';

/** What a lean response needs from the connection it answers on. */
export interface LeanResponseOwner {
  readonly socket: Socket;
  /** The `keep-alive` header's timeout, in seconds. */
  readonly keepAliveSeconds: number;
  /** Called once the response ended (`keepAlive` false: the connection is closed after it). */
  finished(keepAlive: boolean): void;
}

let dateSecond = -1;
let dateText = '';

/** The Date header, formatted once per second. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/**
 * The header's name in lower case; throws, as Node does, for a name that is not a token or a value that would
 * break the head.
 */
function checked(name: string, value: string | number): string {
  const lower = name.toLowerCase();
  if (!isValidHeader(lower, value)) {
    throw Object.assign(new TypeError(`Invalid response header ${JSON.stringify(name)}`), { code: 'ERR_INVALID_HTTP_TOKEN' });
  }
  return lower;
}

/**
 * An HTTP/1.1 response written straight to the socket, for the POST fast path: the head and a known-length body go
 * out in one write; a response begun with `flushHeaders` or `write` is chunked (an SSE stream). It behaves as
 * Node's ServerResponse does for the members of McpResponse: headers set before `writeHead` are merged into it,
 * `close` fires after the end or when the connection is lost first, and writes after either are ignored.
 */
export class LeanResponse extends EventEmitter implements McpResponse {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  destroyed = false;
  #owner: LeanResponseOwner;
  #headers: Record<string, string | number> = Object.create(null);
  #chunked = false;
  /** The request asked for the connection to be closed after this response. */
  #closeAfter: boolean;
  #closeEmitted = false;

  constructor(owner: LeanResponseOwner, closeAfter: boolean) {
    super();
    this.#owner = owner;
    this.#closeAfter = closeAfter;
  }

  setHeader(name: string, value: string | number): this {
    this.#headers[checked(name, value)] = value;
    return this;
  }

  writeHead(status: number, headers?: Record<string, string | number>): this {
    if (this.headersSent) throw Object.assign(new Error('headers already sent'), { code: 'ERR_HTTP_HEADERS_SENT' });
    if (headers) {
      // All checked before any is taken: a refused header leaves the response as it was, to answer with an error.
      const taken: Record<string, string | number> = {};
      for (const name in headers) taken[checked(name, headers[name] as string | number)] = headers[name] as string | number;
      Object.assign(this.#headers, taken);
    }
    this.statusCode = status;
    return this;
  }

  flushHeaders(): void {
    if (!this.headersSent) this.#send(this.#head(undefined));
  }

  write(chunk: string): boolean {
    if (this.writableEnded || this.destroyed) return false;
    const head = this.headersSent ? '' : this.#head(undefined);
    return this.#send(this.#chunked ? `${head}${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n` : head + chunk);
  }

  end(chunk?: string): this {
    if (this.writableEnded) return this;
    if (this.destroyed) {
      this.writableEnded = true;
      return this;
    }
    let out: string;
    if (!this.headersSent) out = this.#head(chunk === undefined ? 0 : Buffer.byteLength(chunk)) + (chunk ?? '');
    else if (this.#chunked) out = `${chunk ? `${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n` : ''}0\r\n\r\n`;
    else out = chunk ?? '';
    this.writableEnded = true;
    if (out) this.#send(out);
    const keepAlive = !this.#closeAfter;
    // Node emits these a tick later too; the connection reads its next request only after them.
    process.nextTick(() => {
      this.emit('finish');
      this.#close();
      this.#owner.finished(keepAlive);
    });
    return this;
  }

  /** The connection was lost before the response ended. */
  abort(): void {
    this.destroyed = true;
    this.#close();
  }

  #close(): void {
    if (this.#closeEmitted) return;
    this.#closeEmitted = true;
    this.emit('close');
  }

  #send(text: string): boolean {
    if (this.destroyed) return false;
    return this.#owner.socket.write(text);
  }

  /** The head (its headers were checked as they were set); `bodyLength` undefined means a streamed (chunked) body. */
  #head(bodyLength: number | undefined): string {
    const headers = this.#headers;
    let head = `HTTP/1.1 ${this.statusCode} ${STATUS_CODES[this.statusCode] ?? 'Unknown'}\r\n`;
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    if (headers.date === undefined) head += `date: ${httpDate()}\r\n`;
    const chunked = headers['content-length'] === undefined && bodyLength === undefined;
    if (headers['content-length'] === undefined && this.statusCode !== 204 && this.statusCode !== 304) {
      head += chunked ? 'transfer-encoding: chunked\r\n' : `content-length: ${bodyLength}\r\n`;
    }
    if (String(headers.connection ?? '').toLowerCase() === 'close') this.#closeAfter = true;
    if (headers.connection === undefined) {
      head += this.#closeAfter
        ? 'connection: close\r\n'
        : `connection: keep-alive\r\nkeep-alive: timeout=${this.#owner.keepAliveSeconds}\r\n`;
    }
    this.headersSent = true;
    this.#chunked = chunked && this.statusCode !== 204 && this.statusCode !== 304;
    return `${head}\r\n`;
  }
}
