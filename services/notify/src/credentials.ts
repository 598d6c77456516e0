import { ConfigError } from '@switchboard/shared';

/**
 * Credentials arrive as the value itself or as a `secret://name` handle. Resolution happens in one place, at
 * start-up, through a CredentialResolver; until the secrets service offers one to the kit (issue 14), handles are
 * refused with a start-up error that names each of them.
 */
const HANDLE = /^secret:\/\/[A-Za-z0-9][A-Za-z0-9._/-]{0,200}$/;

export function isSecretHandle(value: string): boolean {
  return HANDLE.test(value);
}

export interface CredentialResolver {
  /** Returns the value behind a `secret://` handle. */
  resolve(handle: string): Promise<string>;
}

/** Today's resolver: there is no secrets client in the kit yet. */
export const noSecretResolver: CredentialResolver = {
  resolve: async (handle) => {
    throw new Error(`cannot resolve ${handle}: secret:// handles need the secrets service, which the kit does not reach yet`);
  },
};

/**
 * Resolves every named credential (value or handle); one ConfigError lists all that fail, so start-up stops with
 * exit 2 and every problem.
 */
export async function resolveCredentials<K extends string>(
  named: Record<K, string | undefined>,
  envNames: Partial<Record<K, string>>,
  resolver: CredentialResolver,
): Promise<Record<K, string | undefined>> {
  const problems: string[] = [];
  const out = {} as Record<K, string | undefined>;
  for (const key of Object.keys(named) as K[]) {
    const value = named[key];
    if (value === undefined || !isSecretHandle(value)) {
      out[key] = value;
      continue;
    }
    try {
      out[key] = await resolver.resolve(value);
    } catch (error) {
      problems.push(`${key}${envNames[key] ? ` (${envNames[key]})` : ''}: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError('notify', problems);
  return out;
}
