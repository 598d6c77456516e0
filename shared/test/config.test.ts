import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { mergeConfigSpecs } from '../src/config/load-config.ts';
import { ConfigError, defineConfig, envBoolean, envInt, kitConfigSpec, loadConfig, z } from '../src/index.ts';

const spec = mergeConfigSpecs(
  kitConfigSpec(9000),
  defineConfig({
    schema: z.object({ widgets: envInt({ min: 1 }).default(3), fancy: envBoolean().default(false) }),
    env: { widgets: 'APP_WIDGETS', fancy: 'APP_FANCY' },
  }),
);

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'config.yaml');
  writeFileSync(path, text);
  return path;
}

describe('configuration', () => {
  test('defaults, then the YAML file, then the environment', () => {
    const config = loadConfig('app', spec, {
      env: { SWITCHBOARD_AUTH: 'none', APP_WIDGETS: '7' },
      file: file('widgets: 5\nfancy: true\nport: 9100\n'),
    });
    expect(config).toMatchObject({ port: 9100, widgets: 7, fancy: true, auth: 'none', host: '127.0.0.1' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  test('every problem is listed at once, named by its variable', () => {
    let error: unknown;
    try {
      loadConfig('app', spec, {
        env: { PORT: '70000', APP_WIDGETS: 'many', SWITCHBOARD_AUTH: 'token' },
        file: file('fancy: maybe\nunknown_key: 1\n'),
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('unknown key "unknown_key"');
    expect(problems).toContain('port (from PORT)');
    expect(problems).toContain('widgets (from APP_WIDGETS)');
    expect(problems).toMatch(/fancy \(in .*config.yaml\)/);
    // Cross-field checks run too, even though other values are invalid.
    expect(problems).toContain('no token is configured');
    expect((error as ConfigError).problems.length).toBeGreaterThanOrEqual(5);
  });

  test('tokens come from the list and from a file, with names', () => {
    const tokens = file('# ops tokens\nci:ci-token-0123456789\nbare-token-0123456789\n');
    const config = loadConfig('app', spec, {
      env: { SWITCHBOARD_TOKENS: 'alice:alice-token-0123456', SWITCHBOARD_TOKENS_FILE: tokens },
    });
    expect(config.credentials).toEqual([
      { name: 'alice', token: 'alice-token-0123456' },
      { name: 'ci', token: 'ci-token-0123456789' },
      { name: 'default', token: 'bare-token-0123456789' },
    ]);
  });

  test('an unreadable YAML file is a problem, not a crash', () => {
    expect(() => loadConfig('app', spec, { env: { SWITCHBOARD_AUTH: 'none' }, file: '/nonexistent/x.yaml' })).toThrow(
      /cannot be read/,
    );
    expect(() => loadConfig('app', spec, { env: { SWITCHBOARD_AUTH: 'none' }, file: file('a: [') })).toThrow(ConfigError);
  });
});
