import { readFileSync } from 'node:fs';
import { expect, test } from '@jest/globals';
import { Registry } from '@switchboard/shared';
import { readmeTableRow } from '@switchboard/shared/testing';
import { aiConfig } from '../src/config.ts';
import { createAiMetrics } from '../src/metrics.ts';
import { aiModelsService } from '../src/service.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test.each(Object.entries(aiConfig.env))('config key %s is documented as %s', (key, envName) => {
  expect(readmeTableRow(README, envName)).toContain(`\`${key}\``);
});

test.each(aiModelsService.tools.map((t) => [t.name, t.annotations] as const))(
  'tool %s is documented with its hints',
  (name, hints) => {
    const row = readmeTableRow(README, name);
    expect(row).toBeDefined();
    expect(row).toContain(hints.readOnlyHint ? 'read-only' : hints.destructiveHint ? 'destructive' : 'mutating');
  },
);

test('every README tool row is a real tool', () => {
  const rows = README.split('\n').filter((l) => /^\|\s*`[a-z][A-Za-z]+`\s*\|/.test(l) && !l.includes('AI_'));
  const names = rows.map((r) => /^\|\s*`([A-Za-z]+)`/.exec(r)?.[1]);
  expect(names.sort()).toEqual(aiModelsService.tools.map((t) => t.name).sort());
});

test("every metric of the service's own is documented", async () => {
  const registry = new Registry();
  createAiMetrics(registry);
  const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
  expect(names.length).toBe(3);
  for (const name of names) {
    expect(name).toMatch(/^switchboard_ai_/);
    expect(readmeTableRow(README, name)).toBeDefined();
  }
});
