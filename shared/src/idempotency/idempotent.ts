import { createHash } from 'node:crypto';
import { ToolError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { Redactor } from '../logging/redactor.ts';
import { sleep } from '../runtime/sleep.ts';
import { idempotencyKeyOf } from './key.ts';
import type { IdempotencyScope, IdempotencyStore } from './store.ts';

/** JSON with object keys sorted at every level: the same arguments give the same text whatever their order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function argumentsFingerprint(args: unknown): string {
  return createHash('sha256')
    .update(canonical(args ?? {}))
    .digest('base64url');
}

export interface IdempotentCallOptions {
  store: IdempotencyStore;
  service: string;
  tool: string;
  caller: string;
  /** The request's `_meta` (where the key is). */
  meta: Readonly<Record<string, unknown>>;
  /** The arguments as the client sent them (the fingerprint a repeat must match). */
  args: unknown;
  signal: AbortSignal;
  log: Logger;
  redactor: Redactor;
}

const WAITS_MS = [25, 50, 100, 200, 400, 800];

function cancelled(): ToolError {
  return new ToolError('CANCELLED', 'the call was cancelled');
}

/**
 * ctx.idempotent for one call. Without an idempotency key in `_meta` the work just runs. With one, the first call
 * with (caller, tool, key) runs it and its outcome is stored for the retention window: a result, or a ToolError
 * that retrying cannot change; a repeat gets that outcome without running anything, a repeat while the first
 * still runs waits for it, and a repeat with other arguments is IDEMPOTENCY_CONFLICT. A retryable failure (or an
 * unexpected exception, or cancellation) gives the key up, so the next repeat runs the work again.
 */
export function createIdempotent(options: IdempotentCallOptions): <T>(work: () => Promise<T>) => Promise<T> {
  let used = false;
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (used) throw new Error('ctx.idempotent can be used once per call: put the whole mutation in one function');
    used = true;
    const key = idempotencyKeyOf(options.meta);
    if (key === undefined) return work();
    const { store, log } = options;
    const scope: IdempotencyScope = { service: options.service, caller: options.caller, tool: options.tool, key };
    const fingerprint = argumentsFingerprint(options.args);
    for (let attempt = 0; ; attempt++) {
      if (options.signal.aborted) throw cancelled();
      const claim = await store.claim(scope, fingerprint);
      if (claim.state === 'conflict') {
        throw new ToolError(
          'IDEMPOTENCY_CONFLICT',
          `the idempotency key "${key}" was already used for ${options.tool} with other arguments; send a new key for a different call`,
          { details: { idempotencyKey: key } },
        );
      }
      if (claim.state === 'done') {
        log.info({ idempotency_key: key }, 'repeat of a finished call: its stored outcome is returned, nothing runs');
        const { outcome } = claim;
        if (outcome.kind === 'result') return outcome.value as T;
        throw new ToolError(outcome.error.code as ToolError['code'], outcome.error.message, {
          retryable: outcome.error.retryable,
          ...(outcome.error.details ? { details: outcome.error.details } : {}),
        });
      }
      if (claim.state === 'running') {
        if (attempt === 0) log.info({ idempotency_key: key }, 'repeat of a call still running: waiting for its outcome');
        try {
          await sleep(WAITS_MS[Math.min(attempt, WAITS_MS.length - 1)] as number, options.signal);
        } catch {
          throw cancelled();
        }
        continue;
      }
      return run(work, scope, key);
    }
  };

  async function run<T>(work: () => Promise<T>, scope: IdempotencyScope, key: string): Promise<T> {
    const { store, log } = options;
    const heartbeat = setInterval(
      () => void store.heartbeat(scope).catch((error: unknown) => log.warn({ err: error }, 'idempotency heartbeat failed')),
      Math.max(100, Math.floor(store.staleMs / 3)),
    );
    heartbeat.unref();
    let value: T;
    try {
      value = await work();
    } catch (error) {
      clearInterval(heartbeat);
      if (error instanceof ToolError && !error.retryable && error.code !== 'CANCELLED') {
        await store
          .finish(scope, {
            kind: 'error',
            error: {
              code: error.code,
              message: options.redactor.redactString(error.message),
              retryable: false,
              ...(error.details ? { details: options.redactor.redact(error.details) } : {}),
            },
          })
          .catch((e: unknown) => log.error({ err: e, idempotency_key: key }, 'storing the outcome of an idempotent call failed'));
      } else {
        await store.release(scope).catch(() => {});
      }
      throw error;
    }
    clearInterval(heartbeat);
    // Stored even when the caller went away meanwhile: the mutation happened, and its repeat must not redo it.
    await store
      .finish(scope, { kind: 'result', value: options.redactor.redact(value) })
      .catch((error: unknown) =>
        log.error({ err: error, idempotency_key: key }, 'storing the outcome of an idempotent call failed'),
      );
    return value;
  }
}
