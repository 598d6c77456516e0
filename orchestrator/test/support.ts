import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import { stringify } from 'yaml';
import { ORCHESTRATOR_MAIN, type Probe, startProbe, tempDir } from './helpers.ts';

/**
 * Helpers for the fault and federation suites: processes that can be killed and restarted on the same port, a
 * spawned orchestrator, the error payload of a result, and Prometheus text parsing.
 */

export interface ErrorPayload {
  code: string;
  message: string;
  retryable: boolean;
  details?: Record<string, unknown>;
}

/** The Switchboard error of a tool result: structuredContent.error, or `_meta['io.switchboard/error']`. */
export function errorOf(result: unknown): ErrorPayload | undefined {
  const r = result as { structuredContent?: { error?: ErrorPayload }; _meta?: Record<string, unknown> };
  return r.structuredContent?.error ?? (r._meta?.['io.switchboard/error'] as ErrorPayload | undefined);
}

/** A probe service that can be killed and started again on the same port (same URL for the orchestrator). */
export interface RestartableProbe {
  readonly current: Probe;
  readonly url: string;
  readonly port: number;
  lines(): string[];
  kill(): Promise<void>;
  restart(): Promise<Probe>;
  stop(): Promise<void>;
}

export async function restartableProbe(logFile: string, env: Record<string, string> = {}): Promise<RestartableProbe> {
  let current = await startProbe(logFile, env);
  const port = Number(new URL(current.url).port);
  return {
    get current() {
      return current;
    },
    url: current.url,
    port,
    lines: () => current.lines(),
    kill: async () => {
      await current.stop('SIGKILL');
    },
    restart: async () => {
      current = await startProbe(logFile, { ...env, PORT: String(port) });
      return current;
    },
    stop: async () => {
      await current.stop();
    },
  };
}

/** The orchestrator's own process (`src/main.ts`), with its config file in a temp dir removed on stop. */
export interface SpawnedOrchestrator extends SpawnedService {
  dir: string;
  configFile: string;
  writeConfig(config: Record<string, unknown>): void;
  /** Stops the process and removes the temp dir. */
  shutdown(): Promise<number | string>;
}

export async function spawnOrchestrator(
  config: Record<string, unknown>,
  env: Record<string, string> = {},
  options: { args?: string[]; noWait?: boolean } = {},
): Promise<SpawnedOrchestrator> {
  const dir = tempDir('orch-proc-');
  const configFile = join(dir.path, 'orchestrator.yaml');
  const writeConfig = (value: Record<string, unknown>) =>
    writeFileSync(configFile, stringify({ healthIntervalMs: 500, reconnectBaseMs: 100, reconnectMaxMs: 1000, ...value }));
  writeConfig(config);
  try {
    const proc = await spawnService(ORCHESTRATOR_MAIN, {
      env: {
        PORT: '0',
        SWITCHBOARD_AUTH: 'none',
        SWITCHBOARD_CONFIG: configFile,
        SWITCHBOARD_DATA_DIR: join(dir.path, 'data'),
        ...env,
      },
      ...(options.args ? { args: options.args } : {}),
      ...(options.noWait ? { noWait: true } : {}),
    });
    return {
      ...proc,
      dir: dir.path,
      configFile,
      writeConfig,
      shutdown: async () => {
        const code = await proc.stop();
        dir.cleanup();
        return code;
      },
    };
  } catch (error) {
    dir.cleanup();
    throw error;
  }
}

/** Every tool name a client sees, over all pages. */
export async function allToolNames(client: Client): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor ? { cursor } : undefined);
    names.push(...page.tools.map((t) => t.name));
    cursor = page.nextCursor;
  } while (cursor);
  return names;
}

/** Reads /metrics of a Switchboard process. */
export async function scrape(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/metrics`);
  return response.text();
}

/** The value of one sample in Prometheus text format, matched on the labels given (others ignored). */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      found[pair[1] as string] = pair[2] as string;
    }
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}
