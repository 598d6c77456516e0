import { readFileSync } from 'node:fs';
import { expect, test } from '@jest/globals';
import { readmeTableRow } from '@switchboard/shared/testing';
import { k8sConfig } from '../src/config.ts';
import { DESTRUCTIVE_TOOLS, k8sService, READ_TOOLS, WRITE_TOOLS } from '../src/service.ts';

/** services/k8s/README.md keeps up with the code: every tool with its tier, every configuration key. */
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const tierOf = (name: string) =>
  READ_TOOLS.some((t) => t.name === name) ? 'read' : WRITE_TOOLS.some((t) => t.name === name) ? 'write' : 'destructive';

test.each(k8sService.tools.map((t) => t.name))('tool %s has a row with its tier', (name) => {
  const row = README.split('\n').find((line) => line.startsWith('|') && line.includes(`\`${name}\``));
  expect(row).toBeDefined();
  expect(row).toMatch(new RegExp(`\\|\\s*${tierOf(name)}\\s*\\|`));
});

test.each(Object.entries(k8sConfig.env))('config key %s is documented as %s', (key, envName) => {
  expect(readmeTableRow(README, envName)).toContain(`\`${key}\``);
});

test('the tiers are what the annotations say: read tools are read-only, destructive ones destructive', () => {
  for (const tool of k8sService.tools) {
    for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint'] as const)
      expect(typeof tool.annotations[hint]).toBe('boolean');
  }
  expect(READ_TOOLS.every((t) => t.annotations.readOnlyHint && !t.annotations.destructiveHint)).toBe(true);
  // waitForRollout is the write tier's one tool that changes nothing; the tier turns it on (WRITE_TIER).
  const writes = WRITE_TOOLS.filter((t) => t.name !== 'waitForRollout');
  expect([...writes, ...DESTRUCTIVE_TOOLS].every((t) => !t.annotations.readOnlyHint)).toBe(true);
  expect(WRITE_TOOLS.find((t) => t.name === 'waitForRollout')?.enabled?.({ mode: 'read' } as never)).toBe(false);
  expect(DESTRUCTIVE_TOOLS.every((t) => t.annotations.destructiveHint)).toBe(true);
});
