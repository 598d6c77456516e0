/**
 * What the deployment tests share: each package's own configuration spec (imported from the package's exported
 * entry, as the process builds it), the Compose interpolation rules, the Dockerfile's environment, and the
 * endpoint cross-check (every URL a process calls names a process that listens there, allows that Host, and
 * accepts the token sent).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type ConfigSpec, createNameFilter, kitConfigSpec, loadConfig, mergeConfigSpecs } from '@switchboard/shared';
import { Ajv } from 'ajv';
import { loadOrchestratorConfig, orchestratorConfigSpec } from '../src/config.ts';

export const root = new URL('../../', import.meta.url);
export const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
export const repoPath = (path: string) => new URL(path, root).pathname;

export interface ServicePackage {
  /** The service's name (`cmdb`), also its directory under services/. */
  name: string;
  defaultPort: number;
  entry: string;
  spec: ConfigSpec;
}

interface ServiceLike {
  name: string;
  defaultPort: number;
  config?: ConfigSpec;
  tools: unknown[];
}

function isServiceDefinition(value: unknown): value is ServiceLike {
  const v = value as Partial<ServiceLike> | null;
  return !!v && typeof v.name === 'string' && typeof v.defaultPort === 'number' && Array.isArray(v.tools);
}

/**
 * Every package under services/: its package.json `exports["."]` is imported and the service definition found
 * there gives the default port and config spec; the spec is the kit's merged with the service's, as the kit's
 * runtime builds it (createRuntime -> loadServiceConfig).
 */
export async function servicePackages(): Promise<ServicePackage[]> {
  const out: ServicePackage[] = [];
  for (const dir of readdirSync(new URL('services/', root)).sort()) {
    const pkg = JSON.parse(read(`services/${dir}/package.json`)) as { exports: Record<string, string> };
    const exported = pkg.exports['.'];
    if (!exported) throw new Error(`services/${dir}/package.json exports no "."`);
    const module = (await import(pathToFileURL(repoPath(`services/${dir}/${exported}`)).href)) as Record<string, unknown>;
    const definitions = Object.values(module).filter(isServiceDefinition);
    const service = definitions.find((d) => d.name === dir);
    if (!service) throw new Error(`services/${dir}: no exported service definition named ${dir}`);
    const kit = kitConfigSpec(service.defaultPort);
    out.push({
      name: dir,
      defaultPort: service.defaultPort,
      entry: `services/${dir}/src/main.ts`,
      spec: (service.config ? mergeConfigSpecs(kit, service.config) : kit) as ConfigSpec,
    });
  }
  return out;
}

/** A process's configuration as it would load it from this environment (and config file); throws ConfigError. */
export type LoadedConfig = Record<string, any> & {
  port: number;
  host: string;
  allowedHosts: string[];
  credentials: { name: string; token: string }[];
};

export function loadProcessConfig(
  packages: ServicePackage[],
  name: string,
  env: Record<string, string>,
  file?: string,
): LoadedConfig {
  if (name === 'orchestrator') return loadOrchestratorConfig({ env, file }) as unknown as LoadedConfig;
  const pkg = packages.find((p) => p.name === name);
  if (!pkg) throw new Error(`no package for ${name}`);
  return loadConfig(name, pkg.spec, { env, file }) as LoadedConfig;
}

/** A process's configuration spec, as the process builds it. */
export function processSpec(packages: ServicePackage[], name: string, env: Record<string, string> = {}): ConfigSpec {
  if (name === 'orchestrator') return orchestratorConfigSpec(env) as unknown as ConfigSpec;
  const pkg = packages.find((p) => p.name === name);
  if (!pkg) throw new Error(`no package for ${name}`);
  return pkg.spec;
}

/**
 * The service endpoints a configuration spec declares, by key (`cmdb`, `secrets`): every group the kit's
 * serviceEndpointConfig(key, PREFIX) defines, recognised by its shape in the spec (`<key>Url`, `<key>Token`,
 * `<key>TokenFile` read from PREFIX_URL, PREFIX_TOKEN, PREFIX_TOKEN_FILE), so the kit's own secrets endpoint
 * (SWITCHBOARD_SECRETS_*) and a service's (LINUX_CLI_CMDB_*) are found alike, set or not. Other URLs (provider
 * APIs, databases) are not endpoints of a Switchboard process.
 */
