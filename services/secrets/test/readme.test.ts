import { readFileSync } from 'node:fs';
import { expect, test } from '@jest/globals';
import { ERROR_CODES } from '@switchboard/shared';
import { secretsConfig } from '../src/config.ts';
import { secretsService } from '../src/service.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test.each(Object.entries(secretsConfig.env))('config key %s is documented with its variable %s', (key, envName) => {
  const row = README.split('\n').find((line) => line.startsWith(`| \`${envName}\``));
  expect(row).toContain(`\`${key}\``);
});

test.each(secretsService.tools.map((t) => t.name))('tool %s is documented', (name) => {
  expect(README).toContain(`\`${name}\``);
});

test('the error codes the README names exist in the kit catalogue', () => {
  for (const code of README.match(/`([A-Z_]{6,})`/g)?.map((c) => c.slice(1, -1)) ?? []) {
    if (code.startsWith('SECRETS_') || code.startsWith('SWITCHBOARD_') || code === 'AWSCURRENT' || code === 'AWSPREVIOUS')
      continue;
    expect(ERROR_CODES).toContain(code);
  }
});
