/**
 * pnpm bench:k8s: how big listPods answers are for 2,000 pods, against the k8s service as a process pointed at the
 * fake Kubernetes API server (services/k8s/test/fixtures/fake-kube). The target: the default page stays
 * under 8 KB (the complaint it answers: a pods list of 700k tokens). Also prints a full page of 500 rows and the
 * API's own PodList JSON for the same 2,000 pods, to show what the rows save. Exits 1 when the target is missed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnService } from '@switchboard/shared/testing';
import { Agent, request } from 'undici';
import { RawMcpClient } from './lib/raw-mcp-client.ts';

const K8S = fileURLToPath(new URL('../services/k8s/src/main.ts', import.meta.url));
const FAKE = fileURLToPath(new URL('../services/k8s/test/fixtures/fake-kube/main.ts', import.meta.url));
const PODS = 2000;
const TARGET_BYTES = 8 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'bench-k8s-'));
const kubeconfig = join(dir, 'kubeconfig.yaml');
const seed = join(dir, 'seed.json');
writeFileSync(
  seed,
  JSON.stringify([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'storefront-web', namespace: 'shop', labels: { app: 'storefront-web' } },
      spec: {
        replicas: PODS,
        selector: { matchLabels: { app: 'storefront-web' } },
        template: {
          metadata: { labels: { app: 'storefront-web', tier: 'frontend' } },
          spec: {
            containers: [{ name: 'web', image: 'registry.local/shop/storefront-web:1.42.0', ports: [{ containerPort: 8080 }] }],
          },
        },
      },
    },
  ]),
);

const fake = await spawnService(FAKE, { env: { FAKE_KUBE_SEED: seed, FAKE_KUBE_KUBECONFIG: kubeconfig }, timeoutMs: 60_000 });
const k8s = await spawnService(K8S, {
  env: {
    PORT: '0',
    SWITCHBOARD_AUTH: 'none',
    SWITCHBOARD_RATE_LIMIT: '0',
    SWITCHBOARD_DATA_DIR: dir,
    K8S_KUBECONFIG: kubeconfig,
  },
});
try {
  const client = await RawMcpClient.connect(`${k8s.url}/mcp`);
  const bytesOf = async (args: Record<string, unknown>) => {
    const result = await client.callTool('listPods', args);
    if (result.isError) throw new Error(JSON.stringify(result.structuredContent));
    return { result, bytes: Buffer.byteLength(JSON.stringify(result)) };
  };
  const started = Date.now();
  for (;;) {
    const deployments = (await client.callTool('listDeployments', { namespace: 'shop' })).structuredContent as {
      items: { ready: string }[];
    };
    if (deployments.items[0]?.ready === `${PODS}/${PODS}`) break;
    if (Date.now() - started > 120_000) throw new Error(`the fake cluster did not run ${PODS} pods within 120 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const page = await bytesOf({ namespace: 'shop' });
  const items = (page.result.structuredContent as { items: unknown[]; total: number }).items.length;
  const big = await bytesOf({ namespace: 'shop', limit: 500 });
  // What a client that returns the API's objects would hand the model: the PodList itself.
  const config = readFileSync(kubeconfig, 'utf8');
  const ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(config)?.[1] ?? '', 'base64').toString();
  const token = /token: (\S+)/.exec(config)?.[1] ?? '';
  const raw = await request(`${fake.url}/api/v1/namespaces/shop/pods`, {
    headers: { authorization: `Bearer ${token}` },
    dispatcher: new Agent({ connect: { ca } }),
  });
  const rawBytes = Buffer.byteLength(await raw.body.text());
  const total = (page.result.structuredContent as { total: number }).total;
  console.log(`listPods over ${total} pods (k8s service → fake API server, ${PODS} pods in one namespace)`);
  console.log(
    `  default page (${items} rows):   ${page.bytes} bytes   target < ${TARGET_BYTES}   ${page.bytes < TARGET_BYTES ? 'ok' : 'MISSED'}`,
  );
  console.log(
    `  limit 500 (${(big.result.structuredContent as { items: unknown[] }).items.length} rows):      ${big.bytes} bytes (rows stop at the output cap, SWITCHBOARD_OUTPUT_CAP; nextCursor resumes after the last row)`,
  );
  console.log(`  the API's PodList JSON: ${rawBytes} bytes (${Math.round(rawBytes / page.bytes)}x the default page)`);
  await client.close();
  process.exitCode = page.bytes < TARGET_BYTES ? 0 : 1;
} finally {
  await k8s.stop();
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
}
