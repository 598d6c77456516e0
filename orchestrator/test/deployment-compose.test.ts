import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import {
  type Call,
  callProblems,
  callsOf,
  type DeployedProcess,
  dockerfileEnv,
  InterpolationError,
  interpolate,
  interpolateDeep,
  loadProcess,
  parseDotEnv,
  RESOLVERS,
  type Resolver,
  read,
  repoPath,
  resolveProblems,
  type ServicePackage,
  schemaValidator,
  servicePackages,
  storeUrlsOf,
} from './deployment-support.ts';

/**
 * docker-compose.yml checked the way Compose and the processes would read it: the Compose Specification schema,
 * interpolation with .env.example, each process's environment through its own package's config spec, and every
 * call between containers (URL, Host, token, network) landing on something that accepts it.
 */
type ComposeService = {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  networks?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  security_opt?: string[];
};
type Compose = { services: Record<string, ComposeService>; networks: Record<string, { internal?: boolean }> };

const text = read('docker-compose.yml');
const raw = parse(text, { merge: true }) as Compose;
const example = parseDotEnv(read('.env.example'));
const used = new Set<string>();
const compose = interpolateDeep(raw, example, used);
const schema = JSON.parse(read('orchestrator/test/fixtures/schemas/compose-spec/compose-spec.json')) as object;

const packages: ServicePackage[] = await servicePackages();
const PROCESSES = ['orchestrator', ...packages.map((p) => p.name)];

/** Ports the non-Switchboard images listen on (their documented defaults; our compose file changes none). */
const IMAGE_PORTS: Record<string, number> = { postgres: 5432, redis: 6379, prometheus: 9090, grafana: 3000 };

function containerEnv(name: string): Record<string, string> {
  const service = compose.services[name] as ComposeService;
  const base = service.build !== undefined ? dockerfileEnv() : {};
  return { ...base, ...Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)])) };
}

const processes: DeployedProcess[] = PROCESSES.map((name) => loadProcess(packages, name, containerEnv(name)));

/** A compose hostname is a service name; the caller must share a network with it. */
function resolverFrom(from: string): Resolver {
  return (host, port) => {
    const target = compose.services[host];
    if (!target) return { error: `no compose service named "${host}"` };
    const shared = (target.networks ?? ['default']).filter((n) => (compose.services[from]?.networks ?? ['default']).includes(n));
    if (shared.length === 0) return { error: `${from} and ${host} share no network` };
    if (PROCESSES.includes(host)) return { process: host, listens: port };
    const image = Object.keys(IMAGE_PORTS).find((i) => target.image?.split(/[/:]/).includes(i));
    if (image && IMAGE_PORTS[image] === port) return { process: host, listens: port };
    return { error: `${host} does not listen on ${port}` };
  };
}

