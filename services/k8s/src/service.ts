import { defineService } from '@switchboard/shared';
import { k8sConfig } from './config.ts';
import type { K8sClients } from './context.ts';
import { SERVICE_VERSION, setupK8s } from './setup.ts';
import { applyManifest } from './tools/apply-manifest.ts';
import { createService } from './tools/create-service.ts';
import { deletePod } from './tools/delete-pod.ts';
import { deleteResource } from './tools/delete-resource.ts';
import { execInPod } from './tools/exec-in-pod.ts';
import { exposeDeployment } from './tools/expose-deployment.ts';
import { getClusterInfo } from './tools/get-cluster-info.ts';
import { getDeployment } from './tools/get-deployment.ts';
import { getPod } from './tools/get-pod.ts';
import { getPodLogs } from './tools/get-pod-logs.ts';
import { getResource } from './tools/get-resource.ts';
import { listContexts } from './tools/list-contexts.ts';
import { listDeployments } from './tools/list-deployments.ts';
import { listEvents } from './tools/list-events.ts';
import { listNamespaces } from './tools/list-namespaces.ts';
import { listNodes } from './tools/list-nodes.ts';
import { listPods } from './tools/list-pods.ts';
import { listResources } from './tools/list-resources.ts';
import { listServices } from './tools/list-services.ts';
import { restartDeployment } from './tools/restart-deployment.ts';
import { rollbackDeployment } from './tools/rollback-deployment.ts';
import { scaleDeployment } from './tools/scale-deployment.ts';
import { topNodes } from './tools/top-nodes.ts';
import { topPods } from './tools/top-pods.ts';
import { waitForRollout } from './tools/wait-for-rollout.ts';

/** The read tier: every tool here is readOnlyHint and available in K8S_MODE=read. */
export const READ_TOOLS = [
  listContexts,
  listNamespaces,
  listPods,
  getPod,
  getPodLogs,
  listDeployments,
  getDeployment,
  listServices,
  listEvents,
  listNodes,
  topPods,
  topNodes,
  getResource,
  listResources,
  getClusterInfo,
];

/**
 * The write tier (K8S_MODE=write or admin). waitForRollout changes nothing itself (readOnlyHint) but follows what a
 * write started, so it comes with this tier (WRITE_TIER); the others change the cluster and the kit's read-only
 * mode already keeps them out of K8S_MODE=read.
 */
export const WRITE_TOOLS = [
  waitForRollout,
  applyManifest,
  scaleDeployment,
  restartDeployment,
  rollbackDeployment,
  createService,
  exposeDeployment,
];

/** The destructive tier (K8S_MODE=admin, each call approved by a human through elicitation). */
export const DESTRUCTIVE_TOOLS = [deletePod, deleteResource, execInPod];

export const k8sService = defineService<typeof k8sConfig.schema, K8sClients>({
  name: 'k8s',
  version: SERVICE_VERSION,
  title: 'Switchboard k8s',
  instructions:
    'Kubernetes through the native client, one kubeconfig context per cluster (listContexts). Lists are compact rows with limit + cursor and selectors; getPod/getDeployment describe one object; getResource/listResources reach any kind. Secret values are never shown. Writes (applyManifest with dryRun, scale, restart, rollback, services) need K8S_MODE=write; delete and exec need admin and a human approval.',
  defaultPort: 8008,
  config: k8sConfig,
  setup: setupK8s,
  tools: [...READ_TOOLS, ...WRITE_TOOLS, ...DESTRUCTIVE_TOOLS],
});
