import { refuse } from '../refusal.ts';
import { decodeAnsiC } from './ansi-c.ts';
import { checkWord } from './word-checks.ts';

/**
 * A deliberately small POSIX shell parser for the scripts given to `sh -c` / `bash -c`. It finds every simple
 * command, including those inside `$(...)`, backticks, `<(...)`, subshells, pipelines, lists and newlines, with
 * quotes removed the way the shell removes them. Whatever it cannot judge statically it refuses: parameter and
 * arithmetic expansion, unquoted globs and brace expansion, here-documents, assignments, function definitions,
 * `case`, `for`, `[[`, `eval`-like constructs are decided elsewhere.
 */
export interface ShellWord {
  /** The word after quote removal; command and process substitutions are left out. */
  text: string;
  /** It contains a command substitution, so its value is only known at run time. */
  dynamic: boolean;
  /** It is a process substitution `<(...)` / `>(...)`: at run time a /dev/fd path. */
  processSubstitution: boolean;
  /** It starts with an unquoted `~`. */
  tilde: boolean;
}

export interface ShellRedirect {
  op: string;
  /** The file, or undefined for a descriptor duplication such as `2>&1`. */
  target?: ShellWord;
  write: boolean;
  /** `>` and `>|` truncate the file. */
  truncate: boolean;
}

export interface ShellCommand {
  words: ShellWord[];
  redirects: ShellRedirect[];
  /** Where the command sits: `script`, `$(...)`, `` `...` ``, `<(...)`, `>(...)`. */
  context: string;
}

const MAX_DEPTH = 8;
const METACHARS = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);
const SKIPPED_KEYWORDS = new Set(['if', 'then', 'elif', 'else', 'fi', 'do', 'done', 'while', 'until', '!', '{', '}', 'time']);
const REFUSED_KEYWORDS: Record<string, string> = {
  for: '`for` loops need variable expansion, which the validator refuses',
  select: '`select` needs variable expansion, which the validator refuses',
  case: '`case` statements are not supported by the validator',
  esac: '`case` statements are not supported by the validator',
  function: 'shell function definitions are refused (they can shadow commands)',
  coproc: 'coprocesses are refused',
  '[[': '`[[ ... ]]` can evaluate arithmetic and expansions; use `test` or `[`',
  '((': 'arithmetic commands can run substitutions; they are refused',
  in: '`in` outside a for/case is not valid here',
};
const FORK_BOMB = /([A-Za-z_:][\w:.-]*)\s*\(\s*\)\s*\{[^}]*\1\s*\|\s*&?\s*\1/;

interface Part {
  text: string;
  quoted: boolean;
}

class Parser {
  readonly src: string;
  readonly depth: number;
  readonly out: ShellCommand[];
  i = 0;

  constructor(src: string, depth: number, out: ShellCommand[]) {
    this.src = src;
    this.depth = depth;
    this.out = out;
  }

  peek(offset = 0): string {
    return this.src[this.i + offset] ?? '';
  }

