import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler } from 'express';
import type { Registry } from 'prom-client';
import type { KitConfig } from '../config/kit-config.ts';
import { CORRELATION_HEADER } from '../correlation.ts';
import type { Logger } from '../logging/logger.ts';
import type { Redactor } from '../logging/redactor.ts';
import { createAuthenticator } from './auth.ts';
import { applyCorrelation } from './correlation.ts';
import type { FastPostOptions } from './fast-post.ts';
import { type HealthReport, healthBody } from './health.ts';
import { createHostGuard } from './host-guard.ts';
import { parseJsonBody, readJsonBody } from './json-body.ts';
import { sendJsonRpcError } from './json-rpc-error.ts';
import type { McpRequest, McpResponse, NodeMcpRequest } from './mcp-request.ts';
import { createRateLimiter } from './rate-limit.ts';
import { createServiceRoutes, type HttpRoute } from './routes.ts';

interface McpHttpEndpointBase {
  /** Path prefixes served, e.g. `/mcp` (which also covers `/mcp/<anything>`), `/sse`, `/messages`. */
  readonly paths: readonly string[];
  /**
   * The endpoint authenticates every request itself and limits each caller itself (the orchestrator: static tokens and
   * OAuth access tokens, per-identity limits), so the kit's bearer guard and per-client rate limiter stand aside for
   * it; the Host guard, body limit and draining still apply. Only with SWITCHBOARD_AUTH=token (with `none` nothing
   * is authenticated anywhere).
   */
  readonly authenticatesItself?: boolean;
  sessionCount(): number;
  /** Closes every session (ends SSE streams). */
  close(): Promise<void>;
}

/** An endpoint that needs Node's request and response (it hands them to the SDK's transports). */
export interface NodeMcpHttpEndpoint extends McpHttpEndpointBase {
  readonly lean?: false;
  handle(req: NodeMcpRequest, res: ServerResponse, path: string, query: URLSearchParams): Promise<void>;
}

/** An endpoint that uses only McpRequest and McpResponse: its POSTs may take the kit's fast path (fast-post.ts). */
export interface LeanMcpHttpEndpoint extends McpHttpEndpointBase {
  readonly lean: true;
  handle(req: McpRequest, res: McpResponse, path: string, query: URLSearchParams): Promise<void>;
}

/** Something that serves MCP over HTTP; the kit runs its guards, then hands it the request. */
export type McpHttpEndpoint = NodeMcpHttpEndpoint | LeanMcpHttpEndpoint;

export interface HttpAppOptions {
  name: string;
  version: string;
  config: KitConfig;
  log: Logger;
  registry: Registry;
  readiness: Record<string, () => Promise<void>>;
  endpoint: McpHttpEndpoint;
  /** True once shutdown began: readiness fails and new work is refused. */
  isDraining(): boolean;
  /** How long one readiness check (and the service's health report) may take. */
  readinessTimeoutMs?: number;
  /** The service's own routes (SetupResult.routes), served beside /health without the MCP guards. */
  routes?: readonly HttpRoute[];
  /** The service's own status, merged into /health (SetupResult.health). */
  health?: () => HealthReport | Promise<HealthReport>;
  /** Redacts what the service's health report says. */
  redactor?: Redactor;
}

const NO_QUERY = new URLSearchParams();

