import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  Exec,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type V1Status,
  Watch,
} from '@kubernetes/client-node';
import { createFakeKube, type FakeKube } from './fixtures/fake-kube/server.ts';

/**
 * The fixture itself, driven by the real @kubernetes/client-node: if these pass, the service tests run the
 * client's own request building, parsing and error paths against the wire formats a cluster uses.
 */
let fake: FakeKube;
let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;
let objects: KubernetesObjectApi;

const deployment = (name: string, image: string, replicas = 2) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default', labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } },
  },
});

async function rejection(promise: Promise<unknown>): Promise<ApiException<string>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiException) return error as ApiException<string>;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const statusOf = (error: ApiException<string>): V1Status =>
  typeof error.body === 'string' ? JSON.parse(error.body) : error.body;

beforeAll(async () => {
  fake = await createFakeKube();
  kc = new KubeConfig();
  kc.loadFromString(fake.kubeconfig());
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  objects = KubernetesObjectApi.makeApiClient(kc);
});
afterAll(() => fake.close());

describe('fake Kubernetes API server, through the real client', () => {
  test('discovery: /api, /apis and the resource lists the generic client resolves kinds with', async () => {
    const groups = await kc.makeApiClient((await import('@kubernetes/client-node')).ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name)).toEqual(expect.arrayContaining(['apps', 'metrics.k8s.io']));
    const list = await objects.list('apps/v1', 'Deployment', 'default');
    expect(list.items).toEqual([]);
    expect(fake.requests.some((r) => r.path === '/apis/apps/v1')).toBe(true);
  });

  test('create, get, update with resourceVersion; a stale version is 409 Conflict; a duplicate is AlreadyExists', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'cfg' }, data: { a: '1' } },
    });
    expect(created.metadata?.resourceVersion).toBeDefined();
    const updated = await core.replaceNamespacedConfigMap({
      name: 'cfg',
      namespace: 'default',
      body: { ...created, data: { a: '2' } },
    });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));
    const stale = await rejection(
      core.replaceNamespacedConfigMap({ name: 'cfg', namespace: 'default', body: { ...created, data: { a: '3' } } }),
    );
    expect(stale.code).toBe(409);
    expect(statusOf(stale)).toMatchObject({ kind: 'Status', reason: 'Conflict', details: { name: 'cfg', kind: 'configmaps' } });
    const dup = await rejection(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cfg' } } }));
    expect(statusOf(dup)).toMatchObject({ reason: 'AlreadyExists', code: 409, message: 'configmaps "cfg" already exists' });
    const missing = await rejection(core.readNamespacedConfigMap({ name: 'nope', namespace: 'default' }));
    expect(statusOf(missing)).toMatchObject({ reason: 'NotFound', code: 404 });
  });

  test('list with limit and continue walks a consistent snapshot; selectors filter; a compacted token is 410', async () => {
    for (let i = 0; i < 7; i++) {
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: `page-${i}`, labels: { tier: i % 2 ? 'odd' : 'even' } } },
      });
    }
    const first = await core.listNamespacedConfigMap({ namespace: 'default', limit: 3, labelSelector: 'tier' });
    expect(first.items).toHaveLength(3);
    expect(first.metadata?.remainingItemCount).toBeUndefined();
    const all = await core.listNamespacedConfigMap({ namespace: 'default', limit: 3 });
    expect(all.metadata?.remainingItemCount).toBe(5);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'page-late' } } });
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await core.listNamespacedConfigMap({
        namespace: 'default',
        limit: 3,
        labelSelector: 'tier in (odd,even)',
        ...(token ? { _continue: token } : {}),
      });
      names.push(...page.items.map((i) => i.metadata?.name as string));
      token = page.metadata?._continue;
    } while (token);
    expect(names).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6']);
    const odd = await core.listNamespacedConfigMap({
      namespace: 'default',
      labelSelector: 'tier=odd',
      fieldSelector: 'metadata.name!=page-1',
    });
    expect(odd.items.map((i) => i.metadata?.name)).toEqual(['page-3', 'page-5']);
    const badField = await rejection(core.listNamespacedPod({ namespace: 'default', fieldSelector: 'spec.colour=red' }));
    expect(badField.code).toBe(400);
    const paged = await core.listNamespacedConfigMap({ namespace: 'default', limit: 2 });
    fake.store.compact();
    const gone = await rejection(
      core.listNamespacedConfigMap({ namespace: 'default', limit: 2, _continue: paged.metadata?._continue as string }),
    );
    expect(statusOf(gone)).toMatchObject({ code: 410, reason: 'Expired' });
  });

  test('watch streams ADDED, MODIFIED and DELETED events', async () => {
    const seen: string[] = [];
    const watch = new Watch(kc);
    const controller = await watch.watch(
      '/api/v1/namespaces/default/configmaps',
      { labelSelector: 'watched=yes' },
      (type, obj) => seen.push(`${type} ${obj.metadata.name}`),
      () => {},
    );
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w', labels: { watched: 'yes' } } } });
    await core.patchNamespacedConfigMap(
      { name: 'w', namespace: 'default', body: { data: { x: 'y' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedConfigMap({ name: 'w', namespace: 'default' });
    await fake.settle(() => seen.length >= 3);
    controller.abort();
    expect(seen).toEqual(['ADDED w', 'MODIFIED w', 'DELETED w']);
  });

  test('server-side apply: creates, dryRun persists nothing, another manager’s field conflicts unless forced', async () => {
    const applied = await objects.patch(
      deployment('ssa', 'nginx:1.27'),
      undefined,
      undefined,
      'switchboard',
      undefined,
      PatchStrategy.ServerSideApply,
    );
    expect((applied.metadata as { managedFields?: unknown[] }).managedFields?.[0]).toMatchObject({
      manager: 'switchboard',
      operation: 'Apply',
    });
    const dry = await objects.patch(
      deployment('ssa', 'nginx:1.28'),
      undefined,
      'All',
      'switchboard',
      undefined,
      PatchStrategy.ServerSideApply,
    );
    expect((dry as any).spec.template.spec.containers[0].image).toBe('nginx:1.28');
    expect(
      (await apps.readNamespacedDeployment({ name: 'ssa', namespace: 'default' })).spec?.template.spec?.containers[0]?.image,
    ).toBe('nginx:1.27');
    await apps.patchNamespacedDeploymentScale(
      { name: 'ssa', namespace: 'default', body: { spec: { replicas: 5 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const clash = await rejection(
      objects.patch(
        deployment('ssa', 'nginx:1.27', 3),
        undefined,
        undefined,
        'switchboard',
        undefined,
        PatchStrategy.ServerSideApply,
      ),
    );
    expect(clash.code).toBe(409);
    expect(statusOf(clash).details?.causes?.[0]).toMatchObject({ reason: 'FieldManagerConflict', field: '.spec.replicas' });
    const forced = await objects.patch(
      deployment('ssa', 'nginx:1.27', 3),
      undefined,
      undefined,
      'switchboard',
      true,
      PatchStrategy.ServerSideApply,
    );
    expect((forced as any).spec.replicas).toBe(3);
    const noManager = await rejection(
      objects.patch(deployment('ssa', 'nginx:1.27'), undefined, undefined, undefined, undefined, PatchStrategy.ServerSideApply),
    );
    expect(noManager.code).toBe(422);
  });

  test('the scale subresource, Deployments making ReplicaSets with revisions, pods, events', async () => {
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web', 'nginx:1.27') });
    await fake.settle(
      () => (fake.store.get(fake.type('apps/v1', 'Deployment'), 'default', 'web').status as any)?.availableReplicas === 2,
    );
    await new Promise((r) => setTimeout(r, 100));
    const scale = await apps.readNamespacedDeploymentScale({ name: 'web', namespace: 'default' });
    expect(scale).toMatchObject({ spec: { replicas: 2 }, status: { selector: 'app=web' } });
    await apps.replaceNamespacedDeploymentScale({ name: 'web', namespace: 'default', body: { ...scale, spec: { replicas: 3 } } });
    const stale = await rejection(
      apps.replaceNamespacedDeploymentScale({ name: 'web', namespace: 'default', body: { ...scale, spec: { replicas: 4 } } }),
    );
    expect(stale.code).toBe(409);
    await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'default',
        body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.28' }] } } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const sets = await fake.settle(() => {
      const rs = fake.store.scan(fake.type('apps/v1', 'ReplicaSet'), 'default').filter((r) => r.metadata.name.startsWith('web-'));
      return rs.length === 2 && rs.some((r) => (r.spec as any).replicas === 0) ? rs : undefined;
    });
    expect(sets.map((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision']).sort()).toEqual(['1', '2']);
    const events = await core.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: 'involvedObject.kind=Deployment,involvedObject.name=web',
    });
    expect(events.items.map((e) => e.reason)).toContain('ScalingReplicaSet');
  });

  test('pod logs with tailLines; a multi-container pod needs a container name (400)', async () => {
    fake.seed({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'two', namespace: 'default' },
      spec: {
        containers: [
          { name: 'a', image: 'busybox:1.36' },
          { name: 'b', image: 'busybox:1.36' },
        ],
      },
    });
    await fake.settle(() => (fake.store.get(fake.type('v1', 'Pod'), 'default', 'two').status as any)?.phase === 'Running');
    fake.kubelet.appendLog('default', 'two', 'a', ['one', 'two', 'three']);
    const log = await core.readNamespacedPodLog({ name: 'two', namespace: 'default', container: 'a', tailLines: 2 });
    expect(log).toBe('two\nthree\n');
    const noContainer = await rejection(core.readNamespacedPodLog({ name: 'two', namespace: 'default' }));
    expect(statusOf(noContainer).message).toBe('a container name must be specified for pod two, choose one of: [a b]');
  });

  test('exec over WebSocket negotiates v5.channel.k8s.io and reports the exit code as a Status', async () => {
    fake.seed({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'default' },
      stringData: { password: 'hunter2-in-env' },
    });
    fake.seed({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'shell', namespace: 'default' },
      spec: {
        containers: [
          {
            name: 'c',
            image: 'busybox:1.36',
            env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
          },
        ],
      },
    });
    await fake.settle(() => (fake.store.get(fake.type('v1', 'Pod'), 'default', 'shell').status as any)?.phase === 'Running');
    const run = (command: string[]) =>
      new Promise<{ out: string; status: V1Status }>((resolve, reject) => {
        let out = '';
        const stdout = new Writable({
          write: (chunk, _e, done) => {
            out += chunk;
            done();
          },
        });
        new Exec(kc)
          .exec('default', 'shell', 'c', command, stdout, null, null, false, (status) => resolve({ out, status }))
          .catch(reject);
      });
    const env = await run(['printenv', 'DB_PASSWORD']);
    expect(env).toEqual({ out: 'hunter2-in-env\n', status: { metadata: {}, status: 'Success' } });
    const failed = await run(['sh', '-c', 'exit 3']);
    expect(failed.status).toMatchObject({
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    expect(fake.execs.at(-1)?.protocol).toBe('v5.channel.k8s.io');
  });

  test('RBAC: a denied verb is a 403 Status naming user, verb, resource and namespace', async () => {
    fake.addUser('system:serviceaccount:ops:viewer', 'viewer-token-0123456789', [
      { verbs: ['get', 'list'], resources: ['pods'] },
    ]);
    const viewer = new KubeConfig();
    viewer.loadFromString(fake.kubeconfig([{ name: 'viewer', token: 'viewer-token-0123456789' }]));
    const denied = await rejection(viewer.makeApiClient(CoreV1Api).deleteNamespacedPod({ name: 'shell', namespace: 'default' }));
    expect(statusOf(denied)).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message:
        'pods "shell" is forbidden: User "system:serviceaccount:ops:viewer" cannot delete resource "pods" in API group "" in the namespace "default"',
    });
  });
});
