import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import { CORPUS } from './corpus/cases.ts';
import { type CorpusWorld, createCorpusWorld } from './corpus/fixture.ts';
import { type Caller, caller, runCase } from './corpus/run.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/**
 * The corpus against the real service, over Streamable HTTP and over stdio, by a client that cannot show approval
 * prompts and by one that approves everything. A case the validator refuses is refused for both; one that needs
 * approval is refused for the first and runs, inside the sandbox, for the second; a confined case runs for both.
 * After every case the host is inspected: the canaries outside the root (beside it, in the service's data directory,
 * in /tmp, /etc/shadow and /etc/passwd) are unchanged, no process the case started is left, and no secret of the
 * host (those canaries, the service's own environment, /etc/shadow) appears in what the case returned.
 */
describe.each(['http', 'stdio'] as const)('the corpus against the real service over %s', (transport) => {
  let world: CorpusWorld;
  let service: SpawnedService | undefined;
  let plain: Caller;
  let approving: Caller;

  beforeAll(async () => {
    world = createCorpusWorld(`linux-cli-corpus-${transport}-`);
    const env = { ...world.env, SWITCHBOARD_AUTH: 'none', PATH: process.env.PATH as string, HOME: process.env.HOME as string };
    if (transport === 'http') {
      service = await spawnService(MAIN, { env: { ...env, PORT: '0' } });
      const url = new URL(`${service.url}/mcp`);
      plain = await caller(new StreamableHTTPClientTransport(url), false);
      approving = await caller(new StreamableHTTPClientTransport(url), true);
    } else {
      const stdio = () => new StdioClientTransport({ command: process.execPath, args: [MAIN, '--stdio'], env, stderr: 'ignore' });
      plain = await caller(stdio(), false);
      approving = await caller(stdio(), true);
    }
  }, 60_000);

  afterAll(async () => {
    await plain?.close();
    await approving?.close();
    await service?.stop();
    world?.cleanup();
  });

  test.each(CORPUS.map((c) => [JSON.stringify(c.argv), c] as const))('%s', (_name, c) => runCase(world, plain, approving, c));
});
