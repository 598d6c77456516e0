import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import pg from 'pg';

export const WORKFLOW_PROBE = fileURLToPath(new URL('../fixtures/workflow-probe.ts', import.meta.url));
export const EXAMPLES = fileURLToPath(new URL('../../../examples/workflows/', import.meta.url));
export const SCHEMA_FILE = fileURLToPath(new URL('../../schemas/workflow.schema.json', import.meta.url));
export const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ProbeLine {
  event: string;
  key: string;
  at: number;
  text?: string;
  attempt?: number;
  tag?: string;
  name?: string;
}

export interface WorkflowProbe extends SpawnedService {
  logFile: string;
  lines(): ProbeLine[];
  /** Lines of one event, optionally for one idempotency key. */
  events(event: string, key?: string): ProbeLine[];
}

/** Starts the workflow probe service (test/fixtures/workflow-probe.ts) as a real process. */
export async function startWorkflowProbe(logFile: string): Promise<WorkflowProbe> {
  const proc = await spawnService(WORKFLOW_PROBE, { env: { PORT: '0', SWITCHBOARD_AUTH: 'none', PROBE_LOG: logFile } });
  const lines = (): ProbeLine[] => {
    try {
      return readFileSync(logFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ProbeLine);
    } catch {
      return [];
    }
  };
  return {
    ...proc,
    logFile,
    lines,
    events: (event, key) => lines().filter((l) => l.event === event && (key === undefined || l.key === key)),
  };
}

/** A fresh PostgreSQL database for one test file; drop() removes it. */
export async function createDatabase(prefix = 'wf_test'): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    name,
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    drop: async () => {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export type Result = { isError?: boolean; structuredContent?: any; content?: { type: string; text?: string }[] };

/** Calls an orchestrator tool and returns its result (structuredContent and isError). */
export async function callTool(client: Client, name: string, args: Record<string, unknown>, timeout = 60_000): Promise<Result> {
  return (await client.callTool({ name: `orchestrator.${name}`, arguments: args }, undefined, { timeout })) as Result;
}

/** Calls an orchestrator tool that must succeed and returns its structuredContent. */
export async function ok(client: Client, name: string, args: Record<string, unknown>, timeout?: number): Promise<any> {
  const result = await callTool(client, name, args, timeout);
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.structuredContent ?? result.content)}`);
  return result.structuredContent;
}

/**
 * Runs executeWorkflow or resumeWorkflow and returns the run's report. A failed or cancelled run comes back as an
 * `isError` result whose code is the run's, with the report in `structuredContent.error.details`; a run that
 * succeeded or waits for input is not an error. Throws when the result does not keep to that.
 */
export async function runOf(client: Client, name: string, args: Record<string, unknown>, timeout?: number): Promise<any> {
  const result = await callTool(client, name, args, timeout);
  const error = result.isError ? result.structuredContent?.error : undefined;
  const report = error ? error.details : result.structuredContent;
  if (!report || typeof report.status !== 'string') {
    throw new Error(`${name} failed: ${JSON.stringify(result.structuredContent ?? result.content)}`);
  }
  const finishedBadly = report.status === 'failed' || report.status === 'cancelled';
  if (report.runId !== undefined && finishedBadly !== (result.isError === true)) {
    throw new Error(`${name}: a ${report.status} run came back with isError ${result.isError === true}`);
  }
  return error ? { ...report, errorCode: error.code } : report;
}

/** A definition with the header filled in. */
export function workflow(name: string, steps: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { dsl: 'switchboard/v1', name, version: '1', steps, ...extra };
}

/** A call step of the probe. */
export function probeStep(id: string, tool: string, params: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { id, call: { service: 'probe', tool, params }, ...extra };
}
