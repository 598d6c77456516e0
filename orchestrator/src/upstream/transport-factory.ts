import type { Logger } from '@switchboard/shared';
import type { Pool } from 'undici';
import type { UpstreamConfig } from '../config.ts';
import type { H1Client } from './h1-client.ts';
import { HttpTransport } from './http-transport.ts';
import { LegacySseTransport } from './legacy-sse-transport.ts';
import { StdioTransport } from './stdio-transport.ts';
import type { UpstreamTransport } from './transport.ts';

export interface TransportContext {
  /** undici's pool to an HTTP upstream's origin (GET streams, DELETE, TLS). */
  pool: Pool | undefined;
  /** The lean HTTP/1.1 client for POSTs to a plain-HTTP upstream, when the fast paths are on. */
  h1: H1Client | undefined;
  /** The upstream answered Streamable HTTP with 400/404/405: speak legacy HTTP+SSE. */
  legacy: boolean;
  /** PATH and HOME for stdio children; nothing else of the orchestrator's environment reaches them. */
  childBaseEnv: Record<string, string>;
  log: Logger;
}

/** A fresh transport for one upstream session: Streamable HTTP, legacy HTTP+SSE, or a stdio child. */
export function createTransport(config: UpstreamConfig, context: TransportContext): UpstreamTransport {
  if (config.url && context.pool) {
    const url = new URL(config.url);
    return context.legacy
      ? new LegacySseTransport({ url, pool: context.pool, token: config.token, connectTimeoutMs: config.timeouts.connectMs })
      : new HttpTransport({ url, pool: context.pool, dispatcher: context.h1, token: config.token });
  }
  return new StdioTransport({
    command: config.command as string,
    args: config.args,
    env: { ...context.childBaseEnv, ...config.env },
    cwd: config.cwd,
    onStderr: (line) => context.log.debug({ stderr: line }, 'upstream stderr'),
  });
}
