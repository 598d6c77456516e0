/** What a child process gets: never the service's own environment. */
export interface ChildEnvOptions {
  path: string;
  home: string;
  lang: string;
  /** Fixed extras from configuration (childEnv). */
  fixed: Readonly<Record<string, string>>;
  /** What the call asked for, already checked against envAllow. */
  call?: Readonly<Record<string, string>>;
}

/**
 * Git settings that win over any repository's own configuration (command-line configuration has the highest
 * precedence), so a prepared repository cannot make an allowed `git status` run a program: no fsmonitor, hooks,
 * pager, editor or askpass helper, plain `ssh` whatever core.sshCommand says, no implicit bare repositories, no
 * ext:: transport.
 */
const GIT_OVERRIDES = [
  ['core.fsmonitor', 'false'],
  ['core.hooksPath', '/dev/null'],
  ['core.pager', 'cat'],
  ['core.editor', 'false'],
  ['core.sshCommand', 'ssh'],
  ['core.askPass', 'false'],
  ['sequence.editor', 'false'],
  ['safe.bareRepository', 'explicit'],
  ['protocol.ext.allow', 'never'],
] as const;

/** Variables every child gets, locally and over SSH: pagers and git kept from running other programs. */
export function hardeningEnv(): Record<string, string> {
  return {
    LESSSECURE: '1',
    PAGER: 'cat',
    GIT_PAGER: 'cat',
    SYSTEMD_PAGER: 'cat',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_PARAMETERS: GIT_OVERRIDES.map(([key, value]) => `'${key}'='${value}'`).join(' '),
  };
}

export function buildChildEnv(options: ChildEnvOptions): Record<string, string> {
  return {
    ...options.fixed,
    ...options.call,
    ...hardeningEnv(),
    PATH: options.path,
    HOME: options.home,
    LANG: options.lang,
  };
}
