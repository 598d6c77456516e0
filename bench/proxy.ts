/**
 * pnpm bench:proxy — tools/call through the orchestrator's /mcp against the same upstream directly, through the npm
 * gateway mcp-hub as the peer to beat, and through a bare TCP pipe as the floor (the least any proxy costs here).
 * Same upstream (a stock SDK echo server), same clients (raw JSON-RPC over undici, and the SDK client), concurrency
 * 1, 8 and 32, every configuration alternated in random order over several rounds; prints calls/s, p50, p99,
 * ratios, and the CPU milliseconds per call of the upstream and of the proxy (process CPU time over the run, from
 * /proc). Within a round the targets take turns in short slices, so each ratio to direct compares calls made over
 * the same seconds; the printed ratio is the median over rounds. `--pinned` puts upstream and proxy on core 0 and
 * the client on core 1. `BENCH_BASELINE_ORCHESTRATOR=<path to another checkout's orchestrator/src/main.ts>` adds that
 * orchestrator as one more target (`baseline`), taking turns with this one over the same seconds, and prints this
 * orchestrator's throughput and CPU per call against it: a before/after comparison that the machine's drift cannot
 * decide.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { measure, runCalls, Tally } from './lib/measure.ts';
import { freePort, startNode } from './lib/processes.ts';
import { RawMcpClient } from './lib/raw-mcp-client.ts';
import { RawSseClient } from './lib/raw-sse-client.ts';

const pinned = process.argv.includes('--pinned');
const CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SLICES = Number(process.env.BENCH_SLICES ?? 6);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 6000);
const CONCURRENCY = [1, 8, 32];
const ECHO = fileURLToPath(new URL('./fixtures/echo-server.ts', import.meta.url));
const TCP_PIPE = fileURLToPath(new URL('./fixtures/tcp-pipe.ts', import.meta.url));
const ORCHESTRATOR = fileURLToPath(new URL('../orchestrator/src/main.ts', import.meta.url));
const MCP_HUB = fileURLToPath(import.meta.resolve('mcp-hub/package.json')).replace(/package\.json$/, 'dist/cli.js');
const BASELINE = process.env.BENCH_BASELINE_ORCHESTRATOR;
const start = (args: string[], env: Record<string, string>, ready: RegExp) =>
  startNode(args, env, ready, pinned ? { cpus: '0' } : {});
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim() || 100);

/**
 * CPU milliseconds a process has used, all its threads: the scheduler's nanosecond run time of each thread
 * (/proc/<pid>/task/<tid>/sched, what process.cpuUsage() reports inside the process), or where the kernel does not
 * publish it, /proc/<pid>/stat's user+system clock ticks (10 ms steps: a few percent of a sample).
 */
function cpuMs(pid: number): number {
  try {
    let total = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const match = /se\.sum_exec_runtime\s*:\s*([\d.]+)/.exec(readFileSync(`/proc/${pid}/task/${tid}/sched`, 'utf8'));
      if (!match) throw new Error('no sum_exec_runtime');
      total += Number(match[1]);
    }
    return total;
  } catch {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  }
}

const TARGET_NAMES = ['direct', 'orchestrator', 'baseline', 'mcp-hub', 'tcp-pipe'] as const;
type TargetName = (typeof TARGET_NAMES)[number];

interface Target {
  name: TargetName;
  url: string;
  tool: string;
  proxyPid?: number;
  /** mcp-hub 4.2 serves MCP over the legacy HTTP+SSE transport only. */
  legacySse?: boolean;
}

type Caller = { call(i: number): Promise<void>; close(): Promise<void> };

async function rawCaller(target: Target): Promise<Caller> {
  const client = target.legacySse ? await RawSseClient.connect(target.url) : await RawMcpClient.connect(target.url, {}, 64);
  return {
    call: async (i) => {
      const result = await client.callTool(target.tool, { message: `m${i}` });
      if (result.isError) throw new Error(JSON.stringify(result));
    },
    close: () => client.close(),
  };
}

