import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, expect, test } from '@jest/globals';
import { LeanResponse, type LeanResponseOwner } from '../src/http/lean-response.ts';

let listener: Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await new Promise((resolve) => listener?.close(resolve));
  listener = undefined;
});

/** A response writing to a real accepted socket; `text()` is what its client has received so far. */
async function leanResponse(closeAfter = false) {
  listener = createServer();
  await new Promise<void>((resolve) => listener?.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => listener?.once('connection', resolve));
  const { port } = listener.address() as { port: number };
  const client = connect(port, '127.0.0.1');
  let received = '';
  client.on('data', (chunk: Buffer) => {
    received += chunk.toString();
  });
  const socket = await accepted;
  sockets.push(client, socket);
  const finished: boolean[] = [];
  const owner: LeanResponseOwner = { socket, keepAliveSeconds: 65, finished: (keepAlive) => finished.push(keepAlive) };
  const until = async (predicate: (text: string) => boolean) => {
    for (let i = 0; i < 200 && !predicate(received); i++) await new Promise((resolve) => setTimeout(resolve, 5));
    return received;
  };
  return { res: new LeanResponse(owner, closeAfter), until, finished };
}

test('a refused header throws and leaves the response able to answer with an error', async () => {
  const { res, until } = await leanResponse();
  res.setHeader('x-correlation-id', 'c-1');
  expect(() => res.writeHead(200, { 'x-ok': '1', 'x-bad': 'a\r\nInjected: yes' })).toThrow(/Invalid response header "x-bad"/);
  expect(() => res.setHeader('bad name', 'v')).toThrow(/Invalid response header/);
  expect(res.headersSent).toBe(false);
  res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":1}');
  const text = await until((t) => t.endsWith('{"error":1}'));
  expect(text).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n/);
  expect(text).toContain('x-correlation-id: c-1\r\n');
  expect(text).toContain('content-length: 11\r\n');
  expect(text).not.toContain('x-ok');
  expect(text).not.toContain('Injected');
});

test('a streamed body is chunked and ends with the last chunk; close and finished follow the end', async () => {
  const { res, until, finished } = await leanResponse();
  const events: string[] = [];
  res.on('close', () => events.push('close'));
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.flushHeaders();
  expect(res.write('data: one\n\n')).toBe(true);
  res.end('data: two\n\n');
  expect(res.write('late')).toBe(false);
  const text = await until((t) => t.endsWith('0\r\n\r\n'));
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  expect(text).toContain('transfer-encoding: chunked\r\n');
  expect(text).toContain('keep-alive: timeout=65\r\n');
  expect(body).toBe('b\r\ndata: one\n\n\r\nb\r\ndata: two\n\n\r\n0\r\n\r\n');
  expect(events).toEqual(['close']);
  expect(finished).toEqual([true]);
});

test('Connection: close (asked by the request or set by the handler) is sent and ends keep-alive', async () => {
  const asked = await leanResponse(true);
  asked.res.writeHead(202).end();
  const text = await asked.until((t) => t.includes('\r\n\r\n'));
  expect(text).toContain('connection: close\r\n');
  expect(text).toContain('content-length: 0\r\n');
  await asked.until(() => asked.finished.length > 0);
  expect(asked.finished).toEqual([false]);
});

test('after the connection is lost, close fires once and writes are dropped', async () => {
  const { res } = await leanResponse();
  let closes = 0;
  res.on('close', () => closes++);
  res.abort();
  expect(res.destroyed).toBe(true);
  expect(res.write('x')).toBe(false);
  res.end('y');
  await new Promise((resolve) => setImmediate(resolve));
  expect(closes).toBe(1);
});
