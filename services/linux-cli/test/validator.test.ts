import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { localResolver } from '../src/fs/local-resolver.ts';
import { loadPolicy } from '../src/policy/load-policy.ts';
import { createEnvMatcher } from '../src/validator/env-names.ts';
import { PolicyRefusal } from '../src/validator/refusal.ts';
import { parseShellScript } from '../src/validator/shell/parse-script.ts';
import { createCommandValidator, type Verdict } from '../src/validator/validate.ts';
import { makeSandbox, type Sandbox } from './helpers.ts';

/** The other half of the corpus: ordinary commands the validator must let through, with the right risk class. */
let sandbox: Sandbox;
const validator = createCommandValidator({
  policy: loadPolicy(undefined),
  trustedDirs: ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'],
  envAllowed: createEnvMatcher(['TZ', 'LC_*']),
  maxParallel: 4,
});

const judge = (argv: string[]): Promise<Verdict> =>
  validator.validate(argv, {
    roots: [sandbox.root],
    cwd: sandbox.root,
    home: join(sandbox.data, 'home'),
    protectedPaths: [join(sandbox.root, 'policy.yaml')],
    resolver: localResolver,
  });

beforeAll(() => {
  sandbox = makeSandbox('linux-cli-validator-');
  mkdirSync(join(sandbox.root, 'src'));
  writeFileSync(join(sandbox.root, 'src', 'a.ts'), 'export const a = 1;\n');
  writeFileSync(join(sandbox.root, 'existing.txt'), 'x\n');
  writeFileSync(join(sandbox.root, 'policy.yaml'), 'extends: builtin\n');
  symlinkSync('src', join(sandbox.root, 'inner-link'));
});
afterAll(() => sandbox.cleanup());

