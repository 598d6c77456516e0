import type { CommandHandler, HandlerContext } from '../handler.ts';
import { refuse } from '../refusal.ts';

function operandIndexes(ctx: HandlerContext, exclude: ReadonlySet<number>): number[] {
  return ctx.args.map((_, i) => i).filter((i) => !exclude.has(i));
}

// git: global options that run programs or change directory are refused, and so are the subcommands that run commands.
const GIT_GLOBAL_VALUED = new Set(['--git-dir', '--work-tree', '--namespace', '--super-prefix', '--list-cmds', '--attr-source']);
const GIT_REFUSED_SUBCOMMANDS: Record<string, string> = {
  'filter-branch': 'runs shell snippets',
  difftool: 'runs external tools',
  mergetool: 'runs external tools',
  submodule: 'can run commands in every submodule (foreach) and fetch code',
  bisect: 'bisect run executes commands',
  'credential-store': 'handles credentials',
  daemon: 'starts a server',
  instaweb: 'starts a server',
};

function gitSubcommandIndex(values: readonly string[]): number {
  let i = 0;
  while (i < values.length) {
    const value = values[i] as string;
    if (!value.startsWith('-')) return i;
    if (GIT_GLOBAL_VALUED.has(value) || value === '-c' || value === '-C' || value === '--config-env') i += 2;
    else i += 1;
  }
  return -1;
}

export const git: CommandHandler = {
  subcommand: (values) => {
    const i = gitSubcommandIndex(values);
    return i >= 0 ? values[i] : undefined;
  },
  handle: (ctx) => {
    const values = ctx.values;
    const subIndex = gitSubcommandIndex(values);
    const global = subIndex >= 0 ? values.slice(0, subIndex) : values;
    for (const option of global) {
      const name = option.split('=')[0] as string;
      if (name === '-c' || name === '--config-env')
        refuse('git-config-override', `git ${name} can set any configuration, including commands to run`, 'git');
      if (name === '-C') refuse('chdir-option', 'git -C changes directory past the cwd check; use cwd', 'git');
      if (name === '--exec-path') refuse('git-exec-path', 'git --exec-path runs programs from another directory', 'git');
      if (name === '-p' || name === '--paginate') refuse('git-pager', 'git --paginate runs a pager', 'git');
      if (name === '--git-dir' || name === '--work-tree' || name === '--exec-path') {
        refuse('git-repository-override', `git ${name} points git at another repository or worktree; use cwd`, 'git');
      }
    }
    const sub = subIndex >= 0 ? (values[subIndex] as string) : undefined;
    if (sub && GIT_REFUSED_SUBCOMMANDS[sub]) refuse('git-subcommand', `git ${sub} ${GIT_REFUSED_SUBCOMMANDS[sub]}`, 'git');
    const after = subIndex >= 0 ? values.slice(subIndex + 1) : [];
    for (const value of after) {
      const name = value.split('=')[0] as string;
      if (
        ['--upload-pack', '--receive-pack', '--exec', '--extcmd', '--open-files-in-pager', '--tool', '--config'].includes(name)
      ) {
        refuse('git-runs-program', `git ${sub} ${name} runs another program`, 'git');
      }
      if (name === '-x' && sub === 'rebase') refuse('git-runs-program', 'git rebase -x runs commands', 'git');
      if (name.startsWith('-O') && sub === 'grep') refuse('git-runs-program', 'git grep -O runs a pager', 'git');
      if ((name === '-c' || name === '--config') && (sub === 'clone' || sub === 'submodule')) {
        refuse('git-config-override', `git ${sub} ${name} sets configuration, including commands to run`, 'git');
      }
    }
    const exclude = new Set<number>();
    if (subIndex >= 0) exclude.add(subIndex);
    global.forEach((value, index) => {
      if (GIT_GLOBAL_VALUED.has(value)) exclude.add(index);
    });
    ctx.pathArgs(operandIndexes(ctx, exclude));
  },
};
