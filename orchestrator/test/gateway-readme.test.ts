import { expect, test } from '@jest/globals';
import { readmeTableRow, readRepositoryReadme } from '@switchboard/shared/testing';
import { auditSchema, oauthSchema } from '../src/gateway-config.ts';
import { gatewayTools } from '../src/local-tools/gateway-tools.ts';
import { INJECTION_MARKERS } from '../src/pins/injection-scan.ts';
import { LOCAL_TOOL_CLASSES } from '../src/policy/classes.ts';
import { DEFAULT_FIRST_PARTY } from '../src/policy/defaults.ts';
import { APPROVAL_MATCHES, PIN_MODES, policySchema, TOOL_CLASSES } from '../src/policy/schema.ts';

/** The README's Gateway policy section keeps up with the code: every policy key, setting, tool, marker and record field. */
const README = readRepositoryReadme();
const start = README.indexOf('## Gateway policy');
const section = README.slice(start, README.indexOf('\n## ', start + 5));

test('the section exists and names the pipeline stages in order', () => {
  expect(start).toBeGreaterThan(0);
  expect(section).toMatch(
    /identify\*\* .* → \*\*authorize\*\* .* → \*\*approve\*\* .* → \*\*pin check\*\* .* → \*\*audit\*\* → \*\*route\*\* → \*\*forward\*\*/s,
  );
});

test.each(Object.keys(policySchema.shape).filter((k) => k !== 'version'))('policy key %s is in the reference', (key) => {
  expect(section).toMatch(new RegExp(`^${key}:`, 'm'));
});

test('every class, approval match, pin mode and first-party service is named', () => {
  for (const word of [...TOOL_CLASSES, ...APPROVAL_MATCHES, ...PIN_MODES, ...DEFAULT_FIRST_PARTY])
    expect(section).toContain(word);
});

test.each(Object.keys(oauthSchema.shape))('oauth.%s has a row', (key) => {
  expect(readmeTableRow(section, key)).toBeDefined();
});

test.each(Object.keys(auditSchema.unwrap().shape))('audit.%s has a row', (key) => {
  expect(readmeTableRow(section, key)).toBeDefined();
});

test.each([...gatewayTools.map((t) => t.listing.name), ...Object.keys(LOCAL_TOOL_CLASSES)])('tool %s is documented', (name) => {
  expect(section).toContain(`\`${name}\``);
});

test('the metric, the error codes, the injection markers and the audit record fields are documented', () => {
  expect(section).toContain('`switchboard_tool_definition_changes_total{namespace}`');
  for (const code of [
    'PERMISSION_DENIED',
    'RATE_LIMITED',
    'APPROVAL_REQUIRED',
    'APPROVAL_DENIED',
    'TOOL_CHANGED',
    'POLICY_VIOLATION',
  ]) {
    expect(section).toContain(`\`${code}\``);
  }
  expect(INJECTION_MARKERS).toHaveLength(7);
  for (const marker of INJECTION_MARKERS) expect(section).toContain(`\`${marker}\``);
  for (const field of [
    'seq',
    'at',
    'type',
    'caller',
    'callerKind',
    'roles',
    'namespace',
    'tool',
    'argsHash',
    'outcome',
    'durationMs',
    'correlationId',
    'prev',
    'hash',
  ]) {
    expect(section).toContain(`"${field}":`);
  }
});
