import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { createServiceClient } from '@switchboard/shared';
import { type SpawnedService, spawnService, startTestSecrets, type TestSecrets } from '@switchboard/shared/testing';
import { connect, type RunningOrchestrator, runReportOf, startOrchestrator, structured, tempDir, waitUp } from './helpers.ts';

const LINUX_CLI_MAIN = fileURLToPath(new URL('../../services/linux-cli/src/main.ts', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../examples/secret-env-command.json', import.meta.url));
const VALUE = 'Db-Pa55word-for-orders-7c21e9';

/**
 * examples/secret-env-command.json through the orchestrator against real processes: secrets.getSecret hands out a
 * handle, the handle goes to linux.runCommand as an env value, and linux-cli resolves it server to server with its
 * own token under the secrets resolve policy. The command sees the value; the run view, the checkpoints, every log
 * and the client see only the handle.
 */
describe('a secret handle from secrets.getSecret into linux.runCommand env, through the orchestrator', () => {
  const dir = tempDir('orch-secrets-');
  const root = join(dir.path, 'root');
  const orchData = join(dir.path, 'orch');
  let secrets: TestSecrets;
  let linux: SpawnedService;
  let orch: RunningOrchestrator;
  let client: Client;
  const definition = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown>;

  beforeAll(async () => {
    // linux-cli runs commands in its sandbox as an unprivileged user, who must reach the root and own it.
    chmodSync(dir.path, 0o755);
    mkdirSync(root, { recursive: true });
    if (process.getuid?.() === 0) chownSync(root, 65534, 65534);
    secrets = await startTestSecrets({
      callers: { 'linux-cli': ['local/app/**'] },
      secrets: { 'app/orders/db-password': VALUE },
    });
    linux = await spawnService(LINUX_CLI_MAIN, {
      env: {
        PORT: '0',
        SWITCHBOARD_AUTH: 'none',
        SWITCHBOARD_DATA_DIR: join(dir.path, 'linux'),
        LINUX_CLI_ROOTS: root,
        LINUX_CLI_ENV_ALLOW: 'LANG,DB_PASSWORD',
        ...secrets.envFor('linux-cli'),
      },
    });
    orch = await startOrchestrator(
      {
        dataDir: orchData,
        upstreams: [
          // The orchestrator's own token may not resolve anything, and resolveSecret is not offered to models at all.
          {
            name: 'secrets',
            namespace: 'secrets',
            url: secrets.mcpUrl,
            tokenEnv: 'SECRETS_TOKEN',
            tools: { deny: ['resolveSecret'] },
          },
          { name: 'linux-cli', namespace: 'linux', url: `${linux.url}/mcp` },
        ],
      },
      { SECRETS_TOKEN: secrets.tokenOf('ops') },
    );
    await waitUp(orch, 'secrets', 'linux-cli');
    client = await connect(`${orch.url}/mcp`);
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled([client?.close()]);
    await Promise.allSettled([orch?.close()]);
    await Promise.allSettled([linux?.stop(), secrets?.stop()]);
    dir.cleanup();
  });

  const input = () => ({ secret: 'secret://local/app/orders/db-password', argv: ['printenv', 'DB_PASSWORD'], cwd: root });

  test('the example validates against the live services', async () => {
    const result = structured(
      await client.callTool({
        name: 'orchestrator.executeWorkflow',
        arguments: { workflow: definition, mode: 'validate', input: input() },
      }),
    );
    expect(result.error).toBeUndefined();
    expect(result.status).not.toBe('failed');
  });

  test('the command sees the value; the run, checkpoints, logs and client see only the handle', async () => {
    const handle = secrets.handles['app/orders/db-password'] as string;
    const progress: string[] = [];
    const raw = await client.callTool(
      { name: 'orchestrator.executeWorkflow', arguments: { workflow: definition, input: input() } },
      undefined,
      { timeout: 60_000, onprogress: (p) => progress.push(String(p.message)) },
    );
    const result = runReportOf(raw);
    expect(result).toMatchObject({ status: 'completed' });
    // The command printed the value it got, and linux-cli, which learned it when it resolved the handle, masked it:
    // an unresolved handle would print as `secret://…`, a missing variable would exit 1.
    expect(result.output).toMatchObject({ secret: handle, version: '1', exitCode: 0, stdout: '[REDACTED]\n' });
    expect(result.output.preview).toMatch(/^\w{2}\*+\w{2}$/);

    // The step params carried the handle as a plain string, and the run view shows the handle, never the value.
    const run = structured(
      await client.callTool({
        name: 'orchestrator.getWorkflowRun',
        arguments: { runId: result.runId, includeOutputs: true, includeCheckpoints: true },
      }),
    );
    expect(run.steps.map((s: { path: string; status: string }) => `${s.path}:${s.status}`)).toEqual([
      'get:completed',
      'run:completed',
      'failed:skipped',
    ]);
    expect(run.steps[0].output).toMatchObject({ handle, preview: result.output.preview });

    // linux-cli resolved it as itself, for this purpose: the secrets service's audit says so.
    const ops = createServiceClient({ url: secrets.mcpUrl, token: secrets.tokenOf('ops') });
    const audit = await ops.call<{
      items: { caller: string; outcome: string; path: string; details?: Record<string, unknown> }[];
    }>('getAuditLog', { action: 'resolve' });
    await ops.close();
    expect(audit.items.map((e) => [e.caller, e.outcome, e.path, e.details?.purpose])).toEqual([
      ['linux-cli', 'success', 'app/orders/db-password', 'env:DB_PASSWORD'],
    ]);

    await linux.waitForLog((l) => l.msg === 'tool call finished' && l.tool === 'runCommand');
    await secrets.process.waitForLog((l) => l.msg === 'tool call finished' && l.tool === 'resolveSecret');
    const checkpoints = readdirSync(orchData)
      .filter((f) => f.startsWith('workflows.db'))
      .map((f) => readFileSync(join(orchData, f)).toString('latin1'));
    expect(checkpoints.length).toBeGreaterThan(0);
    const everything = [
      JSON.stringify(raw),
      JSON.stringify(run),
      progress.join('\n'),
      JSON.stringify(orch.logs),
      linux.stderr.join('\n'),
      secrets.process.stderr.join('\n'),
      ...checkpoints,
    ].join('\n');
    expect(everything).not.toContain(VALUE);
    expect(JSON.stringify(run)).toContain(handle);
  });

  test('a secret outside linux-cli resolve policy fails the run at the command step, and nothing runs', async () => {
    const ops = createServiceClient({ url: secrets.mcpUrl, token: secrets.tokenOf('ops') });
    await ops.call('createSecret', { path: 'private/root-password', value: 'not-for-linux-cli-0000' });
    await ops.close();
    const raw = await client.callTool(
      {
        name: 'orchestrator.executeWorkflow',
        arguments: { workflow: definition, input: { ...input(), secret: 'secret://local/private/root-password' } },
      },
      undefined,
      { timeout: 60_000 },
    );
    expect(raw.isError).toBe(true);
    const report = runReportOf(raw);
    expect(report).toMatchObject({ status: 'failed', error: { stepId: 'run', code: 'PERMISSION_DENIED' } });
    expect(report.error.message).toMatch(/caller "linux-cli" may not resolve local\/private\/root-password/);
    expect(JSON.stringify(raw)).not.toContain('not-for-linux-cli-0000');
    // linux-cli refused the call: the handle is resolved after validation and approval, before anything starts.
    await linux.waitForLog((l) => l.tool === 'runCommand' && l.outcome === 'permission_denied');
  });
});
