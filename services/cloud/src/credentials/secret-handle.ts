/**
 * Credentials may be written as `secret://<path>` handles, resolved server-side by the secrets service so the
 * value never passes through configuration files or a model. Until the kit can resolve them (issue 14), a handle
 * is refused at start-up; `resolveCredential` is the one place that will call the resolver.
 */
export const SECRET_SCHEME = 'secret://';

export function isSecretHandle(value: string | undefined): value is string {
  return typeof value === 'string' && value.startsWith(SECRET_SCHEME);
}

/** Resolves a handle to its value; the secrets service will provide one. */
export type SecretResolver = (handle: string) => Promise<string>;

export async function resolveCredential(value: string | undefined, resolver?: SecretResolver): Promise<string | undefined> {
  if (!isSecretHandle(value)) return value;
  if (!resolver) throw new Error(`cannot resolve ${value}: no secrets resolver is configured`);
  return resolver(value);
}
