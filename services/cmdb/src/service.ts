import { defineService } from '@switchboard/shared';
import { cmdbConfig } from './config.ts';
import type { CmdbClients } from './context.ts';
import { ciResource } from './resources/ci-resource.ts';
import { openStore } from './store/open-store.ts';
import { addRelationship } from './tools/add-relationship.ts';
import { deleteItem } from './tools/delete-item.ts';
import { getChangelog } from './tools/get-changelog.ts';
import { getImpact } from './tools/get-impact.ts';
import { getItem } from './tools/get-item.ts';
import { importCsv } from './tools/import-csv.ts';
import { removeRelationship } from './tools/remove-relationship.ts';
import { searchItems } from './tools/search-items.ts';
import { upsertItem } from './tools/upsert-item.ts';

export const cmdbService = defineService({
  name: 'cmdb',
  version: '0.1.0',
  title: 'Switchboard CMDB',
  instructions:
    'Configuration items (hosts, services, databases, clusters) and their relationships. Use searchItems with filters and fields to find CIs, getImpact for blast radius, getChangelog for history.',
  defaultPort: 8012,
  config: cmdbConfig,
  setup: async ({ config, log, redactor }) => {
    const { db, store } = await openStore({ config, log, redactor });
    const clients: CmdbClients = { store };
    return {
      clients,
      // The kit keeps ctx.idempotent's records in cmdb's own database (shared by replicas on PostgreSQL).
      db,
      ready: {
        database: async () => {
          await db.ping();
          await store();
        },
      },
      close: () => db.close(),
    };
  },
  tools: [searchItems, getItem, upsertItem, deleteItem, addRelationship, removeRelationship, getImpact, importCsv, getChangelog],
  resources: [ciResource],
});
