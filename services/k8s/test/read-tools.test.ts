import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { TestClient } from '@switchboard/shared/testing';
import { call, deployment, type Harness, harness, ok } from './support.ts';

let h: Harness;
let client: TestClient;

const running = (ns: string, app: string, n: number) =>
  h.fake.settle(
    () =>
      h.fake.store
        .scan(h.fake.type('v1', 'Pod'), ns)
        .filter((p) => p.metadata.labels?.app === app && (p.status as any)?.phase === 'Running').length === n,
  );

beforeAll(async () => {
  h = await harness();
  h.fake.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  h.fake.seed(deployment('web', 'nginx:1.27', 3, 'shop'));
  h.fake.seed(deployment('api', 'registry.local/api:2.0', 1, 'shop'));
  await running('shop', 'web', 3);
  await running('shop', 'api', 1);
  client = await h.connect();
});
afterAll(() => h.close());

describe('k8s read tier against the fake API server', () => {
  test('tools/list in read mode shows only read tools', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('listPods');
    expect(names).not.toContain('applyManifest');
    expect(names).not.toContain('execInPod');
  });

  test('listContexts names the context, server and namespace rules, never a token', async () => {
    const out = await ok(client, 'listContexts');
    expect(out).toMatchObject({
      mode: 'read',
      defaultContext: 'fake',
      contexts: [
        { name: 'fake', current: true, defaultNamespace: 'default', namespaces: { read: ['*'], write: ['*', '!kube-system'] } },
      ],
    });
    expect(JSON.stringify(out)).not.toContain('fake-admin-token');
  });

  test('listNamespaces pages and marks what may be written', async () => {
    const out = await ok(client, 'listNamespaces', { limit: 2 });
    expect(out.items).toHaveLength(2);
    expect(out).toMatchObject({ total: 4, totalExact: true });
    const rest = await ok(client, 'listNamespaces', { limit: 2, cursor: out.nextCursor });
    const all = [...out.items, ...rest.items];
    expect(all.map((n: any) => n.name)).toEqual(['default', 'kube-public', 'kube-system', 'shop']);
    expect(all.find((n: any) => n.name === 'kube-system')).toMatchObject({ read: true, write: false });
  });

  test('listPods returns compact rows, pages with the API continue token, and filters by selector', async () => {
    const first = await ok(client, 'listPods', { namespace: 'shop', limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first).toMatchObject({ total: 4, totalExact: true });
    expect(first.items[0]).toEqual({
      name: expect.stringMatching(/^api-/),
      namespace: 'shop',
      phase: 'Running',
      ready: '1/1',
      restarts: 0,
      node: expect.any(String),
      age: expect.any(String),
    });
    const second = await ok(client, 'listPods', { namespace: 'shop', limit: 2, cursor: first.nextCursor });
    expect(second.nextCursor).toBeUndefined();
    expect(new Set([...first.items, ...second.items].map((p: any) => p.name)).size).toBe(4);
    const web = await ok(client, 'listPods', {
      namespace: 'shop',
      labelSelector: 'app=web',
      fieldSelector: 'status.phase=Running',
    });
    expect(web.items).toHaveLength(3);
    const bad = await call(client, 'listPods', {
      namespace: 'shop',
      cursor: second.nextCursor ?? first.nextCursor,
      labelSelector: 'app=api',
    });
    expect(bad.error?.code).toBe('INVALID_ARGUMENT');
    const badSelector = await call(client, 'listPods', { namespace: 'shop', fieldSelector: 'spec.colour=red' });
    expect(badSelector.error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(badSelector.error?.message).toContain('not a known field selector');
  });

  test('getPod describes one pod; a missing one is NOT_FOUND with the API message', async () => {
    const pods = await ok(client, 'listPods', { namespace: 'shop', labelSelector: 'app=api' });
    const out = await ok(client, 'getPod', { namespace: 'shop', name: pods.items[0].name });
    expect(out).toMatchObject({
      pod: { phase: 'Running' },
      owner: expect.stringMatching(/^ReplicaSet\/api-/),
      containers: [{ name: 'app', image: 'registry.local/api:2.0', ready: true, state: 'running', ports: ['8080/TCP'] }],
    });
    const missing = await call(client, 'getPod', { namespace: 'shop', name: 'nope' });
    expect(missing.error).toMatchObject({ code: 'NOT_FOUND', message: 'pods "nope" not found' });
  });

  test('getPodLogs tails 100 lines by default and pages to older lines', async () => {
    const pod = (await ok(client, 'listPods', { namespace: 'shop', labelSelector: 'app=api' })).items[0].name;
    h.fake.kubelet.appendLog(
      'shop',
      pod,
      'app',
      Array.from({ length: 150 }, (_, i) => `line ${i + 1}`),
    );
    const out = await ok(client, 'getPodLogs', { namespace: 'shop', name: pod });
    expect(out.lines).toBe(100);
    expect(out.text.endsWith('line 150\n')).toBe(true);
    expect(out.text.startsWith('line 51\n')).toBe(true);
    expect(out.truncated).toBe(true);
    const older = await ok(client, 'getPodLogs', { namespace: 'shop', name: pod, cursor: out.nextCursor });
    expect(older.text.startsWith('starting registry.local/api:2.0\n')).toBe(true);
    expect(older.text.endsWith('line 50\n')).toBe(true);
    expect(older.nextCursor).toBeUndefined();
    const previous = await call(client, 'getPodLogs', { namespace: 'shop', name: pod, previous: true });
    expect(previous.error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(previous.error?.message).toContain('previous terminated container "app"');
  });

  test('a crash-looping container: listPods shows the reason and restarts, getPodLogs previous reads the crashed run', async () => {
    h.fake.seed(deployment('crashy', 'registry.local/crashloop:1', 1, 'shop'));
    const pod = await h.fake.settle(() =>
      h.fake.store
        .scan(h.fake.type('v1', 'Pod'), 'shop')
        .find((p) => p.metadata.labels?.app === 'crashy' && ((p.status as any)?.containerStatuses?.[0]?.restartCount ?? 0) > 0),
    );
    const rows = await ok(client, 'listPods', { namespace: 'shop', labelSelector: 'app=crashy' });
    expect(rows.items[0]).toMatchObject({ phase: 'CrashLoopBackOff', ready: '0/1', restarts: expect.any(Number) });
    expect(rows.items[0].restarts).toBeGreaterThan(0);
    const previous = await ok(client, 'getPodLogs', { namespace: 'shop', name: pod.metadata.name, previous: true });
    expect(previous.text).toContain('fatal: cannot read configuration');
    const backoff = await ok(client, 'listEvents', {
      namespace: 'shop',
      kind: 'Pod',
      name: pod.metadata.name,
      reason: 'BackOff',
    });
    expect(backoff.items[0]).toMatchObject({ type: 'Warning', reason: 'BackOff' });
  });

  test('listDeployments and getDeployment with rollout status and revision history', async () => {
    const list = await ok(client, 'listDeployments', { namespace: 'shop' });
    expect(list.items.filter((d: any) => d.name !== 'crashy').map((d: any) => [d.name, d.ready, d.images])).toEqual([
      ['api', '1/1', ['registry.local/api:2.0']],
      ['web', '3/3', ['nginx:1.27']],
    ]);
    const web = await ok(client, 'getDeployment', { namespace: 'shop', name: 'web' });
    expect(web).toMatchObject({
      revision: 1,
      rollout: { done: true, message: 'deployment "web" successfully rolled out' },
      history: [{ revision: 1, images: ['nginx:1.27'], current: true }],
    });
  });

  test('listServices, listNodes, getClusterInfo', async () => {
    h.fake.seed({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    const services = await ok(client, 'listServices', { namespace: 'shop' });
    expect(services.items).toEqual([
      expect.objectContaining({ name: 'web', type: 'ClusterIP', ports: '80/TCP', selector: 'app=web' }),
    ]);
    const nodes = await ok(client, 'listNodes');
    expect(nodes.items.map((n: any) => [n.name, n.status, n.version])).toEqual([
      ['node-1', 'Ready', 'v1.33.1'],
      ['node-2', 'Ready', 'v1.33.1'],
    ]);
    expect(await ok(client, 'getClusterInfo')).toMatchObject({
      version: 'v1.33.1',
      nodes: { total: 2, ready: 2 },
      healthy: true,
      metricsAvailable: true,
    });
  });

  test('listEvents: newest first, by object, Warnings only', async () => {
    h.fake.seed(deployment('broken', 'registry.local/shop:broken', 1, 'shop'));
    await h.fake.settle(() => h.fake.store.scan(h.fake.type('v1', 'Event'), 'shop').some((e) => e.type === 'Warning'));
    const warnings = await ok(client, 'listEvents', { namespace: 'shop', type: 'Warning' });
    expect(warnings.items.length).toBeGreaterThan(0);
    expect(warnings.items.every((e: any) => e.type === 'Warning')).toBe(true);
    expect(warnings.items.map((e: any) => e.message).join('\n')).toContain('Failed to pull image "registry.local/shop:broken"');
    const all = await ok(client, 'listEvents', { namespace: 'shop' });
    const times = all.items.map((e: any) => Date.parse(e.lastSeen));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const aboutWeb = await ok(client, 'listEvents', { namespace: 'shop', kind: 'Deployment', name: 'web' });
    expect(aboutWeb.items.map((e: any) => e.object)).toEqual(expect.arrayContaining(['Deployment/web']));
    expect(aboutWeb.items.every((e: any) => e.object === 'Deployment/web')).toBe(true);
  });

  test('topPods and topNodes from metrics.k8s.io, heaviest first', async () => {
    const pods = (await ok(client, 'listPods', { namespace: 'shop', labelSelector: 'app=web' })).items;
    h.fake.setUsage(`pod/shop/${pods[1].name}/app`, { cpu: '750m', memory: '300Mi' });
    const top = await ok(client, 'topPods', { namespace: 'shop' });
    expect(top.items[0]).toMatchObject({ name: pods[1].name, cpu: '750m', memory: '300Mi' });
    const nodes = await ok(client, 'topNodes');
    expect(nodes.items).toHaveLength(2);
    expect(nodes.items[0]).toEqual(
      expect.objectContaining({ cpuPercent: expect.any(Number), memoryPercent: expect.any(Number) }),
    );
  });

  test('getResource and listResources reach any kind through discovery', async () => {
    const kinds = await ok(client, 'listResources');
    expect(kinds.kinds).toEqual(
      expect.arrayContaining([expect.objectContaining({ apiVersion: 'apps/v1', kind: 'Deployment', namespaced: true })]),
    );
    const rs = await ok(client, 'listResources', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      namespace: 'shop',
      labelSelector: 'app=web',
    });
    expect(rs.items).toEqual([expect.objectContaining({ name: expect.stringMatching(/^web-/), namespace: 'shop' })]);
    const object = await ok(client, 'getResource', { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' });
    expect(object.object).toMatchObject({ kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3 } });
    expect(object.object.metadata.managedFields).toBeUndefined();
    const unknown = await call(client, 'getResource', { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w' });
    expect(unknown.error?.code).toBe('NOT_FOUND');
    const clusterScoped = await ok(client, 'getResource', { apiVersion: 'v1', kind: 'Node', name: 'node-1' });
    expect(clusterScoped.object.metadata.name).toBe('node-1');
  });
});