  /** Parses commands until the end, or until the unquoted `)` closing a substitution (consumed). */
  parseList(context: string, closing: boolean): void {
    let current: ShellCommand = { words: [], redirects: [], context };
    const finish = () => {
      if (current.words.length > 0 || current.redirects.length > 0) this.out.push(current);
      current = { words: [], redirects: [], context };
    };
    for (;;) {
      const c = this.peek();
      if (c === '') {
        if (closing) refuse('shell-syntax', 'unterminated substitution: a `(` has no matching `)`');
        finish();
        return;
      }
      if (c === ' ' || c === '\t') {
        this.i += 1;
        continue;
      }
      if (c === '\\' && this.peek(1) === '\n') {
        this.i += 2;
        continue;
      }
      if (c === '#') {
        while (this.peek() !== '' && this.peek() !== '\n') this.i += 1;
        continue;
      }
      if (c === ')') {
        if (!closing) refuse('shell-syntax', 'unbalanced `)` in the shell script');
        this.i += 1;
        finish();
        return;
      }
      if (c === ';' && this.peek(1) === ';') refuse('shell-syntax', REFUSED_KEYWORDS.case as string);
      if (c === '\n' || c === ';' || c === '|' || (c === '&' && this.peek(1) !== '>')) {
        this.i += c === '&' && this.peek(1) === '&' ? 2 : c === '|' && (this.peek(1) === '|' || this.peek(1) === '&') ? 2 : 1;
        finish();
        continue;
      }
      if (c === '(') {
        if (current.words.length > 0) refuse('shell-function', REFUSED_KEYWORDS.function as string);
        if (this.peek(1) === '(') refuse('shell-arithmetic', REFUSED_KEYWORDS['(('] as string);
        this.i += 1;
        finish();
        const child = this.child(this.src);
        child.i = this.i;
        child.parseList(context, true);
        this.i = child.i;
        continue;
      }
      if ((c === '<' || c === '>') && this.peek(1) === '(') {
        const before = this.src[this.i - 1] ?? ' ';
        if (!/[\s;&|()]/.test(before)) refuse('shell-syntax', 'a process substitution must stand alone as a word');
        current.words.push(this.processSubstitution(c));
        continue;
      }
      const redirect = this.tryRedirect();
      if (redirect) {
        current.redirects.push(redirect);
        continue;
      }
      const word = this.parseWord();
      if (current.words.length === 0) {
        const bare = word.bare;
        if (bare !== undefined && SKIPPED_KEYWORDS.has(bare)) continue;
        if (bare !== undefined && Object.hasOwn(REFUSED_KEYWORDS, bare)) {
          refuse(`shell-${bare === '[[' ? 'conditional' : bare}`, REFUSED_KEYWORDS[bare] as string);
        }
        if (/^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/.test(word.unquotedPrefix)) {
          refuse(
            'shell-assignment',
            `variable assignments are refused in shell scripts (${word.word.text.split('=')[0]}=...); pass env instead`,
          );
        }
      }
      current.words.push(word.word);
    }
  }

  child(src: string): Parser {
    if (this.depth + 1 > MAX_DEPTH)
      refuse('shell-depth', `the script nests substitutions or subshells deeper than ${MAX_DEPTH} levels`);
    return new Parser(src, this.depth + 1, this.out);
  }

  processSubstitution(direction: string): ShellWord {
    this.i += 2;
    const child = this.child(this.src);
    child.i = this.i;
    child.parseList(`${direction}(...)`, true);
    this.i = child.i;
    if (this.peek() !== '' && !METACHARS.has(this.peek())) {
      refuse('shell-syntax', 'a process substitution must stand alone as a word');
    }
    return { text: '/dev/fd/63', dynamic: false, processSubstitution: true, tilde: false };
  }

  commandSubstitution(): void {
    // At `$(`; `$((` is arithmetic.
    if (this.peek(2) === '(') refuse('shell-arithmetic', 'arithmetic expansion `$((...))` is refused');
    this.i += 2;
    const child = this.child(this.src);
    child.i = this.i;
    child.parseList('$(...)', true);
    this.i = child.i;
  }

  backtick(): void {
    // At the opening backtick: the inner text ends at the next unescaped backtick; \` \\ \$ are unescaped.
    this.i += 1;
    let inner = '';
    for (;;) {
      const c = this.peek();
      if (c === '') refuse('shell-syntax', 'unterminated backtick substitution');
      if (c === '\\' && ['`', '\\', '$'].includes(this.peek(1))) {
        inner += this.peek(1);
        this.i += 2;
        continue;
      }
      if (c === '`') {
        this.i += 1;
        break;
      }
      inner += c;
      this.i += 1;
    }
    this.child(inner).parseList('`...`', false);
  }

