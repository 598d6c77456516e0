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
