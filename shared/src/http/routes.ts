import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logging/logger.ts';

/** A route a service serves on its own port (SetupResult.routes). */
export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The exact path, e.g. `/notify/twilio/status`; the query string is the handler's to read from `req.url`. */
  path: string;
  /**
   * Answers the request. It runs outside bearer auth and the MCP guards: it must authenticate the request itself
   * (a provider's signature) and bound what it reads. A throw answers 500 and is logged.
   */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void> | void;
}

/** Paths the kit serves itself; a service route may not take them. */
const RESERVED = ['/health', '/ready', '/metrics'];

export interface ServiceRoutes {
  /** Whether `path` is one of the routes' paths. */
  serves(path: string): boolean;
  /** Serves a request whose path `serves` accepted: the route's handler, or 405 naming the methods it has. */
  serve(req: IncomingMessage, res: ServerResponse, path: string): void;
}

/** The service's routes by path; a route on a kit path, an MCP path or twice is a programming error at start. */
export function createServiceRoutes(
  routes: readonly HttpRoute[],
  options: { isMcpPath(path: string): boolean; log: Logger },
): ServiceRoutes {
  const byPath = new Map<string, Map<string, HttpRoute>>();
  for (const route of routes) {
    if (!route.path.startsWith('/') || route.path.includes('?')) {
      throw new Error(`route ${route.method} ${route.path}: a path starts with / and has no query`);
    }
    if (RESERVED.includes(route.path) || options.isMcpPath(route.path)) {
      throw new Error(`route ${route.method} ${route.path}: the kit serves that path itself`);
    }
    const methods = byPath.get(route.path) ?? new Map<string, HttpRoute>();
    if (methods.has(route.method)) throw new Error(`route ${route.method} ${route.path} is defined twice`);
    methods.set(route.method, route);
    byPath.set(route.path, methods);
  }
  return {
    serves: (path) => byPath.has(path),
    serve(req, res, path) {
      const methods = byPath.get(path);
      const route = methods?.get(req.method ?? '');
      if (!route) {
        res.statusCode = 405;
        res.setHeader('allow', [...(methods?.keys() ?? [])].join(', '));
        res.end();
        req.resume();
        return;
      }
      const failed = (error: unknown) => {
        options.log.error({ err: error, path, method: req.method }, 'HTTP route failed');
        if (!res.headersSent) {
          res.statusCode = 500;
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ error: 'internal error' }));
        } else res.end();
      };
      try {
        Promise.resolve(route.handle(req, res)).catch(failed);
      } catch (error) {
        failed(error);
      }
    },
  };
}
