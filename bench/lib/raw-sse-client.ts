import { SseParser } from '@switchboard/shared';
import { Pool } from 'undici';

/**
 * A minimal client for the legacy HTTP+SSE transport over undici: one GET event stream carries every response,
 * matched to its call by id; calls are POSTed to the endpoint the stream announced.
 */
export class RawSseClient {
  readonly #pool: Pool;
  readonly #endpoint: string;
  readonly #pending = new Map<number, (message: { result?: { isError?: boolean }; error?: { message: string } }) => void>();
  readonly #abort: AbortController;
  #nextId = 1;

  private constructor(pool: Pool, endpoint: string, abort: AbortController) {
    this.#pool = pool;
    this.#endpoint = endpoint;
    this.#abort = abort;
  }

  static async connect(sseUrl: string, connections = 64): Promise<RawSseClient> {
    const url = new URL(sseUrl);
    const pool = new Pool(url.origin, { connections, pipelining: 1 });
    const abort = new AbortController();
    const response = await pool.request({
      path: url.pathname,
      method: 'GET',
      headers: { accept: 'text/event-stream' },
      signal: abort.signal,
    });
    response.body.setEncoding('utf8');
    let client: RawSseClient | undefined;
    const endpoint = await new Promise<string>((resolve, reject) => {
      const parser = new SseParser(({ event, data }) => {
        if (event === 'endpoint') resolve(data);
        else if (data && client) {
          const message = JSON.parse(data) as { id?: number; result?: { isError?: boolean }; error?: { message: string } };
          if (typeof message.id === 'number') client.#pending.get(message.id)?.(message);
        }
      });
      response.body.on('data', (chunk: string) => parser.push(chunk));
      response.body.on('error', reject);
    });
    client = new RawSseClient(pool, new URL(endpoint, url).pathname + new URL(endpoint, url).search, abort);
    await client.#rpc('initialize', {
      protocolVersion: '2024-11-05',
      capabilities: {},
      clientInfo: { name: 'bench', version: '1' },
    });
    await client.#post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return client;
  }

  async #post(message: object): Promise<void> {
    const res = await this.#pool.request({
      path: this.#endpoint,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
    });
    await res.body.dump();
  }

  #rpc(method: string, params: object): Promise<{ result?: { isError?: boolean }; error?: { message: string } }> {
    const id = this.#nextId++;
    const answer = new Promise<{ result?: { isError?: boolean }; error?: { message: string } }>((resolve) =>
      this.#pending.set(id, resolve),
    );
    return this.#post({ jsonrpc: '2.0', id, method, params }).then(async () => {
      const message = await answer;
      this.#pending.delete(id);
      return message;
    });
  }

  async callTool(name: string, args: Record<string, unknown>): Promise<{ isError?: boolean }> {
    const message = await this.#rpc('tools/call', { name, arguments: args });
    if (message.error) throw new Error(message.error.message);
    return message.result ?? {};
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.#pool.destroy();
  }
}
