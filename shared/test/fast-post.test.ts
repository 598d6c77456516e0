import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, expect, test } from '@jest/globals';
import { installFastPost } from '../src/http/fast-post.ts';

let server: Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A node:http server whose POSTs to /echo the fast path answers with their body; idle connections live `keepAliveMs`. */
async function echoServer(keepAliveMs: number): Promise<number> {
  server = createServer((_req, res) => res.writeHead(200).end('node'));
  installFastPost(server, {
    serves: (path) => path === '/echo',
    serve: (_req, res, _path, body) => res.writeHead(200).end(body.toString()),
    bodyLimit: 1024,
    keepAliveMs,
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

function open(port: number): Promise<{ socket: Socket; text(): string; closed: Promise<void> }> {
  return new Promise((resolve) => {
    let received = '';
    const socket = connect(port, '127.0.0.1', () =>
      resolve({ socket, text: () => received, closed: new Promise((done) => socket.once('close', () => done())) }),
    );
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
    });
    sockets.push(socket);
  });
}

test('a connection idle past the keep-alive time is closed; one that keeps calling is not', async () => {
  const port = await echoServer(300);
  const idle = await open(port);
  const busy = await open(port);
  let closedIdle = false;
  void idle.closed.then(() => {
    closedIdle = true;
  });
  const request = 'POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\nhi';
  idle.socket.write(request);
  // The sweep runs every keep-alive time: within about two of them the idle connection must be gone.
  for (let i = 0; i < 8; i++) {
    busy.socket.write(request);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(idle.text()).toMatch(/\r\n\r\nhi$/);
  expect(closedIdle).toBe(true);
  expect(busy.socket.destroyed).toBe(false);
  expect(busy.text().split('\r\n\r\nhi').length - 1).toBe(8);
});
