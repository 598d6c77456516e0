import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { connectInMemory, type TestClient } from '@switchboard/shared/testing';
import { lexicalVector } from '../src/embeddings/lexical-embedder.ts';
import { aiModelsService } from '../src/service.ts';
import { chunkText } from '../src/vectors/chunk.ts';
import { type QdrantFixture, startQdrantFixture } from './fixtures/qdrant-fixture.ts';
import { errorOf, type Json, structured } from './support.ts';

const CORPUS = [
  {
    id: 'pg-failover',
    text: 'PostgreSQL primary failover: promote the replica with pg_ctl promote and repoint the connection pooler.',
    metadata: { team: 'db', kind: 'runbook' },
  },
  {
    id: 'pg-vacuum',
    text: 'Autovacuum falls behind on large PostgreSQL tables; raise autovacuum workers and check for long transactions.',
    metadata: { team: 'db', kind: 'note' },
  },
  {
    id: 'k8s-crashloop',
    text: 'A pod in CrashLoopBackOff: read the previous container logs, check the liveness probe and resource limits.',
    metadata: { team: 'platform', kind: 'runbook' },
  },
  {
    id: 'dns',
    text: 'DNS resolution fails inside the cluster when CoreDNS pods are not ready; restart CoreDNS and check upstream resolvers.',
    metadata: { team: 'platform', kind: 'runbook' },
  },
  {
    id: 'tls',
    text: 'Certificate expired on the ingress: renew it with cert-manager and verify the TLS secret was rotated.',
    metadata: { team: 'security', kind: 'runbook' },
  },
  {
    id: 'disk',
    text: 'Disk full on a host: find large files with du, rotate logs, and extend the volume.',
    metadata: { team: 'ops', kind: 'runbook' },
  },
];

describe('lexical embedder', () => {
  test('is deterministic, unit length, and closer for shared words than for unrelated text', () => {
    const a = lexicalVector('restart the CoreDNS pods', 256);
    expect(Array.from(a)).toEqual(Array.from(lexicalVector('restart the CoreDNS pods', 256)));
    expect(Math.hypot(...a)).toBeCloseTo(1, 5);
    const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * (y[i] as number), 0);
    expect(dot(a, lexicalVector('CoreDNS pods need a restart', 256))).toBeGreaterThan(
      dot(a, lexicalVector('invoice totals for march', 256)) + 0.3,
    );
    // Accents and case fold; character trigrams catch near spellings.
    expect(dot(lexicalVector('Résumé', 64), lexicalVector('resume', 64))).toBeCloseTo(1, 5);
    expect(dot(lexicalVector('postgresql', 256), lexicalVector('postgres', 256))).toBeGreaterThan(0.3);
    expect(Array.from(lexicalVector('', 16))).toEqual(Array(16).fill(0));
  });

  test('chunking cuts at paragraph and sentence breaks under the limit', () => {
    const text = `${'First sentence here. '.repeat(10)}\n\n${'Second paragraph words. '.repeat(10)}`;
    const chunks = chunkText(text, 250);
    expect(chunks.every((c) => c.length <= 250)).toBe(true);
    expect(chunks.join(' ').replace(/\s+/g, ' ')).toBe(text.trim().replace(/\s+/g, ' '));
    expect(chunkText('short', 100)).toEqual(['short']);
  });
});

