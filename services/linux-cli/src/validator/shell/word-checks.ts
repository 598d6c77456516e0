import { refuse } from '../refusal.ts';

/**
 * What a finished shell word may not contain, judged on its unquoted characters (quoted ones are masked): globs and
 * brace expansion (the shell would turn them into words the validator never saw), `~user`, and NUL.
 */
export function checkWord(text: string, unquoted: string, tilde: boolean): void {
  if (text.includes('\0')) refuse('nul', 'the script contains a NUL byte');
  if (/[*?]/.test(unquoted) || /\[.*\]/.test(unquoted)) {
    refuse(
      'shell-glob',
      `unquoted glob pattern "${text}": the shell would expand it to paths the validator cannot check; quote it`,
    );
  }
  if (/\{[^{}]*(,|\.\.)[^{}]*\}/.test(unquoted)) {
    refuse('shell-brace-expansion', `brace expansion in "${text}" is refused; write the words out`);
  }
  if (tilde && !/^~(\/|$)/.test(text)) refuse('shell-tilde', `"${text}": ~user paths are refused`);
}
