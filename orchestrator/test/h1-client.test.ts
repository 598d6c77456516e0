import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { afterEach, describe, expect, test } from '@jest/globals';
import { Pool } from 'undici';
import { H1Client } from '../src/upstream/h1-client.ts';
import { type ExchangeError, exchange } from '../src/upstream/http-exchange.ts';

const servers: (HttpServer | NetServer)[] = [];
const clients: H1Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          (server as HttpServer).closeAllConnections?.();
          server.close(() => resolve());
        }),
    ),
  );
});

async function listen(server: HttpServer | NetServer): Promise<URL> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
}

function clientFor(origin: URL): H1Client {
  const client = new H1Client({ origin, connectTimeoutMs: 2000 });
  clients.push(client);
  return client;
}

/** The headers every request of a session carries: one object, as the transport passes it. */
const SESSION_HEADERS = { 'content-type': 'application/json', 'mcp-session-id': 'session-1' };

/** One POST through `exchange`, as the transport sends it (`headers`: the request's own); SSE events are collected. */
async function post(client: H1Client, body = '{"jsonrpc":"2.0","id":1,"method":"ping"}', headers?: Record<string, string>) {
  const events: string[] = [];
  const response = await exchange(
    client,
    { path: '/mcp', method: 'POST', headers: SESSION_HEADERS, extraHeaders: headers, body },
    { onEvent: (data) => void events.push(data) },
  );
  return { ...response, events };
}

