import type { CommandHandler } from './handler.ts';
import { awk, sed } from './rules/awk-sed.ts';
import { chmod, grep, ln, sort, tar, uniq } from './rules/file-commands.ts';
import { find } from './rules/find.ts';
import { git } from './rules/git.ts';
import { INTERPRETERS, interpreter } from './rules/interpreters.ts';
import { date, hostname, systemctl } from './rules/system-commands.ts';
import { shellHandler, trapHandler } from './shells.ts';
import {
  builtinHandler,
  commandHandler,
  envHandler,
  execHandler,
  ioniceHandler,
  niceHandler,
  nohupHandler,
  stdbufHandler,
  sudoHandler,
  timeHandler,
  timeoutHandler,
  watchHandler,
  xargsHandler,
} from './wrappers.ts';

/** Commands that take no file arguments at all. */
export const NO_PATH_ARGS = new Set(['echo', 'printf', 'true', 'false', ':', 'sleep', 'exit', 'wait', 'seq', 'kill']);

const HANDLERS: Readonly<Record<string, CommandHandler>> = {
  find,
  awk,
  gawk: awk,
  mawk: awk,
  nawk: awk,
  sed,
  git,
  ln,
  tar,
  sort,
  grep,
  egrep: grep,
  fgrep: grep,
  systemctl,
  date,
  hostname,
  uniq,
  chmod,
  sh: shellHandler,
  bash: shellHandler,
  dash: shellHandler,
  trap: trapHandler,
  env: envHandler,
  nice: niceHandler,
  timeout: timeoutHandler,
  nohup: nohupHandler,
  stdbuf: stdbufHandler,
  time: timeHandler,
  ionice: ioniceHandler,
  command: commandHandler,
  builtin: builtinHandler,
  exec: execHandler,
  sudo: sudoHandler,
  xargs: xargsHandler,
  watch: watchHandler,
};

/** The command-specific rule for a command name, if it has one. */
export function handlerFor(name: string): CommandHandler | undefined {
  if (Object.hasOwn(HANDLERS, name)) return HANDLERS[name];
  return INTERPRETERS.test(name) ? interpreter : undefined;
}
