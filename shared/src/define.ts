import type { z } from 'zod';
import type { KitConfig } from './config/kit-config.ts';
import type { ConfigSpec } from './config/load-config.ts';
import type { RequestContext, ToolContext } from './context.ts';
import type { HealthReport } from './http/health.ts';
import type { HttpRoute } from './http/routes.ts';
import type { Logger } from './logging/logger.ts';
import type { Redactor } from './logging/redactor.ts';
import type { Registry } from './metrics.ts';
import type { SecretResolver } from './secrets/secret-resolver.ts';
import type { Db } from './sql/types.ts';

/** MCP tool annotations; the three hints are mandatory for every Switchboard tool. */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint?: boolean;
}

/** The configuration a tool's context carries (its package's settings and the kit's). */
export type ConfigOf<C> = C extends { config: infer X } ? X : Readonly<KitConfig>;

export interface ToolDefinition<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject, C = ToolContext> {
  /** camelCase verb, e.g. `searchItems`. */
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  /** Appended to the truncation marker: how to get the rest when the result is over the output cap. */
  truncationHint?: string;
  /**
   * Whether this deployment offers the tool, decided once at start from the configuration (k8s's destructive tier
   * only in K8S_MODE=admin). A tool turned off is left out of tools/list and refused by tools/call with
   * PERMISSION_DENIED (saying `disabledReason`) before its arguments are read or its handler runs. Annotate the
   * parameter (`(config: XToolContext['config']) => …`) when the tool's context type cannot be inferred before it.
   */
  enabled?(config: ConfigOf<C>): boolean;
  /** Why the tool is off when `enabled` says so, for the refusal: `it needs K8S_MODE=admin`. */
  disabledReason?: string;
  /**
   * Result fields that deliberately hand out a secret or credential: an approved reveal's value, a presigned URL.
   * Dotted paths into the result (`value`, `link.url`); the string found at each passes the redactor untouched in
   * this tool's results, while everything else in the result is redacted as always. The one way to return what the
   * redactor would mask; the paths are listed in the tool's `_meta["io.switchboard/discloses"]`.
   */
  discloses?: readonly string[];
  handler(args: z.output<I>, ctx: C): Promise<z.input<O>>;
}

// biome-ignore lint/suspicious/noExplicitAny: a service holds tools of many input/output types.
export type AnyToolDefinition<C = any> = ToolDefinition<any, any, C>;

export function defineTool<I extends z.ZodObject, O extends z.ZodObject, C = ToolContext>(
  definition: ToolDefinition<I, O, C>,
): ToolDefinition<I, O, C> {
  if (!/^[a-z][A-Za-z0-9]*$/.test(definition.name)) {
    throw new Error(`tool name "${definition.name}" must be a camelCase verb such as listPods`);
  }
  for (const path of definition.discloses ?? []) {
    const first = path.split('.')[0] as string;
    if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(path) || !Object.hasOwn(definition.output.shape, first)) {
      throw new Error(`tool ${definition.name}: discloses "${path}" is not a field path of its output`);
    }
  }
  return definition;
}

export interface ResourceEntry {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
}

export type ResourceContents = { uri: string; mimeType?: string } & ({ text: string } | { blob: string });

export interface ResourceDefinition<C = RequestContext> {
  name: string;
  title?: string;
  description: string;
  mimeType?: string;
  /** A fixed URI, or an RFC 6570 template such as `cmdb://ci/{type}/{name}`. */
  uri?: string;
  uriTemplate?: string;
  /** Lists concrete resources (for templates: the instances), paged by an opaque cursor. */
  list?(ctx: C, cursor: string | undefined): Promise<{ resources: ResourceEntry[]; nextCursor?: string }>;
  read(uri: URL, variables: Record<string, string>, ctx: C): Promise<ResourceContents[]>;
  /** Completion of template variables, by variable name. */
  complete?: Record<string, (value: string, context: Record<string, string>, ctx: C) => Promise<string[]>>;
}

// biome-ignore lint/suspicious/noExplicitAny: services hold resources of their own context type.
export type AnyResourceDefinition = ResourceDefinition<any>;

export function defineResource<C = RequestContext>(definition: ResourceDefinition<C>): ResourceDefinition<C> {
  if (!definition.uri === !definition.uriTemplate) {
    throw new Error(`resource "${definition.name}" needs exactly one of uri or uriTemplate`);
  }
  return definition;
}

export interface PromptMessage {
  role: 'user' | 'assistant';
  content: { type: 'text'; text: string };
}

