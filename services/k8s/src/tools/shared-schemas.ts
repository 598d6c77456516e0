import { z } from '@switchboard/shared';

/** Input fields every tool shares, with the API's own name rules so bad input fails before any request. */
export const contextField = z
  .string()
  .min(1)
  .max(253)
  .optional()
  .describe('kubeconfig context (listContexts); default: the configured one');
export const namespaceField = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a namespace is a DNS-1123 label')
  .max(63)
  .optional()
  .describe("Namespace; default: the context's namespace");
export const nameField = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'a name is a lowercase RFC 1123 subdomain');
export const allNamespacesField = z
  .boolean()
  .default(false)
  .describe('List across every namespace (refused when some namespaces are denied)');
export const labelSelectorField = z.string().min(1).max(1024).optional().describe('Label selector, e.g. app=web,tier!=db');
export const fieldSelectorField = z.string().min(1).max(1024).optional().describe('Field selector, e.g. status.phase=Running');
export const apiVersionField = z
  .string()
  .regex(/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/, 'an apiVersion such as v1 or apps/v1');
export const kindField = z.string().regex(/^[A-Z][A-Za-z0-9]*$/, 'a kind such as Deployment');
export const deploymentKindField = z.literal('Deployment').optional().describe('Only Deployment is supported');

export const objectRefSchema = z.object({
  kind: z.string(),
  name: z.string(),
  namespace: z.string().optional(),
  apiVersion: z.string().optional(),
});