  dollar(inDoubleQuotes: boolean): { text: string; dynamic: boolean } {
    const next = this.peek(1);
    if (next === '(') {
      this.commandSubstitution();
      return { text: '', dynamic: true };
    }
    if (next === '{' || /[A-Za-z_0-9?$!#@*-]/.test(next)) {
      refuse(
        'shell-expansion',
        `parameter expansion ($${next === '{' ? '{...}' : next}...) is refused: its value cannot be checked`,
      );
    }
    if (next === '[') refuse('shell-arithmetic', 'arithmetic expansion `$[...]` is refused');
    if (!inDoubleQuotes && next === "'") return { text: this.ansiCQuote(), dynamic: false };
    if (!inDoubleQuotes && next === '"') {
      this.i += 1;
      return this.doubleQuoted();
    }
    this.i += 1;
    return { text: '$', dynamic: false };
  }

  ansiCQuote(): string {
    // At `$'`.
    const decoded = decodeAnsiC(this.src, this.i + 2);
    this.i = decoded.end;
    return decoded.text;
  }

  doubleQuoted(): { text: string; dynamic: boolean } {
    // At the opening double quote.
    this.i += 1;
    let text = '';
    let dynamic = false;
    for (;;) {
      const c = this.peek();
      if (c === '') refuse('shell-syntax', 'unterminated double quote');
      if (c === '"') {
        this.i += 1;
        return { text, dynamic };
      }
      if (c === '\\') {
        const n = this.peek(1);
        if (n === '\n') this.i += 2;
        else if (['$', '`', '"', '\\'].includes(n)) {
          text += n;
          this.i += 2;
        } else {
          text += '\\';
          this.i += 1;
        }
        continue;
      }
      if (c === '$') {
        const part = this.dollar(true);
        text += part.text;
        dynamic ||= part.dynamic;
        continue;
      }
      if (c === '`') {
        this.backtick();
        dynamic = true;
        continue;
      }
      text += c;
      this.i += 1;
    }
  }

  tryRedirect(): ShellRedirect | undefined {
    const rest = this.src.slice(this.i);
    const match = /^(\d*)(&>>|&>|<<<|<<-|<<|<>|<&|>&|>>|>\||<|>)/.exec(rest);
    if (!match) return undefined;
    const op = match[2] as string;
    if (op === '<<' || op === '<<-') refuse('shell-heredoc', 'here-documents are refused; pass the text as stdin instead');
    this.i += match[0].length;
    while (this.peek() === ' ' || this.peek() === '\t') this.i += 1;
    if (this.peek() === '' || METACHARS.has(this.peek())) refuse('shell-syntax', `the redirection ${op} has no target`);
    const parsed = this.parseWord();
    const word = parsed.word;
    if (op === '<<<') return { op, write: false, truncate: false };
    if ((op === '>&' || op === '<&') && /^(\d+-?|-)$/.test(word.text) && !word.dynamic) {
      return { op, write: false, truncate: false };
    }
    const write = op !== '<' && op !== '<&';
    return { op, target: word, write, truncate: op === '>' || op === '>|' || op === '&>' || op === '>&' };
  }

  parseWord(): { word: ShellWord; bare: string | undefined; unquotedPrefix: string } {
    const parts: Part[] = [];
    let dynamic = false;
    const start = this.i;
    let tilde = false;
    for (;;) {
      const c = this.peek();
      if (c === '' || METACHARS.has(c)) break;
      if (c === '\0') refuse('nul', 'the script contains a NUL byte');
      if (c === '\\') {
        const n = this.peek(1);
        if (n === '\n') {
          this.i += 2;
          continue;
        }
        if (n === '') refuse('shell-syntax', 'the script ends with a lone backslash');
        parts.push({ text: n, quoted: true });
        this.i += 2;
        continue;
      }
      if (c === "'") {
        const end = this.src.indexOf("'", this.i + 1);
        if (end < 0) refuse('shell-syntax', 'unterminated single quote');
        parts.push({ text: this.src.slice(this.i + 1, end), quoted: true });
        this.i = end + 1;
        continue;
      }
      if (c === '"') {
        const part = this.doubleQuoted();
        parts.push({ text: part.text, quoted: true });
        dynamic ||= part.dynamic;
        continue;
      }
      if (c === '$') {
        const quotedForm = this.peek(1) === "'" || this.peek(1) === '"';
        const part = this.dollar(false);
        parts.push({ text: part.text, quoted: quotedForm });
        dynamic ||= part.dynamic;
        continue;
      }
      if (c === '`') {
        this.backtick();
        dynamic = true;
        continue;
      }
      if (this.i === start && c === '~') tilde = true;
      parts.push({ text: c, quoted: false });
      this.i += 1;
    }
    const text = parts.map((p) => p.text).join('');
    const unquoted = parts.map((p) => (p.quoted ? '\u0001'.repeat(p.text.length) : p.text)).join('');
    const allUnquoted = parts.every((p) => !p.quoted);
    checkWord(text, unquoted, tilde);
    return {
      word: { text, dynamic, processSubstitution: false, tilde },
      bare: allUnquoted && !dynamic ? text : undefined,
      unquotedPrefix: unquoted,
    };
  }
}

/** Every simple command in a shell script, nested ones included; refuses what it cannot judge. */
export function parseShellScript(script: string): ShellCommand[] {
  if (script.includes('\0')) refuse('nul', 'the script contains a NUL byte');
  if (FORK_BOMB.test(script))
    refuse('forbidden-fork-bomb', 'a fork bomb (a function that pipes into itself in the background) is forbidden');
  const out: ShellCommand[] = [];
  new Parser(script, 0, out).parseList('script', false);
  return out;
}
