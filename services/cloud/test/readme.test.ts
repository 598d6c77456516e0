import { readFileSync } from 'node:fs';
import { expect, test } from '@jest/globals';
import { readmeTableRow } from '@switchboard/shared/testing';
import { cloudConfig } from '../src/config.ts';
import { cloudService } from '../src/service.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test.each(Object.entries(cloudConfig.env))('cloud config key %s is documented as %s', (key, envName) => {
  const row = readmeTableRow(README, envName);
  expect(row).toContain(`\`${key}\``);
});

test.each(cloudService.tools.map((t) => t.name))('cloud tool %s is documented', (name) => {
  expect(readmeTableRow(README, name)).toBeDefined();
});

test.each(cloudService.tools.filter((t) => t.annotations.destructiveHint).map((t) => t.name))(
  'destructive tool %s is listed under Approvals',
  (name) => {
    const section = README.slice(README.indexOf('## Approvals'), README.indexOf('\n## ', README.indexOf('## Approvals') + 5));
    expect(section).toContain(`\`${name}\``);
  },
);
