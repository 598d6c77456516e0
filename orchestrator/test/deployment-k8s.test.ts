import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { Ajv } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import {
  callProblems,
  callsOf,
  type DeployedProcess,
  dockerfileEnv,
  loadProcess,
  RESOLVERS,
  type Resolver,
  read,
  repoPath,
  resolveProblems,
  type ServicePackage,
  servicePackages,
  storeUrlsOf,
} from './deployment-support.ts';

/**
 * k8s/ rendered by kubectl kustomize (the base and the dev overlay), every document validated against the vendored
 * Kubernetes 1.35 schema (strict: unknown fields fail), every Switchboard container's environment resolved as the
 * kubelet would (Secrets, ConfigMaps, $(VAR) references, mounted files) and loaded through its package's config
 * spec, every call between pods checked for a Service, port, Host, token and a NetworkPolicy path.
 */
type Doc = Record<string, any> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

const docsOf = (yamlText: string): Doc[] =>
  parseAllDocuments(yamlText)
    .map((d) => d.toJSON() as Doc | null)
    .filter((d): d is Doc => !!d);
const kustomize = (dir: string) => execFileSync('kubectl', ['kustomize', repoPath(dir)], { encoding: 'utf8' });

const base = docsOf(kustomize('k8s'));
const dev = docsOf(kustomize('k8s/overlays/dev'));
const exampleSecrets = docsOf(read('k8s/secrets.example.yaml'));
const VARIANTS: { name: string; docs: Doc[] }[] = [
  { name: 'base + secrets.example.yaml', docs: [...base, ...exampleSecrets] },
  { name: 'overlays/dev', docs: dev },
];

const schema = JSON.parse(read('orchestrator/test/fixtures/schemas/kubernetes/kubernetes-strict.json')) as {
  kubernetesVersion: string;
  kinds: Record<string, string>;
  definitions: Record<string, object>;
};
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const SCHEMA_ID = 'https://switchboard.invalid/kubernetes-strict.json';
ajv.addSchema({ definitions: schema.definitions }, SCHEMA_ID);
const validators = new Map<string, ReturnType<typeof ajv.compile>>();
function validateDoc(doc: Doc): unknown[] {
  const definition = schema.kinds[`${doc.apiVersion}/${doc.kind}`];
  if (!definition) return [`${doc.apiVersion}/${doc.kind} is not in the vendored schema`];
  // apiVersion and kind are required at the top (embedded objects such as volumeClaimTemplates omit them).
  let validate = validators.get(definition);
  if (!validate) {
    validate = ajv.compile({ allOf: [{ $ref: `${SCHEMA_ID}#/definitions/${definition}` }], required: ['apiVersion', 'kind'] });
    validators.set(definition, validate);
  }
  return validate(doc) ? [] : (validate.errors ?? []);
}

const packages: ServicePackage[] = await servicePackages();
const PROCESSES = ['orchestrator', ...packages.map((p) => p.name)];
const tmp = mkdtempSync(join(tmpdir(), 'sb-k8s-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const workloads = (docs: Doc[]) => docs.filter((d) => ['Deployment', 'StatefulSet'].includes(d.kind));
const podSpec = (w: Doc) => w.spec.template.spec as Record<string, any>;
const podLabels = (w: Doc) => w.spec.template.metadata.labels as Record<string, string>;
const appOf = (w: Doc) => podLabels(w)['app.kubernetes.io/name'] as string;
const find = (docs: Doc[], kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);

/** The process a container runs: `node <entry>` of the switchboard image. */
function processOf(container: Record<string, any>): string | undefined {
  if (!String(container.image).startsWith('switchboard:')) return undefined;
  const entry = container.command?.[1] as string;
  return entry === 'orchestrator/src/main.ts' ? 'orchestrator' : /^services\/([^/]+)\/src\/main\.ts$/.exec(entry)?.[1];
}

function secretValue(docs: Doc[], name: string, key: string): string | undefined {
  const secret = find(docs, 'Secret', name);
  if (!secret) return undefined;
  if (secret.stringData?.[key] !== undefined) return String(secret.stringData[key]);
  if (secret.data?.[key] !== undefined) return Buffer.from(String(secret.data[key]), 'base64').toString('utf8');
  return undefined;
}

/** The kubelet's $(VAR) expansion: earlier variables of the list; $$ escapes; unknown references stay as written. */
function expandRefs(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name: string | undefined) =>
    all === '$$' ? '$' : name !== undefined && env[name] !== undefined ? (env[name] as string) : all,
  );
}

