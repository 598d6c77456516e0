import { ToolError } from '@switchboard/shared';

/** A host as cmdb describes it. */
export interface CmdbHost {
  name: string;
  attributes: Record<string, string | number | boolean>;
}

export interface CmdbClientOptions {
  /** cmdb's Streamable HTTP endpoint, e.g. http://cmdb:8012/mcp. */
  url: string;
  token?: string;
  timeoutMs: number;
  version: string;
}

export interface CmdbClient {
  /** The host CI of that name, or undefined when cmdb has none. */
  getHost(name: string): Promise<CmdbHost | undefined>;
}

interface JsonRpcResponse {
  id?: number;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

const PROTOCOL_VERSION = '2025-06-18';

/** The JSON-RPC response for `id` in a JSON or SSE (text/event-stream) body. */
function responseFor(body: string, contentType: string, id: number): JsonRpcResponse | undefined {
  const messages: unknown[] = [];
  if (contentType.includes('text/event-stream')) {
    for (const event of body.split(/\r?\n\r?\n/)) {
      const data = event
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (data) messages.push(JSON.parse(data));
    }
  } else if (body.trim()) {
    const parsed = JSON.parse(body) as unknown;
    messages.push(...(Array.isArray(parsed) ? parsed : [parsed]));
  }
  return messages.find((m): m is JsonRpcResponse => typeof m === 'object' && m !== null && (m as JsonRpcResponse).id === id);
}

/**
 * A minimal MCP client over Streamable HTTP for one purpose: `getItem { type: host, name }` on cmdb. Each lookup
 * is one short session (initialize, initialized, tools/call, DELETE).
 */
export function createCmdbClient(options: CmdbClientOptions): CmdbClient {
  const post = async (session: string | undefined, message: Record<string, unknown>, signal: AbortSignal) => {
    const response = await fetch(options.url, {
      method: 'POST',
      signal,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': PROTOCOL_VERSION,
        ...(session ? { 'mcp-session-id': session } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      body: JSON.stringify({ jsonrpc: '2.0', ...message }),
    });
    const body = await response.text();
    if (!response.ok) throw new Error(`HTTP ${response.status} ${body.slice(0, 200)}`);
    return { response, body };
  };
  return {
    getHost: async (name) => {
      const signal = AbortSignal.timeout(options.timeoutMs);
      let session: string | undefined;
      try {
        const init = await post(
          undefined,
          {
            id: 1,
            method: 'initialize',
            params: {
              protocolVersion: PROTOCOL_VERSION,
              capabilities: {},
              clientInfo: { name: 'switchboard-linux-cli', version: options.version },
            },
          },
          signal,
        );
        session = init.response.headers.get('mcp-session-id') ?? undefined;
        const initialized = responseFor(init.body, init.response.headers.get('content-type') ?? '', 1);
        if (!initialized?.result) throw new Error(initialized?.error?.message ?? 'no initialize result');
        await post(session, { method: 'notifications/initialized' }, signal);
        const call = await post(
          session,
          { id: 2, method: 'tools/call', params: { name: 'getItem', arguments: { type: 'host', name, relationshipsLimit: 0 } } },
          signal,
        );
        const answer = responseFor(call.body, call.response.headers.get('content-type') ?? '', 2);
        if (!answer?.result) throw new Error(answer?.error?.message ?? 'no tools/call result');
        const structured = answer.result.structuredContent as
          | { item?: { name: string; attributes: CmdbHost['attributes'] }; error?: { code: string; message: string } }
          | undefined;
        if (structured?.error?.code === 'NOT_FOUND') return undefined;
        if (structured?.error) throw new Error(`${structured.error.code}: ${structured.error.message}`);
        if (!structured?.item) throw new Error('getItem returned no item');
        return { name: structured.item.name, attributes: structured.item.attributes };
      } catch (error) {
        throw new ToolError('DEPENDENCY_UNAVAILABLE', `cmdb lookup of host ${name} failed: ${(error as Error).message}`);
      } finally {
        if (session) {
          await fetch(options.url, {
            method: 'DELETE',
            headers: { 'mcp-session-id': session, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
            signal: AbortSignal.timeout(options.timeoutMs),
          }).catch(() => {});
        }
      }
    },
  };
}