describe('docker-compose.yml', () => {
  test('validates against the Compose Specification schema', () => {
    const validate = schemaValidator(schema);
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
    // The schema is strict enough to catch a misspelt key.
    const broken = structuredClone(compose) as Compose & { services: Record<string, Record<string, unknown>> };
    (broken.services.cmdb as Record<string, unknown>).healthchek = { test: ['CMD', 'true'] };
    expect(validate(broken)).toBe(false);
  });

  test('Compose itself reads the file with .env.example (docker-compose, from Debian, installed by .ci/run)', () => {
    const out = execFileSync(
      'docker-compose',
      [
        '--env-file',
        fileURLToPath(new URL('../../.env.example', import.meta.url)),
        '-f',
        fileURLToPath(new URL('../../docker-compose.yml', import.meta.url)),
        'config',
        '-q',
      ],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    expect(out).toBe('');
  });

  test('.env.example names exactly the variables the file uses, and the file refuses to start without the required ones', () => {
    expect([...used].sort()).toEqual(Object.keys(example).sort());
    const required = [...text.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1] as string);
    expect(new Set(required)).toEqual(
      new Set([
        'SWITCHBOARD_TOKENS',
        'ORCHESTRATOR_UPSTREAM_TOKEN',
        'LINUX_CLI_CMDB_TOKEN',
        'LINUX_CLI_SECRETS_TOKEN',
        'CLOUD_SECRETS_TOKEN',
        'NOTIFY_SECRETS_TOKEN',
        'AI_MODELS_SECRETS_TOKEN',
        'WORKFLOW_KEY',
        'SECRETS_FILE_PASSPHRASE',
        'POSTGRES_PASSWORD',
        'REDIS_PASSWORD',
        'GRAFANA_ADMIN_PASSWORD',
      ]),
    );
    for (const name of new Set(required)) {
      const without = { ...example, [name]: '' };
      expect(() => interpolateDeep(raw, without)).toThrow(InterpolationError);
      // .env.example tells how to generate each.
      expect(read('.env.example')).toMatch(new RegExp(`#[^\\n]*(openssl|node -e)[^\\n]*\\n${name}=`));
    }
    // Secrets of different roles are different values, even in the example.
    const values = [
      'ORCHESTRATOR_UPSTREAM_TOKEN',
      'LINUX_CLI_CMDB_TOKEN',
      'LINUX_CLI_SECRETS_TOKEN',
      'CLOUD_SECRETS_TOKEN',
      'NOTIFY_SECRETS_TOKEN',
      'AI_MODELS_SECRETS_TOKEN',
      'WORKFLOW_KEY',
      'POSTGRES_PASSWORD',
      'REDIS_PASSWORD',
    ];
    expect(new Set(values.map((v) => example[v])).size).toBe(values.length);
  });

  test('interpolation follows the Compose rules and refuses what it does not know', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose interpolation syntax, not a JavaScript template
    expect(interpolate('a${X:-d}b$${Y}${Z-${X:-n}}', { Z: undefined })).toBe('adb${Y}n');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose interpolation syntax, not a JavaScript template
    expect(interpolate('${X-d}', { X: '' })).toBe('');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose interpolation syntax, not a JavaScript template
    expect(() => interpolate('${X:?need X}', {})).toThrow('need X');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose interpolation syntax, not a JavaScript template
    expect(() => interpolate('${X/a/b}', { X: 'a' })).toThrow(InterpolationError);
  });

  test('runs all eight processes from the one image with their entry points', () => {
    for (const name of PROCESSES) {
      const service = compose.services[name] as ComposeService;
      expect(service.build).toBe('.');
      const entry = name === 'orchestrator' ? 'orchestrator/src/main.ts' : `services/${name}/src/main.ts`;
      expect(service.command).toEqual(['node', entry]);
    }
    expect(Object.keys(compose.services).sort()).toEqual(
      [...PROCESSES, 'postgres', 'postgres-init', 'redis', 'prometheus', 'grafana'].sort(),
    );
  });

  test.each(PROCESSES)('%s: its compose environment loads through its own configuration schema', (name) => {
    // Loaded above already (a ConfigError would have failed the file); here what the deployment relies on.
    const config = processes.find((p) => p.name === name)?.config as DeployedProcess['config'];
    expect(config.auth).toBe('token');
    expect(config.host).toBe('0.0.0.0');
    expect(config.allowedHosts).toContain(name);
    expect(config.dataDir).toBe('/app/.data');
    expect((compose.services[name]?.volumes ?? []).some((v) => v.endsWith(':/app/.data'))).toBe(true);
  });

  test('every call between processes lands on a process that listens there, allows the Host and accepts the token', () => {
    const calls: Call[] = processes.flatMap(callsOf);
    expect(calls.map((c) => `${c.from} -> ${c.what}`).sort()).toEqual(
      [
        ...packages.map((p) => `orchestrator -> upstream ${p.name}`),
        // linux-cli looks hosts up in cmdb (the token the first draft forgot).
        'linux-cli -> cmdbUrl',
        // The services that resolve secret:// handles, through the kit's secrets endpoint.
        ...RESOLVERS.map((name) => `${name} -> secretsUrl`),
      ].sort(),
    );
    const problems = calls.flatMap((call) => callProblems(call, processes, resolverFrom(call.from)));
    expect(problems).toEqual([]);
    // Each caller is known to the service by its own name.
    for (const call of calls) {
      const target = processes.find((p) => p.name === new URL(call.url).hostname);
      expect(target?.config.credentials.find((c: { token: string }) => c.token === call.token)?.name).toBe(call.from);
    }
  });

  test('the cross-check catches what the first drafts got wrong: no token, a foreign token, a Host not allowed, a wrong port', () => {
    const cmdbCall = processes.flatMap(callsOf).find((c) => c.what === 'cmdbUrl') as Call;
    const check = (call: Call, mutate: (p: DeployedProcess[]) => DeployedProcess[] = (p) => p) =>
      callProblems(call, mutate(processes), resolverFrom(call.from));
    expect(check({ ...cmdbCall, token: undefined })).toEqual([expect.stringMatching(/sends no token.*401/)]);
    expect(check({ ...cmdbCall, token: 'ops:something-else-entirely' })).toEqual([
      expect.stringMatching(/does not accept the token/),
    ]);
    expect(check({ ...cmdbCall, url: 'http://cmdb:8013/mcp' })).toEqual([expect.stringMatching(/listens on 8012/)]);
    expect(check({ ...cmdbCall, url: 'http://ghost:8012/mcp' })).toEqual([
      expect.stringMatching(/no compose service named "ghost"/),
    ]);
    const noHosts = (ps: DeployedProcess[]) =>
      ps.map((p) => (p.name === 'cmdb' ? { ...p, config: { ...p.config, allowedHosts: [] } } : p));
    expect(check(cmdbCall, noHosts)).toEqual([expect.stringMatching(/Host "cmdb" with 403/)]);
  });

  test('a service endpoint of the kit is checked whether or not its token is set: a secrets URL without a token is caught', () => {
    const { SWITCHBOARD_SECRETS_TOKEN: _token, ...env } = containerEnv('linux-cli');
    const linux = loadProcess(packages, 'linux-cli', env);
    expect(linux.endpoints).toEqual(['cmdb', 'secrets']);
    const call = callsOf(linux).find((c) => c.what === 'secretsUrl') as Call;
    expect(call).toMatchObject({ url: 'http://secrets:8013/mcp', token: undefined });
    expect(callProblems(call, processes, resolverFrom('linux-cli'))).toEqual([expect.stringMatching(/sends no token.*401/)]);
  });

  test('secret resolution: the policy names exactly the services that resolve, each only its own subtree, the orchestrator nothing; its secrets upstream hides resolveSecret', () => {
    expect(resolveProblems(processes, resolverFrom)).toEqual([]);
    const secrets = processes.find((p) => p.name === 'secrets')?.config;
    expect(secrets?.resolvePolicy).toEqual(Object.fromEntries(RESOLVERS.map((name) => [name, [`local/${name}/**`]])));
    // They resolve their credentials at start: each waits for secrets to be ready, on a network it shares.
    for (const name of RESOLVERS) {
      expect({ name, dependsOn: compose.services[name]?.depends_on?.secrets }).toEqual({
        name,
        dependsOn: { condition: 'service_healthy' },
      });
    }
  });

  test('the resolution check catches a grant to the orchestrator, to a name without a token, outside a subtree, a missing grant, a borrowed token, an exposed resolveSecret', () => {
    const policyOf = (ps: DeployedProcess[]) =>
      ps.find((p) => p.name === 'secrets')?.config.resolvePolicy as Record<string, string[]>;
    const withPolicy = (change: (policy: Record<string, string[]>) => Record<string, string[]>) =>
      processes.map((p) =>
        p.name === 'secrets' ? { ...p, config: { ...p.config, resolvePolicy: change({ ...policyOf(processes) }) } } : p,
      );
    const check = (ps: DeployedProcess[]) => resolveProblems(ps, resolverFrom);
    expect(check(withPolicy((p) => ({ ...p, orchestrator: ['local/orchestrator/**'] })))).toEqual([
      expect.stringMatching(/gives orchestrator .*serves clients' calls/),
    ]);
    expect(check(withPolicy((p) => ({ ...p, k8s: ['local/k8s/**'] })))).toEqual([
      expect.stringMatching(/names k8s, which has no token/),
    ]);
    expect(check(withPolicy(({ notify: _n, ...p }) => p))).toEqual([
      expect.stringMatching(/notify resolves, but the resolve policy gives it nothing/),
    ]);
    const wide = check(withPolicy((p) => ({ ...p, 'linux-cli': ['local/**'] })));
    expect(wide).toContainEqual(expect.stringMatching(/"local\/\*\*" is not inside <backend>\/linux-cli\//));
    expect(wide).toContainEqual(expect.stringMatching(/"local\/\*\*" resolves local\/notify\/some\/key/));
    const cloudToken = callsOf(processes.find((p) => p.name === 'cloud') as DeployedProcess).find(
      (c) => c.what === 'secretsUrl',
    )?.token;
    const borrowed = processes.map((p) =>
      p.name === 'notify' ? { ...p, config: { ...p.config, secretsToken: cloudToken } } : p,
    );
    expect(check(borrowed)).toEqual([expect.stringMatching(/notify resolves through .* as "cloud"/)]);
    const exposed = processes.map((p) =>
      p.name === 'orchestrator'
        ? {
            ...p,
            config: {
              ...p.config,
              upstreams: (p.config.upstreams as { name: string; tools: object }[]).map((u) =>
                u.name === 'secrets' ? { ...u, tools: { allow: ['*'], deny: [] } } : u,
              ),
            },
          }
        : p,
    );
    expect(check(exposed)).toEqual([expect.stringMatching(/orchestrator -> upstream secrets offers resolveSecret/)]);
  });

  test('clients reach the orchestrator with the tokens of SWITCHBOARD_TOKENS; services accept only their callers', () => {
    const orchestrator = processes.find((p) => p.name === 'orchestrator')?.config;
    expect(orchestrator?.credentials).toEqual([{ name: 'ops', token: 'replace-me-client-token-0000' }]);
    for (const p of processes.filter((p) => p.name !== 'orchestrator')) {
      const names = p.config.credentials.map((c: { name: string }) => c.name).sort();
      const callers = { cmdb: ['linux-cli', 'orchestrator'], secrets: [...RESOLVERS, 'orchestrator'].sort() };
      expect(names).toEqual(callers[p.name as keyof typeof callers] ?? ['orchestrator']);
    }
  });

  test('every database and cache URL points at the PostgreSQL / Redis service, with its password and a database that is created', () => {
    const databases = String(compose.services['postgres-init']?.environment?.DATABASES).split(/\s+/);
    const urls = processes.flatMap((p) => storeUrlsOf(p.config).map((u) => ({ ...u, from: p.name })));
    expect(urls.map((u) => `${u.from}.${u.what}`).sort()).toEqual(
      [
        'ai-models.cacheUrl',
        'ai-models.databaseUrl',
        'cmdb.databaseUrl',
        'notify.databaseUrl',
        'orchestrator.workflows.postgresUrl',
      ].sort(),
    );
    for (const { url, from } of urls) {
      const parsed = new URL(url);
      const resolved = resolverFrom(from)(parsed.hostname, Number(parsed.port));
      expect(resolved).toEqual({ process: parsed.protocol === 'redis:' ? 'redis' : 'postgres', listens: Number(parsed.port) });
      if (parsed.protocol === 'redis:') {
        expect(decodeURIComponent(parsed.password)).toBe(compose.services.redis?.environment?.REDIS_PASSWORD);
      } else {
        expect(decodeURIComponent(parsed.password)).toBe(compose.services.postgres?.environment?.POSTGRES_PASSWORD);
        expect(databases).toContain(parsed.pathname.slice(1));
      }
    }
    // Different services keep their tables apart.
    const names = urls.filter((u) => u.url.startsWith('postgres')).map((u) => new URL(u.url).pathname);
    expect(new Set(names).size).toBe(names.length);
    expect(compose.services['postgres-init']?.environment?.PGPASSWORD).toBe(
      compose.services.postgres?.environment?.POSTGRES_PASSWORD,
    );
  });

  test('only the orchestrator and Grafana are published, on loopback; the service network has no route out', () => {
    const published = Object.entries(compose.services).filter(([, s]) => (s.ports ?? []).length > 0);
    expect(published.map(([name]) => name).sort()).toEqual(['grafana', 'orchestrator']);
    for (const [, service] of published) for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    expect(compose.services.orchestrator?.ports).toEqual(['127.0.0.1:8000:8000']);
    expect(compose.networks.backend?.internal).toBe(true);
    // Everything is on the private network; nothing but the published two is on the network with published ports.
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.networks).toContain('backend');
      if ((service.networks ?? []).includes('edge')) expect(['orchestrator', 'grafana']).toContain(name);
    }
  });

  test('every long-running container has a health check, and every depends_on condition can be met', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (name !== 'postgres-init') expect(service.healthcheck?.test.length).toBeGreaterThan(0);
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(compose.services[dependency]).toBeDefined();
        if (condition === 'service_healthy') expect(compose.services[dependency]?.healthcheck).toBeDefined();
        if (condition === 'service_completed_successfully') expect(dependency).toBe('postgres-init');
      }
    }
    // Switchboard health checks probe the process's own port.
    for (const p of processes) {
      const probe = compose.services[p.name]?.healthcheck?.test.join(' ');
      expect(probe).toContain(`http://127.0.0.1:${p.config.port}/${p.name === 'orchestrator' ? 'health' : 'ready'}`);
    }
  });

  test('Prometheus gets our config, rules and the compose targets: every process at the port it listens on', () => {
    const volumes = compose.services.prometheus?.volumes ?? [];
    expect(volumes).toEqual(
      expect.arrayContaining([
        './monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
        './monitoring/rules:/etc/prometheus/rules:ro',
        './monitoring/targets-compose:/etc/prometheus/targets:ro',
      ]),
    );
    const groups = parse(read('monitoring/targets-compose/switchboard.yml')) as { targets: string[]; labels: { app: string } }[];
    const targets = groups.flatMap((g) => g.targets.map((t) => ({ target: t, app: g.labels.app })));
    expect(targets.map((t) => t.app).sort()).toEqual([...PROCESSES].sort());
    for (const { target, app } of targets) {
      const [host, port] = target.split(':') as [string, string];
      expect(host).toBe(app);
      expect(resolverFrom('prometheus')(host, Number(port))).toEqual({ process: app, listens: Number(port) });
      expect(processes.find((p) => p.name === app)?.config.port).toBe(Number(port));
    }
  });

  test('Grafana is provisioned with the Prometheus service as data source and the dashboard directory', () => {
    const volumes = compose.services.grafana?.volumes ?? [];
    expect(volumes).toEqual(
      expect.arrayContaining([
        './monitoring/grafana/provisioning:/etc/grafana/provisioning:ro',
        './monitoring/grafana/dashboards:/var/lib/grafana/dashboards:ro',
      ]),
    );
    const datasources = parse(read('monitoring/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { uid: string; url: string }[];
    };
    const url = new URL(datasources.datasources[0]?.url as string);
    expect(resolverFrom('grafana')(url.hostname, Number(url.port))).toEqual({ process: 'prometheus', listens: 9090 });
    const providers = parse(read('monitoring/grafana/provisioning/dashboards/switchboard.yml')) as {
      providers: { options: { path: string } }[];
    };
    expect(providers.providers[0]?.options.path).toBe('/var/lib/grafana/dashboards');
    const dashboard = JSON.parse(read('monitoring/grafana/dashboards/switchboard.json')) as {
      panels: { datasource?: { uid: string } }[];
    };
    for (const panel of dashboard.panels.filter((p) => p.datasource))
      expect(panel.datasource?.uid).toBe(datasources.datasources[0]?.uid);
    expect(repoPath('monitoring/grafana/dashboards/switchboard.json')).toContain('/monitoring/grafana/dashboards/');
  });

  test("linux-cli keeps the sandbox's requirements (services/linux-cli/README.md)", () => {
    expect(compose.services['linux-cli']?.security_opt).toEqual([
      'seccomp=unconfined',
      'apparmor=unconfined',
      'systempaths=unconfined',
    ]);
  });
});
