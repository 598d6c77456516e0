import { type Dialect, type MigrationSpec, sqlTypes } from '@switchboard/shared/sql';

/** Schema migrations, applied in order once each; the same tables on both dialects. */
function steps(dialect: Dialect): string[][] {
  const postgres = dialect === 'postgres';
  const serial = sqlTypes(dialect).autoId;
  const json = postgres ? "JSONB NOT NULL DEFAULT '{}'::jsonb" : "TEXT NOT NULL DEFAULT '{}'";
  return [
    [
      `CREATE TABLE ci (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        name TEXT NOT NULL,
        environment TEXT,
        owner TEXT,
        tags TEXT NOT NULL DEFAULT '[]',
        attributes ${json},
        search_text TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        UNIQUE (type, name)
      )`,
      'CREATE INDEX ci_environment ON ci (environment, type, name)',
      'CREATE INDEX ci_name ON ci (name)',
      ...(postgres ? ['CREATE INDEX ci_attributes ON ci USING gin (attributes jsonb_path_ops)'] : []),
      `CREATE TABLE ci_tag (
        ci_id TEXT NOT NULL REFERENCES ci (id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY (ci_id, tag)
      )`,
      'CREATE INDEX ci_tag_tag ON ci_tag (tag)',
      `CREATE TABLE relationship (
        source_id TEXT NOT NULL REFERENCES ci (id),
        type TEXT NOT NULL,
        target_id TEXT NOT NULL REFERENCES ci (id),
        created_at TEXT NOT NULL,
        PRIMARY KEY (source_id, type, target_id)
      )`,
      'CREATE INDEX relationship_target ON relationship (target_id)',
      `CREATE TABLE changelog (
        seq ${serial},
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        correlation_id TEXT,
        action TEXT NOT NULL,
        ci_id TEXT,
        ci_type TEXT,
        ci_name TEXT,
        before_json TEXT,
        after_json TEXT
      )`,
      'CREATE INDEX changelog_ci ON changelog (ci_id, seq)',
    ],
  ];
}

/**
 * Indexes that need an extension: a trigram index makes free-text search fast on PostgreSQL. Optional: when the
 * role may not create pg_trgm, search still works by scanning.
 */
function optionalIndexes(dialect: Dialect): string[] {
  return dialect === 'postgres'
    ? [
        'CREATE EXTENSION IF NOT EXISTS pg_trgm',
        'CREATE INDEX IF NOT EXISTS ci_search_trgm ON ci USING gin (search_text gin_trgm_ops)',
      ]
    : [];
}

/** cmdb's schema (versions in `cmdb_schema_version`) for the shared migrator. */
export function cmdbMigrations(dialect: Dialect, onOptionalFailure?: (statement: string, error: unknown) => void): MigrationSpec {
  return {
    name: 'cmdb',
    steps: steps(dialect),
    optional: optionalIndexes(dialect),
    ...(onOptionalFailure ? { onOptionalFailure } : {}),
  };
}
