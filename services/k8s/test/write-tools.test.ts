import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { IDEMPOTENCY_META_KEY } from '@switchboard/shared';
import type { TestClient } from '@switchboard/shared/testing';
import { call, deployment, type Harness, harness, ok } from './support.ts';

let h: Harness;
let client: TestClient;
const prompts: string[] = [];

const revisionOfImage = (out: Record<string, any>, image: string) =>
  out.history.find((r: any) => r.images.includes(image))?.revision;

beforeAll(async () => {
  h = await harness();
  h.fake.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  client = await h.connect({ K8S_MODE: 'admin', SWITCHBOARD_DATA_DIR: h.dir }, { approve: 'accept', prompts });
});
afterAll(() => h.close());

describe('k8s write tier against the fake API server', () => {
  test('applyManifest: dryRun returns the server dry-run diff and persists nothing; then creates; then reports the change', async () => {
    const dry = await ok(client, 'applyManifest', {
      namespace: 'shop',
      manifest: deployment('shop', 'registry.local/shop:1.0', 2, 'shop'),
      dryRun: true,
    });
    expect(dry.results[0]).toMatchObject({ kind: 'Deployment', name: 'shop', namespace: 'shop', action: 'created' });
    expect(dry.results[0].changes).toEqual(
      expect.arrayContaining([{ path: 'spec.template.spec.containers[app].image', after: 'registry.local/shop:1.0' }]),
    );
    expect(h.fake.store.tryGet(h.fake.type('apps/v1', 'Deployment'), 'shop', 'shop')).toBeUndefined();
    expect(
      h.fake.requests.some(
        (r) => r.method === 'PATCH' && r.path.includes('dryRun=All') && r.contentType === 'application/apply-patch+yaml',
      ),
    ).toBe(true);

    const created = await ok(client, 'applyManifest', {
      namespace: 'shop',
      manifest: deployment('shop', 'registry.local/shop:1.0', 2, 'shop'),
    });
    expect(created.results[0]).toMatchObject({ action: 'created', resourceVersion: expect.any(String) });
    expect(h.fake.requests.some((r) => r.method === 'PATCH' && r.path.includes('fieldManager=switchboard'))).toBe(true);
    const again = await ok(client, 'applyManifest', {
      namespace: 'shop',
      manifest: deployment('shop', 'registry.local/shop:1.0', 2, 'shop'),
    });
    expect(again.results[0]).toMatchObject({ action: 'unchanged', changes: [] });
    const yaml = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop, namespace: shop, labels: {app: shop}}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: shop}}\n  template:\n    metadata: {labels: {app: shop}}\n    spec:\n      containers: [{name: app, image: "registry.local/shop:1.1", ports: [{containerPort: 8080}]}]\n`;
    const preview = await ok(client, 'applyManifest', { yaml, dryRun: true });
    expect(preview.results[0]).toMatchObject({
      action: 'configured',
      changes: [
        { path: 'spec.template.spec.containers[app].image', before: 'registry.local/shop:1.0', after: 'registry.local/shop:1.1' },
      ],
    });
  });

  test('applyManifest: an invalid object is INVALID_ARGUMENT with the field causes', async () => {
    const bad = deployment('bad', 'x:1', 1, 'shop');
    bad.spec.template.metadata.labels = { app: 'other' };
    const out = await call(client, 'applyManifest', { manifest: bad });
    expect(out.error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { httpStatus: 422, reason: 'Invalid', causes: [{ field: 'spec.template.metadata.labels' }] },
    });
  });

  test('scaleDeployment uses the scale subresource; a later apply conflicts on replicas unless forced', async () => {
    const scaled = await ok(client, 'scaleDeployment', { namespace: 'shop', name: 'shop', replicas: 4 });
    expect(scaled).toEqual({ name: 'shop', namespace: 'shop', previousReplicas: 2, replicas: 4, dryRun: false });
    expect(
      h.fake.requests.some(
        (r) => r.method === 'PUT' && r.path.startsWith('/apis/apps/v1/namespaces/shop/deployments/shop/scale'),
      ),
    ).toBe(true);
    const clash = await call(client, 'applyManifest', { manifest: deployment('shop', 'registry.local/shop:1.0', 2, 'shop') });
    expect(clash.error).toMatchObject({
      code: 'CONFLICT',
      details: { httpStatus: 409, causes: [{ field: '.spec.replicas', reason: 'FieldManagerConflict' }] },
    });
    expect(clash.error?.message).toContain('force: true');
    const forced = await ok(client, 'applyManifest', {
      manifest: deployment('shop', 'registry.local/shop:1.0', 4, 'shop'),
      force: true,
    });
    expect(forced.results[0].action).toBe('unchanged');
  });

  test('waitForRollout follows the rollout with progress notifications until available', async () => {
    await ok(client, 'applyManifest', { manifest: deployment('shop', 'registry.local/shop:1.1', 4, 'shop'), force: true });
    const progress: unknown[] = [];
    const result = await client.callTool(
      { name: 'waitForRollout', arguments: { namespace: 'shop', name: 'shop', timeoutSeconds: 20 } },
      undefined,
      { onprogress: (p) => progress.push(p) },
    );
    expect(result.structuredContent).toMatchObject({ revision: 2, status: { done: true, updated: 4, available: 4 } });
    expect(progress.length).toBeGreaterThan(0);
  });

  test('rollbackDeployment returns to the previous revision from ReplicaSet history (real rollout undo logic)', async () => {
    const before = await ok(client, 'getDeployment', { namespace: 'shop', name: 'shop' });
    expect(before.revision).toBe(2);
    expect(before.history.map((r: any) => r.revision)).toEqual([2, 1]);
    const dry = await ok(client, 'rollbackDeployment', { namespace: 'shop', name: 'shop', dryRun: true });
    expect(dry).toMatchObject({
      fromRevision: 2,
      toRevision: 1,
      images: ['registry.local/shop:1.0'],
      skipped: false,
      dryRun: true,
    });
    expect((await ok(client, 'getDeployment', { namespace: 'shop', name: 'shop' })).deployment.images).toEqual([
      'registry.local/shop:1.1',
    ]);
    const undo = await ok(client, 'rollbackDeployment', { namespace: 'shop', name: 'shop' });
    expect(undo).toMatchObject({ fromRevision: 2, toRevision: 1, skipped: false });
    await ok(client, 'waitForRollout', { namespace: 'shop', name: 'shop', timeoutSeconds: 20 });
    const after = await ok(client, 'getDeployment', { namespace: 'shop', name: 'shop' });
    expect(after.deployment.images).toEqual(['registry.local/shop:1.0']);
    // The controller reused the old ReplicaSet and made it the newest revision, as a real cluster does.
    expect(after.revision).toBe(3);
    expect(revisionOfImage(after, 'registry.local/shop:1.0')).toBe(3);
    expect(after.history).toHaveLength(2);
    const again = await ok(client, 'rollbackDeployment', { namespace: 'shop', name: 'shop', toRevision: 3 });
    expect(again.skipped).toBe(true);
    const missing = await call(client, 'rollbackDeployment', { namespace: 'shop', name: 'shop', toRevision: 9 });
    expect(missing.error).toMatchObject({ code: 'NOT_FOUND' });
    expect(missing.error?.message).toContain('history: 3, 2');
  });

  test('restartDeployment stamps restartedAt and makes a new revision', async () => {
    const out = await ok(client, 'restartDeployment', { namespace: 'shop', name: 'shop' });
    expect(Date.parse(out.restartedAt)).toBeGreaterThan(0);
    expect(h.fake.requests.some((r) => r.method === 'PATCH' && r.contentType === 'application/strategic-merge-patch+json')).toBe(
      true,
    );
    await ok(client, 'waitForRollout', { namespace: 'shop', name: 'shop', timeoutSeconds: 20 });
    expect((await ok(client, 'getDeployment', { namespace: 'shop', name: 'shop' })).revision).toBe(4);
  });

  test('a repeated call with the same idempotency key (a workflow retry) restarts once and returns the first outcome', async () => {
    const patches = () =>
      h.fake.requests.filter((r) => r.method === 'PATCH' && r.contentType === 'application/strategic-merge-patch+json').length;
    const before = patches();
    const meta = { [IDEMPOTENCY_META_KEY]: 'run-1:restart' };
    const first = await client.callTool({
      name: 'restartDeployment',
      arguments: { namespace: 'shop', name: 'shop' },
      _meta: meta,
    });
    const again = await client.callTool({
      name: 'restartDeployment',
      arguments: { namespace: 'shop', name: 'shop' },
      _meta: meta,
    });
    expect(again.structuredContent).toEqual(first.structuredContent);
    expect(patches()).toBe(before + 1);
    const other = await client.callTool({
      name: 'restartDeployment',
      arguments: { namespace: 'shop', name: 'other' },
      _meta: meta,
    });
    expect((other.structuredContent as any).error.code).toBe('IDEMPOTENCY_CONFLICT');
    await ok(client, 'waitForRollout', { namespace: 'shop', name: 'shop', timeoutSeconds: 20 });
  });

  test('createService and exposeDeployment; a taken name is CONFLICT', async () => {
    const svc = await ok(client, 'createService', {
      namespace: 'shop',
      name: 'shop-np',
      type: 'NodePort',
      selector: { app: 'shop' },
      ports: [{ port: 80, targetPort: 8080 }],
    });
    expect(svc.service).toMatchObject({
      name: 'shop-np',
      type: 'NodePort',
      ports: expect.stringMatching(/^80:3\d{4}\/TCP$/),
      selector: 'app=shop',
    });
    const exposed = await ok(client, 'exposeDeployment', { namespace: 'shop', name: 'shop', port: 80 });
    expect(exposed.service).toMatchObject({ name: 'shop', type: 'ClusterIP', ports: '80/TCP', selector: 'app=shop' });
    const spec = h.fake.store.get(h.fake.type('v1', 'Service'), 'shop', 'shop').spec as any;
    expect(spec.ports[0].targetPort).toBe(8080);
    const dup = await call(client, 'exposeDeployment', { namespace: 'shop', name: 'shop', port: 80 });
    expect(dup.error).toMatchObject({ code: 'CONFLICT', message: 'services "shop" already exists' });
  });

  test('waitForRollout fails with details.failed when the deployment exceeds its progress deadline', async () => {
    const broken = deployment('stuck', 'registry.local/shop:broken', 1, 'shop') as any;
    broken.spec.progressDeadlineSeconds = 1;
    await ok(client, 'applyManifest', { manifest: broken });
    const out = await call(client, 'waitForRollout', { namespace: 'shop', name: 'stuck', timeoutSeconds: 15 });
    expect(out.error).toMatchObject({ code: 'TIMEOUT', details: { failed: true } });
    expect(out.error?.message).toContain('exceeded its progress deadline');
  });

  test('deletePod asks a human with the exact target, then deletes; the ReplicaSet replaces it', async () => {
    const pod = (await ok(client, 'listPods', { namespace: 'shop', labelSelector: 'app=shop' })).items[0].name;
    const out = await ok(client, 'deletePod', { namespace: 'shop', name: pod });
    expect(out).toMatchObject({
      deleted: { kind: 'Pod', name: pod, namespace: 'shop' },
      owner: expect.stringMatching(/^ReplicaSet\//),
    });
    expect(prompts.at(-1)).toContain(`delete Pod shop/${pod}`);
    expect(h.fake.store.tryGet(h.fake.type('v1', 'Pod'), 'shop', pod)).toBeUndefined();
  });

  test('deleteResource removes any kind by discovery, with approval', async () => {
    const out = await ok(client, 'deleteResource', { namespace: 'shop', apiVersion: 'v1', kind: 'Service', name: 'shop-np' });
    expect(out.deleted).toMatchObject({ kind: 'Service', name: 'shop-np' });
    expect(prompts.at(-1)).toContain('delete Service shop/shop-np');
    const gone = await call(client, 'deleteResource', { namespace: 'shop', apiVersion: 'v1', kind: 'Service', name: 'shop-np' });
    expect(gone.error?.code).toBe('NOT_FOUND');
  });

  test('execInPod runs argv over the exec WebSocket (v5.channel.k8s.io) and reports the exit code', async () => {
    const pod = (
      await ok(client, 'listPods', { namespace: 'shop', labelSelector: 'app=shop', fieldSelector: 'status.phase=Running' })
    ).items[0].name;
    const out = await ok(client, 'execInPod', { namespace: 'shop', name: pod, command: ['cat', '/etc/os-release'] });
    expect(out).toMatchObject({ container: 'app', exitCode: 0, stdout: 'NAME="Fake Linux"\nID=fake\n', truncated: false });
    expect(prompts.at(-1)).toContain('argv:      ["cat","/etc/os-release"]');
    expect(h.fake.execs.at(-1)).toMatchObject({ protocol: 'v5.channel.k8s.io', command: ['cat', '/etc/os-release'] });
    const failed = await ok(client, 'execInPod', { namespace: 'shop', name: pod, command: ['sh', '-c', 'exit 7'] });
    expect(failed.exitCode).toBe(7);
    const big = await ok(client, 'execInPod', { namespace: 'shop', name: pod, command: ['seq', '50000'] });
    expect(big.truncated).toBe(true);
    expect(Buffer.byteLength(big.stdout)).toBeLessThanOrEqual(64 * 1024);
    const missing = await call(client, 'execInPod', { namespace: 'shop', name: pod, command: ['no-such-binary'] });
    expect(missing.error?.message).toContain('executable file not found in $PATH');
  });
});