export function endpointKeysOf(spec: ConfigSpec): string[] {
  const env = spec.env as Record<string, string | undefined>;
  const keys: string[] = [];
  for (const [setting, variable] of Object.entries(env)) {
    const key = /^(.+)Url$/.exec(setting)?.[1];
    const prefix = variable && /^(.+)_URL$/.exec(variable)?.[1];
    if (!key || !prefix) continue;
    if (env[`${key}Token`] === `${prefix}_TOKEN` && env[`${key}TokenFile`] === `${prefix}_TOKEN_FILE`) keys.push(key);
  }
  return keys.sort();
}

/** One process of a deployment, loaded: its configuration and the service endpoints its spec declares. */
export function loadProcess(
  packages: ServicePackage[],
  name: string,
  env: Record<string, string>,
  file?: string,
): DeployedProcess {
  return {
    name,
    config: loadProcessConfig(packages, name, env, file),
    endpoints: endpointKeysOf(processSpec(packages, name, env)),
  };
}

/** The ENV lines of the Dockerfile: the environment every container starts from. */
export function dockerfileEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of read('Dockerfile').split('\n')) {
    if (!line.startsWith('ENV ')) continue;
    for (const pair of line.slice(4).trim().split(/\s+/)) {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)=([^"'\s]*)$/.exec(pair);
      // Only PATH may refer to a variable (its own previous value); anything else is refused.
      if (!match || (match[2]?.includes('$') && match[1] !== 'PATH')) {
        throw new Error(`Dockerfile: ENV form not understood: ${line}`);
      }
      env[match[1] as string] = match[2] as string;
    }
  }
  return env;
}

/** A .env file: NAME=value lines, # comments. Quotes and expansions are refused (fail closed). */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [index, line] of text.split('\n').entries()) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=([^"'`$\s]*)$/.exec(trimmed);
    if (!match) throw new Error(`.env line ${index + 1} not understood: ${line}`);
    out[match[1] as string] = match[2] as string;
  }
  return out;
}

export class InterpolationError extends Error {}

/**
 * Compose interpolation (compose-spec 12-interpolation.md): $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
 * ${VAR:?err}, ${VAR?err}, nested defaults, $$ for a literal $. Anything else after a $ is refused.
 * `used` collects every variable named.
 */
export function interpolate(text: string, env: Record<string, string | undefined>, used?: Set<string>): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== '$') {
      out += c;
      i += 1;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      let depth = 1;
      let j = i + 2;
      while (j < text.length && depth > 0) {
        if (text[j] === '{') depth += 1;
        else if (text[j] === '}') depth -= 1;
        j += 1;
      }
      if (depth !== 0) throw new InterpolationError(`unterminated \${ in ${text}`);
      out += expand(text.slice(i + 2, j - 1), env, used);
      i = j;
      continue;
    }
    const bare = /^[_a-zA-Z][_a-zA-Z0-9]*/.exec(text.slice(i + 1));
    if (bare) {
      used?.add(bare[0]);
      out += env[bare[0]] ?? '';
      i += 1 + bare[0].length;
      continue;
    }
    out += '$';
    i += 1;
  }
  return out;
}

function expand(body: string, env: Record<string, string | undefined>, used?: Set<string>): string {
  const match = /^([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[-?])([\s\S]*))?$/.exec(body);
  if (!match) throw new InterpolationError(`unsupported interpolation \${${body}}`);
  const [, name, op, rest] = match as unknown as [string, string, string | undefined, string | undefined];
  used?.add(name);
  const value = env[name];
  const missing = op?.startsWith(':') ? value === undefined || value === '' : value === undefined;
  if (!op) return value ?? '';
  if (op.endsWith('-')) return missing ? interpolate(rest ?? '', env, used) : (value as string);
  if (missing) throw new InterpolationError(`${name}: ${interpolate(rest ?? '', env, used) || 'required'}`);
  return value as string;
}

/** Interpolates every string in a parsed YAML value. */
export function interpolateDeep<T>(value: T, env: Record<string, string | undefined>, used?: Set<string>): T {
  if (typeof value === 'string') return interpolate(value, env, used) as T;
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, env, used)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env, used)])) as T;
  }
  return value;
}

/**
 * Ajv (draft-07) for the vendored schemas. Their `$schema` names draft-07 by an https URL that ajv does not know
 * under that spelling, so it is dropped; ajv's default dialect is draft-07.
 */
