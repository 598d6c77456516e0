import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJsonRpcError } from './json-rpc-error.ts';

/**
 * Reads and parses a JSON request body within `limit` bytes. Answers 415 (not JSON), 413 (too large) or 400
 * (malformed) itself and resolves `undefined` then.
 */
export function readJsonBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<{ body: unknown } | undefined> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    sendJsonRpcError(res, 415, -32000, 'Unsupported Media Type: the body must be application/json');
    req.resume();
    return Promise.resolve(undefined);
  }
  const declared = Number(req.headers['content-length'] ?? -1);
  if (declared > limit) {
    sendJsonRpcError(res, 413, -32600, `Request body too large: the limit is ${limit} bytes`, undefined, { connection: 'close' });
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (value: { body: unknown } | undefined) => {
      if (done) return;
      done = true;
      resolve(value);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        sendJsonRpcError(res, 413, -32600, `Request body too large: the limit is ${limit} bytes`, undefined, {
          connection: 'close',
        });
        req.resume();
        finish(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
      try {
        finish({ body: JSON.parse(text) });
      } catch {
        sendJsonRpcError(res, 400, -32700, 'Parse error: the body is not valid JSON');
        finish(undefined);
      }
    });
    req.on('error', () => finish(undefined));
  });
}
