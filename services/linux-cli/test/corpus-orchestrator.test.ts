import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import { CORPUS } from './corpus/cases.ts';
import { type CorpusWorld, createCorpusWorld } from './corpus/fixture.ts';
import { type Caller, caller, runCase } from './corpus/run.ts';

const LINUX_CLI_MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const ORCHESTRATOR_MAIN = fileURLToPath(new URL('../../../orchestrator/src/main.ts', import.meta.url));

/**
 * The same corpus through the orchestrator's `linux.runCommand`: the real linux-cli process behind the real
 * orchestrator process, approvals relayed from the service to the end client. Every case must end exactly as it
 * does directly.
 */
describe('the corpus through the orchestrator', () => {
  let world: CorpusWorld;
  let linux: SpawnedService;
  let orchestrator: SpawnedService;
  let plain: Caller;
  let approving: Caller;

  beforeAll(async () => {
    world = createCorpusWorld('linux-cli-corpus-orch-');
    const base = { SWITCHBOARD_AUTH: 'none', PATH: process.env.PATH as string, HOME: process.env.HOME as string };
    linux = await spawnService(LINUX_CLI_MAIN, { env: { ...world.env, ...base, PORT: '0' } });
    const config = join(world.sandbox.base, 'orchestrator.yaml');
    writeFileSync(config, `upstreams:\n  - name: linux-cli\n    namespace: linux\n    url: ${linux.url}/mcp\n`);
    orchestrator = await spawnService(ORCHESTRATOR_MAIN, {
      env: { ...base, PORT: '0', SWITCHBOARD_CONFIG: config, SWITCHBOARD_DATA_DIR: join(world.sandbox.base, 'orchestrator') },
    });
    const url = new URL(`${orchestrator.url}/mcp`);
    const probe = new Client({ name: 'probe', version: '1.0.0' });
    await probe.connect(new StreamableHTTPClientTransport(url));
    for (let i = 0; i < 100; i++) {
      const { tools } = await probe.listTools();
      if (tools.some((tool) => tool.name === 'linux.runCommand')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await probe.close();
    plain = await caller(new StreamableHTTPClientTransport(url), false, 'linux.runCommand');
    approving = await caller(new StreamableHTTPClientTransport(url), true, 'linux.runCommand');
  }, 60_000);

  afterAll(async () => {
    await plain?.close();
    await approving?.close();
    await orchestrator?.stop();
    await linux?.stop();
    world?.cleanup();
  });

  test('the corpus is the whole corpus', () => expect(CORPUS.length).toBeGreaterThanOrEqual(150));

  test.each(CORPUS.map((c) => [JSON.stringify(c.argv), c] as const))('%s', (_name, c) => runCase(world, plain, approving, c));
});
