import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import { connect, type RunningOrchestrator, runReportOf, startOrchestrator, structured, tempDir, waitUp } from './helpers.ts';

const K8S_MAIN = fileURLToPath(new URL('../../services/k8s/src/main.ts', import.meta.url));
const FAKE_KUBE = fileURLToPath(new URL('../../services/k8s/test/fixtures/fake-kube/main.ts', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../examples/k8s-deploy-with-rollback.json', import.meta.url));

/**
 * examples/k8s-deploy-with-rollback.json through the orchestrator: the k8s service as a real process, pointed at
 * the fake Kubernetes API server (a real HTTPS server speaking the API). A good image rolls out; an image that
 * never pulls exceeds its progress deadline, and the apply step's compensation rolls the Deployment back.
 */
describe('k8s deploy-with-rollback workflow through the orchestrator', () => {
  const dir = tempDir('orch-k8s-');
  let fake: SpawnedService;
  let k8s: SpawnedService;
  let orch: RunningOrchestrator;
  let client: Client;
  const definition = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown>;

  const app = (name: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop', labels: { app: name } },
    spec: {
      replicas: 2,
      progressDeadlineSeconds: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'registry.local/shop:1.0' }] },
      },
    },
  });

  beforeAll(async () => {
    const seed = join(dir.path, 'seed.json');
    const kubeconfig = join(dir.path, 'kubeconfig.yaml');
    writeFileSync(
      seed,
      JSON.stringify([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }, app('good'), app('bad')]),
    );
    fake = await spawnService(FAKE_KUBE, { env: { FAKE_KUBE_SEED: seed, FAKE_KUBE_KUBECONFIG: kubeconfig } });
    k8s = await spawnService(K8S_MAIN, {
      env: {
        PORT: '0',
        SWITCHBOARD_AUTH: 'none',
        SWITCHBOARD_DATA_DIR: join(dir.path, 'k8s-data'),
        K8S_KUBECONFIG: kubeconfig,
        K8S_MODE: 'write',
      },
    });
    orch = await startOrchestrator({ dataDir: dir.path, upstreams: [{ name: 'k8s', namespace: 'k8s', url: `${k8s.url}/mcp` }] });
    await waitUp(orch, 'k8s');
    client = await connect(`${orch.url}/mcp`);
    // Both deployments at revision 1, rolled out.
    for (const name of ['good', 'bad']) {
      const wait = await client.callTool({
        name: 'k8s.waitForRollout',
        arguments: { namespace: 'shop', name, timeoutSeconds: 20 },
      });
      expect(structured(wait)).toMatchObject({ revision: 1, status: { done: true } });
    }
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await orch?.close();
    await k8s?.stop();
    await fake?.stop();
    dir.cleanup();
  });

  // A failed run is an isError result carrying its code; its report is in the error's details.
  const execute = async (input: Record<string, unknown>) =>
    runReportOf(
      await client.callTool({ name: 'orchestrator.executeWorkflow', arguments: { workflow: definition, input } }, undefined, {
        timeout: 60_000,
      }),
    );

  test('the definition validates against the k8s tools as the orchestrator lists them', async () => {
    const result = structured(
      await client.callTool({ name: 'orchestrator.executeWorkflow', arguments: { mode: 'validate', workflow: definition } }),
    );
    expect(result).toMatchObject({ status: 'valid', problems: [], workflow: { name: 'k8s_deploy_with_rollback' } });
  });

  test('a good image is applied and rolled out', async () => {
    const result = await execute({
      namespace: 'shop',
      name: 'good',
      container: 'web',
      image: 'registry.local/shop:1.1',
      timeoutSeconds: 20,
    });
    expect(result).toMatchObject({
      status: 'completed',
      output: { name: 'good', image: 'registry.local/shop:1.1', fromRevision: 1, revision: 2 },
    });
    const d = structured(await client.callTool({ name: 'k8s.getDeployment', arguments: { namespace: 'shop', name: 'good' } }));
    expect(d.deployment.images).toEqual(['registry.local/shop:1.1']);
  }, 60_000);

  test('an image that never pulls fails the rollout; compensation rolls back to the revision before', async () => {
    const result = await execute({
      namespace: 'shop',
      name: 'bad',
      container: 'web',
      image: 'registry.local/shop:broken',
      timeoutSeconds: 20,
    });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ stepId: 'rollout' });
    expect(JSON.stringify(result.error)).toContain('exceeded its progress deadline');
    expect(result.steps.find((s: { path: string }) => s.path === 'apply').compensation).toBe('completed');
    const d = structured(await client.callTool({ name: 'k8s.getDeployment', arguments: { namespace: 'shop', name: 'bad' } }));
    // The rollback is the controller's: the revision-1 ReplicaSet becomes revision 3 with the old image.
    expect(d.deployment.images).toEqual(['registry.local/shop:1.0']);
    expect(d.revision).toBe(3);
    expect(d.history.map((r: { revision: number; images: string[] }) => [r.revision, r.images[0]])).toEqual([
      [3, 'registry.local/shop:1.0'],
      [2, 'registry.local/shop:broken'],
    ]);
    const wait = structured(
      await client.callTool({ name: 'k8s.waitForRollout', arguments: { namespace: 'shop', name: 'bad', timeoutSeconds: 20 } }),
    );
    expect(wait).toMatchObject({ revision: 3, status: { done: true } });
  }, 60_000);
});
