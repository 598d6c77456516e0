import type { ServiceCallOptions } from '@switchboard/shared';
import { ToolError } from '@switchboard/shared';
import type { CmdbHosts } from '../cmdb/cmdb-client.ts';
import type { SshProfile } from '../config.ts';
import type { SshTarget } from './ssh-session.ts';

export interface HostResolverOptions {
  profiles: readonly SshProfile[];
  identityFile?: string | undefined;
  /** A private key handle for profiles and cmdb hosts without a credential of their own. */
  privateKey?: string | undefined;
  agent?: string | undefined;
  defaultRoots: readonly string[];
  allowedUsers: readonly string[];
  cmdb?: CmdbHosts | undefined;
}

export interface HostResolver {
  /** `call` carries the caller's cancellation and correlation id to a cmdb look-up. */
  resolve(name: string, call?: ServiceCallOptions): Promise<SshTarget>;
}

const ADDRESS_ATTRIBUTES = ['address', 'ip', 'ipv4', 'ipv6', 'fqdn', 'hostname'];

function attribute(attributes: Record<string, string | number | boolean>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = attributes[key];
    if (value !== undefined && value !== '') return String(value);
  }
  return undefined;
}

/**
 * How a target authenticates: a profile's own agent (`agent: true`), key handle, password handle or key file, else
 * the global key handle or key file; a cmdb host (no profile) uses the agent when no global key is configured.
 */
function credentialsOf(profile: Partial<SshProfile> | undefined, options: HostResolverOptions): Partial<SshTarget> {
  if (profile?.agent) return options.agent ? { agent: options.agent } : {};
  if (profile?.privateKey) return { privateKeyHandle: profile.privateKey };
  if (profile?.password) return { passwordHandle: profile.password };
  if (profile?.identityFile) return { identityFile: profile.identityFile };
  if (options.privateKey) return { privateKeyHandle: options.privateKey };
  if (options.identityFile) return { identityFile: options.identityFile };
  return !profile && options.agent ? { agent: options.agent } : {};
}

/**
 * Turns a host name into a connection: a named profile from configuration first, else (when cmdb is configured)
 * the host CI of that name, with its `ssh_user`, `ssh_port` and address attributes. Roots and keys always come
 * from configuration, never from cmdb.
 */
export function createHostResolver(options: HostResolverOptions): HostResolver {
  const profiles = new Map(options.profiles.map((profile) => [profile.name, profile]));
  return {
    resolve: async (name, call) => {
      const profile = profiles.get(name);
      if (profile) {
        return {
          name,
          host: profile.host,
          port: profile.port,
          user: profile.user,
          ...credentialsOf(profile, options),
          ...(profile.hostKeyFingerprint ? { fingerprint: profile.hostKeyFingerprint } : {}),
          roots: profile.roots ?? [...options.defaultRoots],
          ...(profile.cwd ? { cwd: profile.cwd } : {}),
          source: 'profile',
        } as SshTarget;
      }
      if (!options.cmdb) {
        throw new ToolError('NOT_FOUND', `no SSH profile named ${name} (and no cmdb is configured to look it up)`, {
          details: { profiles: [...profiles.keys()] },
        });
      }
      const item = await options.cmdb.getHost(name, call);
      if (!item) throw new ToolError('NOT_FOUND', `no SSH profile named ${name} and no host CI ${name} in cmdb`);
      const user = attribute(item.attributes, ['ssh_user']);
      if (!user) throw new ToolError('INVALID_ARGUMENT', `cmdb host ${name} has no ssh_user attribute`);
      if (options.allowedUsers.length > 0 && !options.allowedUsers.includes(user)) {
        throw new ToolError('POLICY_VIOLATION', `cmdb host ${name} names ssh_user ${user}, which is not in sshAllowedUsers`, {
          details: { rule: 'ssh-user' },
        });
      }
      const port = Number(attribute(item.attributes, ['ssh_port']) ?? 22);
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw new ToolError('INVALID_ARGUMENT', `cmdb host ${name} has a bad ssh_port`);
      const target: SshTarget = {
        name,
        host: attribute(item.attributes, ADDRESS_ATTRIBUTES) ?? name,
        port,
        user,
        roots: [...options.defaultRoots],
        source: 'cmdb',
      };
      return { ...target, ...credentialsOf(undefined, options) };
    },
  };
}