function withTimeout(check: () => Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    check(),
    new Promise<void>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The query of `url`, whose `?` is at `mark` (-1: none). */
function queryOf(url: string, mark: number): URLSearchParams {
  return mark < 0 ? NO_QUERY : new URLSearchParams(url.slice(mark + 1));
}

function startsNewWork(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((m) => m && typeof m === 'object' && 'method' in m && 'id' in m);
}

/** The operational routes, on express: /health, /ready and /metrics, open for probes and Prometheus. */
function createOpsApp(options: HttpAppOptions) {
  const { log } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.get('/health', async (_req, res) => {
    const body = await healthBody(
      { service: options.name, version: options.version },
      options.health,
      options.readinessTimeoutMs ?? 3000,
    );
    res.json(options.redactor ? options.redactor.redact(body) : body);
  });
  app.get('/ready', async (_req, res) => {
    if (options.isDraining()) {
      res.status(503).json({ status: 'shutting_down', service: options.name });
      return;
    }
    const timeout = options.readinessTimeoutMs ?? 3000;
    const names = Object.keys(options.readiness);
    const results = await Promise.allSettled(
      names.map((name) => withTimeout(options.readiness[name] as () => Promise<void>, timeout)),
    );
    const checks: Record<string, string> = {};
    const failing: string[] = [];
    results.forEach((result, index) => {
      const name = names[index] as string;
      if (result.status === 'fulfilled') checks[name] = 'ok';
      else {
        checks[name] = `failed: ${(result.reason as Error)?.message ?? String(result.reason)}`;
        failing.push(name);
      }
    });
    if (failing.length > 0) {
      log.warn({ failing, checks }, 'readiness check failed');
      res.status(503).json({ status: 'not_ready', service: options.name, failing, checks });
      return;
    }
    res.json({ status: 'ready', service: options.name, checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(options.registry.contentType).send(await options.registry.metrics());
  });
  const errors: ErrorRequestHandler = (error, req, res, _next) => {
    log.error({ err: error, path: req.path }, 'HTTP handler failed');
    res.status(500).json({ error: 'internal error' });
  };
  app.use(errors);
  return app;
}

export interface HttpHandlers {
  /** node:http's request listener: every route. */
  request(req: IncomingMessage, res: ServerResponse): void;
  /** For a lean endpoint, what the POST fast path needs to serve its POSTs. */
  fastPost?: Pick<FastPostOptions, 'serves' | 'serve' | 'bodyLimit'>;
}

/**
 * The HTTP face of every Switchboard process. MCP paths take a lean path straight on Node's request and response,
 * or for a lean endpoint's POSTs on the fast path's (correlation id, DNS-rebinding protection, bearer auth,
 * per-client rate limit, body limit, draining, then the endpoint): no framework on the hot path. The service's own
 * routes go straight to their handlers; everything else (/health, /ready, /metrics) is served by express.
 */
export function createHttpHandlers(options: HttpAppOptions): HttpHandlers {
  const { config, log, endpoint } = options;
  const guards = [
    createHostGuard({ listenHost: config.host, allowedHosts: config.allowedHosts, allowedOrigins: config.allowedOrigins }),
    createAuthenticator({
      mode: endpoint.authenticatesItself && config.auth === 'token' ? 'endpoint' : config.auth,
      credentials: config.credentials,
      realm: options.name,
    }),
    createRateLimiter({ perMinute: endpoint.authenticatesItself && config.auth === 'token' ? 0 : config.rateLimitPerMinute }),
  ];
  const ops = createOpsApp(options);
  const prefixes = endpoint.paths.map((p) => `${p}/`);
  const isMcpPath = (path: string) => endpoint.paths.includes(path) || prefixes.some((p) => path.startsWith(p));
  const routes = createServiceRoutes(options.routes ?? [], { isMcpPath, log });

  /** The guards and the body, then the endpoint; false when the request has been answered already. */
  const admit = async (req: McpRequest, res: McpResponse, body: () => Promise<{ body: unknown } | undefined>) => {
    for (const guard of guards) if (!guard(req, res)) return false;
    if (req.method === 'POST') {
      const parsed = await body();
      if (!parsed) return false;
      req.body = parsed.body;
    }
    if (options.isDraining() && (req.method !== 'POST' || startsNewWork(req.body))) {
      sendJsonRpcError(res, 503, -32000, 'Service unavailable: the server is shutting down', undefined, { connection: 'close' });
      return false;
    }
    return true;
  };

  const failed = (req: McpRequest, res: McpResponse, path: string) => (error: unknown) => {
    log.error({ err: error, path, correlation_id: req.headers[CORRELATION_HEADER] }, 'MCP request failed');
    sendJsonRpcError(res, 500, -32603, 'Internal error');
  };

  const serveNode = async (req: NodeMcpRequest, res: ServerResponse, path: string, query: URLSearchParams) => {
    const admitted = await admit(req, res, () => readJsonBody(req, res, config.bodyLimit));
    if (!admitted) {
      if (!req.readableEnded) req.resume();
      return;
    }
    await endpoint.handle(req, res, path, query);
  };

  const request = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    const path = mark < 0 ? url : url.slice(0, mark);
    applyCorrelation(req, res);
    if (routes.serves(path)) {
      routes.serve(req, res, path);
      return;
    }
    if (!isMcpPath(path)) {
      ops(req, res);
      return;
    }
    serveNode(req, res, path, queryOf(url, mark)).catch(failed(req, res, path));
  };

  if (!endpoint.lean) return { request };
  const lean = endpoint;
  const serveLean = async (req: McpRequest, res: McpResponse, path: string, query: URLSearchParams, body: Buffer) => {
    if (await admit(req, res, async () => parseJsonBody(req, res, body))) await lean.handle(req, res, path, query);
  };
  return {
    request,
    fastPost: {
      serves: isMcpPath,
      bodyLimit: config.bodyLimit,
      serve(req, res, path, body) {
        const url = req.url as string;
        applyCorrelation(req, res);
        serveLean(req, res, path, queryOf(url, url.indexOf('?')), body).catch(failed(req, res, path));
      },
    },
  };
}
