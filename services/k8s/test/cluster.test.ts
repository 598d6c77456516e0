import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectInMemory, type TestClient } from '@switchboard/shared/testing';
import { k8sService } from '../src/service.ts';
import { createFakeKube, type FakeKube } from './fixtures/fake-kube/server.ts';
import { call, ok } from './support.ts';

/**
 * Integration: one scenario through the service, against the fake API server — or against a real cluster when
 * SWITCHBOARD_TEST_KUBECONFIG names a kubeconfig (SWITCHBOARD_TEST_KUBE_CONTEXT picks a context;
 * SWITCHBOARD_TEST_K8S_IMAGE a busybox-like image, default busybox:1.36). Each run works in a namespace of its own,
 * deleted at the end. Nothing here relies on a fixture control, so both targets must pass the same assertions.
 */
const REAL = process.env.SWITCHBOARD_TEST_KUBECONFIG;
const IMAGE = process.env.SWITCHBOARD_TEST_K8S_IMAGE ?? 'busybox:1.36';
const WAIT_S = REAL ? 240 : 20;
const SECRET = `sb-${randomBytes(9).toString('hex')}`;

let fake: FakeKube | undefined;
let dir: string;
let kubeconfig: string;
let context: string | undefined;
let core: CoreV1Api;
let client: TestClient;
const namespace = `sb-it-${randomBytes(4).toString('hex')}`;

const app = (image: string, replicas = 1) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'echo', namespace, labels: { app: 'echo' } },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'echo' } },
    template: {
      metadata: { labels: { app: 'echo' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'echo',
            image,
            command: ['sh', '-c', 'echo "boot $DB_PASSWORD"; sleep 3600'],
            env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
            volumeMounts: [{ name: 'db', mountPath: '/etc/db' }],
          },
        ],
        volumes: [{ name: 'db', secret: { secretName: 'db' } }],
      },
    },
  },
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'k8s-it-'));
  if (REAL) {
    kubeconfig = REAL;
    context = process.env.SWITCHBOARD_TEST_KUBE_CONTEXT;
  } else {
    fake = await createFakeKube();
    kubeconfig = join(dir, 'kubeconfig.yaml');
    writeFileSync(kubeconfig, fake.kubeconfig());
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  if (context) kc.setCurrentContext(context);
  core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'db' }, stringData: { password: SECRET } } });
  client = await connectInMemory(k8sService, {
    env: {
      K8S_KUBECONFIG: kubeconfig,
      ...(context ? { K8S_CONTEXT: context } : {}),
      K8S_MODE: 'admin',
      K8S_READ_NAMESPACES: namespace,
      K8S_WRITE_NAMESPACES: namespace,
      SWITCHBOARD_DATA_DIR: dir,
    },
    capabilities: { elicitation: {} },
    beforeConnect: (c) =>
      c.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { approve: true } })),
  });
}, 60_000);

