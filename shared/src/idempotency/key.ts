/**
 * The `_meta` key carrying a mutating call's idempotency key. The workflow engine sends
 * `<runId>:<stepPath>[:<index>]` with every step; any client may send its own. A tool whose handler runs its
 * mutation through `ctx.idempotent(...)` executes once per (caller, tool, key) within the retention window.
 */
export const IDEMPOTENCY_META_KEY = 'io.switchboard/idempotency-key';

const VALID_KEY = /^[\x21-\x7e]{1,200}$/;

/** The call's idempotency key from its `_meta`, if it carries a usable one (1-200 printable ASCII characters). */
export function idempotencyKeyOf(meta: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const value = meta?.[IDEMPOTENCY_META_KEY];
  return typeof value === 'string' && VALID_KEY.test(value) ? value : undefined;
}
