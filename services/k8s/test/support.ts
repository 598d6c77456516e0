import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectInMemory, type TestClient } from '@switchboard/shared/testing';
import { k8sService } from '../src/service.ts';
import { createFakeKube, type FakeKube, type FakeKubeOptions } from './fixtures/fake-kube/server.ts';

export type Structured = Record<string, any> & { error?: { code: string; message: string; details?: Record<string, any> } };

export interface Harness {
  fake: FakeKube;
  kubeconfig: string;
  dir: string;
  connect(
    env?: Record<string, string>,
    options?: { approve?: 'accept' | 'decline' | 'none'; prompts?: string[] },
  ): Promise<TestClient>;
  close(): Promise<void>;
}

/** A fake API server, a kubeconfig file for it, and in-memory MCP clients of the k8s service pointed at it. */
export async function harness(
  options: FakeKubeOptions & { contexts?: { name: string; token: string; namespace?: string }[] } = {},
): Promise<Harness> {
  const fake = await createFakeKube(options);
  const dir = mkdtempSync(join(tmpdir(), 'k8s-test-'));
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  writeFileSync(kubeconfig, fake.kubeconfig(options.contexts));
  const clients: TestClient[] = [];
  return {
    fake,
    kubeconfig,
    dir,
    connect: async (env = {}, connectOptions = {}) => {
      const approve = connectOptions.approve ?? 'none';
      const client = await connectInMemory(k8sService, {
        env: { K8S_KUBECONFIG: kubeconfig, ...env },
        ...(approve !== 'none' ? { capabilities: { elicitation: {} } } : {}),
        beforeConnect: (c) => {
          if (approve === 'none') return;
          c.setRequestHandler(ElicitRequestSchema, async (request) => {
            connectOptions.prompts?.push(request.params.message);
            return approve === 'accept' ? { action: 'accept', content: { approve: true } } : { action: 'decline' };
          });
        },
      });
      clients.push(client);
      return client;
    },
    close: async () => {
      await Promise.all(clients.map((c) => c.close()));
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function call(client: TestClient, name: string, args: Record<string, unknown> = {}): Promise<Structured> {
  const result = await client.callTool({ name, arguments: args });
  return { ...(result.structuredContent as Structured), ...(result.isError ? { isError: true } : {}) };
}

export async function ok(client: TestClient, name: string, args: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const out = await call(client, name, args);
  if (out.error) throw new Error(`${name} failed: ${out.error.code} ${out.error.message}`);
  return out;
}

export const deployment = (name: string, image: string, replicas = 2, namespace = 'default') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace, labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 8080 }] }] },
    },
  },
});
