import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Ajv } from 'ajv';
import { workflowJsonSchemaText } from '../../src/workflows/definition/json-schema.ts';
import { retryDelay } from '../../src/workflows/engine/retry.ts';
import { Expressions } from '../../src/workflows/expressions/expressions.ts';
import { validateDefinition } from '../../src/workflows/validation/validate.ts';
import { connect, type RunningOrchestrator, startCmdb, startOrchestrator, tempDir, waitUp } from '../helpers.ts';
import {
  callTool,
  EXAMPLES,
  ok,
  probeStep,
  runOf,
  SCHEMA_FILE,
  startWorkflowProbe,
  type WorkflowProbe,
  workflow,
} from './support.ts';

/**
 * The definition language: the published JSON Schema, the examples, validation (every problem at once, one clear
 * report per mistake), dryRun, and the cmdb example end to end against a real cmdb.
 */
const examples = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({ file, definition: JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as Record<string, unknown> }));
const expressions = new Expressions({ timeoutMs: 500 });
const published = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
const ajv = new Ajv({ allErrors: true, strict: false });
const validateWithPublished = ajv.compile(published);

describe('the published JSON Schema', () => {
  test('orchestrator/schemas/workflow.schema.json is what the zod schema generates', () => {
    // The file is the generated schema, formatted by biome (pnpm --filter ./orchestrator workflow-schema).
    expect(published).toEqual(JSON.parse(workflowJsonSchemaText()));
  });

  test('both examples are there', () => {
    expect(examples.map((e) => e.file).sort()).toEqual(['deploy_application.json', 'impact_of_tagged.json']);
  });

  test.each(examples)('$file validates against the JSON Schema and the engine', ({ definition }) => {
    expect(validateWithPublished(definition)).toBe(true);
    const result = validateDefinition(definition, { expressions });
    expect(result.problems).toEqual([]);
    expect(result.valid).toBe(true);
  });

  const shapes: [string, unknown][] = [
    ['a step with two kinds', [{ id: 'a', wait: { durationMs: 1 }, set: { x: 1 } }]],
    ['a step with no kind', [{ id: 'a' }]],
    ['an unknown field', [{ id: 'a', wait: { durationMs: 1 }, colour: 'red' }]],
    ['a bad step id', [{ id: '1st', wait: { durationMs: 1 } }]],
    ['an expression where a name is expected', [{ id: 'a', call: { service: '{% $input.s %}', tool: 'echo' } }]],
    ['a nested step without id', [{ id: 'a', forEach: { in: [1], steps: [{ wait: { durationMs: 1 } }] } }]],
    ['a negative retry', [{ id: 'a', call: { service: 'p', tool: 't' }, retry: { maxAttempts: 0 } }]],
  ];
  test.each(shapes)('the JSON Schema and the engine both refuse %s', (_name, steps) => {
    const definition = workflow('bad', steps as unknown[]);
    expect(validateWithPublished(definition)).toBe(false);
    const result = validateDefinition(definition, { expressions });
    expect(result.valid).toBe(false);
    expect(result.problems.filter((p) => p.code === 'schema').length).toBeGreaterThan(0);
  });
});

test('retry delays grow by the backoff rate up to maxDelayMs; full jitter stays below', () => {
  const policy = {
    errorEquals: ['ALL'],
    maxAttempts: 5,
    intervalMs: 100,
    backoffRate: 3,
    maxDelayMs: 500,
    jitter: 'none' as const,
  };
  expect([1, 2, 3, 4].map((attempt) => retryDelay(policy, attempt))).toEqual([100, 300, 500, 500]);
  expect(retryDelay({ ...policy, jitter: 'full' }, 2, () => 0.5)).toBe(150);
});

test('expression evaluation is time-boxed', async () => {
  const boxed = new Expressions({ timeoutMs: 50 });
  const started = Date.now();
  await expect(boxed.evaluate('($f := function($n) { $f($n + 1) }; $f(0))', {})).rejects.toMatchObject({ type: 'timeout' });
  expect(Date.now() - started).toBeLessThan(15_000); // a loose bound: the recursion has no end of its own
});

let orch: RunningOrchestrator;
let probe: WorkflowProbe;
let cmdb: Awaited<ReturnType<typeof startCmdb>>;
let client: Client;
const dir = tempDir('wf-validate-');

beforeAll(async () => {
  [probe, cmdb] = await Promise.all([startWorkflowProbe(`${dir.path}/probe.log`), startCmdb()]);
  orch = await startOrchestrator({
    dataDir: dir.path,
    upstreams: [
      { name: 'probe', namespace: 'probe', url: `${probe.url}/mcp` },
      { name: 'cmdb', namespace: 'cmdb', url: `${cmdb.url}/mcp` },
    ],
    workflows: { leaseMs: 2000, definitionsDir: EXAMPLES },
  });
  await waitUp(orch, 'probe', 'cmdb');
  client = await connect(`${orch.url}/mcp`);
}, 30_000);

