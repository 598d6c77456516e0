import type { SecretAttributes, SecretListing, SecretRecord, SecretValue } from '../model/secret.ts';

export type BackendKind = 'file' | 'keepass' | 'vault' | 'azure' | 'aws';

/**
 * One mounted secret store. Paths arrive checked (model/secret-path.ts). Every failure is a ToolError:
 * NOT_FOUND (no such secret or version; details.deleted when it is soft-deleted), CONFLICT (create over an
 * existing secret), DEPENDENCY_UNAVAILABLE (details.reason: unreachable, bad_credentials, corrupted, tampered,
 * locked, rejected), never a half-written secret.
 */
export interface SecretBackend {
  readonly name: string;
  readonly kind: BackendKind;
  /** A human description of where the data lives (file path, URL), without credentials. */
  readonly location: string;
  /** Throws when the backend cannot be used right now (listBackends and /ready show the message). */
  health(): Promise<void>;
  /** Every secret under the prefix (`''` for all), following the backend's own pagination. */
  list(prefix: string, options: { includeDeleted: boolean }): Promise<SecretListing[]>;
  describe(path: string): Promise<SecretRecord>;
  read(path: string, version?: string): Promise<SecretValue>;
  /** Creates the secret with its first version; CONFLICT when it exists (also when soft-deleted). */
  create(path: string, value: string, attributes: SecretAttributes): Promise<{ version: string }>;
  /** Adds a version to an existing secret, with its attributes after the change. */
  addVersion(path: string, value: string, attributes: SecretAttributes): Promise<{ version: string }>;
  setAttributes(path: string, attributes: SecretAttributes): Promise<void>;
  /** Soft delete: values stay, reads fail with NOT_FOUND (details.deleted), restore brings it back until recoverUntil. */
  softDelete(path: string, recoverUntil: Date): Promise<{ recoverUntil: string }>;
  restore(path: string): Promise<void>;
  /** Removes a soft-deleted secret for good (the manager calls it once the recovery window is over). */
  purge(path: string): Promise<void>;
  close?(): Promise<void>;
}
