import { AsyncLocalStorage } from 'node:async_hooks';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type CallToolResult, McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { CORRELATION_META_KEY, readCorrelationId, writeCorrelationId } from '../correlation.ts';
import { ToolError } from '../errors.ts';
import { IDEMPOTENCY_META_KEY } from '../idempotency/key.ts';
import type { Redactor } from '../logging/redactor.ts';
import { toolErrorFromResult } from './result-error.ts';

export interface ServiceClientOptions {
  /** The service's Streamable HTTP endpoint, e.g. `http://cmdb:8012/mcp`: from configuration, never inline. */
  url: string;
  /** Its bearer token (from configuration: see serviceEndpointConfig). */
  token?: string | undefined;
  /** The name errors and details use (`cmdb`); the URL's host by default. */
  name?: string;
  /** Default time limit of one call (default 30 s); a call may pass its own. */
  timeoutMs?: number;
  /** Time limit of connecting and initializing (default 5 s). */
  connectTimeoutMs?: number;
  /** Who we are at initialize (default `switchboard-service-client`). */
  clientInfo?: { name: string; version: string };
  /** The token is registered here, so it never reaches a log or a result. */
  redactor?: Redactor;
}

/** Per call. A tool handler's `ctx` fits as is: `client.call('getItem', args, ctx)` passes its signal and id. */
export interface ServiceCallOptions {
  /** Cancels the call: the service receives notifications/cancelled and the call rejects with CANCELLED. */
  signal?: AbortSignal | undefined;
  /** The caller's correlation id (pass `ctx.correlationId`); a new one when absent. */
  correlationId?: string | undefined;
  /** An idempotency key for a mutating call, sent as `_meta["io.switchboard/idempotency-key"]`. */
  idempotencyKey?: string | undefined;
  /** This call's time limit (UPSTREAM_TIMEOUT when exceeded). */
  timeoutMs?: number | undefined;
  /** Progress the service reports (the time limit restarts with each report). */
  onProgress?: ((progress: number, total: number | undefined, message: string | undefined) => void) | undefined;
}

/** A connection to another Switchboard service (or any MCP server over Streamable HTTP), on the SDK client. */
export interface ServiceClient {
  readonly name: string;
  readonly url: string;
  /**
   * Calls a tool and returns its structuredContent. A tool error result is thrown as the ToolError the service
   * meant (same code, retryability and details, message prefixed `<name>.<tool>: `); an unreachable service is
   * DEPENDENCY_UNAVAILABLE, a call over its time limit UPSTREAM_TIMEOUT, a protocol error UPSTREAM_ERROR (or
   * INVALID_ARGUMENT for invalid params), an aborted signal CANCELLED.
   */
  call<T = Record<string, unknown>>(tool: string, args?: Record<string, unknown>, options?: ServiceCallOptions): Promise<T>;
  /** The whole CallToolResult (content blocks, `_meta`); error results are returned, not thrown. */
  callTool(tool: string, args?: Record<string, unknown>, options?: ServiceCallOptions): Promise<CallToolResult>;
  listTools(options?: ServiceCallOptions): Promise<Tool[]>;
  /** Ends the session (DELETE) and closes the connection; a later call reconnects. */
  close(): Promise<void>;
}

