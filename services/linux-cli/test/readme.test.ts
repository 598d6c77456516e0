import { readFileSync } from 'node:fs';
import { expect, test } from '@jest/globals';
import { readmeTableRow } from '@switchboard/shared/testing';
import { linuxCliConfig } from '../src/config.ts';
import { linuxCliService } from '../src/service.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test.each(Object.entries(linuxCliConfig.env))('linux-cli config key %s is documented as %s', (key, envName) => {
  const row = readmeTableRow(README, envName);
  expect(row).toContain(`\`${key}\``);
});

test.each(linuxCliService.tools.map((t) => t.name))('linux-cli tool %s is documented', (name) => {
  expect(readmeTableRow(README, name)).toBeDefined();
});