export interface PromptDefinition<A extends z.ZodObject = z.ZodObject, C = RequestContext> {
  name: string;
  title?: string;
  description: string;
  /** String arguments (MCP prompt arguments are strings); `.describe()` gives each its description. */
  args: A;
  complete?: Partial<Record<keyof z.infer<A> & string, (value: string, ctx: C) => Promise<string[]>>>;
  handler(args: z.output<A>, ctx: C): Promise<{ description?: string; messages: PromptMessage[] }>;
}

// biome-ignore lint/suspicious/noExplicitAny: services hold prompts of many argument types.
export type AnyPromptDefinition = PromptDefinition<any, any>;

export function definePrompt<A extends z.ZodObject, C = RequestContext>(
  definition: PromptDefinition<A, C>,
): PromptDefinition<A, C> {
  return definition;
}

export interface SetupInput<Config> {
  config: Readonly<Config & KitConfig>;
  log: Logger;
  redactor: Redactor;
  /**
   * The process's metrics registry, the one /metrics serves: a service's own counters register here
   * (`new Counter({ name: 'switchboard_…', help, labelNames, registers: [metrics] })`, Counter/Gauge/Histogram from
   * the kit).
   */
  metrics: Registry;
  /**
   * Resolves `secret://` handles through the secrets service configured for the process (SWITCHBOARD_SECRETS_URL):
   * `secrets.resolveConfig({ slackToken: config.slackToken, … })` for credentials in configuration at start-up.
   */
  secrets: SecretResolver;
}

export interface SetupResult<Clients> {
  clients: Clients;
  /** Readiness checks by dependency name; `/ready` runs each and names the one that fails. */
  ready?: Record<string, () => Promise<void>>;
  /** Releases the clients at shutdown. */
  close?: () => Promise<void>;
  /**
   * The service's own database (see @switchboard/shared/sql): the kit keeps its idempotency records there too, so
   * replicas sharing it share them. Without it they go to SWITCHBOARD_IDEMPOTENCY_DATABASE_URL, else to a SQLite file
   * `<dataDir>/<service>-idempotency.sqlite` opened on first use. `close` must close it (the kit does not).
   */
  db?: Db;
  /**
   * The service's own HTTP routes on its port (provider callbacks such as Twilio's status POSTs), served beside
   * /health: outside bearer auth and the MCP guards, so each route authenticates its requests itself (a signature).
   * Exact paths; not served over stdio.
   */
  routes?: readonly HttpRoute[];
  /**
   * The service's own status for /health, merged into its JSON: `degraded` with warnings and details still answers
   * 200, so a liveness probe does not restart a service that works, only less well (sandbox off, a fallback in use).
   */
  health?: () => HealthReport | Promise<HealthReport>;
}

/** One finished tools/call, as the service's `onToolCall` hook sees it. */
export interface ToolCallEvent<Clients = unknown> {
  tool: string;
  /** `success`, `cancelled`, or the error code in lower case (`invalid_argument`, `read_only`, `not_found`...). */
  outcome: string;
  /** False when the kit refused the call before the handler ran (unknown tool, read-only mode, invalid input). */
  handled: boolean;
  /** The refusal or error message, when there was one. */
  message?: string;
  caller: string;
  correlationId: string;
  durationMs: number;
  clients: Clients;
}

export interface ServiceDefinition<S extends z.ZodObject = z.ZodObject, Clients = unknown> {
  /** Short kebab-case name: `cmdb`, `linux-cli`. */
  name: string;
  version: string;
  title?: string;
  /** Shown to clients at initialize. */
  instructions?: string;
  defaultPort: number;
  config?: ConfigSpec<S>;
  setup?(input: SetupInput<z.infer<S>>): Promise<SetupResult<Clients>>;
  tools: AnyToolDefinition[];
  resources?: AnyResourceDefinition[];
  prompts?: AnyPromptDefinition[];
  /** Called after every tools/call, including those the kit refused before a handler ran (audit trails). */
  onToolCall?(event: ToolCallEvent<Clients>): void;
}

// biome-ignore lint/suspicious/noExplicitAny: the runtime accepts any service.
export type AnyServiceDefinition = ServiceDefinition<any, any>;

export function defineService<S extends z.ZodObject, Clients>(
  definition: ServiceDefinition<S, Clients>,
): ServiceDefinition<S, Clients> {
  const seen = new Set<string>();
  for (const tool of definition.tools) {
    if (seen.has(tool.name)) throw new Error(`service ${definition.name}: tool "${tool.name}" is defined twice`);
    seen.add(tool.name);
  }
  return definition;
}
