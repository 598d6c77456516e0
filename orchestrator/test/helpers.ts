import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { HttpHandle } from '@switchboard/shared';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import { stringify } from 'yaml';
import { createOrchestrator, type Orchestrator } from '../src/runtime.ts';

export const NODE = process.execPath;
const resolvePackage = (name: string) => fileURLToPath(import.meta.resolve(`${name}/package.json`)).replace(/package\.json$/, '');
export const EVERYTHING = join(resolvePackage('@modelcontextprotocol/server-everything'), 'dist/index.js');
export const FILESYSTEM = join(resolvePackage('@modelcontextprotocol/server-filesystem'), 'dist/index.js');
export const CMDB_MAIN = fileURLToPath(new URL('../../services/cmdb/src/main.ts', import.meta.url));
export const PROBE = fileURLToPath(new URL('./fixtures/probe-service.ts', import.meta.url));
export const DYNAMIC = fileURLToPath(new URL('./fixtures/dynamic-server.ts', import.meta.url));
export const ORCHESTRATOR_MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** A temporary directory removed by `cleanup()`. */
export function tempDir(prefix = 'orch-test-'): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = async () => {
      try {
        const value = await check();
        if (value) {
          resolve(value);
          return;
        }
      } catch {}
      if (Date.now() - started > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 25);
    };
    void tick();
  });
}

/** Log lines captured from an in-process orchestrator. */
export function logSink() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

export interface RunningOrchestrator {
  orchestrator: Orchestrator;
  http: HttpHandle;
  url: string;
  configFile: string;
  /** Where its policy file is (written when StartOptions.policy was given; rewrite it to hot-reload). */
  policyFile: string;
  logs: Record<string, unknown>[];
  /** Rewrites the configuration file (the orchestrator reloads on change). */
  writeConfig(config: Record<string, unknown>): void;
  close(): Promise<void>;
}

export interface StartOptions {
  /** A policy file (written next to the config, named by policyFile) instead of the built-in defaults. */
  policy?: Record<string, unknown>;
}

/**
 * Starts an orchestrator in this process, on a free port, with a YAML config file it watches. Its data directory
 * (workflow store, tool pins, audit trail) is a temp dir of its own unless the config or env names one.
 */
export async function startOrchestrator(
  config: Record<string, unknown>,
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<RunningOrchestrator> {
  const dir = tempDir('orch-config-');
  const configFile = join(dir.path, 'orchestrator.yaml');
  const policyFile = join(dir.path, 'policy.yaml');
  if (options.policy) writeFileSync(policyFile, stringify(options.policy));
  const own = {
    ...(config.dataDir === undefined && env.SWITCHBOARD_DATA_DIR === undefined ? { dataDir: join(dir.path, 'data') } : {}),
    ...(options.policy ? { policyFile } : {}),
  };
  const write = (value: Record<string, unknown>) =>
    writeFileSync(configFile, stringify({ healthIntervalMs: 500, reconnectBaseMs: 100, reconnectMaxMs: 1000, ...own, ...value }));
  write(config);
  const sink = logSink();
  const orchestrator = createOrchestrator({
    source: {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, SWITCHBOARD_AUTH: 'none', PORT: '0', LOG_LEVEL: 'debug', ...env },
      file: configFile,
    },
    logDestination: sink.stream,
  });
  orchestrator.watchConfig();
  const http = await orchestrator.serveHttp();
  return {
    orchestrator,
    http,
    url: http.url,
    configFile,
    policyFile,
    logs: sink.lines,
    writeConfig: write,
    close: async () => {
      await http.shutdown();
      dir.cleanup();
    },
  };
}

/** Waits until every named upstream is up. */
export function waitUp(running: RunningOrchestrator, ...names: string[]): Promise<true> {
  return waitFor(
    () =>
      names.every((name) => running.orchestrator.federation.upstreams().find((u) => u.name === name)?.state === 'up') ||
      undefined,
    20_000,
    `${names.join(', ')} up`,
  );
}

export interface ConnectOptions {
  capabilities?: ClientCapabilities;
  headers?: Record<string, string>;
  legacy?: boolean;
  beforeConnect?(client: Client): void;
}

/** A real SDK client connected to an orchestrator endpoint (`/mcp`, `/mcp/<ns>`, or legacy `/sse`). */
export async function connect(url: string, options: ConnectOptions = {}): Promise<Client> {
  const client = new Client({ name: 'orchestrator-test', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
  options.beforeConnect?.(client);
  const headers = options.headers ?? {};
  const transport = options.legacy
    ? new SSEClientTransport(new URL(url), {
        requestInit: { headers },
        eventSourceInit: { fetch: (u, init) => fetch(u, { ...init, headers: { ...init?.headers, ...headers } }) },
      })
    : new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  await client.connect(transport);
  return client;
}

export async function startCmdb(env: Record<string, string> = {}): Promise<SpawnedService & { cleanup(): void }> {
  const dir = tempDir('orch-cmdb-');
  const proc = await spawnService(CMDB_MAIN, {
    env: { PORT: '0', SWITCHBOARD_AUTH: 'none', CMDB_SQLITE_FILE: join(dir.path, 'cmdb.sqlite'), ...env },
  });
  return { ...proc, cleanup: dir.cleanup };
}

export interface Probe extends SpawnedService {
  log: string;
  lines(): string[];
}

export async function startProbe(logFile: string, env: Record<string, string> = {}): Promise<Probe> {
  const proc = await spawnService(PROBE, { env: { PORT: '0', SWITCHBOARD_AUTH: 'none', PROBE_LOG: logFile, ...env } });
  return {
    ...proc,
    log: logFile,
    lines: () => {
      try {
        return readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
  };
}

/** server-everything over Streamable HTTP (or legacy SSE) on a free port. */
export async function startEverythingHttp(
  mode: 'streamableHttp' | 'sse' = 'streamableHttp',
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(NODE, [EVERYTHING, mode], {
    env: { PATH: process.env.PATH, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  await waitFor(() => /listening|running on/i.test(output) || undefined, 15_000, 'server-everything to listen');
  return {
    url: `http://127.0.0.1:${port}/${mode === 'sse' ? 'sse' : 'mcp'}`,
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

export const everythingStdio = (extra: Record<string, unknown> = {}) => ({
  name: 'everything',
  namespace: 'ev',
  command: NODE,
  args: [EVERYTHING, 'stdio'],
  ...extra,
});

/**
 * The run report of an executeWorkflow (or resumeWorkflow) result: its structuredContent, or for a failed or cancelled
 * run (an `isError` result with the run's code) the report in `structuredContent.error.details`.
 */
export function runReportOf<T = Record<string, any>>(result: unknown): T {
  const r = result as { isError?: boolean; structuredContent?: { error?: { details?: T } } };
  return (r.isError ? r.structuredContent?.error?.details : r.structuredContent) as T;
}

export function structured<T = Record<string, any>>(result: unknown): T {
  return (result as { structuredContent: T }).structuredContent;
}

export function text(result: unknown): string {
  return ((result as { content: { type: string; text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('\n');
}