export function schemaValidator(schema: object) {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  const { $schema: _dialect, ...rest } = schema as { $schema?: string };
  return ajv.compile(rest);
}

/** One process of a deployment, as the endpoint cross-check sees it. */
export interface DeployedProcess {
  name: string;
  config: LoadedConfig;
  /** The service endpoint keys of its configuration spec (endpointKeysOf). */
  endpoints: string[];
}

/** Where a URL's host:port lands: the process there and the port it listens on, or why it lands nowhere. */
export type Resolver = (host: string, port: number) => { process: string; listens: number } | { error: string };

/** A call one process makes: its URL and the bearer token it sends. */
export interface Call {
  from: string;
  what: string;
  url: string;
  token?: string | undefined;
}

/** Every HTTP call to another Switchboard process a configuration makes (upstreams, service endpoints). */
export function callsOf(process: DeployedProcess): Call[] {
  const calls: Call[] = [];
  const config = process.config;
  if (process.name === 'orchestrator') {
    for (const upstream of config.upstreams as { name: string; url?: string; token?: string; enabled: boolean }[]) {
      if (upstream.enabled && upstream.url) {
        calls.push({ from: process.name, what: `upstream ${upstream.name}`, url: upstream.url, token: upstream.token });
      }
    }
  }
  // Every configured service endpoint (the token file, if given, was read into <key>Token at load).
  for (const key of process.endpoints) {
    const url = config[`${key}Url`];
    if (typeof url !== 'string' || url === '') continue;
    calls.push({ from: process.name, what: `${key}Url`, url, token: config[`${key}Token`] });
  }
  return calls;
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]', '::1'];

/** The problems of one call: nobody listens there, the Host is refused (403), or the token is not accepted (401). */
export function callProblems(call: Call, processes: DeployedProcess[], resolve: Resolver): string[] {
  const url = new URL(call.url);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const where = `${call.from} -> ${call.what} (${call.url})`;
  const target = resolve(url.hostname, port);
  if ('error' in target) return [`${where}: ${target.error}`];
  const process = processes.find((p) => p.name === target.process);
  if (!process) return [`${where}: ${target.process} is not a Switchboard process`];
  const problems: string[] = [];
  if (process.config.port !== target.listens) {
    problems.push(`${where}: reaches port ${target.listens}, but ${process.name} listens on ${process.config.port}`);
  }
  if (!['0.0.0.0', '::', ''].includes(process.config.host)) {
    problems.push(`${where}: ${process.name} listens on ${process.config.host} only`);
  }
  const hosts = new Set([...LOOPBACK, ...process.config.allowedHosts.map((h) => h.toLowerCase())]);
  if (!hosts.has('*') && !hosts.has(url.hostname.toLowerCase())) {
    problems.push(`${where}: ${process.name} answers Host "${url.hostname}" with 403 (SWITCHBOARD_ALLOWED_HOSTS)`);
  }
  if (process.config.auth === 'token') {
    if (!call.token) problems.push(`${where}: sends no token, ${process.name} requires one (401)`);
    else if (!process.config.credentials.some((c) => c.token === call.token)) {
      problems.push(`${where}: ${process.name} does not accept the token sent (401)`);
    }
  }
  return problems;
}

