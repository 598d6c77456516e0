import { defineConfig, envInt, z } from '@switchboard/shared';

/** cmdb's own settings; the kit's (port, auth, limits, SWITCHBOARD_DATA_DIR, SWITCHBOARD_READ_ONLY) come on top. */
export const cmdbConfig = defineConfig({
  schema: z.object({
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional()
      .describe('PostgreSQL connection URL; SQLite under the data directory when unset'),
    sqliteFile: z.string().min(1).optional().describe('SQLite file; default <dataDir>/cmdb.sqlite'),
    poolSize: envInt({ min: 1, max: 200 }).default(10),
    maxImpactDepth: envInt({ min: 1, max: 50 }).default(10),
  }),
  env: {
    databaseUrl: 'CMDB_DATABASE_URL',
    sqliteFile: 'CMDB_SQLITE_FILE',
    poolSize: 'CMDB_POOL_SIZE',
    maxImpactDepth: 'CMDB_MAX_IMPACT_DEPTH',
  },
});

export type CmdbConfig = z.infer<typeof cmdbConfig.schema>;
