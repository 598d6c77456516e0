import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { createNameFilter } from '@switchboard/shared';
import { parse, parseAllDocuments } from 'yaml';
import { DEFAULT_UPSTREAMS, loadOrchestratorConfig } from '../src/config.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

/** Every service package with its entry point and default port, read from its own source. */
const services = readdirSync(new URL('services/', root)).map((name) => {
  const source = read(`services/${name}/src/service.ts`);
  const port = /defaultPort:\s*(\d+)/.exec(source)?.[1];
  return { name, port: Number(port), entry: `services/${name}/src/main.ts` };
});

/** The Prometheus targets docker-compose mounts (monitoring/targets-compose), with their app label. */
function composeTargets(): { target: string; app: string }[] {
  const groups = parse(read('monitoring/targets-compose/switchboard.yml')) as { targets: string[]; labels: { app: string } }[];
  return groups.flatMap((group) => group.targets.map((target) => ({ target, app: group.labels.app })));
}

describe('deployment files cover every service', () => {
  test('services were found', () => {
    expect(services.length).toBeGreaterThan(0);
    for (const s of services) expect(s.port).toBeGreaterThan(0);
  });

  test.each(services)('$name is in docker-compose.yml with its entry point and port', ({ name, port, entry }) => {
    const compose = parse(read('docker-compose.yml')) as {
      services: Record<string, { command: string[]; environment: Record<string, string> }>;
    };
    const service = compose.services[name];
    expect(service?.command).toEqual(['node', entry]);
    expect(service?.environment.PORT).toBe(String(port));
  });

  test.each(services)('$name is scraped by Prometheus in docker-compose', ({ name, port }) => {
    expect(composeTargets()).toContainEqual({ target: `${name}:${port}`, app: name });
  });

  test.each(services)('$name has a Kubernetes Deployment and Service with probes', ({ name, port, entry }) => {
    const docs = parseAllDocuments(read(`k8s/base/${name}.yaml`)).map((d) => d.toJSON());
    const deployment = docs.find((d) => d.kind === 'Deployment');
    const container = deployment?.spec.template.spec.containers[0];
    expect(container.command).toEqual(['node', entry]);
    expect(container.ports[0].containerPort).toBe(port);
    expect(container.readinessProbe.httpGet.path).toBe('/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/health');
    expect(docs.find((d) => d.kind === 'Service')?.spec.ports[0].port).toBe(port);
  });
});

