import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { connectInMemory } from '@switchboard/shared/testing';
import { k8sService } from '../src/service.ts';
import { serverTimeout, tooManyRequests } from './fixtures/fake-kube/status.ts';
import { call, type Harness, harness, ok } from './support.ts';

/** The API's Status objects (and transport failures) as kit error codes, with the API's own message. */
let h: Harness;

beforeAll(async () => {
  h = await harness({ metrics: false });
  h.fake.addUser('system:serviceaccount:ops:viewer', 'viewer-token-0123456789', [
    { verbs: ['get', 'list', 'watch'], resources: ['pods', 'namespaces'], namespaces: ['default'] },
  ]);
});
afterAll(() => h.close());

describe('error mapping', () => {
  test('RBAC 403: PERMISSION_DENIED with the verb, resource and the API message', async () => {
    const file = join(h.dir, 'viewer.yaml');
    writeFileSync(file, h.fake.kubeconfig([{ name: 'viewer', token: 'viewer-token-0123456789' }]));
    const client = await connectInMemory(k8sService, { env: { K8S_KUBECONFIG: file } });
    expect((await ok(client, 'listPods', { namespace: 'default' })).items).toEqual([]);
    const denied = await call(client, 'listDeployments', { namespace: 'default' });
    expect(denied.error).toMatchObject({
      code: 'PERMISSION_DENIED',
      message:
        'deployments.apps is forbidden: User "system:serviceaccount:ops:viewer" cannot list resource "deployments" in API group "apps" in the namespace "default"',
      details: { httpStatus: 403, reason: 'Forbidden', verb: 'list', resource: 'deployments', apiGroup: 'apps' },
    });
    await client.close();
  });

  test('401 with a bad token names the context, not the token', async () => {
    const file = join(h.dir, 'bad.yaml');
    writeFileSync(file, h.fake.kubeconfig([{ name: 'stale', token: 'revoked-token-0123456789' }]));
    const client = await connectInMemory(k8sService, { env: { K8S_KUBECONFIG: file } });
    const out = await call(client, 'listPods', {});
    expect(out.error).toMatchObject({
      code: 'PERMISSION_DENIED',
      message: 'the credentials of context stale were refused (401 Unauthorized)',
    });
    expect(JSON.stringify(out)).not.toContain('revoked-token');
    await client.close();
  });

  test('429 is RATE_LIMITED (retryable, with Retry-After); a server-side Timeout is TIMEOUT', async () => {
    const client = await h.connect();
    h.fake.fail({ path: '/api/v1/namespaces/default/pods', error: tooManyRequests(3), times: 1 });
    const limited = await call(client, 'listPods', {});
    expect(limited.error).toMatchObject({ code: 'RATE_LIMITED', retryable: true, details: { retryAfterSeconds: 3 } });
    h.fake.fail({
      path: '/api/v1/namespaces/default/pods',
      error: serverTimeout({ group: '', resource: 'pods' }, 'list'),
      times: 1,
    });
    expect((await call(client, 'listPods', {})).error).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect((await ok(client, 'listPods', {})).items).toEqual([]);
  });

  test('an API server that does not answer in K8S_CALL_TIMEOUT_MS is TIMEOUT', async () => {
    const client = await h.connect({ K8S_CALL_TIMEOUT_MS: '300' });
    h.fake.fail({ path: '/api/v1/nodes', error: 'hang', times: 1 });
    const out = await call(client, 'listNodes', {});
    expect(out.error).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(out.error?.message).toContain('did not answer in time');
  });

  test('an unreachable API server is DEPENDENCY_UNAVAILABLE, and /ready-style checks fail', async () => {
    const file = join(h.dir, 'down.yaml');
    writeFileSync(file, h.fake.kubeconfig().replace(/https:\/\/127\.0\.0\.1:\d+/, 'https://127.0.0.1:1'));
    const client = await connectInMemory(k8sService, { env: { K8S_KUBECONFIG: file } });
    const out = await call(client, 'getClusterInfo', {});
    expect(out.error).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
    await expect(client.runtime.readiness.kubernetes?.()).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
    await client.close();
  });

  test('topPods without metrics-server is UNSUPPORTED with a clear message; getClusterInfo says metrics are absent', async () => {
    const client = await h.connect();
    const out = await call(client, 'topPods', {});
    expect(out.error).toMatchObject({ code: 'UNSUPPORTED' });
    expect(out.error?.message).toContain('metrics-server is not installed');
    expect((await call(client, 'topNodes', {})).error?.code).toBe('UNSUPPORTED');
    expect((await ok(client, 'getClusterInfo')).metricsAvailable).toBe(false);
  });

  test('an expired continue token (410) asks to start the listing again', async () => {
    const client = await h.connect();
    for (let i = 0; i < 3; i++)
      h.fake.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}`, namespace: 'default' } });
    const first = await ok(client, 'listResources', { apiVersion: 'v1', kind: 'ConfigMap', limit: 1 });
    h.fake.store.compact();
    const out = await call(client, 'listResources', { apiVersion: 'v1', kind: 'ConfigMap', limit: 1, cursor: first.nextCursor });
    expect(out.error).toMatchObject({ code: 'INVALID_ARGUMENT', details: { httpStatus: 410, reason: 'Expired' } });
  });

  test('an unknown context is NOT_FOUND listing the available ones', async () => {
    const client = await h.connect();
    expect((await call(client, 'listPods', { context: 'prod' })).error).toMatchObject({
      code: 'NOT_FOUND',
      message: 'no context "prod" is available here (available: fake)',
    });
  });
});

describe('configuration', () => {
  test('every problem is reported at once; a missing kubeconfig or context stops start-up', async () => {
    await expect(
      connectInMemory(k8sService, {
        env: { K8S_KUBECONFIG: '/nonexistent/kubeconfig', K8S_MODE: 'root', K8S_READ_NAMESPACES: 'Bad_NS' },
      }),
    ).rejects.toMatchObject({
      problems: expect.arrayContaining([
        expect.stringContaining('mode (from K8S_MODE)'),
        expect.stringContaining('readNamespaces.0 (from K8S_READ_NAMESPACES)'),
        'kubeconfig (K8S_KUBECONFIG): cannot read /nonexistent/kubeconfig',
      ]),
    });
    await expect(
      connectInMemory(k8sService, { env: { K8S_KUBECONFIG: h.kubeconfig, K8S_CONTEXT: 'prod' } }),
    ).rejects.toMatchObject({
      problems: ['context (K8S_CONTEXT): no context "prod" in the kubeconfig (it has: fake)'],
    });
  });

  test('several contexts: each tool takes context, each context has its own credentials and namespace', async () => {
    const file = join(h.dir, 'two.yaml');
    writeFileSync(
      file,
      h.fake.kubeconfig([
        { name: 'admin', token: 'fake-admin-token-0123456789', namespace: 'kube-system' },
        { name: 'viewer', token: 'viewer-token-0123456789' },
      ]),
    );
    const client = await connectInMemory(k8sService, { env: { K8S_KUBECONFIG: file, K8S_CONTEXT: 'viewer' } });
    expect((await ok(client, 'listContexts')).contexts.map((c: any) => [c.name, c.defaultNamespace, c.current])).toEqual([
      ['admin', 'kube-system', false],
      ['viewer', 'default', true],
    ]);
    expect((await call(client, 'listNodes', {})).error?.code).toBe('PERMISSION_DENIED');
    expect((await ok(client, 'listNodes', { context: 'admin' })).total).toBe(2);
    await client.close();
  });

  test('no kubeconfig configured: the service starts, and tools say how to configure a cluster', async () => {
    const client = await connectInMemory(k8sService, { env: {} });
    const out = await call(client, 'listPods', {});
    expect(out.error).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: false });
    expect(out.error?.message).toContain('K8S_KUBECONFIG');
    await client.close();
  });
});
