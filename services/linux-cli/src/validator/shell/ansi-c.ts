import { refuse } from '../refusal.ts';

const SIMPLE: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

/** Decodes the body of a `$'...'` quote from `start` (just after `$'`) as bash does; `end` is just after the closing quote. */
export function decodeAnsiC(src: string, start: number): { text: string; end: number } {
  let i = start;
  let out = '';
  for (;;) {
    const c = src[i] ?? '';
    if (c === '') refuse('shell-syntax', "unterminated $'...' quote");
    if (c === "'") return { text: out, end: i + 1 };
    if (c !== '\\') {
      out += c;
      i += 1;
      continue;
    }
    const e = src[i + 1] ?? '';
    i += 2;
    if (Object.hasOwn(SIMPLE, e)) {
      out += SIMPLE[e];
    } else if (e === 'x') {
      const hex = /^[0-9A-Fa-f]{1,2}/.exec(src.slice(i))?.[0] ?? '';
      i += hex.length;
      out += String.fromCharCode(Number.parseInt(hex || '0', 16));
    } else if (e === 'u' || e === 'U') {
      const hex = new RegExp(`^[0-9A-Fa-f]{1,${e === 'u' ? 4 : 8}}`).exec(src.slice(i))?.[0] ?? '';
      i += hex.length;
      out += String.fromCodePoint(Number.parseInt(hex || '0', 16));
    } else if (/[0-7]/.test(e)) {
      const oct = /^[0-7]{0,2}/.exec(src.slice(i))?.[0] ?? '';
      i += oct.length;
      out += String.fromCharCode(Number.parseInt(e + oct, 8));
    } else if (e === 'c') {
      refuse('shell-syntax', "control-character escapes (\\c) in $'...' are refused");
    } else {
      out += `\\${e}`;
    }
  }
}
