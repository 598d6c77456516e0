import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { KitConfig } from '../config/kit-config.ts';
import { createHttpHandlers, type McpHttpEndpoint } from '../http/app.ts';
import { installFastPost } from '../http/fast-post.ts';
import type { HealthReport } from '../http/health.ts';
import type { HttpRoute } from '../http/routes.ts';
import type { Logger } from '../logging/logger.ts';
import type { Redactor } from '../logging/redactor.ts';
import type { InFlight } from './in-flight.ts';

export interface HttpHandle {
  /** Base URL, e.g. http://127.0.0.1:8012 */
  url: string;
  port: number;
  server: HttpServer;
  /**
   * Graceful stop: stop accepting, let in-flight calls finish up to the shutdown timeout, close sessions,
   * release backends. Resolves true when every call finished in time.
   */
  shutdown(): Promise<boolean>;
}

export interface ListenHttpOptions {
  name: string;
  version: string;
  config: KitConfig;
  log: Logger;
  registry: Registry;
  readiness: Record<string, () => Promise<void>>;
  endpoint: McpHttpEndpoint;
  inFlight: InFlight;
  /** The service's own routes, served beside /health outside the MCP guards. */
  routes?: readonly HttpRoute[];
  /** The service's own status, merged into /health. */
  health?: () => HealthReport | Promise<HealthReport>;
  redactor?: Redactor;
  /** Releases backends after the sessions closed. */
  close(): Promise<void>;
}

/** How long an idle client connection is kept open (longer than the usual 60 s of proxies in front). */
const KEEP_ALIVE_MS = 65_000;

/** Serves an MCP endpoint behind the kit's HTTP app on the configured host and port. */
export async function listenHttp(options: ListenHttpOptions): Promise<HttpHandle> {
  const { config, log, endpoint } = options;
  let draining = false;
  const handlers = createHttpHandlers({
    name: options.name,
    version: options.version,
    config,
    log,
    registry: options.registry,
    readiness: options.readiness,
    endpoint,
    isDraining: () => draining,
    ...(options.routes ? { routes: options.routes } : {}),
    ...(options.health ? { health: options.health } : {}),
    ...(options.redactor ? { redactor: options.redactor } : {}),
  });
  const server = createServer(handlers.request);
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  // The measured fast path (fast-post.ts) has a way out: SWITCHBOARD_FAST_HTTP=false serves every request with node:http.
  const fastPost =
    config.fastHttp && handlers.fastPost
      ? installFastPost(server, { ...handlers.fastPost, keepAliveMs: KEEP_ALIVE_MS })
      : undefined;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
  if (config.auth === 'none') {
    log.warn(
      'authentication is OFF (SWITCHBOARD_AUTH=none): any local process can call every tool; use this for local development only',
    );
  }
  log.info(
    {
      url: `${url}/mcp`,
      port: address.port,
      host: config.host,
      stateless: config.stateless,
      read_only: config.readOnly,
      ...(options.routes?.length ? { routes: options.routes.map((r) => `${r.method} ${r.path}`) } : {}),
    },
    'listening',
  );

  let stopping: Promise<boolean> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      draining = true;
      log.info({ in_flight: options.inFlight.count }, 'shutting down: no new work accepted');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      fastPost?.closeIdle();
      const finished = await options.inFlight.drain(config.shutdownTimeoutMs);
      if (!finished)
        log.warn({ timeout_ms: config.shutdownTimeoutMs }, 'in-flight calls did not finish in time and were aborted');
      await new Promise((resolve) => setImmediate(resolve));
      await endpoint.close();
      await options.close();
      server.closeAllConnections();
      fastPost?.closeAll();
      await closed;
      log.info('stopped');
      return finished;
    })();
    return stopping;
  };
  return { url, port: address.port, server, shutdown };
}
