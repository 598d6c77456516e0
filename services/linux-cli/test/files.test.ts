import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { baseEnv, type Harness, makeSandbox, type Sandbox, startHarness, writeFiles } from './helpers.ts';

let sandbox: Sandbox;
let h: Harness;

beforeEach(async () => {
  sandbox = makeSandbox('linux-cli-files-');
  writeFileSync(join(sandbox.outside, 'secret'), 'top secret\n');
  h = await startHarness(sandbox);
});
afterEach(async () => {
  await h.close();
  sandbox.cleanup();
});

describe('readFile', () => {
  test('reads byte ranges and pages to the end', async () => {
    writeFiles(sandbox.root, { 'notes.txt': 'hello world\n'.repeat(3000) });
    const first = await h.ok('readFile', { path: 'notes.txt' });
    expect(first).toMatchObject({ path: join(sandbox.root, 'notes.txt'), size: 36000, offset: 0, bytesRead: 16384, eof: false });
    let text = first.content;
    let offset = first.nextOffset;
    while (true) {
      const page = await h.ok('readFile', { path: join(sandbox.root, 'notes.txt'), offset });
      text += page.content;
      offset = page.nextOffset;
      if (page.eof) break;
    }
    expect(text).toBe('hello world\n'.repeat(3000));
    const range = await h.ok('readFile', { path: 'notes.txt', offset: 6, length: 5 });
    expect(range).toMatchObject({ content: 'world', bytesRead: 5, nextOffset: 11 });
    const b64 = await h.ok('readFile', { path: 'notes.txt', length: 5, encoding: 'base64' });
    expect(Buffer.from(b64.content, 'base64').toString()).toBe('hello');
  });

  test('missing files, directories and devices are errors', async () => {
    mkdirSync(join(sandbox.root, 'dir'));
    expect((await h.call('readFile', { path: 'nope.txt' })).error?.code).toBe('NOT_FOUND');
    expect((await h.call('readFile', { path: 'dir' })).error?.code).toBe('INVALID_ARGUMENT');
  });
});

describe('path checks on every file tool', () => {
  beforeEach(() => {
    symlinkSync('/etc', join(sandbox.root, 'etc-link'));
    symlinkSync(sandbox.outside, join(sandbox.root, 'out-link'));
    symlinkSync(join(sandbox.outside, 'new-file'), join(sandbox.root, 'dangling'));
    mkdirSync(join(sandbox.root, 'sub'));
    writeFileSync(join(sandbox.root, 'sub', 'ok.txt'), 'ok\n');
  });

  test.each([
    ['readFile', { path: 'etc-link/passwd' }, 'symlink-escape'],
    ['readFile', { path: 'out-link/secret' }, 'symlink-escape'],
    ['readFile', { path: '../outside/secret' }, 'outside-roots'],
    ['readFile', { path: 'sub/../../outside/secret' }, 'outside-roots'],
    ['readFile', { path: '/etc/passwd' }, 'outside-roots'],
    ['readFile', { path: 'sub/ok.txt\0.png' }, 'nul'],
    ['writeFile', { path: 'out-link/secret', content: 'x' }, 'symlink-escape'],
    ['writeFile', { path: 'out-link/new.txt', content: 'x' }, 'symlink-escape'],
    ['writeFile', { path: 'dangling', content: 'x' }, 'symlink-escape'],
    ['writeFile', { path: '../outside/new.txt', content: 'x' }, 'outside-roots'],
    ['writeFile', { path: 'sub/x\0', content: 'x' }, 'nul'],
    ['writeFile', { path: '.git/hooks/pre-commit', content: '#!/bin/sh\n', createParents: true }, 'git-internals'],
    ['listDirectory', { path: 'out-link' }, 'symlink-escape'],
    ['listDirectory', { path: '..' }, 'outside-roots'],
    ['searchFiles', { path: 'etc-link', pattern: '*' }, 'symlink-escape'],
    ['fileInfo', { path: 'etc-link/shadow' }, 'symlink-escape'],
    ['fileInfo', { path: 'dangling' }, 'symlink-escape'],
    ['runCommand', { argv: ['cat', 'out-link/secret'] }, 'symlink-escape'],
    ['runCommand', { argv: ['ls'], cwd: 'out-link' }, 'symlink-escape'],
    ['runCommand', { argv: ['ls'], cwd: 'sub/../..' }, 'outside-roots'],
    ['runCommand', { argv: ['touch', 'dangling'] }, 'symlink-escape'],
  ] as const)('%s %j is refused (%s)', async (tool, args, rule) => {
    const out = await h.call(tool, args);
    expect(out.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { rule } });
    expect(h.audit().at(-1)).toMatchObject({ tool, decision: 'refused', rule });
    expect(existsSync(join(sandbox.outside, 'new-file'))).toBe(false);
    expect(existsSync(join(sandbox.outside, 'new.txt'))).toBe(false);
    expect(readFileSync(join(sandbox.outside, 'secret'), 'utf8')).toBe('top secret\n');
  });

  test('a symbolic link that stays inside the roots is followed', async () => {
    symlinkSync('sub', join(sandbox.root, 'inner-link'));
    expect((await h.ok('readFile', { path: 'inner-link/ok.txt' })).content).toBe('ok\n');
    const info = await h.ok('fileInfo', { path: 'inner-link' });
    expect(info).toMatchObject({ path: join(sandbox.root, 'sub'), type: 'directory', isSymlink: true, linkTarget: 'sub' });
  });
});

