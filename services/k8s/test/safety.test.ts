import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectInMemory } from '@switchboard/shared/testing';
import { k8sService } from '../src/service.ts';
import { call, deployment, type Harness, harness, ok } from './support.ts';

let h: Harness;
const SECRET = 'S3cr3t-Value-4711-zebra';
const SECRET_B64 = Buffer.from(SECRET).toString('base64');

beforeAll(async () => {
  h = await harness();
  h.fake.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  h.fake.seed({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db-creds', namespace: 'shop' },
    stringData: { password: SECRET, user: 'shop-app' },
  });
  const app = deployment('app', 'registry.local/app:1.0', 1, 'shop') as any;
  app.spec.template.spec.containers[0].env = [
    { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-creds', key: 'password' } } },
    { name: 'API_TOKEN', value: 'literal-token-value-99' },
  ];
  app.spec.template.spec.containers[0].volumeMounts = [{ name: 'creds', mountPath: '/etc/creds' }];
  app.spec.template.spec.volumes = [{ name: 'creds', secret: { secretName: 'db-creds' } }];
  h.fake.seed(app);
  await h.fake.settle(() =>
    h.fake.store.scan(h.fake.type('v1', 'Pod'), 'shop').some((p) => (p.status as any)?.phase === 'Running'),
  );
});
afterAll(() => h.close());

const runningPod = () =>
  h.fake.store
    .scan(h.fake.type('v1', 'Pod'), 'shop')
    .find(
      (p) =>
        p.metadata.labels?.app === 'app' &&
        (p.status as any)?.phase === 'Running' &&
        (p.status as any)?.containerStatuses?.[0]?.ready,
    );
const podName = () =>
  (runningPod() ?? h.fake.store.scan(h.fake.type('v1', 'Pod'), 'shop').find((p) => p.metadata.labels?.app === 'app'))?.metadata
    .name as string;

describe('read-only mode (the default) hides and refuses the write and destructive tiers', () => {
  test('tools/list shows only readOnlyHint tools; calling a hidden one by name is READ_ONLY and reaches no API', async () => {
    const client = await h.connect();
    const tools = (await client.listTools()).tools;
    expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
    const before = h.fake.requests.length;
    for (const [name, args] of [
      ['applyManifest', { manifest: deployment('x', 'x:1', 1, 'shop') }],
      ['scaleDeployment', { namespace: 'shop', name: 'app', replicas: 3 }],
      ['rollbackDeployment', { namespace: 'shop', name: 'app' }],
      ['deletePod', { namespace: 'shop', name: podName() }],
      ['deleteResource', { namespace: 'shop', apiVersion: 'v1', kind: 'Secret', name: 'db-creds' }],
      ['execInPod', { namespace: 'shop', name: podName(), command: ['env'] }],
    ] as const) {
      const out = await call(client, name, args);
      expect({ name, code: out.error?.code }).toEqual({ name, code: 'READ_ONLY' });
    }
    // waitForRollout changes nothing itself but belongs to the write tier: off in read mode too, by name as well.
    expect(tools.map((t) => t.name)).not.toContain('waitForRollout');
    const wait = await call(client, 'waitForRollout', { namespace: 'shop', name: 'app', timeoutSeconds: 1 });
    expect(wait.error).toMatchObject({ code: 'PERMISSION_DENIED', details: { reason: 'disabled' } });
    expect(h.fake.requests.length).toBe(before);
  });

  test('SWITCHBOARD_READ_ONLY=true wins over K8S_MODE=admin', async () => {
    const client = await h.connect({ K8S_MODE: 'admin', SWITCHBOARD_READ_ONLY: 'true' });
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('deletePod');
  });

  test('write mode hides the destructive tier and refuses it by name before any API call', async () => {
    const client = await h.connect({ K8S_MODE: 'write' });
    const listed = (await client.listTools()).tools.map((t) => t.name);
    expect(listed).toContain('applyManifest');
    for (const name of ['deletePod', 'deleteResource', 'execInPod']) expect(listed).not.toContain(name);
    const before = h.fake.requests.length;
    for (const [name, args] of [
      ['deletePod', { namespace: 'shop', name: podName() }],
      ['deleteResource', { namespace: 'shop', apiVersion: 'v1', kind: 'ConfigMap', name: 'x' }],
      ['execInPod', { namespace: 'shop', name: podName(), command: ['env'] }],
    ] as const) {
      const out = await call(client, name, args);
      expect(out.error).toMatchObject({ code: 'PERMISSION_DENIED', details: { reason: 'disabled' } });
      expect(out.error?.message).toBe(
        `${name} is turned off in this deployment: it is in the destructive tier, which needs K8S_MODE=admin`,
      );
    }
    expect(h.fake.requests.length).toBe(before);
  });

  test('admin mode lists the destructive tier', async () => {
    const client = await h.connect({ K8S_MODE: 'admin' });
    const listed = (await client.listTools()).tools.map((t) => t.name);
    for (const name of ['deletePod', 'deleteResource', 'execInPod']) expect(listed).toContain(name);
  });

  test('admin mode without an elicitation-capable client fails closed; a declined approval deletes nothing', async () => {
    const noPrompt = await h.connect({ K8S_MODE: 'admin' });
    expect((await call(noPrompt, 'deletePod', { namespace: 'shop', name: podName() })).error?.code).toBe('APPROVAL_REQUIRED');
    const declining = await h.connect({ K8S_MODE: 'admin' }, { approve: 'decline' });
    const pod = podName();
    expect((await call(declining, 'deletePod', { namespace: 'shop', name: pod })).error?.code).toBe('APPROVAL_DENIED');
    expect((await call(declining, 'execInPod', { namespace: 'shop', name: pod, command: ['env'] })).error?.code).toBe(
      'APPROVAL_DENIED',
    );
    expect(h.fake.store.tryGet(h.fake.type('v1', 'Pod'), 'shop', pod)).toBeDefined();
  });
});

describe('namespace allowlist', () => {
  test('a denied namespace is refused before any API call; kube-system is read-only by default', async () => {
    const client = await h.connect({ K8S_MODE: 'write', K8S_READ_NAMESPACES: 'shop,team-*' });
    const before = h.fake.requests.length;
    const denied = await call(client, 'listPods', { namespace: 'default' });
    expect(denied.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { namespace: 'default', access: 'read' } });
    expect((await call(client, 'listPods', { allNamespaces: true })).error?.code).toBe('POLICY_VIOLATION');
    expect((await call(client, 'getPodLogs', { namespace: 'kube-system', name: 'x' })).error?.code).toBe('POLICY_VIOLATION');
    expect(h.fake.requests.length).toBe(before);
    expect((await ok(client, 'listPods', { namespace: 'shop' })).items.length).toBe(1);
    const writer = await h.connect({ K8S_MODE: 'write' });
    const ks = await call(writer, 'applyManifest', {
      manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'kube-system' } },
    });
    expect(ks.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { namespace: 'kube-system', access: 'write' } });
    const clusterScoped = await call(writer, 'applyManifest', {
      manifest: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'new-ns' } },
    });
    expect(clusterScoped.error?.code).toBe('POLICY_VIOLATION');
  });

  test('per-context rules from K8S_CONTEXT_NAMESPACES', async () => {
    const client = await h.connect({
      K8S_MODE: 'write',
      K8S_CONTEXT_NAMESPACES: JSON.stringify({ fake: { write: ['default'] } }),
    });
    expect((await ok(client, 'listContexts')).contexts[0].namespaces).toEqual({ read: ['*'], write: ['default'] });
    expect((await call(client, 'scaleDeployment', { namespace: 'shop', name: 'app', replicas: 1 })).error?.code).toBe(
      'POLICY_VIOLATION',
    );
  });
});