/**
 * A container's environment as the kubelet builds it (image ENV, then the env list in order) and its mounted
 * files written under a temp root; paths under a mount point are rewritten to that root, in the environment and
 * in the mounted files. Returns the env and the config file SWITCHBOARD_CONFIG names.
 */
function containerEnvironment(docs: Doc[], workload: Doc, container: Record<string, any>, dir: string) {
  const spec = podSpec(workload);
  const mounts: { from: string; to: string }[] = [];
  const written: string[] = [];
  const writeFile = (path: string, content: string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    written.push(path);
  };
  for (const mount of container.volumeMounts ?? []) {
    const volume = (spec.volumes ?? []).find((v: { name: string }) => v.name === mount.name);
    const to = join(dir, mount.mountPath);
    mkdirSync(to, { recursive: true });
    mounts.push({ from: mount.mountPath, to });
    const sources = volume?.projected?.sources ?? [volume];
    for (const source of sources) {
      const configMap = source?.configMap;
      const secret = source?.secret ?? (source?.secretName ? source : undefined);
      if (configMap) {
        const cm = find(docs, 'ConfigMap', configMap.name);
        if (!cm) throw new Error(`${workload.metadata.name}: ConfigMap ${configMap.name} does not exist`);
        const items = configMap.items ?? Object.keys(cm.data ?? {}).map((key) => ({ key, path: key }));
        for (const item of items) writeFile(join(to, item.path), String(cm.data[item.key]));
      } else if (secret) {
        const name = secret.secretName ?? secret.name;
        const s = find(docs, 'Secret', name);
        if (!s) throw new Error(`${workload.metadata.name}: Secret ${name} does not exist`);
        const keys = Object.keys({ ...s.data, ...s.stringData });
        for (const key of keys) writeFile(join(to, key), secretValue(docs, name, key) as string);
      }
    }
  }
  mounts.sort((a, b) => b.from.length - a.from.length);
  // One pass: a mount point at the start of a path (not inside another path) becomes its directory under the root.
  const pattern = new RegExp(
    `(?<![\\w./-])(${mounts.map((m) => m.from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?=/|$|[\\s"',])`,
    'g',
  );
  const remap = (text: string) =>
    mounts.length === 0 ? text : text.replace(pattern, (from) => mounts.find((m) => m.from === from)?.to ?? from);
  for (const path of written) writeFileSync(path, remap(readFileSync(path, 'utf8')));
  const env: Record<string, string> = { ...dockerfileEnv() };
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) env[entry.name] = expandRefs(String(entry.value), env);
    else if (entry.valueFrom?.secretKeyRef || entry.valueFrom?.configMapKeyRef) {
      const ref = entry.valueFrom.secretKeyRef ?? entry.valueFrom.configMapKeyRef;
      const value = entry.valueFrom.secretKeyRef
        ? secretValue(docs, ref.name, ref.key)
        : find(docs, 'ConfigMap', ref.name)?.data?.[ref.key];
      if (value === undefined && !ref.optional) {
        throw new Error(`${workload.metadata.name}: ${entry.name} needs ${ref.name}/${ref.key}, which does not exist`);
      }
      if (value !== undefined) env[entry.name] = String(value);
    } else throw new Error(`${workload.metadata.name}: ${entry.name}: this env form is not understood`);
  }
  for (const key of Object.keys(env)) env[key] = remap(env[key] as string);
  return { env, file: env.SWITCHBOARD_CONFIG };
}

