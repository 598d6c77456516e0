import { createServiceServer } from '../server/mcp-server.ts';
import { createSessionEndpoint } from '../transports/session-endpoint.ts';
import { type HttpHandle, listenHttp } from './listen-http.ts';
import type { ServiceRuntime } from './runtime.ts';

export type { HttpHandle };

/** Serves a service over HTTP on its configured host and port. */
export function serveHttp(runtime: ServiceRuntime): Promise<HttpHandle> {
  const { config, log, service } = runtime;
  const endpoint = createSessionEndpoint({
    createServer: (info) => createServiceServer(runtime, info),
    log,
    stateless: config.stateless,
    maxSessions: config.maxSessions,
    sessionIdleMs: config.sessionIdleMs,
    anonymous: { id: 'anonymous', kind: 'anonymous' },
    onSessionCount: (transport, count) => runtime.metrics.sessionsActive.set({ service: service.name, transport }, count),
  });
  return listenHttp({
    name: service.name,
    version: service.version,
    config,
    log,
    registry: runtime.metrics.registry,
    readiness: runtime.readiness,
    endpoint,
    inFlight: runtime.inFlight,
    routes: runtime.routes,
    ...(runtime.health ? { health: runtime.health } : {}),
    redactor: runtime.redactor,
    close: () => runtime.close(),
  });
}
