import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { sleep } from '@switchboard/shared';
import { parse, stringify } from 'yaml';
import { read, repoPath } from './deployment-support.ts';
import { dashboardExpressions, exportedLabelNames, exportedMetricNames, metricNamesOf } from './monitoring-support.ts';

/**
 * The local stack as a new user starts it: `pnpm start` on a fresh data directory (moved to free ports with
 * SWITCHBOARD_BASE_PORT), then the real Prometheus server (Debian package prometheus) with monitoring/prometheus.yml,
 * its rules, and monitoring/targets/local.yml shifted to those ports. What the processes export is read from their
 * real /metrics, so the dashboard and the rules are checked against what exists today, and against new metrics
 * as services add them.
 */
const tmp = mkdtempSync(join(tmpdir(), 'sb-monitoring-live-'));
// As a checkout's .data would be: linux-cli's sandbox user must be able to reach its workspace under it.
chmodSync(tmp, 0o755);
const children: ChildProcess[] = [];
let base = 0;
let promUrl = '';
let client: Client | undefined;
const output: string[] = [];

type Target = { app: string; url: string };
const localTargets = (parse(read('monitoring/targets/local.yml')) as { targets: string[]; labels: { app: string } }[]).flatMap(
  (g) => g.targets.map((t) => ({ app: g.labels.app, port: Number(t.split(':')[1]) })),
);
let targets: Target[] = [];
const scrapes = new Map<string, string>();

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port whose whole range (base .. base+16) and one more for Prometheus are free. */
async function freeRange(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = 20000 + Math.floor(Math.random() * 400) * 100;
    const ports = [...Array.from({ length: 18 }, (_, i) => candidate + i), candidate + 90];
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return candidate;
  }
  throw new Error('no free port range');
}

/** Starts a command in its own process group (so stopping it stops everything it started). */
function start(command: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(command, args, { cwd: repoPath('.'), env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      output.push(chunk);
      if (output.length > 400) output.shift();
    });
  }
  children.push(child);
  return child;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(250);
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms (${String(last)}):\n${output.join('').slice(-4000)}`);
}

async function promQuery(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as { status: string; error?: string; data: { result: any[] } };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}

beforeAll(async () => {
  base = await freeRange();
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp, LOG_LEVEL: 'warn' };
  start('pnpm', ['start'], { ...env, SWITCHBOARD_BASE_PORT: String(base), SWITCHBOARD_DATA_DIR: join(tmp, 'data') });
  targets = localTargets.map((t) => ({ app: t.app, url: `http://127.0.0.1:${t.port - 8000 + base}` }));
}, 30_000);

afterAll(async () => {
  await client?.close().catch(() => {});
  for (const child of children.reverse()) {
    if (child.exitCode !== null || child.pid === undefined) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
    clearTimeout(timer);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }
  rmSync(tmp, { recursive: true, force: true });
}, 30_000);

