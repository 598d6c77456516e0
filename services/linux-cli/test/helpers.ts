import { chmodSync, lchownSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { connectInMemory, type TestClient } from '@switchboard/shared/testing';
import { linuxCliService } from '../src/service.ts';

export type Structured = Record<string, any> & { error?: { code: string; message: string; details?: Record<string, any> } };

/** A scratch area per test: a root the service may use, a sibling outside it, and the service's data directory. */
export interface Sandbox {
  base: string;
  root: string;
  outside: string;
  data: string;
  cleanup(): void;
}

/** The user sandboxed commands run as when the tests run as root (the default LINUX_CLI_SANDBOX_USER). */
export const SANDBOX_UID = 65534;
const asRoot = process.getuid?.() === 0;

/** Gives a file or directory made by the test to the sandbox user, as the file tools do for what they create. */
export function giveToSandbox(path: string): void {
  if (asRoot) lchownSync(path, SANDBOX_UID, SANDBOX_UID);
}

export function makeSandbox(prefix = 'linux-cli-test-'): Sandbox {
  const base = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  // The sandbox user must be able to reach the root (mkdtemp makes 0700 directories).
  chmodSync(base, 0o755);
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  const data = join(base, 'data');
  for (const dir of [root, outside, data]) mkdirSync(dir, { recursive: true });
  giveToSandbox(root);
  return { base, root, outside, data, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

export interface Prompt {
  message: string;
  schema: unknown;
}

export interface StartOptions {
  env?: Record<string, string>;
  config?: Record<string, unknown>;
  /** How the fake human answers approval prompts; without it the client has no elicitation capability. */
  answer?: (prompt: Prompt) => ElicitResult;
}

export interface Harness {
  client: TestClient;
  prompts: Prompt[];
  call(name: string, args?: Record<string, unknown>): Promise<Structured>;
  ok(name: string, args?: Record<string, unknown>): Promise<Record<string, any>>;
  audit(): Record<string, any>[];
  close(): Promise<void>;
}

export function baseEnv(sandbox: Sandbox, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SWITCHBOARD_DATA_DIR: sandbox.data,
    LINUX_CLI_ROOTS: sandbox.root,
    LINUX_CLI_KILL_GRACE_MS: '500',
    ...extra,
  };
}

export async function startHarness(sandbox: Sandbox, options: StartOptions = {}): Promise<Harness> {
  const prompts: Prompt[] = [];
  const answer = options.answer;
  const client = await connectInMemory(linuxCliService, {
    env: options.env ?? baseEnv(sandbox),
    ...(options.config ? { config: options.config } : {}),
    ...(answer
      ? {
          capabilities: { elicitation: {} },
          beforeConnect: (c: Client) =>
            c.setRequestHandler(ElicitRequestSchema, async (request) => {
              const prompt = {
                message: request.params.message,
                schema: (request.params as { requestedSchema?: unknown }).requestedSchema,
              };
              prompts.push(prompt);
              return answer(prompt);
            }),
        }
      : {}),
  });
  const auditFile = join(options.env?.SWITCHBOARD_DATA_DIR ?? sandbox.data, 'linux-cli', 'audit.jsonl');
  // A raw tools/call: the SDK's callTool checks even error results against the output schema once tools were listed.
  const call = async (name: string, args: Record<string, unknown> = {}): Promise<Structured> => {
    const result = await client.request({ method: 'tools/call', params: { name, arguments: args } }, CallToolResultSchema);
    return result.structuredContent as Structured;
  };
  return {
    client,
    prompts,
    call,
    ok: async (name, args = {}) => {
      const out = await call(name, args);
      if (out.error) throw new Error(`${name} failed: ${out.error.code} ${out.error.message}`);
      return out;
    },
    audit: () =>
      readFileSync(options.env?.LINUX_CLI_AUDIT_LOG ?? auditFile, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, any>),
    close: () => client.close(),
  };
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    const parent = join(dir, name, '..');
    const first = mkdirSync(parent, { recursive: true });
    if (first) for (let d = parent; d.length >= first.length; d = join(d, '..')) giveToSandbox(d);
    writeFileSync(join(dir, name), content);
    giveToSandbox(join(dir, name));
  }
}

export const accept = (): ElicitResult => ({ action: 'accept', content: { approve: true } });
export const decline = (): ElicitResult => ({ action: 'decline' });
