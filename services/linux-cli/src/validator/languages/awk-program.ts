import { refuse } from '../refusal.ts';

/**
 * A tokenizer for awk programs (POSIX awk plus gawk's extensions), enough to tell code from string literals,
 * regular expressions and comments, and a checker over its tokens. awk can run commands (`system()`, pipes, `|&`,
 * `getline`) and write files (`print > file`), so those are refused; so is anything the tokenizer cannot classify,
 * and every gawk directive (`@include`, `@load`, indirect calls).
 *
 * A `/` starts a regular expression where awk's own lexer would read one: where no operand precedes it (at the
 * start, after an operator, `(`, `,`, `;`, `{`, a newline, or a keyword such as `print`). Anything else is division.
 * Reading a slash as division where awk would read a regex only makes the checker see more code, never less.
 */
type TokenKind = 'name' | 'number' | 'string' | 'regex' | 'op' | 'newline';

interface Token {
  kind: TokenKind;
  text: string;
}

const KEYWORDS = new Set([
  'BEGIN',
  'END',
  'BEGINFILE',
  'ENDFILE',
  'function',
  'func',
  'if',
  'else',
  'while',
  'for',
  'do',
  'break',
  'continue',
  'next',
  'nextfile',
  'exit',
  'return',
  'delete',
  'in',
  'getline',
  'print',
  'printf',
  'switch',
  'case',
  'default',
]);

const OPERATORS = [
  '**=',
  '...',
  '&&',
  '||',
  '==',
  '!=',
  '<=',
  '>=',
  '>>',
  '|&',
  '++',
  '--',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '^=',
  '**',
  '!~',
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ';',
  ',',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  '!',
  '>',
  '<',
  '|',
  '?',
  ':',
  '~',
  '$',
  '=',
];

function operandEnded(previous: Token | undefined): boolean {
  if (!previous) return false;
  if (previous.kind === 'number' || previous.kind === 'string' || previous.kind === 'regex') return true;
  if (previous.kind === 'name') return !KEYWORDS.has(previous.text);
  return previous.text === ')' || previous.text === ']' || previous.text === '++' || previous.text === '--';
}

function readQuoted(src: string, start: number, quote: string, what: string): number {
  let i = start + 1;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) return i + 1;
    if (c === '\n') break;
    if (quote === '/' && c === '[') {
      // A bracket expression may hold a `/` unescaped: /[/]/ is one regex.
      i += 1;
      if (src[i] === '^') i += 1;
      if (src[i] === ']') i += 1;
      while (i < src.length && src[i] !== ']' && src[i] !== '\n') i += src[i] === '\\' ? 2 : 1;
      i += 1;
      continue;
    }
    i += 1;
  }
  refuse('awk-syntax', `awk: an unterminated ${what}`, 'awk');
}

export function tokenizeAwk(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === ' ' || c === '\t' || c === '\r') {
      i += 1;
      continue;
    }
    if (c === '\\' && src[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '\n') {
      tokens.push({ kind: 'newline', text: '\n' });
      i += 1;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i += 1;
      continue;
    }
    if (c === '"') {
      const end = readQuoted(src, i, '"', 'string');
      tokens.push({ kind: 'string', text: src.slice(i, end) });
      i = end;
      continue;
    }
    if (c === '/' && !operandEnded(tokens.filter((t) => t.kind !== 'newline').at(-1))) {
      const end = readQuoted(src, i, '/', 'regular expression');
      tokens.push({ kind: 'regex', text: src.slice(i, end) });
      i = end;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))?.[0];
    if (name) {
      tokens.push({ kind: 'name', text: name });
      i += name.length;
      continue;
    }
    const number = /^(?:0[xX][0-9A-Fa-f]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(src.slice(i))?.[0];
    if (number) {
      tokens.push({ kind: 'number', text: number });
      i += number.length;
      continue;
    }
    const op = OPERATORS.find((candidate) => src.startsWith(candidate, i));
    if (op) {
      tokens.push({ kind: 'op', text: op });
      i += op.length;
      continue;
    }
    refuse('awk-syntax', `awk: the validator cannot read ${JSON.stringify(c)} in the program`, 'awk');
  }
  return tokens;
}

const STATEMENT_END = new Set([';', '}', '\n']);

/**
 * Refuses awk programs that run commands, read other files (getline, or files added to ARGV), write files, or use gawk
 * directives.
 */
export function checkAwkProgram(program: string, command: string): void {
  if (program.includes('@'))
    refuse('awk-extension', `${command}: @include, @load, @namespace and indirect calls are refused`, command);
  const tokens = tokenizeAwk(program);
  let printDepth: number | undefined;
  let depth = 0;
  for (const token of tokens) {
    if (token.kind === 'name' && (token.text === 'system' || token.text === 'getline')) {
      refuse(
        token.text === 'system' ? 'awk-system' : 'awk-getline',
        token.text === 'system'
          ? `${command}: system() runs shell commands`
          : `${command}: getline reads commands' output or other files`,
        command,
      );
    }
    if (token.kind === 'name' && (token.text === 'ARGV' || token.text === 'ARGC')) {
      refuse(
        'awk-argv',
        `${command}: ${token.text} is refused (a program that changes ARGV reads files the validator never saw)`,
        command,
      );
    }
    if (token.kind === 'op' && (token.text === '|' || token.text === '|&')) {
      refuse('awk-pipe', `${command}: pipes to or from commands ("${token.text}") are refused`, command);
    }
    if (token.kind === 'name' && (token.text === 'print' || token.text === 'printf')) {
      printDepth = depth;
      continue;
    }
    if (token.text === '(' || token.text === '[') depth += 1;
    if (token.text === ')' || token.text === ']') depth = Math.max(0, depth - 1);
    if (printDepth !== undefined) {
      if ((token.text === '>' || token.text === '>>') && depth === printDepth) {
        refuse('awk-redirect', `${command}: print/printf redirected to a file is refused`, command);
      }
      if (STATEMENT_END.has(token.text) && depth <= printDepth) printDepth = undefined;
    }
    if (token.text === '{' || token.text === '}') depth = 0;
  }
}
