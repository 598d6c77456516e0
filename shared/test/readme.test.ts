import { describe, expect, test } from '@jest/globals';
import { ERROR_CATALOGUE, ERROR_CODES, kitConfigSpec } from '../src/index.ts';
import { createMetrics } from '../src/metrics.ts';
import { readmeTableRow, readRepositoryReadme } from '../src/testing/index.ts';

const README = readRepositoryReadme();
const tableRow = readmeTableRow;

describe('README documents the kit', () => {
  test.each(ERROR_CODES)('error code %s has a row with its retryability', (code) => {
    const row = tableRow(README, code);
    expect(row).toBeDefined();
    expect(row).toMatch(ERROR_CATALOGUE[code].retryable ? /\|\s*yes\s*\|/ : /\|\s*no\s*\|/);
  });

  test.each(Object.entries(kitConfigSpec(0).env))('config key %s is documented as %s', (key, envName) => {
    const row = tableRow(README, envName as string);
    expect(row).toBeDefined();
    expect(row).toContain(`\`${key}\``);
  });

  test('every MCP metric is documented', async () => {
    const metrics = createMetrics();
    const names = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.startsWith('mcp_'));
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const name of names) expect(tableRow(README, name)).toBeDefined();
  });
});