describe('the local stack under Prometheus', () => {
  test('`health` is ok after `pnpm start` on a fresh data directory: every upstream orchestrator.yaml lists is up', async () => {
    const health = await until(
      'orchestrator health ok',
      async () => {
        if (!client) {
          const c = new Client({ name: 'monitoring-live-test', version: '1.0.0' });
          await c.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${base}/mcp`)));
          client = c;
        }
        const result = (await client.callTool({ name: 'orchestrator.health', arguments: {} })) as { structuredContent?: any };
        return result.structuredContent?.status === 'ok' ? result.structuredContent : undefined;
      },
      90_000,
    );
    const listed = (parse(read('orchestrator/orchestrator.yaml')) as { upstreams: unknown[] }).upstreams.length;
    expect(health.upstreams).toEqual({ up: listed, degraded: 0, down: 0, connecting: 0 });
    // Traffic, so the call metrics have samples: a proxied call and its service-side twin.
    const result = (await client?.callTool({ name: 'cmdb.searchItems', arguments: {} })) as { isError?: boolean };
    expect(result.isError).toBeFalsy();
  }, 120_000);

  test('every process exports its metrics; no metric carries a label the scrape adds (app, job, instance)', async () => {
    for (const target of targets) {
      const response = await fetch(`${target.url}/metrics`);
      expect({ target: target.app, status: response.status }).toEqual({ target: target.app, status: 200 });
      scrapes.set(target.app, await response.text());
    }
    for (const [app, text] of scrapes) {
      const clashes = [...exportedLabelNames(text)].filter((l) => ['app', 'job', 'instance'].includes(l));
      expect({ app, clashes }).toEqual({ app, clashes: [] });
    }
  });

  test('every metric the dashboard and the rules name is exported by some process today', () => {
    const exported = new Set([...scrapes.values()].flatMap((text) => [...exportedMetricNames(text)]));
    // Series Prometheus makes itself, and the recording rule the alerts use.
    for (const made of ['up', 'switchboard:service_target:present']) exported.add(made);
    const dashboard = JSON.parse(read('monitoring/grafana/dashboards/switchboard.json'));
    const rules = (parse(read('monitoring/rules/switchboard.yml')) as { groups: { rules: { expr: string }[] }[] }).groups.flatMap(
      (g) => g.rules,
    );
    const named = [
      ...dashboardExpressions(dashboard).map((e) => ({ where: `dashboard: ${e.panel}`, expr: e.expr })),
      ...rules.map((r) => ({ where: 'rules', expr: r.expr })),
    ].flatMap(({ where, expr }) => [...metricNamesOf(expr)].map((metric) => ({ where, metric })));
    expect(named.filter((n) => !exported.has(n.metric))).toEqual([]);
  });

  test('the real Prometheus scrapes every target up with our config and rules; key metrics and rule evaluations are there', async () => {
    const dir = join(tmp, 'prometheus');
    mkdirSync(join(dir, 'targets'), { recursive: true });
    cpSync(repoPath('monitoring/rules'), join(dir, 'rules'), { recursive: true });
    // The shipped config, scraping and evaluating every second instead of every 15 s so the test is quick.
    const config = parse(read('monitoring/prometheus.yml')) as { global: Record<string, string> };
    config.global = { ...config.global, scrape_interval: '1s', evaluation_interval: '1s' };
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    const shifted = (parse(read('monitoring/targets/local.yml')) as { targets: string[]; labels: object }[]).map((g) => ({
      ...g,
      targets: g.targets.map((t) => `127.0.0.1:${Number(t.split(':')[1]) - 8000 + base}`),
    }));
    writeFileSync(join(dir, 'targets/local.yml'), stringify(shifted));
    const port = base + 90;
    promUrl = `http://127.0.0.1:${port}`;
    start(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { PATH: process.env.PATH ?? '' },
    );
    const active = await until(
      'every target up',
      async () => {
        const body = (await (await fetch(`${promUrl}/api/v1/targets`)).json()) as { data: { activeTargets: any[] } };
        const list = body.data.activeTargets;
        return list.length === targets.length && list.every((t) => t.health === 'up') ? list : undefined;
      },
      60_000,
    );
    expect(active.map((t) => t.labels.app).sort()).toEqual(targets.map((t) => t.app).sort());
    expect(active.every((t) => t.labels.job === 'switchboard')).toBe(true);

    const apps = await until(
      'process metrics of every target',
      async () => {
        const rows = await promQuery('count by (app) (process_resident_memory_bytes{job="switchboard"})');
        return rows.length === targets.length ? rows.map((r) => r.metric.app).sort() : undefined;
      },
      20_000,
    );
    expect(apps).toEqual(targets.map((t) => t.app).sort());
    const upstreams = await promQuery('switchboard_upstream_up');
    expect(upstreams.length).toBe((parse(read('orchestrator/orchestrator.yaml')) as { upstreams: unknown[] }).upstreams.length);
    expect(upstreams.every((r) => r.value[1] === '1')).toBe(true);
    expect((await promQuery('switchboard_upstream_circuit_state')).every((r) => r.value[1] === '0')).toBe(true);
    expect(await promQuery('mcp_tool_calls_total{service="cmdb", tool="searchItems", outcome="success"}')).toHaveLength(1);
    expect(
      await promQuery('switchboard_proxy_calls_total{namespace="cmdb", tool="searchItems", outcome="success"}'),
    ).toHaveLength(1);
    expect((await promQuery('mcp_sessions_active{service="cmdb"}')).length).toBeGreaterThan(0);
    // The scrape's labels collide with none of the metrics' own (no exported_service & co).
    expect(await promQuery('{__name__=~".+", exported_service=~".+"} or {__name__=~".+", exported_app=~".+"}')).toEqual([]);
    // The alerts' mapping sees every deployed upstream, and a healthy stack has no upstream alert pending.
    const namespaces = await until(
      'the recording rule over every target',
      async () => {
        const rows = await promQuery('switchboard:service_target:present');
        return rows.length === targets.length ? rows.map((r) => r.metric.namespace).sort() : undefined;
      },
      20_000,
    );
    expect(namespaces).toEqual(['ai', 'cloud', 'cmdb', 'linux', 'notify', 'orchestrator', 'secrets']);

    // Every dashboard expression evaluates on the real server.
    const dashboard = JSON.parse(read('monitoring/grafana/dashboards/switchboard.json'));
    for (const { expr } of dashboardExpressions(dashboard)) await promQuery(expr);

    // Every rule was loaded and evaluated without error.
    const rules = await until(
      'every rule evaluated',
      async () => {
        const body = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: { rules: any[] }[] } };
        const all = body.data.groups.flatMap((g) => g.rules);
        return all.length > 0 && all.every((r) => r.health !== 'unknown') ? all : undefined;
      },
      20_000,
    );
    const fileRules = (parse(read('monitoring/rules/switchboard.yml')) as { groups: { rules: unknown[] }[] }).groups.flatMap(
      (g) => g.rules,
    );
    expect(rules).toHaveLength(fileRules.length);
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`)).toEqual([]);
    const firing = rules.filter((r) => r.type === 'alerting' && r.state !== 'inactive').map((r) => r.name);
    expect(firing).toEqual([]);
  }, 120_000);
});
