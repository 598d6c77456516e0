/**
 * Secret handles, `secret://<backend>/<path>[#version]`, as the secrets service hands them out. A handle names a
 * secret, never holds it: it may appear in configuration, tool arguments, results and logs. The secrets service
 * parses handles strictly; this is the shape test for "is this a handle to resolve".
 */
export const SECRET_HANDLE_SCHEME = 'secret://';

const HANDLE = /^secret:\/\/[a-z][a-z0-9-]{0,31}\/[A-Za-z0-9_][^\s#?]{0,255}(?:#[A-Za-z0-9._-]{1,64})?$/;

/** Whether the value is a well-formed handle. */
export function isSecretHandle(value: unknown): value is string {
  return typeof value === 'string' && HANDLE.test(value);
}

/** Whether the value means to be a handle (starts `secret:`), well-formed or not: configuration checks refuse the latter. */
export function looksLikeSecretHandle(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('secret:');
}

/**
 * The mark on a tool result that hands out secret material on purpose (the secrets service's approved
 * `revealSecret`): `structuredContent.sensitive`. The workflow engine seals such an output in its store and shows
 * the marked fields masked, with the handle and preview.
 */
export const SECRET_VALUE_MARKER = 'io.switchboard/secret-value' as const;

export interface SensitiveMark {
  marker: typeof SECRET_VALUE_MARKER;
  /** Top-level fields of the result that hold secret material. */
  fields: string[];
  handle: string;
  /** A masked preview such as `ab****yz`. */
  preview: string;
}

/** The result's sensitive mark, when it carries a well-formed one. */
export function sensitiveMarkOf(result: unknown): SensitiveMark | undefined {
  const mark = (result as { sensitive?: Partial<SensitiveMark> } | null | undefined)?.sensitive;
  if (!mark || typeof mark !== 'object' || mark.marker !== SECRET_VALUE_MARKER) return undefined;
  if (!Array.isArray(mark.fields) || !mark.fields.every((f) => typeof f === 'string')) return undefined;
  return {
    marker: SECRET_VALUE_MARKER,
    fields: [...mark.fields],
    handle: typeof mark.handle === 'string' ? mark.handle : '',
    preview: typeof mark.preview === 'string' ? mark.preview : '',
  };
}
