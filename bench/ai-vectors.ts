/**
 * pnpm bench:ai: the embedded vector store of ai-models (SQLite, lexical embedder) over 10,000 documents against a
 * real ai-models process: upsertDocuments in documents/s (batches of 500), then searchSimilar and hybridSearch calls/s
 * at concurrency 1 and 8, each printed with the ratio to bench/baseline.json where it has an entry.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnService } from '@switchboard/shared/testing';
import { type Measurement, measure, readBaseline, report } from './lib/measure.ts';
import { RawMcpClient } from './lib/raw-mcp-client.ts';

const AI = fileURLToPath(new URL('../services/ai-models/src/main.ts', import.meta.url));
const BASELINE = fileURLToPath(new URL('./baseline.json', import.meta.url));
const DOCUMENTS = 10_000;
const BATCH = 500;
const CALLS = Number(process.env.BENCH_CALLS ?? 600);
const TOPICS = [
  'postgres failover',
  'kubernetes pod restarts',
  'tls certificate renewal',
  'disk full on host',
  'dns resolution',
  'kafka lag',
];
const WORDS =
  'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda sigma omega network latency queue replica shard index cache'.split(
    ' ',
  );

function documentText(i: number): string {
  const words = Array.from({ length: 40 }, (_, j) => WORDS[(i * 7 + j * 13) % WORDS.length]).join(' ');
  return `Runbook ${i}: ${TOPICS[i % TOPICS.length]} on service-${i % 97}. ${words}.`;
}

const dir = mkdtempSync(join(tmpdir(), 'bench-ai-'));
const proc = await spawnService(AI, {
  env: { PORT: '0', SWITCHBOARD_AUTH: 'none', SWITCHBOARD_RATE_LIMIT: '0', SWITCHBOARD_DATA_DIR: dir },
  timeoutMs: 30_000,
});
const results: Record<string, Measurement> = {};
try {
  const client = await RawMcpClient.connect(`${proc.url}/mcp`);
  const check = (r: { isError?: boolean; structuredContent?: unknown }) => {
    if (r.isError) throw new Error(JSON.stringify(r.structuredContent));
  };
  check(await client.callTool('createCollection', { name: 'bench' }));
  const started = performance.now();
  const latencies: number[] = [];
  for (let from = 0; from < DOCUMENTS; from += BATCH) {
    const documents = Array.from({ length: BATCH }, (_, k) => ({
      id: `doc-${from + k}`,
      text: documentText(from + k),
      metadata: { team: `t${(from + k) % 5}` },
    }));
    const t = performance.now();
    check(await client.callTool('upsertDocuments', { collection: 'bench', documents }));
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  results['ai.upsertDocuments.embedded.docs'] = {
    callsPerSecond: DOCUMENTS / seconds,
    p50Ms: latencies[Math.floor(latencies.length / 2)] ?? 0,
    p99Ms: latencies.at(-1) ?? 0,
  };
  for (const tool of ['searchSimilar', 'hybridSearch']) {
    for (const concurrency of [1, 8]) {
      results[`ai.${tool}.embedded.c${concurrency}`] = await measure({
        concurrency,
        calls: CALLS,
        warmup: 50,
        call: async (i) =>
          check(
            await client.callTool(tool, {
              collection: 'bench',
              query: `${TOPICS[i % TOPICS.length]} service-${i % 97}`,
              topK: 5,
              ...(i % 2 ? { filter: { team: 't1' } } : {}),
            }),
          ),
      });
    }
  }
  await client.close();
} finally {
  await proc.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  `ai-models embedded store, ${DOCUMENTS} documents (lexical-v1, 512 dimensions, exact search); upsert row: documents/s`,
);
report(results, readBaseline(BASELINE));