describe('what the validator allows, and how risky it says it is', () => {
  test.each([
    [['ls', '-la'], 'read_only'],
    [['cat', 'src/a.ts'], 'read_only'],
    [['cat', 'inner-link/a.ts'], 'read_only'],
    [['grep', '-rn', '/etc/passwd is a pattern, not a file', 'src'], 'read_only'],
    [['grep', '-e', 'x', '-A', '3', 'src/a.ts'], 'read_only'],
    [['sh', '-c', 'ls src | wc -l'], 'read_only'],
    [['bash', '-c', 'set -o pipefail; grep -c export src/a.ts && echo "found: $(wc -l < src/a.ts)"'], 'read_only'],
    [['sh', '-c', 'diff <(ls src) <(ls .)'], 'read_only'],
    [['find', '.', '-name', '*.ts', '-type', 'f', '-exec', 'grep', '-l', 'export', '{}', '+'], 'read_only'],
    [['find', 'src', '-type', 'f', '-newer', 'existing.txt'], 'read_only'],
    [['awk', '-F', ':', '{ if ($1 > 2 || $2 == "x") print $1 }', 'src/a.ts'], 'read_only'],
    [['sed', '-n', '1,3p; /export/s/a/b/g', 'src/a.ts'], 'read_only'],
    [['env', 'TZ=UTC', 'LC_ALL=C', 'date'], 'read_only'],
    [['timeout', '-k', '1', '5', 'nice', '-n', '5', 'ls'], 'read_only'],
    [['xargs', 'echo'], 'read_only'],
    [['/usr/bin/ls', 'src/../src'], 'read_only'],
    [['git', 'status', '--short'], 'read_only'],
    [['git', '--no-pager', 'log', '-n', '3', '--format=%h %s'], 'read_only'],
    [['systemctl', 'status', 'ssh'], 'read_only'],
    [['sh', '-c', 'trap "" TERM; sleep 1'], 'read_only'],
    [['echo', '/etc/shadow', '$(not run)'], 'read_only'],
    [['sh', '-c', 'echo hi > new.txt'], 'modify'],
    [['sh', '-c', 'echo hi >> existing.txt'], 'modify'],
    [['sed', '-i', 's/a/b/', 'src/a.ts'], 'destructive'],
    [['git', 'commit', '-m', 'x'], 'modify'],
    [['cp', 'src/a.ts', 'src/b.ts'], 'modify'],
    [['ln', '-s', 'a.ts', 'src/c.ts'], 'modify'],
    [['ln', '-s', '../existing.txt', 'src/d.txt'], 'modify'],
    [['sort', '-o', 'sorted.txt', 'existing.txt'], 'modify'],
    [['rm', 'existing.txt'], 'destructive'],
    [['sh', '-c', 'echo hi > existing.txt'], 'destructive'],
    [['find', 'src', '-name', '*.tmp', '-delete'], 'destructive'],
    [['git', 'reset', '--hard'], 'destructive'],
    [['git', 'push', '--force'], 'destructive'],
    [['sh', '-c', 'find . -type f -name x -exec rm {} \\;'], 'destructive'],
    [['date', '-s', '2020-01-01'], 'privileged'],
    [['hostname', 'evil'], 'privileged'],
    [['hostname'], 'read_only'],
    [['uniq', 'existing.txt', 'out.txt'], 'modify'],
    [['chmod', 'u+s', 'existing.txt'], 'privileged'],
    [['chmod', '4755', 'existing.txt'], 'privileged'],
    [['chmod', '755', 'existing.txt'], 'modify'],
    [['sudo', 'systemctl', 'restart', 'ssh'], 'privileged'],
    [['sudo', 'ls'], 'privileged'],
    [['chown', 'nobody', 'existing.txt'], 'privileged'],
  ] as const)('%j is allowed as %s', async (argv, risk) => {
    const verdict = await judge([...argv]);
    expect(verdict.risk).toBe(risk);
  });

  test('the verdict lists every command found, with the wrappers it sits in', async () => {
    const verdict = await judge(['sudo', 'sh', '-c', 'ls src | xargs echo; find . -type f -exec rm {} +']);
    expect(verdict.invocations.map((i) => [i.name, i.via.join(' > ')])).toEqual([
      ['sudo', ''],
      ['sh', 'sudo'],
      ['ls', 'sudo > sh -c'],
      ['xargs', 'sudo > sh -c'],
      ['echo', 'sudo > sh -c > xargs'],
      ['find', 'sudo > sh -c'],
      ['rm', 'sudo > sh -c > find -exec'],
    ]);
    expect(verdict.risk).toBe('privileged');
    expect(verdict.riskReasons).toEqual(expect.arrayContaining(['sudo runs the command as another user', 'rm is destructive']));
  });

  test('protected files are refused even inside a root', async () => {
    await expect(judge(['cat', 'policy.yaml'])).rejects.toMatchObject({ rule: 'protected-path' });
    await expect(judge(['rm', '-r', '.'])).rejects.toMatchObject({ rule: 'protected-path' });
  });

  test('a refusal is a PolicyRefusal with a rule and a reason', async () => {
    const error = await judge(['curl', 'x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyRefusal);
    expect(error).toMatchObject({ rule: 'not-allowed', command: 'curl', message: 'curl is not on the allowlist' });
  });
});

describe('the shell parser', () => {
  test('finds commands in lists, pipelines, subshells and every kind of substitution, with quotes removed', () => {
    const commands = parseShellScript('a "b c" \'d\'e | f && (g; h) || i $(j `k`) <(l) >(m)\nn # comment');
    expect(commands.map((c) => [c.words.map((w) => w.text), c.context])).toEqual([
      [['a', 'b c', 'de'], 'script'],
      [['f'], 'script'],
      [['g'], 'script'],
      [['h'], 'script'],
      [['k'], '`...`'],
      [['j', ''], '$(...)'],
      [['l'], '<(...)'],
      [['m'], '>(...)'],
      [['i', '', '/dev/fd/63', '/dev/fd/63'], 'script'],
      [['n'], 'script'],
    ]);
    expect(commands[8]?.words[1]?.dynamic).toBe(true);
  });

  test('redirections are recorded with their targets', () => {
    const [command] = parseShellScript('cmd < in 2>&1 > out >> log &>all');
    expect(command?.redirects.map((r) => [r.op, r.target?.text, r.write, r.truncate])).toEqual([
      ['<', 'in', false, false],
      ['>&', undefined, false, false],
      ['>', 'out', true, true],
      ['>>', 'log', true, false],
      ['&>', 'all', true, true],
    ]);
  });

  test('ANSI-C quotes, escapes and line continuations are decoded as the shell does', () => {
    const [command] = parseShellScript("$'a\\tb\\x41' c\\ d e\\\nf");
    expect(command?.words.map((w) => w.text)).toEqual(['a\tbA', 'c d', 'ef']);
  });
});
