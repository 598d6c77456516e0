import type { RequestContext, ToolContext } from '@switchboard/shared';
import type { CmdbConfig } from './config.ts';
import type { CmdbStore, Mutator } from './store/cmdb-store.ts';

export interface CmdbClients {
  /** The store, once its schema is in place; throws DEPENDENCY_UNAVAILABLE while the database is unreachable. */
  store(): Promise<CmdbStore>;
}

export type CmdbToolContext = ToolContext<CmdbConfig, CmdbClients>;
export type CmdbRequestContext = RequestContext<CmdbConfig, CmdbClients>;

export function mutatorOf(ctx: CmdbRequestContext): Mutator {
  return { actor: ctx.caller.id, correlationId: ctx.correlationId };
}

/**
 * Runs a mutation through ctx.idempotent: a repeat of a call with the same idempotency key (a workflow step sent
 * again after a restart) gets the first call's outcome instead of running twice. A dry run changes nothing, so it
 * runs as it is.
 */
export function mutate<T>(ctx: CmdbToolContext, dryRun: boolean, work: () => Promise<T>): Promise<T> {
  return dryRun ? work() : ctx.idempotent(work);
}