describe('secret values never leave the service', () => {
  test('a known Secret value appears in no tool output (get, list, apply, events, logs, exec) and no log line', async () => {
    const logs: string[] = [];
    const client = await connectInMemory(k8sService, {
      env: { K8S_KUBECONFIG: h.kubeconfig, K8S_MODE: 'admin', LOG_LEVEL: 'debug' },
      capabilities: { elicitation: {} },
      logDestination: new Writable({
        write: (chunk, _e, done) => {
          logs.push(String(chunk));
          done();
        },
      }) as never,
      beforeConnect: (c) =>
        c.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { approve: true } })),
    });
    const pod = podName();
    h.fake.kubelet.appendLog('shop', pod, 'app', [`connecting with password=${SECRET}`, `raw ${SECRET} end`]);
    const rs = h.fake.store.scan(h.fake.type('apps/v1', 'ReplicaSet'), 'shop')[0];
    h.fake.seed({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'leak.1', namespace: 'shop' },
      involvedObject: { kind: 'Pod', name: pod, namespace: 'shop' },
      reason: 'Debug',
      message: `app printed ${SECRET} on start`,
      type: 'Warning',
      count: 1,
      lastTimestamp: new Date().toISOString(),
    });
    const secretManifest = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'new-creds', namespace: 'shop' },
      stringData: { token: `${SECRET}-2` },
    };
    const calls: [string, Record<string, unknown> | (() => Record<string, unknown>)][] = [
      ['listContexts', {}],
      ['listNamespaces', {}],
      ['listPods', { namespace: 'shop' }],
      ['getPod', { namespace: 'shop', name: pod }],
      ['getPodLogs', { namespace: 'shop', name: pod }],
      ['listDeployments', { namespace: 'shop' }],
      ['getDeployment', { namespace: 'shop', name: 'app' }],
      ['listServices', { namespace: 'shop' }],
      ['listEvents', { namespace: 'shop' }],
      ['listNodes', {}],
      ['topPods', { namespace: 'shop' }],
      ['topNodes', {}],
      ['getResource', { apiVersion: 'v1', kind: 'Secret', namespace: 'shop', name: 'db-creds' }],
      ['getResource', { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: pod }],
      ['getResource', { apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: 'shop', name: rs?.metadata.name as string }],
      ['listResources', { apiVersion: 'v1', kind: 'Secret', namespace: 'shop' }],
      ['getClusterInfo', {}],
      ['waitForRollout', { namespace: 'shop', name: 'app', timeoutSeconds: 10 }],
      ['applyManifest', { manifest: secretManifest, dryRun: true }],
      ['applyManifest', { manifest: secretManifest }],
      ['applyManifest', { manifest: secretManifest, dryRun: true }],
      ['scaleDeployment', { namespace: 'shop', name: 'app', replicas: 1 }],
      ['restartDeployment', { namespace: 'shop', name: 'app' }],
      ['rollbackDeployment', { namespace: 'shop', name: 'app' }],
      ['createService', { namespace: 'shop', name: 'app', selector: { app: 'app' }, ports: [{ port: 80 }] }],
      ['exposeDeployment', { namespace: 'shop', name: 'app', serviceName: 'app-2', port: 81 }],
      ['execInPod', () => ({ namespace: 'shop', name: podName(), command: ['env'] })],
      ['execInPod', () => ({ namespace: 'shop', name: podName(), command: ['printenv', 'DB_PASSWORD'] })],
      ['execInPod', () => ({ namespace: 'shop', name: podName(), command: ['cat', '/etc/creds/password'] })],
      ['execInPod', () => ({ namespace: 'shop', name: podName(), command: ['sh', '-c', 'echo $DB_PASSWORD'] })],
      ['deleteResource', { apiVersion: 'v1', kind: 'Secret', namespace: 'shop', name: 'new-creds' }],
      ['deletePod', () => ({ namespace: 'shop', name: podName() })],
    ];
    const outputs: string[] = [];
    for (const [name, args] of calls) {
      if (name === 'execInPod' || name === 'deletePod') await h.fake.settle(() => runningPod());
      const result = await client.callTool({ name, arguments: typeof args === 'function' ? args() : args });
      outputs.push(JSON.stringify(result));
      expect({ name, error: (result.structuredContent as any)?.error?.code }).toEqual({ name, error: undefined });
    }
    const covered = new Set(calls.map(([name]) => name));
    expect(k8sService.tools.map((t) => t.name).filter((n) => !covered.has(n))).toEqual([]);
    const everything = outputs.join('\n') + logs.join('');
    for (const needle of [
      SECRET,
      SECRET_B64,
      `${SECRET}-2`,
      Buffer.from(`${SECRET}-2`).toString('base64'),
      'literal-token-value-99',
    ]) {
      expect({ needle, found: everything.includes(needle) }).toEqual({ needle, found: false });
    }
    expect(outputs.join('\n')).toContain('[masked: 8 bytes]');
    expect(outputs.join('\n')).toContain('[REDACTED]');
    await client.close();
  });

  test('a Secret created after the namespace was listed is still masked in the logs of a pod that reads it', async () => {
    const client = await h.connect();
    await ok(client, 'getPodLogs', { namespace: 'shop', name: podName() });
    const late = 'late-secret-value-0042';
    h.fake.seed({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'late', namespace: 'shop' }, stringData: { token: late } });
    h.fake.seed({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'late-reader', namespace: 'shop' },
      spec: {
        containers: [
          {
            name: 'c',
            image: 'busybox:1.36',
            command: ['sh', '-c', 'echo token=$T; sleep 3600'],
            env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'late', key: 'token' } } }],
          },
        ],
      },
    });
    await h.fake.settle(
      () => (h.fake.store.get(h.fake.type('v1', 'Pod'), 'shop', 'late-reader').status as any)?.phase === 'Running',
    );
    const logs = await ok(client, 'getPodLogs', { namespace: 'shop', name: 'late-reader' });
    expect(logs.text).toBe('token=[REDACTED]\n');
  });

  test('logs and exec are refused when a Secret the pod reads cannot be read (masking could not be promised)', async () => {
    h.fake.addUser('no-secrets', 'no-secrets-token-0123456789', [
      { verbs: ['get', 'list', 'watch'], resources: ['pods', 'pods/log', 'namespaces', 'events'] },
      { verbs: ['create'], resources: ['pods/exec'] },
    ]);
    const restricted = `${h.dir}/restricted.yaml`;
    (await import('node:fs')).writeFileSync(
      restricted,
      h.fake.kubeconfig([{ name: 'restricted', token: 'no-secrets-token-0123456789' }]),
    );
    const client = await connectInMemory(k8sService, {
      env: { K8S_KUBECONFIG: restricted, K8S_MODE: 'admin' },
      capabilities: { elicitation: {} },
      beforeConnect: (c) =>
        c.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { approve: true } })),
    });
    await h.fake.settle(() =>
      h.fake.store.scan(h.fake.type('v1', 'Pod'), 'shop').some((p) => (p.status as any)?.phase === 'Running'),
    );
    const pod = podName();
    const logs = await call(client, 'getPodLogs', { namespace: 'shop', name: pod });
    expect(logs.error).toMatchObject({ code: 'PERMISSION_DENIED', details: { secretName: 'db-creds' } });
    const exec = await call(client, 'execInPod', { namespace: 'shop', name: pod, command: ['env'] });
    expect(exec.error?.code).toBe('PERMISSION_DENIED');
    expect(
      h.fake.execs.filter(
        (e) =>
          e.pod === pod &&
          e.command[0] === 'env' &&
          h.fake.requests.some((r) => r.user === 'no-secrets' && r.path.includes('/exec')),
      ),
    ).toEqual([]);
    await client.close();
  });
});
