import { posix } from 'node:path';
import type { CommandHandler } from '../handler.ts';
import { argMatchesOption, hasOption, parseOptions } from '../options.ts';
import { refuse } from '../refusal.ts';

// ln: a relative symlink target is resolved from the link's directory, not the cwd.
export const ln: CommandHandler = {
  handle: (ctx) => {
    const parsed = parseOptions(ctx.values, {
      shortValued: 'tS',
      longValued: ['--target-directory', '--suffix'],
      permute: true,
    });
    const symbolic = parsed.options.some((o) => o.name === '-s' || argMatchesOption(o.name, '--symbolic'));
    const targetDir = parsed.options.find((o) => o.name === '-t' || o.name === '--target-directory')?.value;
    const operands = parsed.operands.map((o) => o.value);
    let targets: string[];
    let linkDirs: string[];
    if (targetDir !== undefined) {
      ctx.path(targetDir, 'write');
      targets = operands;
      linkDirs = [targetDir];
    } else if (operands.length >= 2) {
      const last = operands.at(-1) as string;
      ctx.path(last, 'write');
      targets = operands.slice(0, -1);
      linkDirs = [last, posix.dirname(last)];
    } else {
      targets = operands;
      linkDirs = ['.'];
    }
    for (const target of targets) {
      // A relative symlink target is read from the link's directory, not from the cwd.
      if (symbolic && !target.startsWith('/')) ctx.path(target, 'read', { bases: linkDirs });
      else ctx.path(target, 'read');
    }
  },
};

// tar: options that run programs are refused (it is not on the built-in allowlist, but a policy may add it).
export const tar: CommandHandler = {
  handle: (ctx) => {
    for (const option of [
      '--to-command',
      '--checkpoint-action',
      '--use-compress-program',
      '--info-script',
      '--new-volume-script',
      '--rsh-command',
      '--rmt-command',
      '-I',
      '-F',
    ]) {
      if (hasOption(ctx.values, option)) refuse('tar-runs-program', `tar ${option} runs another program`, 'tar');
    }
    ctx.pathArgs(undefined, ctx.defaultAccess);
  },
};

// sort: -o writes a file; --compress-program runs one.
export const sort: CommandHandler = {
  handle: (ctx) => {
    if (hasOption(ctx.values, '--compress-program'))
      refuse('sort-runs-program', 'sort --compress-program runs another program', 'sort');
    const parsed = parseOptions(ctx.values, {
      shortValued: 'ktoST',
      longValued: [
        '--key',
        '--field-separator',
        '--output',
        '--buffer-size',
        '--temporary-directory',
        '--files0-from',
        '--parallel',
        '--sort',
        '--random-source',
        '--batch-size',
      ],
      permute: true,
    });
    for (const option of parsed.options) {
      if ((option.name === '-o' || option.name === '--output') && option.value !== undefined) {
        ctx.path(option.value, 'write');
        ctx.raise('modify', 'sort -o writes a file');
      }
      if (
        ['-T', '--temporary-directory', '--files0-from', '--random-source'].includes(option.name) &&
        option.value !== undefined
      ) {
        ctx.path(option.value, option.name === '-T' || option.name === '--temporary-directory' ? 'write' : 'read');
      }
    }
    ctx.pathArgs(
      parsed.operands.map((o) => o.index),
      'read',
    );
  },
};

// grep: the pattern is not a path; -f and --exclude-from are.
export const grep: CommandHandler = {
  handle: (ctx) => {
    const parsed = parseOptions(ctx.values, {
      shortValued: 'ABCDdefm',
      longValued: [
        '--regexp',
        '--file',
        '--after-context',
        '--before-context',
        '--context',
        '--max-count',
        '--devices',
        '--directories',
        '--binary-files',
        '--label',
        '--exclude',
        '--include',
        '--exclude-dir',
        '--exclude-from',
        '--color',
        '--colour',
        '--group-separator',
      ],
      permute: true,
    });
    let patternGiven = false;
    for (const option of parsed.options) {
      if (['-e', '--regexp'].includes(option.name)) patternGiven = true;
      if (['-f', '--file', '--exclude-from'].includes(option.name)) {
        if (option.name !== '--exclude-from') patternGiven = true;
        if (option.value !== undefined) ctx.path(option.value, 'read');
      }
    }
    const operands = patternGiven ? parsed.operands : parsed.operands.slice(1);
    ctx.pathArgs(
      operands.map((o) => o.index),
      'read',
    );
  },
};

export const uniq: CommandHandler = {
  handle: (ctx) => {
    const { operands } = parseOptions(ctx.values, {
      shortValued: 'fsw',
      longValued: ['--skip-fields', '--skip-chars', '--check-chars', '--all-repeated', '--group'],
      permute: true,
    });
    if (operands[0]) ctx.pathArgs([operands[0].index], 'read');
    if (operands[1]) {
      ctx.pathArgs([operands[1].index], 'write');
      ctx.raise('modify', 'uniq INPUT OUTPUT writes OUTPUT');
    }
  },
};

export const chmod: CommandHandler = {
  handle: (ctx) => {
    const { operands } = parseOptions(ctx.values, { longValued: ['--reference'], permute: true });
    const mode = operands[0]?.value ?? '';
    if (/^[0-7]*[2-7][0-7]{3}$/.test(mode) || /^[ugoa]*[-+=][rwxXt]*s/.test(mode) || /s/.test(mode.replace(/^[0-7]+$/, ''))) {
      ctx.raise('privileged', 'chmod setting the setuid or setgid bit');
    }
    ctx.pathArgs();
  },
};