interface Deployed {
  processes: DeployedProcess[];
  /** Which workload runs each process. */
  workloadOf: Record<string, Doc>;
}

function deploy(docs: Doc[], variant: string): Deployed {
  const processes: DeployedProcess[] = [];
  const workloadOf: Record<string, Doc> = {};
  for (const workload of workloads(docs)) {
    for (const container of podSpec(workload).containers) {
      const name = processOf(container);
      if (!name) continue;
      const dir = join(tmp, variant.replace(/\W+/g, '-'), name);
      const { env, file } = containerEnvironment(docs, workload, container, dir);
      processes.push(loadProcess(packages, name, env, file));
      workloadOf[name] = workload;
    }
  }
  return { processes, workloadOf };
}

/** Service DNS names (short, .ns, .ns.svc, .ns.svc.cluster.local) -> Service -> targetPort -> container port. */
function resolverFor(docs: Doc[]): Resolver {
  return (host, port) => {
    const parts = host.split('.');
    const [name, ns, ...rest] = parts as [string, ...string[]];
    const namespace = find(docs, 'Namespace', docs.find((d) => d.kind === 'Namespace')?.metadata.name as string)?.metadata.name;
    if (parts.length > 1 && (ns !== namespace || !['', 'svc', 'svc.cluster.local'].includes(rest.join('.')))) {
      return { error: `${host} is not a Service name in namespace ${namespace}` };
    }
    const service = find(docs, 'Service', name);
    if (!service) return { error: `no Service named ${name}` };
    const servicePort = service.spec.ports.find((p: { port: number }) => p.port === port);
    if (!servicePort) return { error: `Service ${name} has no port ${port}` };
    const selected = workloads(docs).filter((w) =>
      Object.entries(service.spec.selector as Record<string, string>).every(([k, v]) => podLabels(w)[k] === v),
    );
    if (selected.length !== 1) return { error: `Service ${name} selects ${selected.length} workloads` };
    const workload = selected[0] as Doc;
    for (const container of podSpec(workload).containers) {
      const cp = (container.ports ?? []).find((p: { name?: string; containerPort: number }) =>
        typeof servicePort.targetPort === 'string'
          ? p.name === servicePort.targetPort
          : p.containerPort === (servicePort.targetPort ?? port),
      );
      if (cp) return { process: processOf(container) ?? appOf(workload), listens: cp.containerPort };
    }
    return { error: `Service ${name} port ${port} targets no container port` };
  };
}

/** NetworkPolicy semantics for pods of one namespace: is traffic from -> to on a container port allowed? */
type Endpoint = { labels: Record<string, string>; ports?: { name?: string; containerPort: number }[] } | 'outside';
function policyAllows(docs: Doc[], from: Endpoint, to: Endpoint, port: number): boolean {
  const policies = docs.filter((d) => d.kind === 'NetworkPolicy');
  const selects = (
    selector: { matchLabels?: Record<string, string>; matchExpressions?: any[] },
    labels: Record<string, string>,
  ) =>
    Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
    (selector.matchExpressions ?? []).every((e) =>
      e.operator === 'In' ? e.values.includes(labels[e.key]) : e.operator === 'Exists' ? e.key in labels : false,
    );
  const peerMatches = (peer: Record<string, any>, other: Endpoint) => {
    if (other === 'outside') return !!peer.ipBlock || (!!peer.namespaceSelector && !peer.podSelector);
    if (peer.ipBlock) return false;
    if (peer.namespaceSelector) return false;
    return selects(peer.podSelector ?? {}, other.labels);
  };
  const portMatches = (rulePorts: any[] | undefined, target: Endpoint) =>
    !rulePorts ||
    rulePorts.some((p) => {
      if (typeof p.port === 'number') return p.port === port;
      if (target === 'outside') return false;
      return (target.ports ?? []).some((cp) => cp.name === p.port && cp.containerPort === port);
    });
  const side = (pod: Endpoint, type: 'Ingress' | 'Egress', other: Endpoint, target: Endpoint) => {
    if (pod === 'outside') return true;
    const mine = policies.filter((p) => selects(p.spec.podSelector, pod.labels) && p.spec.policyTypes.includes(type));
    if (mine.length === 0) return true;
    return mine.some((p) =>
      (p.spec[type === 'Ingress' ? 'ingress' : 'egress'] ?? []).some(
        (rule: any) =>
          (!(rule.from ?? rule.to) || (rule.from ?? rule.to).some((peer: any) => peerMatches(peer, other))) &&
          portMatches(rule.ports, target),
      ),
    );
  };
  return side(from, 'Egress', to, to) && side(to, 'Ingress', from, to);
}
const endpointOf = (w: Doc): Endpoint => ({
  labels: podLabels(w),
  ports: podSpec(w).containers.flatMap((c: any) => c.ports ?? []),
});

