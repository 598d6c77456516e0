import { type SseEvent, SseParser } from '@switchboard/shared';
import { Pool } from 'undici';

/**
 * A minimal MCP client over undici: initialize once, then tools/call as raw JSON-RPC on pooled keep-alive
 * connections. It costs far less CPU per call than the SDK client, so a benchmark measures the server.
 */
export class RawMcpClient {
  readonly #pool: Pool;
  readonly #path: string;
  readonly #headers: Record<string, string>;
  #nextId = 1;

  private constructor(pool: Pool, path: string, headers: Record<string, string>) {
    this.#pool = pool;
    this.#path = path;
    this.#headers = headers;
  }

  static async connect(mcpUrl: string, headers: Record<string, string> = {}, connections = 32): Promise<RawMcpClient> {
    const url = new URL(mcpUrl);
    const pool = new Pool(url.origin, { connections, pipelining: 1 });
    const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers };
    const init = await pool.request({
      path: url.pathname,
      method: 'POST',
      headers: base,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
      }),
    });
    await init.body.text();
    const session = init.headers['mcp-session-id'];
    const sessionHeaders: Record<string, string> = { ...base, 'mcp-protocol-version': '2025-06-18' };
    if (typeof session === 'string') sessionHeaders['mcp-session-id'] = session;
    const client = new RawMcpClient(pool, url.pathname, sessionHeaders);
    const ack = await pool.request({
      path: url.pathname,
      method: 'POST',
      headers: sessionHeaders,
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    });
    await ack.body.text();
    return client;
  }

  /** Calls a tool and returns its result (the JSON-RPC `result`), throwing on a JSON-RPC error. */
  async callTool(name: string, args: Record<string, unknown>): Promise<{ isError?: boolean; structuredContent?: unknown }> {
    const id = this.#nextId++;
    const res = await this.#pool.request({
      path: this.#path,
      method: 'POST',
      headers: this.#headers,
      body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }),
    });
    const text = await res.body.text();
    let json: string | undefined = text.startsWith('{') ? text : undefined;
    if (json === undefined) {
      const events: SseEvent[] = [];
      new SseParser((event) => events.push(event)).push(text);
      json = events.map((event) => event.data).find((data) => data.includes(`"id":${id}`));
    }
    if (!json) throw new Error(`no response for call ${id} (HTTP ${res.statusCode}): ${text.slice(0, 200)}`);
    const message = JSON.parse(json) as { result?: { isError?: boolean }; error?: { message: string } };
    if (message.error) throw new Error(message.error.message);
    return message.result ?? {};
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}