/** A raw TCP server that answers each request (once its head and body arrived) by running `answer`. */
async function rawServer(answer: (socket: Socket, request: string) => void | Promise<void>): Promise<URL> {
  return listen(
    createNetServer((socket) => {
      let seen = '';
      socket.on('data', (chunk) => {
        seen += chunk.toString('latin1');
        const end = seen.indexOf('\r\n\r\n');
        const length = Number(/content-length: (\d+)/i.exec(seen)?.[1] ?? 0);
        if (end >= 0 && seen.length >= end + 4 + length) {
          const request = seen.slice(0, end + 4 + length);
          seen = seen.slice(end + 4 + length);
          void answer(socket, request);
        }
      });
      socket.on('error', () => {});
    }),
  );
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('H1Client against a Node HTTP server', () => {
  test('sends the POST with its headers and body; a JSON answer with a length is read whole; the connection is reused', async () => {
    const seen: { method?: string; url?: string; headers: Record<string, unknown>; body: string }[] = [];
    const origin = await listen(
      createHttpServer((req, res) => {
        let body = '';
        req.on('data', (chunk) => {
          body += chunk;
        });
        req.on('end', () => {
          seen.push({ method: req.method, url: req.url, headers: req.headers, body });
          const answer = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { echo: body.length, text: 'héllo ✓' } });
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
          res.end(answer);
        });
      }),
    );
    const client = clientFor(origin);
    for (let i = 0; i < 3; i++) {
      const response = await post(client, '{"text":"ünïcode"}', { 'x-correlation-id': `c-${i}` });
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(response.text)).toEqual({ jsonrpc: '2.0', id: 1, result: { echo: 18, text: 'héllo ✓' } });
    }
    expect(seen).toHaveLength(3);
    expect(seen[2]).toMatchObject({
      method: 'POST',
      url: '/mcp',
      body: '{"text":"ünïcode"}',
      headers: {
        host: origin.host,
        'content-type': 'application/json',
        'mcp-session-id': 'session-1',
        'x-correlation-id': 'c-2',
        'content-length': '20',
      },
    });
    expect(client.connections).toBe(1);
  });

  test("on an undici pool, exchange sends the request's own headers too, merged after the session's", async () => {
    let seen: Record<string, unknown> = {};
    const origin = await listen(
      createHttpServer((req, res) => {
        seen = req.headers;
        req.resume();
        req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 }).end('{}'));
      }),
    );
    const pool = new Pool(origin);
    try {
      const response = await exchange(
        pool,
        { path: '/mcp', method: 'POST', headers: SESSION_HEADERS, extraHeaders: { 'x-correlation-id': 'c-9' }, body: '{}' },
        { onEvent: () => {} },
      );
      expect(response.text).toBe('{}');
      expect(seen).toMatchObject({ 'mcp-session-id': 'session-1', 'x-correlation-id': 'c-9' });
    } finally {
      await pool.close();
    }
  });

  test('a body with a length that arrives in many reads is read whole (no read overwrites an earlier one)', async () => {
    const body = JSON.stringify({ text: 'ünïcødé ✓ '.repeat(50) });
    const wire = Buffer.from(
      `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    const origin = await rawServer(async (socket) => {
      for (let i = 0; i < wire.length; i += 37) {
        socket.write(wire.subarray(i, i + 37));
        await pause(1);
      }
    });
    const response = await post(clientFor(origin));
    expect(response.text).toBe(body);
  });

  test('an SSE answer (chunked) reaches the listener event by event, before the response ends', async () => {
    const origin = await listen(
      createHttpServer((req, res) => {
        req.resume();
        req.on('end', async () => {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('event: message\ndata: {"progress":1}\n\n');
          await pause(150);
          res.end('event: message\ndata: {"result":"done"}\n\n');
        });
      }),
    );
    const client = clientFor(origin);
    const events: { data: string; at: number }[] = [];
    const started = Date.now();
    const response = await exchange(
      client,
      { path: '/mcp', method: 'POST', headers: {}, body: '{}' },
      { onEvent: (data) => void events.push({ data, at: Date.now() - started }) },
    );
    const ended = Date.now() - started;
    expect(response.statusCode).toBe(200);
    expect(events.map((e) => e.data)).toEqual(['{"progress":1}', '{"result":"done"}']);
    expect(ended - (events[0]?.at as number)).toBeGreaterThanOrEqual(100);
  });

  test('when the server closes an idle connection, the next request opens a new one and succeeds', async () => {
    const origin = await listen(
      createHttpServer((req, res) => {
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
          res.end('{}');
          // Close the connection once the response is out (as a server's keep-alive timeout would).
          setTimeout(() => req.socket.destroy(), 20);
        });
      }),
    );
    const client = clientFor(origin);
    expect((await post(client)).text).toBe('{}');
    await pause(100);
    expect(client.connections).toBe(0);
    expect((await post(client)).text).toBe('{}');
  });
});

describe('H1Client framing, byte by byte', () => {
  test('chunked bodies split anywhere (inside sizes, CRLFs and multi-byte characters), with extensions and trailers', async () => {
    const body = 'event: message\ndata: {"text":"ünïcødé ✓"}\n\n';
    const bytes = Buffer.from(body);
    const wire = Buffer.concat([
      Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n'),
      Buffer.from(`${(20).toString(16)};ext=1\r\n`),
      bytes.subarray(0, 20),
      Buffer.from(`\r\n${(bytes.length - 20).toString(16)}\r\n`),
      bytes.subarray(20),
      Buffer.from('\r\n0\r\nx-trailer: yes\r\n\r\n'),
    ]);
    const origin = await rawServer(async (socket) => {
      for (let i = 0; i < wire.length; i += 3) {
        socket.write(wire.subarray(i, i + 3));
        await pause(1);
      }
    });
    const client = clientFor(origin);
    const first = await post(client);
    expect(first.events).toEqual(['{"text":"ünïcødé ✓"}']);
    // The whole response was consumed, so the connection carries the next exchange.
    const second = await post(client);
    expect(second.events).toEqual(['{"text":"ünïcødé ✓"}']);
    expect(client.connections).toBe(1);
  });

  test('interim 1xx responses are skipped; a body without length or chunking is read to the close', async () => {
    const origin = await rawServer((socket) => {
      socket.write('HTTP/1.1 103 Early Hints\r\nlink: </x>\r\n\r\n');
      socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"ok":true}');
    });
    const client = clientFor(origin);
    const response = await post(client);
    expect(response.statusCode).toBe(200);
    expect(response.text).toBe('{"ok":true}');
    await pause(20);
    expect(client.connections).toBe(0);
  });

  test('a connection idle past its limit is never reused, even before the sweep has closed it', async () => {
    let connections = 0;
    const server = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 }).end('{}'));
    });
    server.on('connection', () => connections++);
    const origin = await listen(server);
    const client = new H1Client({ origin, connectTimeoutMs: 2000, idleMs: 50 });
    clients.push(client);
    expect((await post(client)).text).toBe('{}');
    await pause(120);
    expect((await post(client)).text).toBe('{}');
    expect(connections).toBe(2);
    expect(client.connections).toBe(1);
  });

  test("an idle connection is closed before the server's advertised Keep-Alive timeout would close it", async () => {
    const origin = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nkeep-alive: timeout=1\r\n\r\n{}');
    });
    const client = clientFor(origin);
    expect((await post(client)).text).toBe('{}');
    await pause(100);
    expect(client.connections).toBe(1);
    // timeout=1 s: the client gives the connection up after 0.5 s, while the server still holds it open.
    await pause(700);
    expect(client.connections).toBe(0);
  });

  test('a response cut short fails the exchange, saying the server had begun to answer', async () => {
    const origin = await rawServer((socket) => {
      socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 50\r\n\r\n{"partial"');
    });
    const error = (await post(clientFor(origin)).catch((e: unknown) => e)) as ExchangeError;
    expect(error.name).toBe('ExchangeError');
    expect(error.responded).toBe(true);
  });

  test('a malformed response fails the exchange and the connection is dropped', async () => {
    const origin = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n');
    });
    const client = clientFor(origin);
    const error = (await post(client).catch((e: unknown) => e)) as ExchangeError;
    expect(error.message).toContain('malformed chunk size');
    expect(client.connections).toBe(0);
  });
});

describe('H1Client failures before an answer', () => {
  test('a refused connection fails with its code and says nothing was answered', async () => {
    const server = createNetServer();
    const origin = await listen(server);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    servers.pop();
    const error = (await post(clientFor(origin)).catch((e: unknown) => e)) as ExchangeError;
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.responded).toBe(false);
  });

  test('a header value with a line break is refused before anything is written', async () => {
    let requests = 0;
    const origin = await rawServer(() => {
      requests++;
    });
    const error = (await post(clientFor(origin), '{}', { 'x-correlation-id': 'a\r\nx-injected: 1' }).catch(
      (e: unknown) => e,
    )) as ExchangeError;
    expect(error.message).toContain('invalid request header');
    const badSession = (await exchange(
      clientFor(origin),
      { path: '/mcp', method: 'POST', headers: { 'bad name': 'x' }, body: '{}' },
      { onEvent: () => {} },
    ).catch((e: unknown) => e)) as ExchangeError;
    expect(badSession.message).toContain('invalid request header');
    await pause(50);
    expect(requests).toBe(0);
  });

  test('a closed client fails new exchanges and those in progress', async () => {
    const origin = await rawServer(() => {});
    const client = clientFor(origin);
    const inProgress = post(client).catch((e: unknown) => e) as Promise<ExchangeError>;
    await pause(50);
    client.close();
    expect((await inProgress).message).toContain('closed');
    const after = (await post(client).catch((e: unknown) => e)) as ExchangeError;
    expect(after.message).toContain('closed');
  });
});
