import { expect, test } from '@jest/globals';
import { createMetrics } from '@switchboard/shared';
import { readmeTableRow, readRepositoryReadme } from '@switchboard/shared/testing';
import { WORKFLOW_ENV, workflowConfigSchema } from '../../src/workflows/config.ts';
import { createWorkflowMetrics } from '../../src/workflows/metrics.ts';
import { workflowTools } from '../../src/workflows/tools/index.ts';

/** The README's Workflows section keeps up with the code: every tool, configuration key and metric. */
const README = readRepositoryReadme();
const section = README.slice(README.indexOf('## Workflows'), README.indexOf('\n## ', README.indexOf('## Workflows') + 5));

test('the section exists', () => {
  expect(section.length).toBeGreaterThan(1000);
});

test.each(workflowTools().map((t) => t.listing.name))('tool %s is documented', (name) => {
  expect(section).toContain(`\`${name}\``);
});

test.each(Object.keys(workflowConfigSchema.unwrap().shape))('configuration key workflows.%s has a row', (key) => {
  const row = readmeTableRow(section, key);
  expect(row).toBeDefined();
  const env = Object.entries(WORKFLOW_ENV).find(([, k]) => k === key)?.[0];
  if (env) expect(row).toContain(`\`${env}\``);
});

test('every workflow metric is documented', async () => {
  const metrics = createMetrics();
  createWorkflowMetrics(metrics.registry);
  const names = (await metrics.registry.getMetricsAsJSON())
    .map((m) => m.name)
    .filter((n) => n.startsWith('switchboard_workflow_'));
  expect(names).toHaveLength(3);
  for (const name of names) expect(section).toContain(`\`${name}{`);
});

test('every workflow tool sets the three annotation hints; executeWorkflow may be a task', () => {
  for (const tool of workflowTools()) {
    for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint']) {
      expect({ tool: tool.listing.name, hint, type: typeof tool.listing.annotations[hint] }).toEqual({
        tool: tool.listing.name,
        hint,
        type: 'boolean',
      });
    }
  }
  const execution = (t: { listing: unknown }) => (t.listing as { execution?: { taskSupport?: string } }).execution?.taskSupport;
  expect(workflowTools().map((t) => `${t.listing.name}:${execution(t) ?? '-'}`)).toContain('executeWorkflow:optional');
  expect(workflowTools().filter((t) => execution(t) !== undefined)).toHaveLength(1);
});
