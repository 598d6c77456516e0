import type { PathEffect } from '../../analysis.ts';
import { hasOption, type Operand, type ParsedArgs } from '../../argv/parse-args.ts';
import type { CommandContext, CommandSpec } from '../../handler.ts';
import { refuse } from '../../refusal.ts';
import { GIT_GLOBAL, GIT_SUBCOMMANDS } from './git-options.ts';

/**
 * git: global options (those that point git at another repository, set configuration or run programs are refused),
 * then a subcommand read against its own spec. Operands before `--` may be revisions or paths and are checked as
 * paths (a revision name resolves inside the cwd, so it passes); after `--` they are pathspecs. What each subcommand
 * does to the working tree decides the effect on its paths and whether it creates links: checkout, restore, reset
 * --hard, clean, branch -D, push --force and the like are destructive.
 */
const GIT_REFUSED_SUBCOMMANDS: Readonly<Record<string, string>> = {
  'filter-branch': 'runs shell snippets',
  difftool: 'runs external tools',
  mergetool: 'runs external tools',
  submodule: 'can run commands in every submodule (foreach) and fetch code',
  bisect: 'bisect run executes commands',
  'credential-store': 'handles credentials',
  daemon: 'starts a server',
  instaweb: 'starts a server',
  config: 'writes configuration, which can name programs to run',
};

/** Subcommands that rewrite working-tree files from the repository (and can create symbolic links while at it). */
const TREE_WRITERS = new Set(['checkout', 'switch', 'restore', 'merge', 'pull', 'stash', 'clone', 'reset']);

function subcommandOf(parsed: ParsedArgs): Operand | undefined {
  return parsed.operands[0];
}

type Semantics = (ctx: CommandContext, sub: ParsedArgs) => void;

function pathsAs(effect: PathEffect): Semantics {
  return (ctx, sub) => ctx.operandPaths(sub.operands, effect);
}

/**
 * A repository named by fetch, pull, push or clone: a URL for another host is the network's business (and the
 * sandbox's), but a local path, a file:// URL, or a path in scp form without a host is a path it reads; transports
 * that run programs are refused.
 */
function repositoryOperand(ctx: CommandContext, repository: Operand | undefined): void {
  if (!repository) return;
  const value = repository.value;
  if (/^(ext|fd)::/.test(value)) refuse('git-runs-program', `git ${value}: the ext:: and fd:: transports run programs`, 'git');
  const file = /^file:\/\/(\/.*)$/.exec(value);
  if (file) ctx.path(file[1] as string, 'read');
  else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !/^[^/]+@[^:/]+:/.test(value)) ctx.operandPaths([repository], 'read');
}

function destructiveIf(ctx: CommandContext, sub: ParsedArgs, ids: string[], reason: string): void {
  if (hasOption(sub, ...ids)) ctx.raise('destructive', reason);
}