describe('writeFile, backups and restoreBackup', () => {
  test('writes atomically, backs up the previous version, and restores it', async () => {
    const created = await h.ok('writeFile', { path: 'conf/app.ini', content: 'v1\n', createParents: true, mode: '640' });
    expect(created).toMatchObject({ created: true, unchanged: false, bytesWritten: 3 });
    expect(statSync(join(sandbox.root, 'conf', 'app.ini')).mode & 0o777).toBe(0o640);

    const updated = await h.ok('writeFile', { path: 'conf/app.ini', content: 'v2\n' });
    expect(updated).toMatchObject({ created: false, unchanged: false });
    expect(updated.backupId).toMatch(/^bak_\d{13}_[0-9a-f]{8}$/);
    expect(readFileSync(join(sandbox.root, 'conf', 'app.ini'), 'utf8')).toBe('v2\n');
    expect(statSync(join(sandbox.root, 'conf', 'app.ini')).mode & 0o777).toBe(0o640);
    expect(readdirSync(join(sandbox.root, 'conf'))).toEqual(['app.ini']);

    const again = await h.ok('writeFile', { path: 'conf/app.ini', content: 'v2\n' });
    expect(again).toMatchObject({ unchanged: true, bytesWritten: 0 });
    expect(again.backupId).toBeUndefined();

    const backups = await h.ok('listBackups', { path: 'conf/app.ini' });
    expect(backups.items.map((b: { id: string }) => b.id)).toEqual([updated.backupId]);

    const restored = await h.ok('restoreBackup', { backupId: updated.backupId });
    expect(restored).toMatchObject({
      path: join(sandbox.root, 'conf', 'app.ini'),
      restoredFrom: updated.backupId,
      unchanged: false,
    });
    expect(readFileSync(join(sandbox.root, 'conf', 'app.ini'), 'utf8')).toBe('v1\n');

    const undo = await h.ok('restoreBackup', { path: 'conf/app.ini' });
    expect(undo.restoredFrom).toBe(restored.backupOfCurrent);
    expect(readFileSync(join(sandbox.root, 'conf', 'app.ini'), 'utf8')).toBe('v2\n');

    const lines = h.audit().filter((l) => ['writeFile', 'restoreBackup'].includes(l.tool));
    expect(lines.map((l) => [l.tool, l.decision])).toEqual([
      ['writeFile', 'allowed'],
      ['writeFile', 'allowed'],
      ['writeFile', 'allowed'],
      ['restoreBackup', 'allowed'],
      ['restoreBackup', 'allowed'],
    ]);
    expect(lines[1]?.backupId).toBe(updated.backupId);
    expect(JSON.stringify(lines)).not.toContain('v1\\n');
  });

  test('a missing parent is refused unless createParents, and the backup directory is out of reach', async () => {
    expect((await h.call('writeFile', { path: 'a/b/c.txt', content: 'x' })).error?.details?.rule).toBe('missing-parent');
    writeFiles(sandbox.root, { 'f.txt': 'one' });
    await h.ok('writeFile', { path: 'f.txt', content: 'two' });
    const backupDir = join(sandbox.data, 'linux-cli', 'backups');
    expect(readdirSync(backupDir).length).toBe(1);
    expect((await h.call('runCommand', { argv: ['ls', backupDir] })).error?.details?.rule).toBe('outside-roots');
    expect((await h.call('restoreBackup', { backupId: 'bak_0000000000000_00000000' })).error?.code).toBe('NOT_FOUND');
    expect((await h.call('restoreBackup', { backupId: '../../etc/passwd' })).error?.code).toBe('INVALID_ARGUMENT');
  });
});

