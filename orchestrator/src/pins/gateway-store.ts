import { type Db, type MigrationSpec, migrate, sqlTypes } from '@switchboard/shared/sql';

/** The pin of one tool as stored: the accepted definition, and the one waiting for review (if any). */
export interface PinRow {
  namespace: string;
  tool: string;
  acceptedHash: string | undefined;
  acceptedDefinition: Record<string, unknown> | undefined;
  acceptedAt: number | undefined;
  acceptedBy: string | undefined;
  pending:
    | {
        hash: string;
        definition: Record<string, unknown>;
        since: number;
        reason: 'changed' | 'suspicious';
        markers: string[];
      }
    | undefined;
  /** Markers found in the accepted definition (flagged in listServices). */
  markers: string[];
}

/** A caller as last seen, so a workflow run acts with its submitter's roles after a restart. */
export interface IdentityRow {
  id: string;
  kind: string;
  claims: Record<string, unknown> | undefined;
  scopes: string[] | undefined;
}

function migrations(db: Db): MigrationSpec {
  const t = sqlTypes(db.dialect);
  return {
    name: 'gateway',
    steps: [
      [
        `CREATE TABLE gateway_tool_pins (
           namespace TEXT NOT NULL, tool TEXT NOT NULL,
           accepted_hash TEXT, accepted_definition TEXT, accepted_at ${t.bigint}, accepted_by TEXT, markers TEXT,
           pending_hash TEXT, pending_definition TEXT, pending_since ${t.bigint}, pending_reason TEXT, pending_markers TEXT,
           PRIMARY KEY (namespace, tool))`,
        `CREATE TABLE gateway_identities (
           id TEXT PRIMARY KEY, kind TEXT NOT NULL, claims TEXT, scopes TEXT, seen_at ${t.bigint} NOT NULL)`,
      ],
    ],
  };
}

interface RawPin {
  namespace: string;
  tool: string;
  accepted_hash: string | null;
  accepted_definition: string | null;
  accepted_at: number | string | null;
  accepted_by: string | null;
  markers: string | null;
  pending_hash: string | null;
  pending_definition: string | null;
  pending_since: number | string | null;
  pending_reason: string | null;
  pending_markers: string | null;
}

const parse = <T>(text: string | null): T | undefined => (text === null ? undefined : (JSON.parse(text) as T));

/**
 * The gateway's own tables, in the workflow store's database (SQLite in the data directory by default, or the
 * PostgreSQL replicas share): tool pins and the identities of callers that started workflow runs.
 */
export class GatewayStore {
  readonly #db: () => Promise<Db>;
  #ready: Promise<Db> | undefined;

  constructor(db: () => Promise<Db>) {
    this.#db = db;
  }

  #open(): Promise<Db> {
    this.#ready ??= this.#db().then(async (db) => {
      await migrate(db, migrations(db));
      return db;
    });
    this.#ready.catch(() => {
      this.#ready = undefined;
    });
    return this.#ready;
  }

  async loadPins(): Promise<PinRow[]> {
    const db = await this.#open();
    const rows = await db.read((q) => q.all<RawPin>('SELECT * FROM gateway_tool_pins'));
    return rows.map((r) => ({
      namespace: r.namespace,
      tool: r.tool,
      acceptedHash: r.accepted_hash ?? undefined,
      acceptedDefinition: parse(r.accepted_definition),
      acceptedAt: r.accepted_at === null ? undefined : Number(r.accepted_at),
      acceptedBy: r.accepted_by ?? undefined,
      markers: parse<string[]>(r.markers) ?? [],
      pending:
        r.pending_hash === null
          ? undefined
          : {
              hash: r.pending_hash,
              definition: parse(r.pending_definition) ?? {},
              since: Number(r.pending_since),
              reason: r.pending_reason === 'suspicious' ? 'suspicious' : 'changed',
              markers: parse<string[]>(r.pending_markers) ?? [],
            },
    }));
  }

  async savePin(pin: PinRow): Promise<void> {
    const db = await this.#open();
    const text = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
    await db.write((q) =>
      q.run(
        `INSERT INTO gateway_tool_pins (namespace, tool, accepted_hash, accepted_definition, accepted_at, accepted_by, markers,
           pending_hash, pending_definition, pending_since, pending_reason, pending_markers)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (namespace, tool) DO UPDATE SET accepted_hash = excluded.accepted_hash,
           accepted_definition = excluded.accepted_definition, accepted_at = excluded.accepted_at,
           accepted_by = excluded.accepted_by, markers = excluded.markers, pending_hash = excluded.pending_hash,
           pending_definition = excluded.pending_definition, pending_since = excluded.pending_since,
           pending_reason = excluded.pending_reason, pending_markers = excluded.pending_markers`,
        [
          pin.namespace,
          pin.tool,
          pin.acceptedHash ?? null,
          text(pin.acceptedDefinition),
          pin.acceptedAt ?? null,
          pin.acceptedBy ?? null,
          text(pin.markers),
          pin.pending?.hash ?? null,
          text(pin.pending?.definition),
          pin.pending?.since ?? null,
          pin.pending?.reason ?? null,
          text(pin.pending?.markers),
        ],
      ),
    );
  }

  async saveIdentity(identity: IdentityRow): Promise<void> {
    const db = await this.#open();
    await db.write((q) =>
      q.run(
        `INSERT INTO gateway_identities (id, kind, claims, scopes, seen_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, claims = excluded.claims, scopes = excluded.scopes,
           seen_at = excluded.seen_at`,
        [
          identity.id,
          identity.kind,
          identity.claims ? JSON.stringify(identity.claims) : null,
          identity.scopes ? JSON.stringify(identity.scopes) : null,
          Date.now(),
        ],
      ),
    );
  }

  async loadIdentity(id: string): Promise<IdentityRow | undefined> {
    const db = await this.#open();
    const row = await db.read((q) =>
      q.get<{ id: string; kind: string; claims: string | null; scopes: string | null }>(
        'SELECT id, kind, claims, scopes FROM gateway_identities WHERE id = ?',
        [id],
      ),
    );
    if (!row) return undefined;
    return { id: row.id, kind: row.kind, claims: parse(row.claims), scopes: parse(row.scopes) };
  }
}