describe.each(VARIANTS)('k8s: $name', ({ name: variant, docs }) => {
  // A configuration that does not load fails the tests below, not the collection (afterAll still cleans up).
  let deployed: Deployed = { processes: [], workloadOf: {} };
  let failure: unknown;
  try {
    deployed = deploy(docs, variant);
  } catch (error) {
    failure = error;
  }
  test('every Switchboard container gets the Secrets, ConfigMaps and files it refers to, and its configuration loads', () => {
    if (failure) throw failure;
  });
  const resolve = resolverFor(docs);

  test(`every document validates against the Kubernetes ${schema.kubernetesVersion} schema (strict)`, () => {
    const problems = docs.flatMap((d) => validateDoc(d).map((e) => ({ doc: `${d.kind}/${d.metadata.name}`, e })));
    expect(problems).toEqual([]);
  });

  test('all eight processes run, each loading its environment through its own configuration schema', () => {
    expect(deployed.processes.map((p) => p.name).sort()).toEqual([...PROCESSES].sort());
    for (const p of deployed.processes) {
      expect(p.config.auth).toBe('token');
      expect(p.config.host).toBe('0.0.0.0');
    }
  });

  test('every call between pods reaches a Service of a process that listens there, allows the Host and accepts the token', () => {
    const calls = deployed.processes.flatMap(callsOf);
    expect(calls.map((c) => `${c.from} -> ${c.what}`).sort()).toEqual(
      [
        ...packages.map((p) => `orchestrator -> upstream ${p.name}`),
        'linux-cli -> cmdbUrl',
        ...RESOLVERS.map((name) => `${name} -> secretsUrl`),
      ].sort(),
    );
    expect(calls.flatMap((call) => callProblems(call, deployed.processes, resolve))).toEqual([]);
    // Each caller is known to the service by its own name (one Secret per token, none shared).
    for (const call of calls) {
      const target = deployed.processes.find((p) => p.name === new URL(call.url).hostname);
      expect({ call: call.what, as: target?.config.credentials.find((c) => c.token === call.token)?.name }).toEqual({
        call: call.what,
        as: call.from,
      });
    }
  });

  test('secret resolution: the policy names exactly the services that resolve, each only its own subtree, the orchestrator nothing; its secrets upstream hides resolveSecret', () => {
    expect(resolveProblems(deployed.processes, () => resolve)).toEqual([]);
    const secrets = deployed.processes.find((p) => p.name === 'secrets')?.config;
    expect(secrets?.resolvePolicy).toEqual(Object.fromEntries(RESOLVERS.map((name) => [name, [`local/${name}/**`]])));
    expect(secrets?.credentials.map((c) => c.name).sort()).toEqual([...RESOLVERS, 'orchestrator'].sort());
  });

  test('every database and cache URL reaches PostgreSQL / Redis with their password and a database the init script creates', () => {
    const init = String(find(docs, 'ConfigMap', 'postgres-init')?.data['databases.sh']);
    const created = /for db in ([a-z_ ]+); do/.exec(init)?.[1]?.split(' ') ?? [];
    const urls = deployed.processes.flatMap((p) => storeUrlsOf(p.config));
    expect(urls.length).toBeGreaterThanOrEqual(6);
    for (const { url } of urls) {
      const parsed = new URL(url);
      const redis = parsed.protocol === 'redis:';
      expect(resolve(parsed.hostname, Number(parsed.port))).toEqual({
        process: redis ? 'redis' : 'postgres',
        listens: redis ? 6379 : 5432,
      });
      expect(decodeURIComponent(parsed.password)).toBe(secretValue(docs, redis ? 'redis' : 'postgres', 'password'));
      if (!redis) expect(created).toContain(parsed.pathname.slice(1));
    }
  });

  test('NetworkPolicies allow exactly the paths the processes use; only the orchestrator and Prometheus reach the services', () => {
    const all = workloads(docs);
    const byApp = (app: string) => all.find((w) => appOf(w) === app) as Doc;
    // Every call made, every store URL, every scrape.
    const needed: [string, string, number][] = [];
    for (const p of deployed.processes) {
      for (const call of [...callsOf(p).map((c) => c.url), ...storeUrlsOf(p.config).map((u) => u.url)]) {
        const url = new URL(call);
        const target = resolve(url.hostname, Number(url.port));
        if ('error' in target) throw new Error(target.error);
        needed.push([appOf(deployed.workloadOf[p.name] as Doc), target.process, target.listens]);
      }
    }
    for (const w of all.filter((w) => w.spec.template.metadata.annotations?.['prometheus.io/scrape'] === 'true')) {
      for (const c of podSpec(w).containers)
        for (const port of c.ports ?? []) needed.push(['prometheus', appOf(w), port.containerPort]);
    }
    const blocked = needed.filter(
      ([from, to, port]) => !policyAllows(docs, endpointOf(byApp(from)), endpointOf(byApp(to)), port),
    );
    expect(blocked).toEqual([]);
    // Who else reaches each service's port: nobody but the orchestrator, Prometheus, linux-cli for cmdb, and the
    // services that resolve handles for secrets.
    for (const p of deployed.processes.filter((p) => p.name !== 'orchestrator')) {
      const target = deployed.workloadOf[p.name] as Doc;
      const callers = all
        .filter((w) => policyAllows(docs, endpointOf(w), endpointOf(target), p.config.port))
        .map(appOf)
        .sort();
      const others: Record<string, string[]> = { cmdb: ['linux-cli'], secrets: RESOLVERS };
      expect({ service: p.name, callers }).toEqual({
        service: p.name,
        callers: [...(others[p.name] ?? []), 'orchestrator', 'prometheus'].sort(),
      });
    }
    expect(policyAllows(docs, 'outside', endpointOf(byApp('orchestrator')), 8000)).toBe(true);
    expect(policyAllows(docs, 'outside', endpointOf(byApp('postgres')), 5432)).toBe(false);
    // Egress out of the cluster: SSH only from linux-cli; HTTPS only from those that call cloud APIs.
    const outside = (port: number) =>
      all
        .filter((w) => policyAllows(docs, endpointOf(w), 'outside', port))
        .map(appOf)
        .sort();
    expect(outside(22)).toEqual(['linux-cli']);
    expect(outside(443)).toEqual(['ai-models', 'cloud', 'k8s', 'notify', 'prometheus']);
    expect(outside(587)).toEqual(['notify']);
    expect(outside(5432)).toEqual([]);
  });

  test('every pod runs as non-root with a read-only root file system and no capabilities; linux-cli keeps its sandbox needs', () => {
    for (const w of workloads(docs)) {
      const spec = podSpec(w);
      expect({ w: w.metadata.name, nonRoot: spec.securityContext?.runAsNonRoot }).toEqual({ w: w.metadata.name, nonRoot: true });
      for (const c of spec.containers) {
        expect({ c: c.name, sc: c.securityContext }).toMatchObject({
          c: c.name,
          sc: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        });
        const seccomp = c.securityContext.seccompProfile?.type ?? spec.securityContext.seccompProfile?.type;
        expect({ c: c.name, seccomp }).toEqual({ c: c.name, seccomp: c.name === 'linux-cli' ? 'Unconfined' : 'RuntimeDefault' });
      }
      if (appOf(w) !== 'k8s' && appOf(w) !== 'prometheus' && appOf(w) !== 'cloud') {
        expect({ w: w.metadata.name, token: spec.automountServiceAccountToken }).toEqual({ w: w.metadata.name, token: false });
      }
    }
    const linux = podSpec(find(docs, 'Deployment', 'linux-cli') as Doc);
    expect(linux.hostUsers).toBe(false);
    expect(linux.containers[0].securityContext).toMatchObject({ procMount: 'Unmasked', appArmorProfile: { type: 'Unconfined' } });
  });

  test('every container has requests and limits, and every Switchboard container liveness /health and readiness /ready', () => {
    for (const w of workloads(docs)) {
      for (const c of podSpec(w).containers) {
        expect({ c: c.name, r: c.resources }).toMatchObject({
          c: c.name,
          r: {
            requests: { cpu: expect.anything(), memory: expect.anything() },
            limits: { cpu: expect.anything(), memory: expect.anything() },
          },
        });
        expect(c.livenessProbe && c.readinessProbe).toBeTruthy();
        if (processOf(c)) {
          expect([c.livenessProbe.httpGet.path, c.readinessProbe.httpGet.path]).toEqual(['/health', '/ready']);
          const named = c.ports.find((p: { name: string }) => p.name === c.readinessProbe.httpGet.port);
          expect(named.containerPort).toBe(deployed.processes.find((p) => p.name === processOf(c))?.config.port);
        }
      }
    }
  });

  test('PostgreSQL is a StatefulSet with a volume claim; the orchestrator scales with an HPA, sticky sessions, a PDB', () => {
    const postgres = find(docs, 'StatefulSet', 'postgres') as Doc;
    expect(postgres.spec.volumeClaimTemplates[0].spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(podSpec(postgres).containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/postgresql/data' });
    const hpa = find(docs, 'HorizontalPodAutoscaler', 'orchestrator') as Doc;
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'orchestrator' });
    expect(find(docs, 'Service', 'orchestrator')?.spec.sessionAffinity).toBe('ClientIP');
    // Scaling out needs the shared run store and key: PostgreSQL, the same key on every replica.
    const orchestrator = deployed.processes.find((p) => p.name === 'orchestrator')?.config;
    expect(orchestrator?.workflows).toMatchObject({ store: 'postgres', encryptionKey: expect.any(String) });
    const budgets = docs.filter((d) => d.kind === 'PodDisruptionBudget');
    for (const w of workloads(docs).filter((w) => (w.spec.replicas ?? 1) > 1)) {
      expect(budgets.some((b) => b.spec.selector.matchLabels['app.kubernetes.io/name'] === appOf(w))).toBe(true);
    }
  });

  test('Prometheus: its config passes promtool with the rules beside it; the rules are monitoring/rules; every scraped port serves /metrics', () => {
    const cm = find(docs, 'ConfigMap', 'prometheus-config') as Doc;
    const rules = find(docs, 'ConfigMap', 'prometheus-rules') as Doc;
    expect(rules.data['switchboard.yml']).toBe(read('monitoring/rules/switchboard.yml'));
    const dir = join(tmp, `${variant.replace(/\W+/g, '-')}-prometheus`);
    mkdirSync(join(dir, 'rules'), { recursive: true });
    const config = parse(cm.data['prometheus.yml']) as { scrape_configs: Record<string, any>[] };
    // Debian's Prometheus is built without Kubernetes discovery (the prom/prometheus image has it): promtool checks
    // everything else with the discovery block replaced, and the block itself is checked here.
    const job = config.scrape_configs[0] as Record<string, any>;
    expect(job.kubernetes_sd_configs).toEqual([{ role: 'pod', namespaces: { own_namespace: true } }]);
    const forPromtool = {
      ...config,
      scrape_configs: [{ ...job, kubernetes_sd_configs: undefined, static_configs: [{ targets: [] }] }],
    };
    writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(forPromtool));
    writeFileSync(join(dir, 'rules/switchboard.yml'), rules.data['switchboard.yml']);
    execFileSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
    const targetLabels = (job.relabel_configs as any[]).map((r) => r.target_label).filter(Boolean);
    expect(targetLabels).not.toContain('service');
    expect(targetLabels).not.toContain('namespace');
    const portNames = new RegExp(
      `^(?:${(job.relabel_configs as any[]).find((r) => r.source_labels?.[0] === '__meta_kubernetes_pod_container_port_name')?.regex})$`,
    );
    const scraped = workloads(docs).filter((w) => w.spec.template.metadata.annotations?.['prometheus.io/scrape'] === 'true');
    expect(scraped.map(appOf).sort()).toEqual([...PROCESSES].sort());
    for (const w of scraped) {
      const ports = podSpec(w)
        .containers.flatMap((c: any) => c.ports ?? [])
        .filter((p: { name: string }) => portNames.test(p.name));
      expect(ports.map((p: { containerPort: number }) => p.containerPort)).toEqual([
        deployed.processes.find((p) => p.name === appOf(w))?.config.port,
      ]);
      expect(w.spec.template.metadata.annotations['prometheus.io/path']).toBe('/metrics');
    }
  });
});

