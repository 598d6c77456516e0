/**
 * Environment variables a caller may never set, whatever `envAllow` says: they change which program runs,
 * what a shell or interpreter executes at start-up, or what a program hands to a pager, editor or helper.
 */
const DANGEROUS_EXACT = new Set([
  'PATH',
  'HOME',
  'SHELL',
  'ENV',
  'BASH_ENV',
  'IFS',
  'CDPATH',
  'GLOBIGNORE',
  'SHELLOPTS',
  'BASHOPTS',
  'PS4',
  'PROMPT_COMMAND',
  'PAGER',
  'MANPAGER',
  'EDITOR',
  'VISUAL',
  'LESSOPEN',
  'LESSCLOSE',
  'LESSSECURE',
  'LESSKEY',
  'PYTHONPATH',
  'PYTHONSTARTUP',
  'PYTHONHOME',
  'PERL5LIB',
  'PERL5OPT',
  'PERLLIB',
  'RUBYOPT',
  'RUBYLIB',
  'NODE_OPTIONS',
  'NODE_PATH',
  'TMPDIR',
  'SUDO_ASKPASS',
  'SSH_ASKPASS',
]);
const DANGEROUS_PREFIX = ['LD_', 'BASH_FUNC_', 'GIT_', 'DYLD_', 'SSH_', 'SUDO_'];

export function isDangerousEnvName(name: string): boolean {
  return DANGEROUS_EXACT.has(name) || DANGEROUS_PREFIX.some((prefix) => name.startsWith(prefix));
}

/** A matcher for the configured allow patterns (`TZ`, `LC_*`), never letting a dangerous name through. */
export function createEnvMatcher(patterns: readonly string[]): (name: string) => boolean {
  const exact = new Set(patterns.filter((p) => !p.endsWith('*')));
  const prefixes = patterns.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1));
  return (name) =>
    /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) &&
    !isDangerousEnvName(name) &&
    (exact.has(name) || prefixes.some((prefix) => name.startsWith(prefix)));
}
