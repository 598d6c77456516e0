/** JSON-RPC 2.0 as MCP uses it: the orchestrator forwards these messages without rebuilding SDK objects. */
export type RequestId = string | number;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: RequestId;
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: RequestId;
  result?: Record<string, unknown>;
  error?: JsonRpcError;
}

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export const RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  connectionClosed: -32000,
  requestTimeout: -32001,
  resourceNotFound: -32002,
} as const;

export function isRequest(message: unknown): message is JsonRpcRequest {
  return typeof message === 'object' && message !== null && 'method' in message && 'id' in message;
}

export function isNotification(message: unknown): message is JsonRpcNotification {
  return typeof message === 'object' && message !== null && 'method' in message && !('id' in message);
}

export function isResponse(message: unknown): message is JsonRpcResponse {
  return typeof message === 'object' && message !== null && !('method' in message) && 'id' in message;
}

export function resultMessage(id: RequestId, result: Record<string, unknown>): JsonRpcResponse {
  return { jsonrpc: '2.0', id, result };
}

export function errorMessage(id: RequestId, code: number, message: string, data?: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } };
}

/** The MCP protocol versions the orchestrator speaks, newest first. */
export const PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];
export const LATEST_PROTOCOL_VERSION = PROTOCOL_VERSIONS[0] as string;

/**
 * The JSON text a message was parsed from, kept on it so it can be sent on as is: under a symbol (never
 * serialised) and not enumerable, so a copy made with a spread (to rewrite a field) does not inherit stale text.
 */
const RAW_TEXT = Symbol('switchboard.rawText');

function keepText(message: object, text: string): void {
  Object.defineProperty(message, RAW_TEXT, { value: text, enumerable: false });
}

/**
 * Parses one JSON-RPC message and keeps its text on it when the text fits on one line (so it can go out as one SSE
 * data line or one stdio line as well).
 */
export function parseMessage(text: string): JsonRpcMessage {
  const message = JSON.parse(text) as JsonRpcMessage;
  if (message !== null && typeof message === 'object' && !text.includes('\n') && !text.includes('\r')) {
    keepText(message, text);
  }
  return message;
}

/**
 * The same response under another id, carrying the upstream's text with only the id rewritten, so sending it on
 * costs no serialisation. That holds when the text ends with the top-level id member (`,"id":<id>}`, as the MCP
 * SDKs write it): nothing after it, so it is the top-level object's own, and JSON's last duplicate wins.
 * Otherwise the copy is serialised when sent.
 */
export function reidentified(response: JsonRpcResponse, id: RequestId): JsonRpcResponse {
  const copy: JsonRpcResponse = response.error
    ? { jsonrpc: '2.0', id, error: response.error }
    : { jsonrpc: '2.0', id, result: response.result ?? {} };
  const text = (response as { [RAW_TEXT]?: string })[RAW_TEXT];
  // Kept text is on one line already (parseMessage checked), and the rewrite adds no line break.
  if (text !== undefined) {
    const tail = `,"id":${JSON.stringify(response.id)}}`;
    if (text.endsWith(tail)) {
      keepText(copy, `${text.slice(0, text.length - tail.length)},"id":${JSON.stringify(id)}}`);
    }
  }
  return copy;
}

/** The message as JSON text: its kept text when it has one, else serialised. */
export function messageText(message: JsonRpcMessage): string {
  return (message as { [RAW_TEXT]?: string })[RAW_TEXT] ?? JSON.stringify(message);
}
