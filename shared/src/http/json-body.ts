import type { IncomingMessage } from 'node:http';
import { sendJsonRpcError } from './json-rpc-error.ts';
import type { McpRequest, McpResponse } from './mcp-request.ts';

/** True when the request says its body is JSON; else answers 415. */
function isJson(req: McpRequest, res: McpResponse): boolean {
  if (/^application\/(?:[\w.+-]+\+)?json\b/i.test(req.headers['content-type'] ?? '')) return true;
  sendJsonRpcError(res, 415, -32000, 'Unsupported Media Type: the body must be application/json');
  return false;
}

function parse(bytes: Buffer, res: McpResponse): { body: unknown } | undefined {
  try {
    return { body: JSON.parse(bytes.toString('utf8')) };
  } catch {
    sendJsonRpcError(res, 400, -32700, 'Parse error: the body is not valid JSON');
    return undefined;
  }
}

/**
 * Parses a JSON request body already read whole (the POST fast path read it within the limit). Answers 415 (not
 * JSON) or 400 (malformed) itself and returns `undefined` then.
 */
export function parseJsonBody(req: McpRequest, res: McpResponse, bytes: Buffer): { body: unknown } | undefined {
  return isJson(req, res) ? parse(bytes, res) : undefined;
}

/**
 * Reads and parses a JSON request body within `limit` bytes. Answers 415 (not JSON), 413 (too large) or 400
 * (malformed) itself and resolves `undefined` then.
 */
export function readJsonBody(req: IncomingMessage, res: McpResponse, limit: number): Promise<{ body: unknown } | undefined> {
  if (!isJson(req, res)) {
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
      if (!done) finish(parse(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks), res));
    });
    req.on('error', () => finish(undefined));
  });
}