describe('deployment files cover the orchestrator', () => {
  test('the shipped orchestrator.yaml lists exactly what `pnpm start` starts, as the built-in defaults do', () => {
    const shipped = parse(read('orchestrator/orchestrator.yaml')) as { upstreams: { name: string }[]; separator: string };
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const started = Object.keys(scripts)
      .filter((key) => key.startsWith('start:') && key !== 'start:orchestrator')
      .map((key) => key.slice('start:'.length));
    expect(shipped.upstreams.map((u) => u.name).sort()).toEqual([...started].sort());
    // Each entry is the built-in default of that service; only k8s (it needs a cluster) is left out, and the file
    // says how to add it.
    expect(shipped.upstreams).toEqual(DEFAULT_UPSTREAMS.filter((u) => started.includes(u.name)));
    expect(DEFAULT_UPSTREAMS.map((u) => u.name).filter((n) => !started.includes(n))).toEqual(['k8s']);
    expect(read('orchestrator/orchestrator.yaml')).toContain('pnpm --filter ./services/k8s start');
    const fromFile = loadOrchestratorConfig({
      env: { SWITCHBOARD_AUTH: 'none' },
      file: fileURLToPath(new URL('orchestrator/orchestrator.yaml', root)),
    });
    const defaults = loadOrchestratorConfig({ env: { SWITCHBOARD_AUTH: 'none' } });
    expect(fromFile.upstreams).toEqual(defaults.upstreams.filter((u) => started.includes(u.name)));
    expect(fromFile.separator).toBe(defaults.separator);
    expect(fromFile.downBehavior).toBe(defaults.downBehavior);
  });

  test('the secrets upstream denies resolveSecret by default: built in, in the shipped orchestrator.yaml and the k8s ConfigMap', () => {
    // resolveSecret is for services resolving with their own tokens; a client (a model) must never reach it.
    const offers = (upstreams: { name: string; tools: { allow: string[]; deny: string[] } }[]) => {
      const secrets = upstreams.find((u) => u.name === 'secrets');
      if (!secrets) throw new Error('no secrets upstream');
      const allows = createNameFilter(secrets.tools.allow, secrets.tools.deny);
      return { resolveSecret: allows('resolveSecret'), getSecret: allows('getSecret'), listSecrets: allows('listSecrets') };
    };
    const expected = { resolveSecret: false, getSecret: true, listSecrets: true };
    expect(DEFAULT_UPSTREAMS.find((u) => u.name === 'secrets')).toMatchObject({ tools: { deny: ['resolveSecret'] } });
    expect(offers(loadOrchestratorConfig({ env: { SWITCHBOARD_AUTH: 'none' } }).upstreams)).toEqual(expected);
    // The compose overrides (URL and token per upstream) keep the built-in deny.
    const overridden = loadOrchestratorConfig({
      env: {
        SWITCHBOARD_AUTH: 'none',
        SWITCHBOARD_UPSTREAM_SECRETS_URL: 'http://secrets:8013/mcp',
        SWITCHBOARD_UPSTREAM_SECRETS_TOKEN: 'upstream-token-for-this-test',
      },
    });
    expect(offers(overridden.upstreams)).toEqual(expected);
    const shipped = loadOrchestratorConfig({
      env: { SWITCHBOARD_AUTH: 'none' },
      file: fileURLToPath(new URL('orchestrator/orchestrator.yaml', root)),
    });
    expect(offers(shipped.upstreams)).toEqual(expected);
    const docs = parseAllDocuments(read('k8s/base/orchestrator.yaml')).map((d) => d.toJSON());
    const k8s = parse(docs.find((d) => d.kind === 'ConfigMap')?.data['orchestrator.yaml']) as {
      upstreams: { name: string; tools?: { allow?: string[]; deny?: string[] } }[];
    };
    const tools = (u: (typeof k8s.upstreams)[number]) => ({ allow: u.tools?.allow ?? ['*'], deny: u.tools?.deny ?? [] });
    expect(offers(k8s.upstreams.map((u) => ({ name: u.name, tools: tools(u) })))).toEqual(expected);
    // The filter is not vacuous: without the deny the tool is offered.
    expect(offers([{ name: 'secrets', tools: { allow: ['*'], deny: [] } }]).resolveSecret).toBe(true);
  });

  test('compose runs it on 8000 pointing at the services by hostname; Prometheus scrapes it', () => {
    const compose = parse(read('docker-compose.yml')) as {
      services: Record<string, { command: string[]; environment: Record<string, string> }>;
    };
    const orchestrator = compose.services.orchestrator;
    expect(orchestrator?.command).toEqual(['node', 'orchestrator/src/main.ts']);
    expect(orchestrator?.environment.PORT).toBe('8000');
    for (const s of services) {
      const key = s.name.toUpperCase().replace(/-/g, '_');
      expect(orchestrator?.environment[`SWITCHBOARD_UPSTREAM_${key}_URL`]).toBe(`http://${s.name}:${s.port}/mcp`);
    }
    expect(composeTargets()).toContainEqual({ target: 'orchestrator:8000', app: 'orchestrator' });
  });

  test('Kubernetes: a Deployment with probes, a Service, and a config listing every default upstream', () => {
    const docs = parseAllDocuments(read('k8s/base/orchestrator.yaml')).map((d) => d.toJSON());
    const container = docs.find((d) => d.kind === 'Deployment')?.spec.template.spec.containers[0];
    expect(container.command).toEqual(['node', 'orchestrator/src/main.ts']);
    expect(container.ports[0].containerPort).toBe(8000);
    expect(container.livenessProbe.httpGet.path).toBe('/health');
    expect(docs.find((d) => d.kind === 'Service')?.spec.ports[0].port).toBe(8000);
    const config = parse(docs.find((d) => d.kind === 'ConfigMap')?.data['orchestrator.yaml']) as {
      upstreams: { name: string; namespace: string }[];
    };
    expect(config.upstreams.map((u) => [u.name, u.namespace])).toEqual(DEFAULT_UPSTREAMS.map((u) => [u.name, u.namespace]));
  });
});