/** The database and cache URLs of a configuration, by setting. */
export function storeUrlsOf(config: LoadedConfig): { what: string; url: string }[] {
  const out: { what: string; url: string }[] = [];
  const add = (what: string, value: unknown) => {
    if (typeof value === 'string' && /^(postgres(ql)?|rediss?):\/\//.test(value)) out.push({ what, url: value });
  };
  for (const [key, value] of Object.entries(config)) add(key, value);
  add('workflows.postgresUrl', (config.workflows as { postgresUrl?: string } | undefined)?.postgresUrl);
  return out;
}

/** The secrets service's own policy matcher (services/secrets/src/safety/resolve-policy.ts), the one it enforces. */
const { ResolvePolicy } = (await import(pathToFileURL(repoPath('services/secrets/src/safety/resolve-policy.ts')).href)) as {
  ResolvePolicy: new (spec: Record<string, readonly string[]>) => { match(c: string, b: string, p: string): string | undefined };
};

/** The services that resolve secret:// handles server to server (their credentials, env values, SSH keys). */
export const RESOLVERS = ['ai-models', 'cloud', 'linux-cli', 'notify'];

/** The tool of the secrets service that hands a value to its caller (sealed): for services only, never for models. */
export const RESOLVE_TOOL = 'resolveSecret';

/**
 * Server-to-server resolution checked against the whole deployment. The process with a `resolvePolicy` is the
 * secrets service; its resolvers are the processes whose kit secrets endpoint (`secretsUrl`) lands on it. Problems:
 * a resolver that sends no token it accepts under the resolver's own name; a policy that does not name exactly the
 * resolvers (a caller named without a token would be a grant waiting for whoever gets that name, a resolver left
 * out gets PERMISSION_DENIED at start); a glob reaching outside `<backend>/<caller>/`, or into another caller's
 * subtree; a glob for a token the orchestrator sends; an orchestrator upstream on the secrets service that offers
 * resolveSecret to clients.
 */
export function resolveProblems(processes: DeployedProcess[], resolverFrom: (from: string) => Resolver): string[] {
  const problems: string[] = [];
  const landsOn = (call: Call) => {
    const url = new URL(call.url);
    const target = resolverFrom(call.from)(url.hostname, Number(url.port || (url.protocol === 'https:' ? 443 : 80)));
    return 'error' in target ? undefined : processes.find((p) => p.name === target.process);
  };
  const holders = processes.filter((p) => p.config.resolvePolicy !== undefined);
  if (holders.length !== 1) return [`expected one secrets service (a process with resolvePolicy), found ${holders.length}`];
  const secrets = holders[0] as DeployedProcess;
  const policy = secrets.config.resolvePolicy as Record<string, string[]>;
  const nameOf = (token: string | undefined) => secrets.config.credentials.find((c) => c.token === token)?.name;

  const calls = processes.flatMap(callsOf).filter((call) => landsOn(call) === secrets);
  const resolvers = new Set<string>();
  for (const call of calls.filter((c) => c.what === 'secretsUrl')) {
    const name = nameOf(call.token);
    if (name !== call.from) {
      problems.push(`${call.from} resolves through ${call.url} as ${name ? `"${name}"` : 'nobody (no token it accepts)'}`);
    }
    resolvers.add(call.from);
  }
  for (const resolver of resolvers) {
    if (!policy[resolver]?.length) problems.push(`${resolver} resolves, but the resolve policy gives it nothing`);
  }
  const upstreamCallers = new Set(
    calls.filter((c) => c.what.startsWith('upstream ')).map((c) => nameOf(c.token) ?? `(token of ${c.from})`),
  );
  for (const [caller, globs] of Object.entries(policy)) {
    if (upstreamCallers.has(caller)) {
      problems.push(`the resolve policy gives ${caller} ${JSON.stringify(globs)}: its token serves clients' calls`);
    } else if (!resolvers.has(caller)) {
      problems.push(`the resolve policy names ${caller}, which has no token to resolve with`);
    }
    for (const glob of globs) {
      const [backend = '', subtree = '', ...rest] = glob.split('/');
      if (backend.includes('*') || subtree !== caller || rest.length === 0) {
        problems.push(`resolve policy ${caller}: "${glob}" is not inside <backend>/${caller}/`);
      }
    }
    // The same through the service's own matcher: no grant reaches another process's subtree.
    const matcher = new ResolvePolicy(policy);
    for (const other of processes.map((p) => p.name).filter((o) => o !== caller)) {
      for (const backend of new Set(globs.map((g) => g.split('/')[0] as string))) {
        const glob = matcher.match(caller, backend, `${other}/some/key`);
        if (glob) problems.push(`resolve policy ${caller}: "${glob}" resolves ${backend}/${other}/some/key`);
      }
    }
  }
  for (const call of calls.filter((c) => c.what.startsWith('upstream '))) {
    const upstream = (processes.find((p) => p.name === call.from)?.config.upstreams as UpstreamLike[] | undefined)?.find(
      (u) => `upstream ${u.name}` === call.what,
    );
    if (upstream && createNameFilter(upstream.tools.allow, upstream.tools.deny)(RESOLVE_TOOL)) {
      problems.push(`${call.from} -> ${call.what} offers ${RESOLVE_TOOL} to its clients (add it to tools.deny)`);
    }
  }
  return problems;
}

type UpstreamLike = { name: string; tools: { allow: string[]; deny: string[] } };
