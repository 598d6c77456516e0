import type { KitConfig } from '../config/kit-config.ts';
import type { Redactor } from '../logging/redactor.ts';
import { openDb } from '../sql/open-db.ts';
import type { Db } from '../sql/types.ts';

/**
 * The database of a process's idempotency records when it has none of its own: SWITCHBOARD_IDEMPOTENCY_DATABASE_URL,
 * else `<dataDir>/<name>-idempotency.sqlite`, opened on first use (a failure is retried on the next) and closed
 * by `close`.
 */
export function lazyKitDb(
  config: Pick<KitConfig, 'idempotencyDatabaseUrl' | 'dataDir'>,
  name: string,
  redactor: Redactor,
): { db(): Promise<Db>; close(): Promise<void> } {
  let opened: Promise<Db> | undefined;
  return {
    db() {
      opened ??= openDb({
        url: config.idempotencyDatabaseUrl,
        dataDir: config.dataDir,
        defaultFile: `${name}-idempotency.sqlite`,
        redactor,
      }).catch((error: unknown) => {
        opened = undefined;
        throw error;
      });
      return opened;
    },
    async close() {
      const own = opened;
      opened = undefined;
      if (own) await (await own.catch(() => undefined))?.close();
    },
  };
}
