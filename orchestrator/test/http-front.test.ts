import { connect as connectTcp, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { connect, type RunningOrchestrator, startOrchestrator } from './helpers.ts';

const TOKEN = 'alice-token-0123456789';
const BODY_LIMIT = 4096;

interface RawResponse {
  status: number;
  head: string;
  headers: Record<string, string>;
  body: string;
}

/** A raw HTTP/1.1 connection: bytes go out exactly as written, responses are read back one by one. */
class RawConnection {
  readonly socket: Socket;
  #buffer = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  ended = false;
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake();
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('end', () => {
      this.ended = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  static open(url: string): Promise<RawConnection> {
    const { port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connectTcp(Number(port), '127.0.0.1', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(text: string): Promise<void> {
    return new Promise((resolve) => this.socket.write(text, () => resolve()));
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  #more(): Promise<void> {
    if (this.ended) throw new Error(`connection ended; unread: ${JSON.stringify(this.#buffer.toString())}`);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The next complete response (Content-Length or chunked framing). */
  async response(): Promise<RawResponse> {
    let headEnd = this.#buffer.indexOf('\r\n\r\n');
    while (headEnd < 0) {
      await this.#more();
      headEnd = this.#buffer.indexOf('\r\n\r\n');
    }
    const head = this.#buffer.subarray(0, headEnd).toString('latin1');
    const [statusLine, ...lines] = head.split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    let at = headEnd + 4;
    let body = '';
    if (headers['transfer-encoding'] === 'chunked') {
      for (;;) {
        let lineEnd = this.#buffer.indexOf('\r\n', at);
        while (lineEnd < 0) {
          await this.#more();
          lineEnd = this.#buffer.indexOf('\r\n', at);
        }
        const size = Number.parseInt(this.#buffer.subarray(at, lineEnd).toString(), 16);
        while (this.#buffer.length < lineEnd + 2 + size + 2) await this.#more();
        body += this.#buffer.subarray(lineEnd + 2, lineEnd + 2 + size).toString();
        at = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
    } else {
      const length = Number(headers['content-length'] ?? 0);
      while (this.#buffer.length < at + length) await this.#more();
      body = this.#buffer.subarray(at, at + length).toString();
      at += length;
    }
    this.#buffer = this.#buffer.subarray(at);
    return { status: Number(statusLine?.split(' ')[1]), head, headers, body };
  }

  close(): void {
    this.socket.destroy();
  }
}

function post(path: string, body: string, headers: Record<string, string> = {}): string {
  const all: Record<string, string> = {
    host: '127.0.0.1',
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `Bearer ${TOKEN}`,
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
  };
  const lines = Object.entries(all)
    .filter(([, value]) => value !== '')
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return `POST ${path} HTTP/1.1\r\n${lines}\r\n${body}`;
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

/** Served by the fast path: the headers it adds are lower case (node:http writes `Date`, `Keep-Alive`). */
const FAST = /\r\ndate: /;
const NODE = /\r\nDate: /;

let running: RunningOrchestrator;
/** A session opened over the fast path, for the requests that need one. */
let session: string;

beforeAll(async () => {
  running = await startOrchestrator(
    { upstreams: [] },
    { SWITCHBOARD_AUTH: 'token', SWITCHBOARD_TOKENS: `alice:${TOKEN}`, SWITCHBOARD_BODY_LIMIT: String(BODY_LIMIT) },
  );
  const conn = await RawConnection.open(running.url);
  await conn.write(post('/mcp', INITIALIZE));
  const res = await conn.response();
  session = res.headers['mcp-session-id'] as string;
  conn.close();
}, 30_000);

afterAll(async () => {
  await running?.close();
});

const ping = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' });
const withSession = () => ({ 'mcp-session-id': session });

describe('the POST fast path', () => {
  test('answers a POST in one well-formed response and keeps the connection for the next', async () => {
    const conn = await RawConnection.open(running.url);
    await conn.write(post('/mcp', ping(10), { ...withSession(), 'x-correlation-id': 'corr-fast-1' }));
    const first = await conn.response();
    expect(first.head).toMatch(FAST);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.headers['x-correlation-id']).toBe('corr-fast-1');
    expect(first.headers['mcp-session-id']).toBe(session);
    expect(first.headers.date).toMatch(/GMT$/);
    expect(first.headers['keep-alive']).toBe('timeout=65');
    expect(JSON.parse(first.body)).toEqual({ jsonrpc: '2.0', id: 10, result: {} });
    await conn.write(post('/mcp', ping(11), withSession()));
    expect(JSON.parse((await conn.response()).body)).toEqual({ jsonrpc: '2.0', id: 11, result: {} });
    conn.close();
  });

  test('pipelined requests are answered in order; a head and body arriving byte by byte are read whole', async () => {
    const conn = await RawConnection.open(running.url);
    await conn.write(post('/mcp', ping(20), withSession()) + post('/mcp', ping(21), withSession()));
    for (const byte of post('/mcp', ping(22), withSession())) await conn.write(byte);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(JSON.parse((await conn.response()).body).id);
    expect(ids).toEqual([20, 21, 22]);
    conn.close();
  });

  test('a batch whose answers need a stream is sent as chunked SSE, then the connection serves the next POST', async () => {
    const conn = await RawConnection.open(running.url);
    const batch = JSON.stringify([
      { jsonrpc: '2.0', id: 30, method: 'ping' },
      { jsonrpc: '2.0', id: 31, method: 'tools/list' },
    ]);
    await conn.write(post('/mcp', batch, withSession()));
    const streamed = await conn.response();
    expect(streamed.head).toMatch(FAST);
    expect(streamed.headers['content-type']).toBe('text/event-stream');
    expect(streamed.headers['transfer-encoding']).toBe('chunked');
    const events = streamed.body
      .split('\n\n')
      .filter(Boolean)
      .map((event) => JSON.parse((/^data: (.*)$/m.exec(event) as RegExpExecArray)[1] as string));
    expect(events.map((e) => e.id).sort()).toEqual([30, 31]);
    await conn.write(post('/mcp', ping(32), withSession()));
    expect(JSON.parse((await conn.response()).body).id).toBe(32);
    conn.close();
  });

  test('the kit guards run on it: token, Host, content type, JSON', async () => {
    const conn = await RawConnection.open(running.url);
    await conn.write(post('/mcp', ping(40), { ...withSession(), authorization: '' }));
    const unauthenticated = await conn.response();
    expect(unauthenticated.head).toMatch(FAST);
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers['www-authenticate']).toBe('Bearer realm="orchestrator"');
    await conn.write(post('/mcp', ping(41), { ...withSession(), host: 'evil.example' }));
    expect((await conn.response()).status).toBe(403);
    await conn.write(post('/mcp', ping(42), { ...withSession(), 'content-type': 'text/plain' }));
    expect((await conn.response()).status).toBe(415);
    await conn.write(post('/mcp', '{"jsonrpc":', withSession()));
    const malformed = await conn.response();
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body).error.code).toBe(-32700);
    await conn.write(post('/mcp', ping(43), { 'mcp-session-id': 'no-such-session' }));
    expect((await conn.response()).status).toBe(404);
    conn.close();
  });

  test('a client that half-closes after its request gets the answer, then the connection is closed', async () => {
    const conn = await RawConnection.open(running.url);
    await conn.write(post('/mcp', ping(55), withSession()));
    conn.socket.end();
    const res = await conn.response();
    expect(res.head).toMatch(FAST);
    expect(JSON.parse(res.body).id).toBe(55);
    await conn.closed;
  });

  test('Connection: close is honoured: the answer says so and the connection is closed after it', async () => {
    const conn = await RawConnection.open(running.url);
    await conn.write(post('/mcp', ping(50), { ...withSession(), connection: 'close' }));
    const res = await conn.response();
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.body).id).toBe(50);
    await conn.closed;
  });
});

describe('requests the fast path leaves to node:http', () => {
  test('a head over 16 KB is handed over and gets 431', async () => {
    const conn = await RawConnection.open(running.url);
    await conn.write(post('/mcp', ping(74), { ...withSession(), 'x-padding': 'p'.repeat(17 * 1024) }));
    expect((await conn.response()).status).toBe(431);
    conn.close();
  });

  test('a GET after fast POSTs on the same connection is handed over, unread bytes included', async () => {
    const conn = await RawConnection.open(running.url);
    // The POST and the GET arrive in one write: the GET's bytes were read by the fast path before the hand-over.
    await conn.write(`${post('/mcp', ping(60), withSession())}GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`);
    const fast = await conn.response();
    expect(fast.head).toMatch(FAST);
    expect(JSON.parse(fast.body).id).toBe(60);
    const health = await conn.response();
    expect(health.head).toMatch(NODE);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', service: 'orchestrator' });
    // From here node:http serves the connection, POSTs too.
    await conn.write(post('/mcp', ping(61), withSession()));
    const after = await conn.response();
    expect(after.head).toMatch(NODE);
    expect(JSON.parse(after.body).id).toBe(61);
    conn.close();
  });

  test('a chunked POST is served by node:http, with the same answer', async () => {
    const conn = await RawConnection.open(running.url);
    const body = ping(70);
    const request = post('/mcp', '', { ...withSession(), 'content-length': '', 'transfer-encoding': 'chunked' });
    await conn.write(`${request}${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`);
    const res = await conn.response();
    expect(res.head).toMatch(NODE);
    expect(JSON.parse(res.body)).toEqual({ jsonrpc: '2.0', id: 70, result: {} });
    conn.close();
  });

  test('a body over the limit gets 413 and the connection is closed', async () => {
    const conn = await RawConnection.open(running.url);
    await conn.write(post('/mcp', JSON.stringify({ jsonrpc: '2.0', id: 71, method: 'ping', pad: 'x'.repeat(BODY_LIMIT) })));
    const res = await conn.response();
    expect(res.status).toBe(413);
    await conn.closed;
  });

  test('malformed heads get node:http answers: no Host, duplicate Content-Length', async () => {
    const noHost = await RawConnection.open(running.url);
    await noHost.write(post('/mcp', ping(72), { ...withSession(), host: '' }));
    expect((await noHost.response()).status).toBe(400);
    noHost.close();
    const duplicate = await RawConnection.open(running.url);
    const body = ping(73);
    await duplicate.write(
      `POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\ncontent-length: 3\r\n\r\n${body}`,
    );
    expect((await duplicate.response()).status).toBe(400);
    duplicate.close();
  });
});

describe('clients and shutdown', () => {
  test('the SDK client works end to end (its POSTs take the fast path, its GET stream node:http)', async () => {
    const client = await connect(`${running.url}/mcp`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('orchestrator.listServices');
    const result = await client.callTool({ name: 'orchestrator.health', arguments: {} });
    expect(result.isError).toBeFalsy();
    await client.close();
  });

  test('shutdown closes idle fast-path connections and finishes', async () => {
    const own = await startOrchestrator({ upstreams: [] });
    const conn = await RawConnection.open(own.url);
    await conn.write(post('/mcp', INITIALIZE, { authorization: '' }));
    expect((await conn.response()).status).toBe(200);
    await own.close();
    await conn.closed;
  }, 20_000);
});

describe('with SWITCHBOARD_FAST_HTTP=false', () => {
  test('every request is served by node:http, and sessions, calls and streams work as on the fast path', async () => {
    const own = await startOrchestrator({ upstreams: [] }, { SWITCHBOARD_FAST_HTTP: 'false' });
    try {
      const conn = await RawConnection.open(own.url);
      await conn.write(post('/mcp', INITIALIZE, { authorization: '', 'x-correlation-id': 'corr-node-1' }));
      const init = await conn.response();
      expect(init.status).toBe(200);
      expect(init.head).toMatch(NODE);
      expect(init.head).not.toMatch(FAST);
      expect(init.headers['x-correlation-id']).toBe('corr-node-1');
      const sessionId = init.headers['mcp-session-id'] as string;
      await conn.write(post('/mcp', ping(90), { authorization: '', 'mcp-session-id': sessionId }));
      const answer = await conn.response();
      expect(answer.head).toMatch(NODE);
      expect(JSON.parse(answer.body)).toEqual({ jsonrpc: '2.0', id: 90, result: {} });
      conn.close();
      const client = await connect(`${own.url}/mcp`);
      expect((await client.callTool({ name: 'orchestrator.health', arguments: {} })).isError).toBeFalsy();
      await client.close();
    } finally {
      await own.close();
    }
  }, 20_000);
});