const SEMANTICS: Readonly<Record<string, Semantics>> = {
  status: pathsAs('read'),
  log: pathsAs('read'),
  show: pathsAs('read'),
  diff: pathsAs('read'),
  shortlog: pathsAs('read'),
  'rev-parse': () => {},
  'ls-files': pathsAs('read'),
  blame: pathsAs('read'),
  describe: () => {},
  grep: (ctx, sub) => {
    const patternGiven = hasOption(sub, 'e', 'f');
    ctx.operandPaths(patternGiven ? sub.operands : sub.operands.slice(1), 'read');
  },
  add: pathsAs('read'),
  commit: pathsAs('read'),
  mv: (ctx, sub) => {
    const destination = sub.operands.at(-1);
    if (!destination || sub.operands.length < 2) refuse('missing-operand', 'git mv needs a source and a destination', 'git');
    ctx.operandPaths(sub.operands.slice(0, -1), 'move');
    ctx.path(destination.value, hasOption(sub, 'force') ? 'replace' : 'create', {
      intoDir: sub.operands.slice(0, -1).map((o) => o.value.split('/').filter(Boolean).at(-1) ?? o.value),
    });
    ctx.changesLinks('renames entries');
  },
  restore: (ctx, sub) => {
    const worktree = hasOption(sub, 'worktree') || !hasOption(sub, 'staged');
    ctx.operandPaths(sub.operands, worktree ? 'rewrite' : 'read');
  },
  switch: (ctx, sub) => destructiveIf(ctx, sub, ['force', 'force-create'], 'git switch --discard-changes/-C throws away changes'),
  checkout: (ctx, sub) => {
    destructiveIf(ctx, sub, ['force', 'B'], 'git checkout -f/-B throws away changes');
    // A branch name that is not a path changes nothing here; a path that exists is overwritten from the index.
    ctx.operandPaths(sub.operands, 'rewrite');
  },
  stash: (ctx, sub) => {
    const [action, ...rest] = sub.operands;
    if (action && (action.value === 'drop' || action.value === 'clear'))
      ctx.raise('destructive', `git stash ${action.value} deletes stashed changes`);
    const paths = action && ['push', 'save'].includes(action.value) ? rest : [];
    ctx.operandPaths(paths, 'read');
  },
  merge: () => {},
  init: (ctx, sub) => ctx.operandPaths(sub.operands, 'create'),
  fetch: (ctx, sub) => repositoryOperand(ctx, sub.operands[0]),
  pull: (ctx, sub) => repositoryOperand(ctx, sub.operands[0]),
  push: (ctx, sub) => {
    repositoryOperand(ctx, sub.operands[0]);
    destructiveIf(
      ctx,
      sub,
      ['force', 'force-with-lease', 'delete', 'mirror', 'prune'],
      'git push --force/--delete/--mirror/--prune can destroy remote history',
    );
    const refspecs = sub.operands.slice(1);
    if (refspecs.some((r) => r.value.startsWith('+') || r.value.startsWith(':'))) {
      ctx.raise('destructive', 'a +refspec forces and a :refspec deletes a remote ref');
    }
  },
  rm: (ctx, sub) => ctx.operandPaths(sub.operands, hasOption(sub, 'cached') ? 'read' : 'delete'),
  reset: (ctx, sub) => {
    destructiveIf(ctx, sub, ['hard', 'merge', 'keep'], 'git reset --hard/--merge/--keep overwrites the working tree');
    ctx.operandPaths(sub.operands, 'read');
  },
  clean: (ctx, sub) => {
    if (hasOption(sub, 'dry-run')) return ctx.operandPaths(sub.operands, 'read');
    ctx.raise('destructive', 'git clean deletes untracked files');
    if (sub.operands.length === 0) ctx.path('.', 'delete');
    else ctx.operandPaths(sub.operands, 'delete');
  },
  branch: (ctx, sub) =>
    destructiveIf(ctx, sub, ['delete', 'D', 'force', 'M', 'C'], 'git branch -d/-D/-f/-M/-C deletes or overwrites a branch'),
  tag: (ctx, sub) => destructiveIf(ctx, sub, ['delete', 'force'], 'git tag -d/-f deletes or overwrites a tag'),
  clone: (ctx, sub) => {
    const [source, directory] = sub.operands;
    if (!source) refuse('missing-operand', 'git clone needs a repository', 'git');
    repositoryOperand(ctx, source);
    ctx.operandPaths(directory ? [directory] : [], 'create');
  },
};

export const git: CommandSpec = {
  syntax: { options: GIT_GLOBAL, permute: false },
  subcommand: (parsed) => subcommandOf(parsed)?.value,
  subcommands: GIT_SUBCOMMANDS,
  apply: (ctx) => {
    const sub = subcommandOf(ctx.parsed);
    if (!sub) return;
    const name = sub.value;
    const refused = GIT_REFUSED_SUBCOMMANDS[name];
    if (refused) refuse('git-subcommand', `git ${name} ${refused}`, 'git');
    const options = GIT_SUBCOMMANDS[name];
    const semantics = SEMANTICS[name];
    if (!options || !semantics)
      refuse('unknown-subcommand', `git ${name}: the validator does not know this subcommand, so it is refused`, 'git');
    const args = ctx.args.slice(sub.index + 1).map((arg) => ({ ...arg }));
    const parsed = ctx.parseMore(args, { options, permute: true, negatable: true, numeric: options.byShort.has('#') });
    semantics(ctx, parsed);
    if (TREE_WRITERS.has(name)) ctx.changesLinks(`(git ${name}) writes working-tree files, which may be symbolic links`);
  },
};
