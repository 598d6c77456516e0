import type { ApprovalSpec, BindingSpec, RoleSpec } from './schema.ts';

/** The three roles every policy has unless it defines a role of the same name. */
export const BUILT_IN_ROLES: Readonly<Record<string, RoleSpec>> = {
  viewer: {
    description: 'read-only tools of every namespace',
    grants: [{ namespaces: ['*'], tools: ['*'], class: 'viewer', prompts: true, resources: true }],
  },
  operator: {
    description: 'every tool that is not destructive',
    grants: [{ namespaces: ['*'], tools: ['*'], class: 'operator', prompts: true, resources: true }],
  },
  admin: {
    description: 'everything, including the gateway’s review and audit tools',
    grants: [{ namespaces: ['*'], tools: ['*'], class: 'admin', prompts: true, resources: true }],
  },
};

/**
 * Who holds which role when the policy does not say: every configured token, the stdio client and (with
 * SWITCHBOARD_AUTH=none) everyone are admins, so an install without a policy file behaves as before. OAuth callers
 * hold nothing until a binding names them.
 */
export const DEFAULT_BINDINGS: readonly BindingSpec[] = [
  { tokens: ['*'], roles: ['admin'] },
  { stdio: true, roles: ['admin'] },
  { anonymous: true, roles: ['admin'] },
];

/** By default a human approves every destructive call to an upstream we did not write. */
export const DEFAULT_APPROVALS: readonly ApprovalSpec[] = [
  { upstreams: 'third-party', namespaces: ['*'], tools: ['*'], when: 'destructive' },
];

/** The Switchboard services (by upstream name): their own validators and approvals guard their tools. */
export const DEFAULT_FIRST_PARTY: readonly string[] = ['linux-cli', 'cloud', 'k8s', 'cmdb', 'secrets', 'notify', 'ai-models'];