async function sdkCaller(target: Target): Promise<Caller> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(
    target.legacySse ? new SSEClientTransport(new URL(target.url)) : new StreamableHTTPClientTransport(new URL(target.url)),
  );
  return {
    call: async (i) => {
      const result = await client.callTool({ name: target.tool, arguments: { message: `m${i}` } });
      if (result.isError) throw new Error(JSON.stringify(result));
    },
    close: () => client.close(),
  };
}

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

async function main() {
  if (pinned) spawnSync('taskset', ['-cp', '1', String(process.pid)]);
  const dir = join(tmpdir(), `bench-proxy-${process.pid}`);
  spawnSync('mkdir', ['-p', dir]);
  const echoPort = await freePort();
  const upstream = await start([ECHO], { PORT: String(echoPort) }, /listening/);
  const upstreamUrl = `http://127.0.0.1:${echoPort}/mcp`;
  const orchPort = await freePort();
  writeFileSync(join(dir, 'orchestrator.yaml'), `upstreams:\n  - name: echo\n    namespace: echo\n    url: ${upstreamUrl}\n`);
  // Each orchestrator keeps its stores (workflow runs, tool pins, the audit trail it writes per call) in the run's dir.
  const orchestratorEnv = (port: number, data: string) => ({
    PORT: String(port),
    SWITCHBOARD_AUTH: 'none',
    SWITCHBOARD_RATE_LIMIT: '0',
    SWITCHBOARD_CONFIG: join(dir, 'orchestrator.yaml'),
    SWITCHBOARD_DATA_DIR: join(dir, data),
  });
  const orchestrator = await start([ORCHESTRATOR], orchestratorEnv(orchPort, 'data'), /"state":"up"/);
  const basePort = await freePort();
  const baseline = BASELINE ? await start([BASELINE], orchestratorEnv(basePort, 'data-baseline'), /"state":"up"/) : undefined;
  const hubPort = await freePort();
  writeFileSync(join(dir, 'mcp-hub.json'), JSON.stringify({ mcpServers: { echo: { url: upstreamUrl } } }));
  const hub = await start(
    [MCP_HUB, '--port', String(hubPort), '--config', join(dir, 'mcp-hub.json')],
    {},
    /servers started successfully/,
  );
  const pipePort = await freePort();
  const pipe = await start([TCP_PIPE], { PORT: String(pipePort), UPSTREAM_PORT: String(echoPort) }, /listening/);
  await new Promise((r) => setTimeout(r, 1500));

  const targets: Target[] = [
    { name: 'direct', url: upstreamUrl, tool: 'echo' },
    { name: 'orchestrator', url: `http://127.0.0.1:${orchPort}/mcp`, tool: 'echo.echo', proxyPid: orchestrator.pid as number },
    ...(baseline
      ? [
          {
            name: 'baseline' as const,
            url: `http://127.0.0.1:${basePort}/mcp`,
            tool: 'echo.echo',
            proxyPid: baseline.pid as number,
          },
        ]
      : []),
    { name: 'mcp-hub', url: `http://127.0.0.1:${hubPort}/mcp`, tool: 'echo__echo', proxyPid: hub.pid as number, legacySse: true },
    { name: 'tcp-pipe', url: `http://127.0.0.1:${pipePort}/mcp`, tool: 'echo', proxyPid: pipe.pid as number },
  ];
  // Under taskset (--pinned) a child is taskset until it execs node, under the same pid: by now it has.
  const upstreamPid = upstream.pid as number;

  const callers = new Map<string, Caller>();
  const callerOf = (target: Target, kind: 'raw' | 'sdk') => callers.get(`${target.name}/${kind}`) as Caller;
  for (const target of targets) {
    for (const kind of ['raw', 'sdk'] as const) {
      const caller = kind === 'raw' ? await rawCaller(target) : await sdkCaller(target);
      callers.set(`${target.name}/${kind}`, caller);
    }
    process.stderr.write(`warming ${target.name} (${WARMUP} calls)...\n`);
    await measure({ concurrency: 8, calls: WARMUP, warmup: 0, call: callerOf(target, 'raw').call });
    await measure({ concurrency: 8, calls: 1000, warmup: 0, call: callerOf(target, 'sdk').call });
  }

  /** One target's calls in one block, summed over its slices. */
  type BlockTally = { tally: Tally; upstreamMs: number; proxyMs: number };
  type Sample = { cps: number; p50: number; p99: number; upstreamCpu: number; proxyCpu: number };
  const samples = new Map<string, Sample[]>();
  /** Per round, each proxy's calls/s and p50 against the direct calls of the same block (sliced between them). */
  const paired = new Map<string, { ratio: number; addedP50: number }[]>();
  const blocks = (['raw', 'sdk'] as const).flatMap((kind) => CONCURRENCY.map((c) => ({ kind, c })));
  for (let round = 1; round <= ROUNDS; round++) {
    // One block per client and concurrency, blocks in random order. Inside a block every target runs the same
    // number of calls in SLICES slices, the targets taking turns slice by slice (a random order, then reversed,
    // then again), so each proxy is measured over the same seconds as the direct calls it is compared with: this
    // machine's speed drifts by up to 2x within a minute, which decides a comparison of runs even seconds apart.
    for (const { kind, c } of shuffled(blocks)) {
      const order = shuffled(targets);
      const tallies = new Map<string, BlockTally>(order.map((t) => [t.name, { tally: new Tally(), upstreamMs: 0, proxyMs: 0 }]));
      const calls = Math.ceil(CALLS / SLICES);
      for (const t of order) await runCalls({ concurrency: c, calls: 200, call: callerOf(t, kind).call });
      for (let slice = 0; slice < SLICES; slice++) {
        for (const t of slice % 2 === 0 ? order : [...order].reverse()) {
          const entry = tallies.get(t.name) as BlockTally;
          const up0 = cpuMs(upstreamPid);
          const px0 = t.proxyPid ? cpuMs(t.proxyPid) : 0;
          const call = callerOf(t, kind).call;
          entry.tally.add(calls, await runCalls({ concurrency: c, calls, call, latencies: entry.tally.latencies }));
          entry.upstreamMs += cpuMs(upstreamPid) - up0;
          entry.proxyMs += t.proxyPid ? cpuMs(t.proxyPid) - px0 : 0;
        }
      }
      const block = new Map<string, Sample>();
      for (const [name, { tally, upstreamMs, proxyMs }] of tallies) {
        const m = tally.result();
        const sample = {
          cps: m.callsPerSecond,
          p50: m.p50Ms,
          p99: m.p99Ms,
          upstreamCpu: upstreamMs / tally.calls,
          proxyCpu: proxyMs / tally.calls,
        };
        block.set(name, sample);
        const key = `${name}/${kind}/${c}`;
        samples.set(key, [...(samples.get(key) ?? []), sample]);
      }
      const direct = block.get('direct') as Sample;
      for (const [name, sample] of block) {
        const key = `${name}/${kind}/${c}`;
        const pair = { ratio: sample.cps / direct.cps, addedP50: sample.p50 - direct.p50 };
        paired.set(key, [...(paired.get(key) ?? []), pair]);
      }
    }
    process.stderr.write(`round ${round}/${ROUNDS} done\n`);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const stat = (key: string, field: keyof Sample) => median((samples.get(key) ?? []).map((s) => s[field]));
  const vsDirect = (key: string) => median((paired.get(key) ?? []).map((p) => p.ratio));
  const addedP50Of = (key: string) => median((paired.get(key) ?? []).map((p) => p.addedP50));
  /** The proxy's CPU over the upstream's, both from the same run. */
  const cpuRatioOf = (key: string) => median((samples.get(key) ?? []).map((s) => s.proxyCpu / s.upstreamCpu));

  const rows = [];
  for (const kind of ['raw', 'sdk'] as const) {
    for (const c of CONCURRENCY) {
      for (const name of TARGET_NAMES.filter((n) => targets.some((t) => t.name === n))) {
        const k = `${name}/${kind}/${c}`;
        rows.push({
          client: kind,
          c,
          target: name,
          'calls/s': Math.round(stat(k, 'cps')),
          'p50 ms': stat(k, 'p50').toFixed(2),
          'p99 ms': stat(k, 'p99').toFixed(2),
          'vs direct': vsDirect(k).toFixed(2),
          'upstream cpu ms/call': stat(k, 'upstreamCpu').toFixed(3),
          'proxy cpu ms/call': name === 'direct' ? '-' : stat(k, 'proxyCpu').toFixed(3),
          'proxy/upstream cpu': name === 'direct' ? '-' : cpuRatioOf(k).toFixed(2),
        });
      }
    }
  }
  console.log(
    `\nproxy benchmark (${pinned ? 'pinned: upstream and proxy on core 0, client on core 1' : 'unpinned'}; ${ROUNDS} rounds x ${CALLS} calls; medians, 'vs direct' and ratios paired within a round)`,
  );
  console.table(rows);

  const cpuRatio = median(CONCURRENCY.map((c) => cpuRatioOf(`orchestrator/raw/${c}`)));
  const addedP50 = addedP50Of('orchestrator/raw/1');
  const keep32 = vsDirect('orchestrator/raw/32');
  const keep32ByRound = (paired.get('orchestrator/raw/32') ?? []).map((p) => p.ratio);
  const floor32 = vsDirect('tcp-pipe/raw/32');
  const floor32ByRound = (paired.get('tcp-pipe/raw/32') ?? []).map((p) => p.ratio);
  const percents = (ratios: number[]) => ratios.map((r) => `${(r * 100).toFixed(0)}%`).join(' ');
  const hubCpu = median(CONCURRENCY.map((c) => cpuRatioOf(`mcp-hub/raw/${c}`)));
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  console.log('targets (raw client):');
  console.log(
    `  orchestrator CPU per call / upstream CPU per call = ${cpuRatio.toFixed(2)} (target <= 1.00) ${verdict(cpuRatio <= 1)}   [mcp-hub: ${hubCpu.toFixed(2)}]`,
  );
  console.log(`  added p50 at concurrency 1 = ${addedP50.toFixed(2)} ms (target < 1 ms) ${verdict(addedP50 < 1)}`);
  if (!pinned) {
    console.log(
      `  throughput kept at concurrency 32 = ${(keep32 * 100).toFixed(0)}% of direct (target >= 60%) ${verdict(keep32 >= 0.6)}   [rounds: ${percents(keep32ByRound)}]`,
    );
    console.log(
      `  floor: a bare TCP pipe (no parsing) keeps ${(floor32 * 100).toFixed(0)}% at concurrency 32   [rounds: ${percents(floor32ByRound)}]`,
    );
  }
  // This orchestrator against the baseline one: paired within each block (same seconds), medians over rounds.
  const versusBaseline = baseline
    ? (['raw', 'sdk'] as const).flatMap((kind) =>
        CONCURRENCY.map((c) => {
          const mine = samples.get(`orchestrator/${kind}/${c}`) ?? [];
          const base = samples.get(`baseline/${kind}/${c}`) ?? [];
          return {
            client: kind,
            c,
            'calls/s ratio': median(mine.map((s, i) => s.cps / (base[i]?.cps ?? Number.NaN))).toFixed(2),
            'cpu ms/call ratio': median(mine.map((s, i) => s.proxyCpu / (base[i]?.proxyCpu ?? Number.NaN))).toFixed(2),
            'cpu ratio (this)': cpuRatioOf(`orchestrator/${kind}/${c}`).toFixed(2),
            'cpu ratio (baseline)': cpuRatioOf(`baseline/${kind}/${c}`).toFixed(2),
          };
        }),
      )
    : [];
  if (baseline) {
    console.log(`this orchestrator against the baseline (${BASELINE}), paired per block:`);
    console.table(versusBaseline);
  }
  const out = fileURLToPath(new URL(`./results/proxy-${pinned ? 'pinned' : 'unpinned'}.json`, import.meta.url));
  spawnSync('mkdir', ['-p', fileURLToPath(new URL('./results', import.meta.url))]);
  const summary = {
    pinned,
    calls: CALLS,
    rounds: ROUNDS,
    rows,
    cpuRatio,
    addedP50,
    keep32,
    keep32ByRound,
    floor32,
    floor32ByRound,
    ...(baseline ? { baseline: BASELINE, versusBaseline } : {}),
  };
  writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);

  for (const caller of callers.values()) await caller.close().catch(() => {});
  for (const child of [pipe, hub, orchestrator, baseline, upstream]) child?.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  spawnSync('rm', ['-rf', dir]);
}

await main();
process.exit(0);
