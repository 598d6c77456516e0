import { expect, test } from '@jest/globals';
import { readmeTableRow, readRepositoryReadme } from '@switchboard/shared/testing';
import { cmdbConfig } from '../src/config.ts';
import { cmdbService } from '../src/service.ts';

const README = readRepositoryReadme();

test.each(Object.entries(cmdbConfig.env))('cmdb config key %s is documented as %s', (key, envName) => {
  const row = readmeTableRow(README, envName);
  expect(row).toContain(`\`${key}\``);
});

test.each(cmdbService.tools.map((t) => t.name))('cmdb tool %s is documented', (name) => {
  expect(README).toContain(`\`${name}\``);
});