describe('k8s: the files', () => {
  test('`kubectl kustomize k8s/` renders the base; the dev overlay moves it to its own namespace with one replica each', () => {
    expect(base.filter((d) => d.kind === 'Namespace').map((d) => d.metadata.name)).toEqual(['switchboard']);
    expect(dev.filter((d) => d.kind === 'Namespace').map((d) => d.metadata.name)).toEqual(['switchboard-dev']);
    for (const d of dev.filter((d) => d.metadata.namespace !== undefined)) expect(d.metadata.namespace).toBe('switchboard-dev');
    for (const w of workloads(dev)) expect(w.spec.replicas ?? 1).toBe(1);
    expect(base.some((d) => d.kind === 'Secret')).toBe(false);
    // Dev values are not the example's placeholders (and neither is ever a real secret).
    expect(find(dev, 'Secret', 'postgres')?.data).toBeDefined();
  });

  test('the schema is strict: an unknown field or a wrong type fails', () => {
    const deployment = structuredClone(find(base, 'Deployment', 'cmdb') as Doc);
    deployment.spec.template.spec.containers[0].readinesProbe = deployment.spec.template.spec.containers[0].readinessProbe;
    expect(validateDoc(deployment)).not.toEqual([]);
    const wrongType = structuredClone(find(base, 'Deployment', 'cmdb') as Doc);
    wrongType.spec.replicas = 'two';
    expect(validateDoc(wrongType)).not.toEqual([]);
    expect(validateDoc(find(base, 'Deployment', 'cmdb') as Doc)).toEqual([]);
  });

  test('secrets.example.yaml has every Secret a workload reads, each value a placeholder with how to generate it', () => {
    const wanted = new Set<string>();
    for (const w of workloads(base)) {
      for (const c of podSpec(w).containers) {
        for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) wanted.add(e.valueFrom.secretKeyRef.name);
      }
      for (const v of podSpec(w).volumes ?? []) if (v.secret) wanted.add(v.secret.secretName);
    }
    expect(exampleSecrets.map((s) => s.metadata.name).sort()).toEqual([...wanted].sort());
    const text = read('k8s/secrets.example.yaml');
    for (const value of text.match(/"replace-me[^"]*"/g) ?? []) {
      expect(text.split(value)[0]?.split('\n').slice(-3).join('\n')).toMatch(/openssl rand/);
    }
  });
});