afterAll(async () => {
  await client?.close();
  await orch?.close();
  await probe?.stop();
  await cmdb?.stop();
  cmdb?.cleanup();
  dir.cleanup();
});

describe('validate reports each mistake once, clearly', () => {
  const cases: [string, unknown[], { code: string; path: string; message: RegExp }][] = [
    [
      'a cycle of gotos',
      [
        probeStep('first', 'echo', { value: 1 }),
        probeStep('second', 'fail', { code: 'CONFLICT', message: 'x' }, { catch: [{ errorEquals: ['ALL'], next: 'first' }] }),
      ],
      { code: 'goto_cycle', path: '/steps/0', message: /goto cycle: first → second → first/ },
    ],
    [
      'an unknown step reference',
      [probeStep('a', 'echo', { value: '{% $steps.nope.output %}' })],
      { code: 'unknown_step', path: '/steps/0/call/params/value', message: /\$steps\.nope refers to no step/ },
    ],
    [
      'an expression that does not compile',
      [probeStep('a', 'echo', { value: '{% $input.x + %}' })],
      { code: 'expression', path: '/steps/0/call/params/value', message: /does not compile/ },
    ],
    [
      'an unknown tool',
      [probeStep('a', 'nosuchtool', {})],
      { code: 'unknown_tool', path: '/steps/0/call/tool', message: /service "probe" has no tool "nosuchtool"/ },
    ],
    [
      'params that violate the tool schema',
      [probeStep('a', 'record', { text: 42, delayMs: '{% $input.delay %}' })],
      { code: 'params', path: '/steps/0/call/params/text', message: /probe\.record: \/text must be string/ },
    ],
    [
      'an unknown service',
      [{ id: 'a', call: { service: 'nowhere', tool: 'x', params: {} } }],
      { code: 'unknown_service', path: '/steps/0/call/service', message: /unknown service "nowhere"/ },
    ],
    [
      'a goto out of its list',
      [
        {
          id: 'loop',
          forEach: {
            in: [1],
            steps: [probeStep('inner', 'echo', { value: 1 }, { catch: [{ errorEquals: ['ALL'], next: 'after' }] })],
          },
        },
        probeStep('after', 'echo', { value: 2 }),
      ],
      { code: 'goto_target', path: '/steps/0/forEach/steps/0/catch/0/next', message: /not in the same step list/ },
    ],
    [
      'a loop step read outside its loop',
      [
        { id: 'loop', forEach: { in: [1], steps: [probeStep('inner', 'echo', { value: 1 })] } },
        probeStep('after', 'echo', { value: '{% $steps.inner.output %}' }),
      ],
      { code: 'scope', path: '/steps/1/call/params/value', message: /read \$steps\.loop\.output instead/ },
    ],
  ];

  test.each(cases)('%s', async (_name, steps, expected) => {
    const result = await runOf(client, 'executeWorkflow', { mode: 'validate', workflow: workflow('bad', steps) });
    expect(result.status).toBe('invalid');
    const errors = result.problems.filter((p: { severity: string }) => p.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: expected.code, path: expected.path });
    expect(errors[0].message).toMatch(expected.message);
  });

  test('every problem of one definition is reported at once', async () => {
    const result = await runOf(client, 'executeWorkflow', {
      mode: 'validate',
      workflow: workflow('many', [
        probeStep('a', 'nosuchtool', {}),
        probeStep('a', 'echo', { value: '{% $steps.ghost.output %}' }),
        { id: 'b', wait: { durationMs: '{% ( %}' } },
        { id: 'c', set: { x: 1 }, retry: { maxAttempts: 2 } },
      ]),
    });
    const codes = result.problems.map((p: { code: string }) => p.code).sort();
    expect(codes).toEqual(['duplicate_id', 'expression', 'retry_kind', 'unknown_step', 'unknown_tool']);
  });

  test('a valid definition validates, with its hash', async () => {
    const result = await runOf(client, 'executeWorkflow', {
      mode: 'validate',
      workflow: workflow('fine', [probeStep('a', 'echo', { value: 1 })]),
    });
    expect(result).toMatchObject({ status: 'valid', problems: [], workflow: { name: 'fine', version: '1' } });
    expect(result.workflow.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a run of an invalid definition is refused with the whole report', async () => {
    const result = await callTool(client, 'executeWorkflow', { workflow: workflow('bad', [probeStep('a', 'nosuchtool', {})]) });
    expect(result.isError).toBe(true);
    expect(result.structuredContent.error.code).toBe('INVALID_ARGUMENT');
    expect(result.structuredContent.error.details.problems[0].code).toBe('unknown_tool');
  });

  test('a run whose input does not match input.schema is refused', async () => {
    const result = await callTool(client, 'executeWorkflow', { workflowRef: { name: 'impact_of_tagged' }, input: { tag: 5 } });
    expect(result.isError).toBe(true);
    expect(result.structuredContent.error.message).toMatch(/input\.schema.*\/tag must be string/);
  });
});

