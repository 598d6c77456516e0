import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, normalize, sep } from 'node:path';
import { ToolError } from '@switchboard/shared';

function inside(path: string, root: string): boolean {
  const base = root.endsWith(sep) ? root : `${root}${sep}`;
  return path === root || path.startsWith(base);
}

/**
 * A local file a tool may upload: absolute, no NUL, inside one of the configured roots both as written and after
 * symbolic links are resolved, a regular file, and not over the size cap. No roots configured: no file uploads.
 */
export async function checkedFile(
  path: string,
  roots: readonly string[],
  maxBytes: number,
): Promise<{ path: string; size: number }> {
  if (roots.length === 0) {
    throw new ToolError('POLICY_VIOLATION', 'uploads from files are off: no CLOUD_FILE_ROOTS are configured', {
      details: { rule: 'no-roots' },
    });
  }
  if (path.includes('\0') || !isAbsolute(path)) {
    throw new ToolError('INVALID_ARGUMENT', 'file must be an absolute path without NUL characters');
  }
  const normalized = normalize(path);
  const realRoots = await Promise.all(roots.map((root) => realpath(root).catch(() => normalize(root))));
  if (!roots.some((root) => inside(normalized, normalize(root))) && !realRoots.some((root) => inside(normalized, root))) {
    throw new ToolError('POLICY_VIOLATION', `${path} is outside the allowed roots (CLOUD_FILE_ROOTS)`, {
      details: { rule: 'outside-roots' },
    });
  }
  let real: string;
  try {
    real = await realpath(normalized);
  } catch {
    throw new ToolError('NOT_FOUND', `no such file: ${path}`);
  }
  if (!realRoots.some((root) => inside(real, root))) {
    throw new ToolError('POLICY_VIOLATION', `${path} resolves to ${real}, outside the allowed roots (CLOUD_FILE_ROOTS)`, {
      details: { rule: 'outside-roots' },
    });
  }
  const info = await stat(real);
  if (!info.isFile()) throw new ToolError('INVALID_ARGUMENT', `${path} is not a regular file`);
  if (info.size > maxBytes) {
    throw new ToolError(
      'INVALID_ARGUMENT',
      `${path} is ${info.size} bytes, over the upload cap of ${maxBytes} (CLOUD_MAX_UPLOAD_BYTES)`,
    );
  }
  return { path: real, size: info.size };
}