describe('protected files inside a root', () => {
  test('the policy file and the audit log cannot be written, removed or read by any tool', async () => {
    await h.close();
    const policy = join(sandbox.root, 'policy.yaml');
    writeFileSync(policy, 'extends: builtin\n', { mode: 0o644 });
    const auditLog = join(sandbox.root, 'audit.jsonl');
    h = await startHarness(sandbox, { env: baseEnv(sandbox, { LINUX_CLI_POLICY_FILE: policy, LINUX_CLI_AUDIT_LOG: auditLog }) });
    const attempts: [string, Record<string, unknown>][] = [
      ['writeFile', { path: 'policy.yaml', content: 'commands:\n  curl: read_only\n' }],
      ['writeFile', { path: 'audit.jsonl', content: '' }],
      ['readFile', { path: 'audit.jsonl' }],
      ['runCommand', { argv: ['rm', 'policy.yaml'] }],
      ['runCommand', { argv: ['sh', '-c', 'echo "  curl: read_only" >> policy.yaml'] }],
      ['runCommand', { argv: ['mv', 'audit.jsonl', 'old.jsonl'] }],
      ['runCommand', { argv: ['rm', '-r', '.'] }],
      ['runCommand', { argv: ['truncate', '-s', '0', 'audit.jsonl'] }],
    ];
    for (const [tool, args] of attempts) {
      const out = await h.call(tool, args);
      expect(out.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { rule: 'protected-path' } });
    }
    expect(readFileSync(policy, 'utf8')).toBe('extends: builtin\n');
    expect(h.audit().filter((l) => l.rule === 'protected-path')).toHaveLength(attempts.length);
  });
});

describe('listDirectory, searchFiles, fileInfo', () => {
  test('lists a directory by name, paged, with types and link targets', async () => {
    for (let i = 0; i < 25; i++) writeFiles(sandbox.root, { [`file-${String(i).padStart(2, '0')}.txt`]: 'x'.repeat(i) });
    writeFiles(sandbox.root, { '.hidden': 'h' });
    symlinkSync('file-01.txt', join(sandbox.root, 'zz-link'));
    const first = await h.ok('listDirectory', { limit: 10 });
    expect(first.total).toBe(27);
    expect(first.items[0]).toMatchObject({ name: '.hidden', type: 'file', size: 1 });
    const second = await h.ok('listDirectory', { limit: 100, cursor: first.nextCursor });
    expect(second.items).toHaveLength(17);
    expect(second.items.at(-1)).toMatchObject({ name: 'zz-link', type: 'symlink', linkTarget: 'file-01.txt' });
    expect(second.nextCursor).toBeUndefined();
    const visible = await h.ok('listDirectory', { hidden: false });
    expect(visible.total).toBe(26);
    const bad = await h.call('listDirectory', { cursor: first.nextCursor, hidden: false });
    expect(bad.error?.code).toBe('INVALID_ARGUMENT');
  });

  test('searchFiles matches names or paths by glob, does not follow links, pages and caps its scan', async () => {
    writeFiles(sandbox.root, { 'src/a.ts': '', 'src/lib/b.ts': '', 'src/lib/c.js': '', 'docs/d.md': '', 'e.ts': '' });
    symlinkSync(sandbox.outside, join(sandbox.root, 'src', 'out-link'));
    writeFileSync(join(sandbox.outside, 'f.ts'), '');
    const byName = await h.ok('searchFiles', { pattern: '*.ts' });
    expect(byName.items.map((i: { path: string }) => i.path)).toEqual(['e.ts', 'src/a.ts', 'src/lib/b.ts']);
    const byPath = await h.ok('searchFiles', { pattern: 'src/**/*.{ts,js}', matchPath: true, limit: 2 });
    expect(byPath.items.map((i: { path: string }) => i.path)).toEqual(['src/a.ts', 'src/lib/b.ts']);
    const rest = await h.ok('searchFiles', { pattern: 'src/**/*.{ts,js}', matchPath: true, limit: 2, cursor: byPath.nextCursor });
    expect(rest.items.map((i: { path: string }) => i.path)).toEqual(['src/lib/c.js']);
    const dirs = await h.ok('searchFiles', { pattern: '*', type: 'directory' });
    expect(dirs.items.map((i: { path: string }) => i.path)).toEqual(['docs', 'src', 'src/lib']);
    await h.close();
    h = await startHarness(sandbox, { env: baseEnv(sandbox, { LINUX_CLI_SEARCH_MAX_SCANNED: '3' }) });
    const capped = await h.ok('searchFiles', { pattern: '*' });
    expect(capped).toMatchObject({ scanned: 3, scanTruncated: true });
  });

  test('fileInfo reports type, size, mode and whether a path exists', async () => {
    writeFiles(sandbox.root, { 'f.txt': 'hello' });
    const info = await h.ok('fileInfo', { path: 'f.txt' });
    expect(info).toMatchObject({ exists: true, type: 'file', size: 5, isSymlink: false });
    expect(info.mode).toMatch(/^0[0-7]{3}$/);
    expect(await h.ok('fileInfo', { path: 'missing' })).toMatchObject({ exists: false, isSymlink: false });
  });
});