afterAll(async () => {
  await client?.close();
  await core?.deleteNamespace({ name: namespace }).catch(() => {});
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe(`k8s service against ${REAL ? 'the cluster in SWITCHBOARD_TEST_KUBECONFIG' : 'the fake API server'}`, () => {
  const out: string[] = [];
  const run = async (name: string, args: Record<string, unknown>) => {
    const result = await ok(client, name, args);
    out.push(JSON.stringify(result));
    return result;
  };

  test(
    'apply (dry run, then for real) and wait for the rollout',
    async () => {
      const dry = await run('applyManifest', { manifest: app(IMAGE), dryRun: true });
      expect(dry.results[0]).toMatchObject({ action: 'created' });
      expect((await call(client, 'getDeployment', { namespace, name: 'echo' })).error?.code).toBe('NOT_FOUND');
      await run('applyManifest', { manifest: app(IMAGE) });
      const done = await run('waitForRollout', { namespace, name: 'echo', timeoutSeconds: WAIT_S });
      expect(done).toMatchObject({ revision: 1, status: { done: true } });
    },
    (WAIT_S + 30) * 1000,
  );

  test('pods, logs and exec show the container, with the Secret value masked', async () => {
    const pods = await run('listPods', { namespace, labelSelector: 'app=echo' });
    expect(pods.items).toHaveLength(1);
    expect(pods.items[0]).toMatchObject({ phase: 'Running', ready: '1/1' });
    const pod = pods.items[0].name;
    const logs = await run('getPodLogs', { namespace, name: pod });
    expect(logs.text).toContain('boot [REDACTED]');
    const env = await run('execInPod', { namespace, name: pod, command: ['printenv', 'DB_PASSWORD'] });
    expect(env).toMatchObject({ exitCode: 0, stdout: '[REDACTED]\n' });
    const file = await run('execInPod', { namespace, name: pod, command: ['cat', '/etc/db/password'] });
    expect(file.stdout).toBe('[REDACTED]');
    expect((await run('execInPod', { namespace, name: pod, command: ['sh', '-c', 'exit 3'] })).exitCode).toBe(3);
    const secret = await run('getResource', { apiVersion: 'v1', kind: 'Secret', namespace, name: 'db' });
    expect(secret.object.data).toEqual({ password: '[REDACTED]' });
  }, 60_000);

  test(
    'scale through the subresource; a later apply conflicts on replicas until forced',
    async () => {
      expect(await run('scaleDeployment', { namespace, name: 'echo', replicas: 2 })).toMatchObject({
        previousReplicas: 1,
        replicas: 2,
      });
      const clash = await call(client, 'applyManifest', { manifest: app(IMAGE) });
      expect(clash.error).toMatchObject({ code: 'CONFLICT' });
      expect(clash.error?.message).toContain('.spec.replicas');
      await run('applyManifest', { manifest: app(IMAGE, 2), force: true });
      expect(await run('waitForRollout', { namespace, name: 'echo', timeoutSeconds: WAIT_S })).toMatchObject({
        status: { done: true, available: 2 },
      });
    },
    (WAIT_S + 30) * 1000,
  );

  test(
    'restart makes revision 2; rollback returns to revision 1 as revision 3',
    async () => {
      await run('restartDeployment', { namespace, name: 'echo' });
      expect(await run('waitForRollout', { namespace, name: 'echo', timeoutSeconds: WAIT_S })).toMatchObject({
        revision: 2,
        status: { done: true },
      });
      expect(await run('rollbackDeployment', { namespace, name: 'echo' })).toMatchObject({
        fromRevision: 2,
        toRevision: 1,
        skipped: false,
      });
      expect(await run('waitForRollout', { namespace, name: 'echo', timeoutSeconds: WAIT_S })).toMatchObject({
        revision: 3,
        status: { done: true },
      });
      const d = await run('getDeployment', { namespace, name: 'echo' });
      expect(d.history.map((r: { revision: number }) => r.revision)).toEqual([3, 2]);
    },
    (WAIT_S * 3 + 30) * 1000,
  );

  test('events, services, delete with approval; the Secret value appears in no output', async () => {
    const events = await run('listEvents', { namespace });
    expect(events.items.length).toBeGreaterThan(0);
    await run('exposeDeployment', { namespace, name: 'echo', port: 80, targetPort: 8080 });
    expect((await run('listServices', { namespace })).items.map((s: { name: string }) => s.name)).toEqual(['echo']);
    const pod = (await run('listPods', { namespace, labelSelector: 'app=echo' })).items[0].name;
    expect(await run('deletePod', { namespace, name: pod })).toMatchObject({ owner: expect.stringMatching(/^ReplicaSet\//) });
    expect((await call(client, 'listPods', { namespace: 'kube-system' })).error?.code).toBe('POLICY_VIOLATION');
    const all = out.join('\n');
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(Buffer.from(SECRET).toString('base64'));
  }, 60_000);
});