interface Connection {
  client: Client;
  transport: StreamableHTTPClientTransport;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
const INVALID_PARAMS = -32602;
const REQUEST_TIMEOUT = -32001;
const METHOD_NOT_FOUND = -32601;

/** The correlation id of the call being sent, for the fetch that carries it (the SDK's transport builds the request). */
const sending = new AsyncLocalStorage<string>();

interface ErrorShape {
  code?: unknown;
  cause?: { code?: unknown };
}

/** The transport's HTTP status error class, known once the transport module is loaded (on first connect). */
let HttpStatusError: typeof StreamableHTTPError | undefined;

function isHttpStatusError(error: unknown): error is StreamableHTTPError {
  return HttpStatusError !== undefined && error instanceof HttpStatusError;
}

/** The service no longer knows our session (it restarted): it refused the request without running it. */
function isSessionGone(error: unknown): boolean {
  return isHttpStatusError(error) && (error.code === 404 || error.code === 400) && /session/i.test(error.message);
}

/** The request could not be delivered, or the answer not read (connection refused, reset, DNS). */
function isConnectionFailure(error: unknown): boolean {
  const e = error as ErrorShape;
  return (
    (error as Error)?.name === 'TypeError' ||
    typeof e?.cause?.code === 'string' ||
    (typeof e?.code === 'string' && /^(E[A-Z_]+|UND_ERR_[A-Z_]+)$/.test(e.code))
  );
}

/**
 * A client for calling one service from another: one MCP session over the SDK's Streamable HTTP client, opened on
 * first use and reopened when the service restarts (a lost session is re-initialized and the call sent once more,
 * since the service refused it unseen). Every call carries the correlation id in `_meta` and `x-correlation-id`,
 * has a time limit, follows the caller's cancellation, and maps errors back to ToolError codes.
 */
export function createServiceClient(options: ServiceClientOptions): ServiceClient {
  const url = new URL(options.url);
  const name = options.name ?? url.hostname;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (options.token) options.redactor?.register(options.token);
  const baseHeaders: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  let connection: Promise<Connection> | undefined;
  /** The open connection, once initialize has succeeded. */
  let settled: Connection | undefined;

  const correlatedFetch = (input: string | URL | Request, init?: RequestInit) => {
    const id = sending.getStore();
    if (id === undefined) return fetch(input, init);
    const headers = new Headers(init?.headers);
    const extra: Record<string, string> = {};
    writeCorrelationId(id, { headers: extra });
    for (const [key, value] of Object.entries(extra)) headers.set(key, value);
    return fetch(input, { ...init, headers });
  };

  const unavailable = (error: unknown) =>
    new ToolError('DEPENDENCY_UNAVAILABLE', `${name} cannot be reached at ${url.origin}: ${(error as Error)?.message ?? error}`, {
      details: { service: name },
      cause: error,
    });

  const open = async (): Promise<Connection> => {
    const [{ Client }, { StreamableHTTPClientTransport, StreamableHTTPError }] = await Promise.all([
      import('@modelcontextprotocol/sdk/client/index.js'),
      import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    ]);
    HttpStatusError = StreamableHTTPError;
    const client = new Client(options.clientInfo ?? { name: 'switchboard-service-client', version: '1.0.0' }, {
      capabilities: {},
    });
    const transport = new StreamableHTTPClientTransport(url, {
      requestInit: { headers: baseHeaders },
      fetch: correlatedFetch,
      reconnectionOptions: {
        maxRetries: 0,
        initialReconnectionDelay: 1000,
        maxReconnectionDelay: 1000,
        reconnectionDelayGrowFactor: 1,
      },
    });
    const current: Connection = { client, transport };
    client.onclose = () => {
      if (connection && settled === current) connection = undefined;
    };
    // Errors of the background stream (a restarted service) surface on the next call; nothing to do here.
    client.onerror = () => {};
    try {
      await client.connect(transport, { timeout: connectTimeoutMs });
    } catch (error) {
      await client.close().catch(() => {});
      if (error instanceof McpError && error.code === REQUEST_TIMEOUT) {
        throw unavailable(new Error(`no answer to initialize within ${connectTimeoutMs} ms`));
      }
      throw error;
    }
    settled = current;
    return current;
  };

  const connect = (): Promise<Connection> => {
    connection ??= open().catch((error: unknown) => {
      connection = undefined;
      throw error;
    });
    return connection;
  };

  const drop = async (stale: Connection) => {
    if (settled === stale) {
      settled = undefined;
      connection = undefined;
    }
    await stale.client.close().catch(() => {});
  };

  const mapError = (error: unknown, what: string, callOptions: ServiceCallOptions, limit: number): ToolError => {
    if (error instanceof ToolError) return error;
    if (callOptions.signal?.aborted) return new ToolError('CANCELLED', `the call to ${name} ${what} was cancelled`);
    const details = { service: name };
    if (isHttpStatusError(error)) {
      const status = Number(error.code);
      if (status === 401 || status === 403) {
        return new ToolError('DEPENDENCY_UNAVAILABLE', `${name} refused our credentials (HTTP ${status}): check its token`, {
          retryable: false,
          details,
        });
      }
      if (status === 429) return new ToolError('RATE_LIMITED', `${name} is rate limiting our calls (HTTP 429)`, { details });
      return unavailable(error);
    }
    if (error instanceof McpError) {
      const message = error.message.replace(/^MCP error -?\d+: /, '');
      const data = error.data as { code?: unknown; retryable?: unknown } | undefined;
      if (error.code === REQUEST_TIMEOUT) {
        return new ToolError('UPSTREAM_TIMEOUT', `${name} did not answer ${what} within ${limit} ms`, {
          details: { ...details, timeoutMs: limit },
        });
      }
      if (typeof data?.code === 'string') {
        return toolErrorFromResult(
          { isError: true, structuredContent: { error: { code: data.code, message, retryable: data.retryable } } },
          { service: name, tool: what },
        );
      }
      if (error.code === INVALID_PARAMS || error.code === METHOD_NOT_FOUND) {
        return new ToolError('INVALID_ARGUMENT', `${name}.${what}: ${message}`, { details });
      }
      return new ToolError('UPSTREAM_ERROR', `${name}.${what}: ${message}`, { details });
    }
    if (isConnectionFailure(error)) return unavailable(error);
    return new ToolError('UPSTREAM_ERROR', `${name}.${what}: ${(error as Error)?.message ?? error}`, { details, cause: error });
  };

  /** Runs one request on the session, reconnecting once when the service lost our session (it restarted). */
  const request = async <T>(
    what: string,
    callOptions: ServiceCallOptions,
    limit: number,
    send: (conn: Connection) => Promise<T>,
  ): Promise<T> => {
    if (callOptions.signal?.aborted) throw new ToolError('CANCELLED', `the call to ${name} ${what} was cancelled`);
    const id = readCorrelationId({ meta: { [CORRELATION_META_KEY]: callOptions.correlationId } });
    return sending.run(id, async () => {
      for (let attempt = 0; ; attempt++) {
        let conn: Connection;
        try {
          conn = await connect();
        } catch (error) {
          throw mapError(isConnectionFailure(error) ? unavailable(error) : error, what, callOptions, limit);
        }
        try {
          return await send(conn);
        } catch (error) {
          if (attempt === 0 && isSessionGone(error) && !callOptions.signal?.aborted) {
            await drop(conn);
            continue;
          }
          if (isConnectionFailure(error) || isHttpStatusError(error)) await drop(conn);
          throw mapError(error, what, callOptions, limit);
        }
      }
    });
  };

  const callTool = (tool: string, args: Record<string, unknown> = {}, callOptions: ServiceCallOptions = {}) => {
    const limit = callOptions.timeoutMs ?? timeoutMs;
    return request(tool, callOptions, limit, async ({ client }) => {
      const meta: Record<string, unknown> = {};
      writeCorrelationId(sending.getStore() as string, { meta });
      if (callOptions.idempotencyKey !== undefined) meta[IDEMPOTENCY_META_KEY] = callOptions.idempotencyKey;
      const onProgress = callOptions.onProgress;
      const result = await client.callTool({ name: tool, arguments: args, _meta: meta }, undefined, {
        timeout: limit,
        ...(callOptions.signal ? { signal: callOptions.signal } : {}),
        ...(onProgress ? { onprogress: (p) => onProgress(p.progress, p.total, p.message), resetTimeoutOnProgress: true } : {}),
      });
      return result as CallToolResult;
    });
  };

  return {
    name,
    url: url.href,
    callTool,
    async call<T>(tool: string, args?: Record<string, unknown>, callOptions: ServiceCallOptions = {}) {
      const result = await callTool(tool, args, callOptions);
      if (result.isError) throw toolErrorFromResult(result, { service: name, tool });
      return (result.structuredContent ?? {}) as T;
    },
    async listTools(callOptions: ServiceCallOptions = {}) {
      const limit = callOptions.timeoutMs ?? timeoutMs;
      return request('tools/list', callOptions, limit, async ({ client }) => {
        const tools: Tool[] = [];
        let cursor: string | undefined;
        do {
          const page = await client.listTools(cursor ? { cursor } : {}, {
            timeout: limit,
            ...(callOptions.signal ? { signal: callOptions.signal } : {}),
          });
          tools.push(...page.tools);
          cursor = page.nextCursor;
        } while (cursor);
        return tools;
      });
    },
    async close() {
      const current = connection ? await connection.catch(() => undefined) : undefined;
      connection = undefined;
      settled = undefined;
      if (!current) return;
      await current.transport.terminateSession().catch(() => {});
      await current.client.close().catch(() => {});
    },
  };
}
