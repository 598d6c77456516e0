import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ConfigError } from '../config/load-config.ts';
import type { AnyServiceDefinition } from '../define.ts';
import { createServiceServer } from '../server/mcp-server.ts';
import { createRuntime, type RuntimeOptions, type ServiceRuntime } from './runtime.ts';
import { serveHttp } from './serve-http.ts';

export const EXIT_CONFIG = 2;

/** Serves one stdio session on this process's stdin/stdout (a desktop client launched us). */
export async function serveStdio(runtime: ServiceRuntime): Promise<{ shutdown(): Promise<boolean> }> {
  const server = createServiceServer(runtime, { transport: 'stdio', defaultCaller: { id: 'stdio', kind: 'local' } });
  const transport = new StdioServerTransport();
  runtime.metrics.sessionsActive.set({ service: runtime.service.name, transport: 'stdio' }, 1);
  let stopping: Promise<boolean> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      const finished = await runtime.inFlight.drain(runtime.config.shutdownTimeoutMs);
      await server.close().catch(() => {});
      await runtime.close();
      return finished;
    })();
    return stopping;
  };
  transport.onclose = () => {
    void shutdown().then(() => process.exit(0));
  };
  await server.connect(transport);
  runtime.log.info({ transport: 'stdio' }, 'serving MCP on stdio');
  return { shutdown };
}

/**
 * The entry point of a service process: parse configuration (exit 2 listing every problem), set up backends,
 * serve HTTP or stdio (`--stdio`), and shut down gracefully on SIGTERM/SIGINT (exit 0).
 */
export async function runService(
  service: AnyServiceDefinition,
  options: RuntimeOptions & { argv?: string[] } = {},
): Promise<void> {
  const argv = options.argv ?? process.argv.slice(2);
  const stdio = argv.includes('--stdio');
  let runtime: ServiceRuntime;
  try {
    // Over stdio there is no HTTP listener to protect: the client that launched us owns the pipe.
    runtime = await createRuntime(service, stdio ? { ...options, overrides: { ...options.overrides, auth: 'none' } } : options);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    process.stderr.write(`${service.name} failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  }
  let handle: { shutdown(): Promise<boolean> };
  try {
    handle = stdio ? await serveStdio(runtime) : await serveHttp(runtime);
  } catch (error) {
    runtime.log.fatal({ err: error }, `${service.name} cannot serve: ${(error as Error).message}`);
    runtime.log.flush();
    await runtime.close();
    process.exit(1);
  }
  const stop = (signal: string) => {
    runtime.log.info({ signal }, 'signal received');
    void handle.shutdown().then(
      () => {
        runtime.log.flush();
        process.exit(0);
      },
      (error) => {
        runtime.log.error({ err: error }, 'shutdown failed');
        runtime.log.flush();
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