test('dryRun evaluates conditions and templates against mocks and calls nothing', async () => {
  const before = probe.lines().length;
  const result = await runOf(client, 'executeWorkflow', {
    mode: 'dryRun',
    input: { names: ['a', 'b'], loud: false },
    mocks: { lookup: { output: { owner: 'team-x' } }, each: { outputs: [{ text: 'A' }, { text: 'B' }] } },
    workflow: workflow(
      'dry',
      [
        probeStep('lookup', 'echo', { value: '{% $input.names %}' }),
        probeStep('shout', 'record', { text: 'LOUD' }, { if: '{% $input.loud %}' }),
        {
          id: 'loop',
          forEach: {
            in: '{% $input.names %}',
            as: 'name',
            steps: [probeStep('each', 'record', { text: '{% $name & "@" & $steps.lookup.output.owner %}' })],
          },
        },
      ],
      { output: '{% $steps.loop.output.text %}' },
    ),
  });
  expect(result.status).toBe('completed');
  expect(result.output).toEqual(['A', 'B']);
  expect(result.calls).toEqual([
    { stepId: 'lookup', path: 'lookup', service: 'probe', tool: 'echo', params: { value: ['a', 'b'] }, mocked: true },
    { stepId: 'each', path: 'loop/each:0', service: 'probe', tool: 'record', params: { text: 'a@team-x' }, mocked: true },
    { stepId: 'each', path: 'loop/each:1', service: 'probe', tool: 'record', params: { text: 'b@team-x' }, mocked: true },
  ]);
  expect(result.steps.find((s: { id: string }) => s.id === 'shout').status).toBe('skipped');
  expect(probe.lines().length).toBe(before);
});

describe('the cmdb example', () => {
  const ci = (type: string, name: string, tags: string[] = []) =>
    runOf(client, 'executeWorkflow', {
      workflow: workflow(`seed-${type}-${name}`, [
        { id: 'put', call: { service: 'cmdb', tool: 'upsertItem', params: { type, name, tags, environment: 'prod' } } },
      ]),
    });
  const relate = (source: [string, string], type: string, target: [string, string]) =>
    client.callTool({
      name: 'cmdb.addRelationship',
      arguments: { source: { type: source[0], name: source[1] }, type, target: { type: target[0], name: target[1] } },
    });

  beforeAll(async () => {
    await ci('host', 'web-01', ['rack-12']);
    await ci('host', 'web-02', ['rack-12']);
    await ci('host', 'web-03', ['rack-7']);
    await ci('database', 'orders-db', ['rack-12']);
    for (const name of ['shop', 'api', 'billing', 'search', 'gateway']) await ci('service', name);
    await relate(['service', 'shop'], 'runs_on', ['host', 'web-01']);
    await relate(['service', 'api'], 'runs_on', ['host', 'web-02']);
    await relate(['service', 'billing'], 'depends_on', ['database', 'orders-db']);
    await relate(['service', 'gateway'], 'depends_on', ['service', 'api']);
    await relate(['service', 'search'], 'runs_on', ['host', 'web-03']);
  }, 30_000);

  test('is loaded from the definitions directory with deploy_application', async () => {
    const listed = await ok(client, 'listWorkflows', {});
    const names = listed.items.map((d: { name: string; source: string }) => `${d.name}:${d.source}`).sort();
    expect(names).toEqual(['deploy_application:directory', 'impact_of_tagged:directory']);
  });

  test('finds the tagged CIs, walks the impact of each, returns the union of affected services', async () => {
    const result = await runOf(client, 'executeWorkflow', {
      workflowRef: { name: 'impact_of_tagged' },
      input: { tag: 'rack-12' },
    });
    expect(result.status).toBe('completed');
    expect(result.output).toEqual({
      tag: 'rack-12',
      tagged: ['database/orders-db', 'host/web-01', 'host/web-02'],
      services: ['api', 'billing', 'gateway', 'shop'],
    });
    expect(
      result.steps
        .filter((s: { id: string }) => s.id === 'impact')
        .map((s: { path: string }) => s.path)
        .sort(),
    ).toEqual(['impacts/impact:0', 'impacts/impact:1', 'impacts/impact:2']);
  });

  test('runs inline as well, and a tag nobody has gives no services', async () => {
    const inline = examples.find((e) => e.file === 'impact_of_tagged.json')?.definition;
    const result = await runOf(client, 'executeWorkflow', { workflow: inline, input: { tag: 'rack-99' } });
    expect(result).toMatchObject({ status: 'completed', output: { tag: 'rack-99', tagged: [], services: [] } });
  });
});
