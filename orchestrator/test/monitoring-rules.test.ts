import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { read, repoPath } from './deployment-support.ts';
import { dashboardExpressions, metricNamesOf } from './monitoring-support.ts';

/**
 * monitoring/ checked by promtool (Debian package prometheus): the config, the rules, and the rules' unit tests,
 * which must make every alert fire and stay silent. The shapes the runbooks and the dashboard rely on are checked
 * here; that the metrics they name exist is checked against real processes in monitoring-live.test.ts.
 */
const promtool = (...args: string[]) => execFileSync('promtool', args, { cwd: repoPath('monitoring'), encoding: 'utf8' });

type Rule = {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
};
const rules = (parse(read('monitoring/rules/switchboard.yml')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const alerts = rules.filter((r) => r.alert);
type UnitTest = { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] };
const unitTests = (parse(read('monitoring/tests/switchboard.test.yml')) as { tests: UnitTest[] }).tests;

describe('monitoring/', () => {
  test('promtool: prometheus.yml is valid and finds the rule files', () => {
    expect(promtool('check', 'config', 'prometheus.yml')).toMatch(
      /SUCCESS: 1 rule files found[\s\S]*SUCCESS: prometheus\.yml is valid/,
    );
  });

  test('promtool: the rules are valid', () => {
    expect(promtool('check', 'rules', 'rules/switchboard.yml')).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  test('promtool: the unit tests pass', () => {
    expect(promtool('test', 'rules', 'tests/switchboard.test.yml')).toContain('SUCCESS');
  });

  test('the alerts the issue asks for exist, each with for:, a severity, a summary and a runbook line', () => {
    expect(alerts.map((a) => a.alert)).toEqual(
      expect.arrayContaining([
        'SwitchboardServiceDown',
        'SwitchboardToolErrorRatio',
        'SwitchboardToolLatencyP99',
        'SwitchboardCircuitOpen',
        'SwitchboardUpstreamDown',
        'SwitchboardWorkflowFailures',
        'SwitchboardWorkflowStuck',
        'SwitchboardNotifyOutboxBacklog',
        'SwitchboardSecretsDenials',
      ]),
    );
    for (const alert of alerts) {
      expect({ alert: alert.alert, for: alert.for }).toEqual({ alert: alert.alert, for: expect.stringMatching(/^\d+[smh]$/) });
      expect(['critical', 'warning']).toContain(alert.labels?.severity);
      expect(alert.annotations?.summary?.length).toBeGreaterThan(10);
      expect(alert.annotations?.runbook?.length).toBeGreaterThan(40);
    }
  });

  test('every alert has unit tests where it fires and where it stays silent', () => {
    for (const alert of alerts) {
      const cases = unitTests.flatMap((t) => t.alert_rule_test ?? []).filter((c) => c.alertname === alert.alert);
      expect({ alert: alert.alert, fires: cases.some((c) => c.exp_alerts.length > 0) }).toEqual({
        alert: alert.alert,
        fires: true,
      });
      expect({ alert: alert.alert, silent: cases.some((c) => c.exp_alerts.length === 0) }).toEqual({
        alert: alert.alert,
        silent: true,
      });
    }
  });

  test('a broken rule fails its unit tests (the tests are not vacuous)', () => {
    const dir = repoPath('monitoring');
    const broken = read('monitoring/rules/switchboard.yml').replace(
      'expr: up{job="switchboard"} == 0',
      'expr: up{job="switchboard"} == 1',
    );
    const tmp = mkdtempSync(`${tmpdir()}/sb-rules-`);
    try {
      mkdirSync(`${tmp}/rules`);
      mkdirSync(`${tmp}/tests`);
      writeFileSync(`${tmp}/rules/switchboard.yml`, broken);
      cpSync(`${dir}/tests/switchboard.test.yml`, `${tmp}/tests/switchboard.test.yml`);
      expect(() =>
        execFileSync('promtool', ['test', 'rules', 'tests/switchboard.test.yml'], { cwd: tmp, stdio: 'pipe' }),
      ).toThrow();
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('targets: local.yml is what `pnpm start` starts at its default ports; the target label is `app`, never one the metrics carry', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const started = Object.entries(scripts)
      .filter(([key]) => key.startsWith('start:'))
      .map(([key, script]) => {
        const offset = /^PORT=(?:\$SWITCHBOARD_BASE_PORT|\$\(\(\$SWITCHBOARD_BASE_PORT\+(\d+)\)\))\s/.exec(script);
        if (!offset) throw new Error(`${key}: no PORT from SWITCHBOARD_BASE_PORT`);
        return { app: key.slice('start:'.length), target: `127.0.0.1:${8000 + Number(offset[1] ?? 0)}` };
      });
    for (const file of ['monitoring/targets/local.yml', 'monitoring/targets-compose/switchboard.yml']) {
      const groups = parse(read(file)) as { targets: string[]; labels: Record<string, string> }[];
      for (const group of groups) expect(Object.keys(group.labels)).toEqual(['app']);
      if (file.endsWith('local.yml')) {
        const listed = groups.flatMap((g) => g.targets.map((target) => ({ app: g.labels.app as string, target })));
        expect(listed.sort((a, b) => a.app.localeCompare(b.app))).toEqual(started.sort((a, b) => a.app.localeCompare(b.app)));
      }
    }
    const config = parse(read('monitoring/prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: Record<string, unknown>[];
    };
    expect(config.rule_files).toEqual(['rules/*.yml']);
    expect(config.scrape_configs[0]).toMatchObject({ job_name: 'switchboard', file_sd_configs: [{ files: ['targets/*.yml'] }] });
  });

  test('every PromQL expression of the dashboard and the rules names metrics this check can read', () => {
    const dashboard = JSON.parse(read('monitoring/grafana/dashboards/switchboard.json'));
    const expressions = [...dashboardExpressions(dashboard).map((e) => e.expr), ...rules.map((r) => r.expr)];
    expect(expressions.length).toBeGreaterThan(30);
    for (const expr of expressions) expect(metricNamesOf(expr).size).toBeGreaterThan(0);
    expect(() => metricNamesOf('frobnicate(up)')).toThrow('unknown function');
    expect(() => metricNamesOf('{__name__="up"}')).toThrow('__name__');
    expect([...metricNamesOf('sum by (a, b) (rate(x_total{c="d"}[5m])) / on (a) group_left (b) y unless z offset 5m')]).toEqual([
      'x_total',
      'y',
      'z',
    ]);
  });

  test('the dashboard covers what the issue lists, every panel with an expression, each expression valid for promtool', () => {
    const dashboard = JSON.parse(read('monitoring/grafana/dashboards/switchboard.json'));
    const all = dashboardExpressions(dashboard);
    const names = new Set(all.flatMap((e) => [...metricNamesOf(e.expr)]));
    for (const metric of [
      'mcp_tool_calls_total',
      'mcp_tool_duration_seconds_bucket',
      'switchboard_proxy_calls_total',
      'switchboard_proxy_call_duration_seconds_bucket',
      'switchboard_upstream_up',
      'switchboard_upstream_circuit_state',
      'switchboard_workflow_runs_total',
      'switchboard_notifications_total',
    ]) {
      expect(names).toContain(metric);
    }
    // promtool parses each one (as recording rules).
    const tmp = mkdtempSync(`${tmpdir()}/sb-dash-`);
    try {
      const groups = [{ name: 'dashboard', rules: all.map((e, i) => ({ record: `dashboard:panel_${i}`, expr: e.expr })) }];
      writeFileSync(`${tmp}/dashboard.yml`, JSON.stringify({ groups }));
      expect(execFileSync('promtool', ['check', 'rules', `${tmp}/dashboard.yml`], { encoding: 'utf8' })).toContain(
        `SUCCESS: ${all.length} rules found`,
      );
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    for (const panel of dashboard.panels.filter((p: { type: string }) => p.type !== 'row'))
      expect(panel.targets?.length).toBeGreaterThan(0);
  });
});
