import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from '@jest/globals';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { stringify } from 'yaml';
import { Policy } from '../src/policy/policy.ts';
import { parsePolicy, readPolicyFile } from '../src/policy/policy-file.ts';
import { policySchema } from '../src/policy/schema.ts';
import { connect, NODE, ORCHESTRATOR_MAIN, startOrchestrator, startProbe, tempDir, waitFor, waitUp } from './helpers.ts';
import { allToolNames, errorOf } from './support.ts';

const token = (id: string) => ({ id, kind: 'token' as const });
const oauth = (sub: string, claims: Record<string, unknown> = {}, scopes: string[] = []) => ({
  id: `oauth:${sub}`,
  kind: 'oauth' as const,
  claims: { sub, ...claims },
  scopes,
});
const ref = (namespace: string, tool: string, annotations?: Record<string, unknown>) => ({
  namespace,
  tool,
  listing: annotations ? { annotations } : {},
});

describe('the policy file', () => {
  test('a bad file lists every problem at once', () => {
    const result = parsePolicy({
      roles: {
        ops: { grants: [{ namespaces: ['cmdb'], class: 'superuser' }], rateLimitPerMinute: 0 },
        'bad name!': { grants: [] },
      },
      bindings: [{ roles: ['admin'] }, { tokens: ['ci'], roles: ['deployer'] }, { tokens: ['x'], role: ['admin'] }],
      approvals: [{ when: 'sometimes' }],
      pinning: { default: 'strict' },
      injection: 'ignore',
      extra: true,
    });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    for (const expected of [
      /roles\.ops\.grants\.0\.class/,
      /roles\.ops\.rateLimitPerMinute/,
      /roles\.bad name!/,
      /bindings\.0: a binding needs at least one of tokens/,
      /bindings\.1\.roles: unknown role "deployer"/,
      /bindings\.2: Unrecognized key: "role"/,
      /approvals\.0\.when/,
      /pinning\.default/,
      /injection/,
      /Unrecognized key: "extra"/,
    ]) {
      expect(problems.some((p) => expected.test(p))).toBe(true);
    }
  });

  test('without a file every token, stdio and anonymous caller is an admin; OAuth callers hold nothing', () => {
    const policy = new Policy(policySchema.parse({}), 'built-in', 1);
    for (const identity of [
      token('anyone'),
      { id: 'stdio', kind: 'stdio' as const },
      { id: 'anonymous', kind: 'anonymous' as const },
    ]) {
      const access = policy.accessOf(identity);
      expect(access.roles).toEqual(['admin']);
      expect(access.mayCallTool(ref('orchestrator', 'getAuditLog', { readOnlyHint: true }))).toBe(true);
      expect(access.mayCallTool(ref('fs', 'delete_everything'))).toBe(true);
    }
    expect(policy.accessOf(oauth('alice')).empty).toBe(true);
  });

  test('classes read the annotations as MCP defines them, and bindings match tokens, subjects, claims and scopes', () => {
    const spec = parsePolicy({
      roles: {
        sre: {
          grants: [
            { namespaces: ['linux', 'k8s'], class: 'operator' },
            { namespaces: ['cmdb'], tools: ['get*'], class: 'viewer' },
          ],
        },
      },
      bindings: [
        { tokens: ['ci-*'], roles: ['operator'] },
        { subjects: ['auditor'], roles: ['viewer'] },
        { claims: { groups: ['sre', 'platform'], tenant: 'acme' }, roles: ['sre'] },
        { scopes: ['switchboard:admin'], roles: ['admin'] },
      ],
    });
    if (!spec.ok) throw new Error(spec.problems.join('; '));
    const policy = new Policy(spec.spec, 'test', 1);
    const ci = policy.accessOf(token('ci-deploy'));
    expect(ci.mayCallTool(ref('cmdb', 'searchItems', { readOnlyHint: true }))).toBe(true);
    expect(ci.mayCallTool(ref('cmdb', 'upsertItem', { readOnlyHint: false, destructiveHint: false }))).toBe(true);
    expect(ci.mayCallTool(ref('cmdb', 'deleteItem', { destructiveHint: true }))).toBe(false);
    expect(ci.mayCallTool(ref('fs', 'mystery'))).toBe(false);
    expect(ci.mayCallTool(ref('orchestrator', 'executeWorkflow', { destructiveHint: true }))).toBe(true);
    expect(ci.mayCallTool(ref('orchestrator', 'getAuditLog', { readOnlyHint: true }))).toBe(false);
    expect(policy.accessOf(token('other')).empty).toBe(true);
    expect(policy.accessOf(oauth('auditor')).roles).toEqual(['viewer']);
    const sre = policy.accessOf(oauth('sam', { groups: ['platform'], tenant: 'acme' }));
    expect(sre.roles).toEqual(['sre']);
    expect(sre.mayCallTool(ref('linux', 'startJob', { destructiveHint: false }))).toBe(true);
    expect(sre.mayCallTool(ref('cmdb', 'getItem', { readOnlyHint: true }))).toBe(true);
    expect(sre.mayCallTool(ref('cmdb', 'searchItems', { readOnlyHint: true }))).toBe(false);
    expect(sre.denialOf(ref('linux', 'runCommand', { destructiveHint: true }))).toMatch(/needs class admin, granted operator/);
    expect(policy.accessOf(oauth('sam', { groups: ['platform'], tenant: 'other' })).empty).toBe(true);
    expect(policy.accessOf(oauth('root', {}, ['openid', 'switchboard:admin'])).roles).toEqual(['admin']);
    expect(policy.grantingScopes()).toEqual(['switchboard:admin']);
  });

  test('the example policy in examples/policy is valid', () => {
    const example = readPolicyFile(fileURLToPath(new URL('../../examples/policy/gateway-policy.yaml', import.meta.url)));
    expect(example).toMatchObject({ ok: true });
    if (!example.ok) return;
    const policy = new Policy(example.spec, 'example', 1);
    expect(policy.accessOf(oauth('sam', { groups: ['sre'] })).roles).toEqual(['sre']);
    expect(
      policy.approvalRuleOf({ name: 'cmdb', namespace: 'cmdb' }, 'deleteItem', { annotations: { destructiveHint: true } }),
    ).toBe(1);
    expect(policy.pinMode('files')).toBe('warn');
  });

  test('the default approvals cover the destructive tools of third-party upstreams only', () => {
    const policy = new Policy(policySchema.parse({}), 'built-in', 1);
    const files = { name: 'files', namespace: 'fs' };
    expect(policy.approvalRuleOf(files, 'write_file', { annotations: { destructiveHint: true } })).toBe(0);
    expect(policy.approvalRuleOf(files, 'mystery', {})).toBe(0);
    expect(policy.approvalRuleOf(files, 'create_directory', { annotations: { destructiveHint: false } })).toBe(-1);
    expect(policy.approvalRuleOf(files, 'read_file', { annotations: { readOnlyHint: true } })).toBe(-1);
    expect(
      policy.approvalRuleOf({ name: 'cmdb', namespace: 'cmdb' }, 'deleteItem', { annotations: { destructiveHint: true } }),
    ).toBe(-1);
    const custom = parsePolicy({ approvals: [{ upstreams: ['cmdb'], tools: ['upsert*'], when: 'always' }] });
    if (!custom.ok) throw new Error(custom.problems.join('; '));
    const strict = new Policy(custom.spec, 'test', 1);
    expect(
      strict.approvalRuleOf({ name: 'cmdb', namespace: 'cmdb' }, 'upsertItem', { annotations: { readOnlyHint: true } }),
    ).toBe(0);
    expect(strict.approvalRuleOf(files, 'write_file', { annotations: { destructiveHint: true } })).toBe(-1);
  });
});

