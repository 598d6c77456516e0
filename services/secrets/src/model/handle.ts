import { ToolError } from '@switchboard/shared';
import { checkPath } from './secret-path.ts';

/** A reference to a secret that is safe to show anywhere: `secret://<backend>/<path>[#version]`. */
export interface SecretRef {
  backend: string;
  path: string;
  /** A backend-native version id (`3`, a UUID, a 32-hex id); absent means the current version. */
  version?: string;
}

export const HANDLE_SCHEME = 'secret://';
export const BACKEND_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const VERSION = /^[A-Za-z0-9._-]{1,64}$/;

export function checkBackendName(name: string): string {
  if (!BACKEND_NAME.test(name)) {
    throw new ToolError('INVALID_ARGUMENT', `backend name "${name.slice(0, 40)}" must be lower-case letters, digits and -`, {
      details: { reason: 'bad_handle' },
    });
  }
  return name;
}

export function checkVersion(version: string): string {
  if (!VERSION.test(version)) {
    throw new ToolError('INVALID_ARGUMENT', 'a version is 1-64 letters, digits, ".", "_" or "-"', {
      details: { reason: 'bad_handle' },
    });
  }
  return version;
}

/** Parses a handle; every malformed one is INVALID_ARGUMENT naming what is wrong (never echoing a long input). */
export function parseHandle(handle: string): SecretRef {
  if (typeof handle !== 'string' || !handle.startsWith(HANDLE_SCHEME)) {
    throw new ToolError('INVALID_ARGUMENT', 'a secret handle looks like secret://<backend>/<path>[#version]', {
      details: { reason: 'bad_handle' },
    });
  }
  const rest = handle.slice(HANDLE_SCHEME.length);
  const hash = rest.indexOf('#');
  const location = hash < 0 ? rest : rest.slice(0, hash);
  const slash = location.indexOf('/');
  if (slash <= 0) {
    throw new ToolError('INVALID_ARGUMENT', 'a secret handle needs a backend and a path: secret://<backend>/<path>', {
      details: { reason: 'bad_handle' },
    });
  }
  const ref: SecretRef = { backend: checkBackendName(location.slice(0, slash)), path: checkPath(location.slice(slash + 1)) };
  if (hash >= 0) ref.version = checkVersion(rest.slice(hash + 1));
  return ref;
}

export function formatHandle(ref: SecretRef): string {
  return `${HANDLE_SCHEME}${ref.backend}/${ref.path}${ref.version ? `#${ref.version}` : ''}`;
}

/** True when the string is shaped like a handle (for callers deciding whether a value needs resolving). */
export function isHandle(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(HANDLE_SCHEME);
}
