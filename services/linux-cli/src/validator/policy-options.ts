import type { ParsedOption } from './argv/parse-args.ts';

/**
 * Whether a parsed option is the one a policy names: `-f` names the option whose short form is f, `--force` the one
 * whose long form is force, however the call wrote it (`-rf`, `--force`). Names are checked against the command's
 * spec when the policy loads, so a policy cannot name an option the parser would never report.
 */
export function optionMatches(option: ParsedOption, written: string): boolean {
  if (option.negated) return false;
  if (written.startsWith('--')) return option.def.long.includes(written.slice(2));
  return written.length === 2 && written.startsWith('-') && option.def.short.includes(written.slice(1));
}
