import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@switchboard/shared';
import type { Registry } from 'prom-client';
import type { HttpRoute } from './twilio-status.ts';

/**
 * Interim, until the kit can mount a service's routes and metrics on the service port: a small listener
 * (NOTIFY_CALLBACK_LISTEN, off by default) that serves the provider callbacks and notify's own /metrics.
 */
export interface CallbackListener {
  url: string;
  close(): Promise<void>;
}

export async function listenCallbacks(options: {
  listen: string;
  routes: readonly HttpRoute[];
  registry: Registry;
  log: Logger;
}): Promise<CallbackListener> {
  const colon = options.listen.lastIndexOf(':');
  const host = colon > 0 ? options.listen.slice(0, colon) : '127.0.0.1';
  const port = Number(colon >= 0 ? options.listen.slice(colon + 1) : options.listen);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      options.registry.metrics().then(
        (text) => {
          res.setHeader('content-type', options.registry.contentType);
          res.end(text);
        },
        () => {
          res.statusCode = 500;
          res.end();
        },
      );
      return;
    }
    const route = options.routes.find((r) => r.path === path && r.method === req.method);
    if (!route) {
      res.statusCode = 404;
      res.end();
      return;
    }
    route.handle(req, res).catch((error: unknown) => {
      options.log.error({ err: error, path }, 'callback handler failed');
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  options.log.info({ url, routes: options.routes.map((r) => r.path) }, 'callback listener');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
