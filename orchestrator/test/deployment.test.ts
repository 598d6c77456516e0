import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
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

  test.each(services)('$name is scraped by Prometheus', ({ name, port }) => {
    const config = parse(read('monitoring/prometheus.yml')) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
    const targets = config.scrape_configs.flatMap((job) => job.static_configs.flatMap((c) => c.targets));
    expect(targets).toContain(`${name}:${port}`);
  });

  test.each(services)('$name has a Kubernetes Deployment and Service with probes', ({ name, port, entry }) => {
    const docs = parseAllDocuments(read(`k8s/${name}.yaml`)).map((d) => d.toJSON());
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
  test('the shipped orchestrator.yaml equals the built-in defaults', () => {
    const shipped = parse(read('orchestrator/orchestrator.yaml')) as { upstreams: unknown[]; separator: string };
    expect(shipped.upstreams).toEqual(DEFAULT_UPSTREAMS);
    const fromFile = loadOrchestratorConfig({
      env: { SWITCHBOARD_AUTH: 'none' },
      file: fileURLToPath(new URL('orchestrator/orchestrator.yaml', root)),
    });
    const defaults = loadOrchestratorConfig({ env: { SWITCHBOARD_AUTH: 'none' } });
    expect(fromFile.upstreams).toEqual(defaults.upstreams);
    expect(fromFile.separator).toBe(defaults.separator);
    expect(fromFile.downBehavior).toBe(defaults.downBehavior);
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
    const config = parse(read('monitoring/prometheus.yml')) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
    expect(config.scrape_configs.flatMap((job) => job.static_configs.flatMap((c) => c.targets))).toContain('orchestrator:8000');
  });

  test('Kubernetes: a Deployment with probes, a Service, and a config listing every default upstream', () => {
    const docs = parseAllDocuments(read('k8s/orchestrator.yaml')).map((d) => d.toJSON());
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