describe.each([
  ['the embedded store (SQLite)', false],
  ['Qdrant (REST fixture)', true],
])('search tools on %s', (_name, qdrant) => {
  let client: TestClient;
  let fixture: QdrantFixture | undefined;
  const call = async (name: string, args: Json) => client.callTool({ name, arguments: args });

  beforeAll(async () => {
    fixture = qdrant ? await startQdrantFixture() : undefined;
    client = await connectInMemory(aiModelsService, {
      config: { databaseUrl: 'sqlite::memory:', ...(fixture ? { vectorStore: 'qdrant', qdrantUrl: fixture.url } : {}) },
    });
    expect(structured(await call('createCollection', { name: 'runbooks' }))).toMatchObject({
      collection: { name: 'runbooks', dimension: 512, distance: 'cosine', embeddingModel: 'lexical-v1', points: 0 },
      store: qdrant ? 'qdrant' : 'embedded',
    });
    const upserted = structured(await call('upsertDocuments', { collection: 'runbooks', documents: CORPUS }));
    expect(upserted).toMatchObject({ documents: 6, chunks: 6, embeddingModel: 'lexical-v1' });
  });

  afterAll(async () => {
    await client?.close();
    await fixture?.close();
  });

  test('searchSimilar returns the right documents for a seeded corpus', async () => {
    const expectations: [string, string][] = [
      ['how do I promote a PostgreSQL replica after the primary failed', 'pg-failover'],
      ['pod keeps restarting in CrashLoopBackOff', 'k8s-crashloop'],
      ['CoreDNS resolution broken in the cluster', 'dns'],
      ['the TLS certificate on the ingress expired', 'tls'],
      ['host disk is full of logs', 'disk'],
    ];
    for (const [query, expected] of expectations) {
      const out = structured(await call('searchSimilar', { collection: 'runbooks', query, topK: 3 }));
      expect(out.semantic).toBe(false);
      expect(out.hits[0].docId).toBe(expected);
    }
  });

  test('a metadata filter and a score threshold narrow the results', async () => {
    const filtered = structured(
      await call('searchSimilar', { collection: 'runbooks', query: 'PostgreSQL', topK: 5, filter: { team: 'db', kind: 'note' } }),
    );
    expect(filtered.hits.map((h: Json) => h.docId)).toEqual(['pg-vacuum']);
    const strict = structured(
      await call('searchSimilar', { collection: 'runbooks', query: 'PostgreSQL replica failover', topK: 5, scoreThreshold: 0.3 }),
    );
    expect(strict.hits.map((h: Json) => h.docId)).toEqual(['pg-failover']);
  });

  test('hybridSearch finds an exact identifier and honours the filter', async () => {
    const out = structured(await call('hybridSearch', { collection: 'runbooks', query: 'cert-manager', topK: 2 }));
    expect(out.fusion).toBe('rrf');
    expect(out.hits[0].docId).toBe('tls');
    const platform = structured(
      await call('hybridSearch', { collection: 'runbooks', query: 'restart pods', topK: 5, filter: { team: 'platform' } }),
    );
    expect(platform.hits.map((h: Json) => h.docId).sort()).toEqual(['dns', 'k8s-crashloop']);
  });

  test('replacing, deleting documents and collections; listCollections pages', async () => {
    await call('upsertDocuments', {
      collection: 'runbooks',
      documents: [{ id: 'disk', text: 'Disk replaced: inode exhaustion, clear tmp.', metadata: { team: 'ops' } }],
    });
    const hit = structured(await call('searchSimilar', { collection: 'runbooks', query: 'inode exhaustion', topK: 1 }));
    expect(hit.hits[0]).toMatchObject({ docId: 'disk', text: 'Disk replaced: inode exhaustion, clear tmp.' });
    expect(
      structured(await call('deleteDocuments', { collection: 'runbooks', filter: { team: 'security' } })).chunksRemoved,
    ).toBe(1);
    expect(errorOf(await call('deleteDocuments', { collection: 'runbooks' })).code).toBe('INVALID_ARGUMENT');
    await call('createCollection', { name: 'scratch', distance: 'dot' });
    expect(errorOf(await call('createCollection', { name: 'scratch' })).code).toBe('CONFLICT');
    const page = structured(await call('listCollections', { limit: 1 }));
    expect(page).toMatchObject({ total: 2, items: [{ name: 'runbooks', points: 5 }] });
    const next = structured(await call('listCollections', { limit: 1, cursor: page.nextCursor }));
    expect(next.items.map((c: Json) => c.name)).toEqual(['scratch']);
    expect(structured(await call('deleteCollection', { name: 'scratch' }))).toMatchObject({ deleted: true });
    expect(errorOf(await call('searchSimilar', { collection: 'scratch', query: 'x' })).code).toBe('NOT_FOUND');
  });
});