describe('the policy in a running orchestrator', () => {
  const dir = tempDir('orch-policy-');
  afterAll(() => dir.cleanup());

  test('is hot-reloaded: lists shrink with list_changed, calls follow at once; a bad edit keeps the running policy', async () => {
    const probe = await startProbe(`${dir.path}/probe.log`);
    const orch = await startOrchestrator(
      { upstreams: [{ name: 'probe', namespace: 'probe', url: `${probe.url}/mcp` }] },
      {},
      { policy: { bindings: [{ anonymous: true, roles: ['operator'] }] } },
    );
    try {
      await waitUp(orch, 'probe');
      const c = await connect(`${orch.url}/mcp`);
      expect(await allToolNames(c)).toContain('probe.append');
      let changed = 0;
      c.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        changed++;
      });
      writeFileSync(orch.policyFile, stringify({ bindings: [{ anonymous: true, roles: ['viewer'] }] }));
      await waitFor(() => changed > 0, 10_000, 'list_changed after the policy reload');
      expect(await allToolNames(c)).not.toContain('probe.append');
      expect(errorOf(await c.callTool({ name: 'probe.append', arguments: { text: 'x' } }))?.code).toBe('PERMISSION_DENIED');
      writeFileSync(orch.policyFile, stringify({ bindings: [{ anonymous: true, roles: ['nobody'] }] }));
      await waitFor(() => orch.logs.some((l) => l.msg === 'policy reload failed; keeping the running policy'), 10_000);
      const failed = orch.logs.find((l) => l.msg === 'policy reload failed; keeping the running policy');
      expect(JSON.stringify(failed?.problems)).toContain('unknown role \\"nobody\\"');
      expect(await allToolNames(c)).toContain('probe.whoami');
      await c.close();
    } finally {
      await orch.close();
      await probe.stop();
    }
  }, 40_000);

  test('a bad policy file stops start-up with exit code 2 and every problem listed', () => {
    const policy = join(dir.path, 'bad-policy.yaml');
    writeFileSync(policy, stringify({ roles: { x: { grants: [{ class: 'root' }] } }, pinning: { default: 'maybe' } }));
    const result = spawnSync(NODE, [ORCHESTRATOR_MAIN], {
      env: {
        PATH: process.env.PATH,
        SWITCHBOARD_AUTH: 'none',
        PORT: '0',
        SWITCHBOARD_POLICY_FILE: policy,
        SWITCHBOARD_DATA_DIR: dir.path,
      },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`Invalid policy file ${policy}`);
    expect(result.stderr).toMatch(/roles\.x\.grants\.0\.namespaces/);
    expect(result.stderr).toMatch(/roles\.x\.grants\.0\.class/);
    expect(result.stderr).toMatch(/pinning\.default/);
  });
});
