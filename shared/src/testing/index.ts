import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { DestinationStream } from 'pino';
import type { AnyServiceDefinition } from '../define.ts';
import { createRuntime, type ServiceRuntime } from '../runtime/runtime.ts';
import { type HttpHandle, serveHttp } from '../runtime/serve-http.ts';
import { createServiceServer } from '../server/mcp-server.ts';

export { Client };

export interface TestServiceOptions {
  /** Environment variables as the service would read them (nothing is read from process.env). */
  env?: Record<string, string | undefined>;
  /** Typed configuration values that win over env. */
  config?: Record<string, unknown>;
  /** Log destination; silent by default. */
  logDestination?: DestinationStream;
}

export interface InMemoryOptions extends TestServiceOptions {
  capabilities?: ClientCapabilities;
  /** Runs before connecting, to register client-side handlers (elicitation, sampling, roots). */
  beforeConnect?(client: Client): void;
}

const silent: DestinationStream = { write: () => {} };

function runtimeOptions(options: TestServiceOptions, defaults: Record<string, unknown>) {
  return {
    source: { env: options.env ?? {} },
    overrides: { ...defaults, ...options.config },
    logDestination: options.logDestination ?? silent,
  };
}

/** A test client whose close() also stops the service instance behind it. */
export type TestClient = Client & { runtime: ServiceRuntime };

/** Starts the service in-process and connects a real SDK client to it over an in-memory transport. */
export async function connectInMemory(service: AnyServiceDefinition, options: InMemoryOptions = {}): Promise<TestClient> {
  const runtime = await createRuntime(service, runtimeOptions(options, { auth: 'none' }));
  const server = createServiceServer(runtime, { transport: 'memory', defaultCaller: { id: 'test', kind: 'local' } });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'switchboard-test', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
  options.beforeConnect?.(client);
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  const close = client.close.bind(client);
  return Object.assign(client, {
    runtime,
    close: async () => {
      await close();
      await server.close();
      await runtime.close();
    },
  });
}

export interface RunningService extends HttpHandle {
  runtime: ServiceRuntime;
  /** The Streamable HTTP endpoint, `${url}/mcp`. */
  mcpUrl: string;
  close(): Promise<void>;
}

/** Starts the service over HTTP on 127.0.0.1 and a free port. */
export async function startOnPort0(service: AnyServiceDefinition, options: TestServiceOptions = {}): Promise<RunningService> {
  const runtime = await createRuntime(service, runtimeOptions(options, { port: 0, host: '127.0.0.1' }));
  const handle = await serveHttp(runtime);
  return {
    ...handle,
    runtime,
    mcpUrl: `${handle.url}/mcp`,
    close: async () => {
      await handle.shutdown();
    },
  };
}

export { createTestDatabase, POSTGRES_ADMIN_URL, TEST_DIALECTS, type TestDatabase } from './databases.ts';
export { type SpawnedService, type SpawnOptions, spawnService } from './process.ts';
export { readmeTableRow, readRepositoryReadme } from './readme.ts';
export { SECRETS_MAIN, startTestSecrets, type TestSecrets, type TestSecretsOptions } from './secrets.ts';
