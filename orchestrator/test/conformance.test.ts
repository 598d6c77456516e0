import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import { stringify } from 'yaml';
import { ORCHESTRATOR_MAIN, startCmdb, tempDir } from './helpers.ts';

const CONFORMANCE = fileURLToPath(import.meta.resolve('@modelcontextprotocol/conformance/package.json')).replace(
  /package\.json$/,
  'dist/index.js',
);

/** The official conformance suite's generic server scenarios against the orchestrator's aggregated `/mcp`. */
describe('MCP conformance suite against the orchestrator', () => {
  const dir = tempDir('orch-conformance-');
  let cmdb: Awaited<ReturnType<typeof startCmdb>>;
  let orchestrator: SpawnedService;

  beforeAll(async () => {
    cmdb = await startCmdb();
    const configFile = join(dir.path, 'orchestrator.yaml');
    writeFileSync(configFile, stringify({ upstreams: [{ name: 'cmdb', namespace: 'cmdb', url: `${cmdb.url}/mcp` }] }));
    orchestrator = await spawnService(ORCHESTRATOR_MAIN, {
      env: { PORT: '0', SWITCHBOARD_AUTH: 'none', SWITCHBOARD_CONFIG: configFile, SWITCHBOARD_DATA_DIR: dir.path },
    });
    await orchestrator.waitForLog((l) => l.msg === 'upstream up', 20_000);
  }, 60_000);

  afterAll(async () => {
    await orchestrator?.stop();
    await cmdb?.stop();
    cmdb?.cleanup();
    dir.cleanup();
  });

  test.each(['server-initialize', 'ping', 'tools-list', 'logging-set-level', 'dns-rebinding-protection'])(
    'scenario %s passes',
    async (scenario) => {
      const output = await new Promise<{ code: number; text: string }>((resolve) => {
        execFile(
          process.execPath,
          [
            CONFORMANCE,
            'server',
            '--url',
            `${orchestrator.url}/mcp`,
            '--scenario',
            scenario,
            '--output-dir',
            join(dir.path, 'results'),
          ],
          { cwd: dir.path, timeout: 60_000 },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, text: `${stdout}${stderr}` }),
        );
      });
      expect(output.text).toMatch(/Passed: (\d+)\/\1, 0 failed/);
      expect(output.code).toBe(0);
    },
    90_000,
  );
});
