import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ApisApi,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  createConfiguration,
  Exec,
  KubernetesObjectApi,
  type Middleware,
  ServerConfiguration,
  VersionApi,
} from '@kubernetes/client-node';
import { Discovery } from './discovery.ts';
import { type CallScope, toToolError } from './errors.ts';
import type { ContextInfo } from './kubeconfig.ts';

/** The abort signal of the API call in progress; the client's request middleware attaches it to each request. */
const callSignal = new AsyncLocalStorage<AbortSignal>();

const signalMiddleware: Middleware = {
  pre: async (request) => {
    const signal = callSignal.getStore();
    if (signal) request.setSignal(signal);
    return request;
  },
  post: async (response) => response,
};

const userAgent = (value: string): Middleware => ({
  pre: async (request) => {
    request.setHeaderParam('User-Agent', value);
    return request;
  },
  post: async (response) => response,
});

export interface CallOptions {
  signal: AbortSignal;
  timeoutMs: number;
}

/**
 * One context's API clients (typed core/apps, the generic object API, exec), each request bound to the calling
 * tool's signal plus a timeout, and every failure mapped to a kit error.
 */
export class ClusterClient {
  readonly name: string;
  readonly server: string;
  readonly cluster: string;
  readonly defaultNamespace: string;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly objects: KubernetesObjectApi;
  readonly version: VersionApi;
  readonly exec: Exec;
  readonly discovery: Discovery;
  readonly kubeConfig: ContextInfo['kubeConfig'];

  constructor(info: ContextInfo, version: string) {
    this.name = info.name;
    this.server = info.server;
    this.cluster = info.cluster;
    this.defaultNamespace = info.defaultNamespace;
    this.kubeConfig = info.kubeConfig;
    const configuration = createConfiguration({
      baseServer: new ServerConfiguration(info.server, {}),
      authMethods: { default: info.kubeConfig },
      promiseMiddleware: [signalMiddleware, userAgent(`switchboard-k8s/${version}`)],
    });
    this.core = new CoreV1Api(configuration);
    this.apps = new AppsV1Api(configuration);
    this.version = new VersionApi(configuration);
    this.objects = new KubernetesObjectApi(configuration);
    this.exec = new Exec(info.kubeConfig);
    this.discovery = new Discovery(this.core, new CustomObjectsApi(configuration), new ApisApi(configuration));
  }

  /** Runs API requests under the call's signal and a timeout; errors become ToolErrors. */
  async call<T>(what: string, options: CallOptions, fn: () => Promise<T>): Promise<T> {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = AbortSignal.any([options.signal, timeout]);
    try {
      return await callSignal.run(signal, fn);
    } catch (error) {
      const scope: CallScope = { context: this.name, what, timedOut: timeout.aborted, cancelled: options.signal.aborted };
      throw toToolError(error, scope);
    }
  }
}
