import { refuse } from '../refusal.ts';

/**
 * A reader for GNU sed scripts: addresses, commands, their arguments and `s`/`y` delimiters. GNU sed can run
 * commands (`e`, `s///e`) and read or write other files (`r`, `R`, `w`, `W`, `s///w`), so those are refused; so is any
 * command it does not know, and any script it cannot read to the end.
 */
const SED_SIMPLE = new Set(['d', 'D', 'g', 'G', 'h', 'H', 'l', 'n', 'N', 'p', 'P', 'q', 'Q', 'x', 'z', '=', 'F']);

function skipDelimited(script: string, start: number, delimiter: string): number {
  // From just after an opening delimiter to just after the closing one; backslash escapes the delimiter.
  let i = start;
  while (i < script.length) {
    const c = script[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === delimiter) return i + 1;
    if (c === '\n') break;
    i += 1;
  }
  refuse('sed-syntax', 'sed: an unterminated regular expression or s command', 'sed');
}

/** Refuses sed scripts with commands that run programs or touch files: e, w, W, r, R and the s///e and s///w flags. */
export function checkSedScript(script: string): void {
  let i = 0;
  const n = script.length;
  const skipBlank = () => {
    while (i < n && /[\s;]/.test(script[i] as string)) i += 1;
  };
  const address = () => {
    for (let part = 0; part < 2; part++) {
      const c = script[i];
      if (c === undefined) return;
      if (/[0-9$]/.test(c)) {
        while (i < n && /[0-9$~+]/.test(script[i] as string)) i += 1;
      } else if (c === '/') {
        i = skipDelimited(script, i + 1, '/');
        while (i < n && /[IM]/.test(script[i] as string)) i += 1;
      } else if (c === '\\' && i + 1 < n) {
        i = skipDelimited(script, i + 2, script[i + 1] as string);
        while (i < n && /[IM]/.test(script[i] as string)) i += 1;
      } else return;
      if (script[i] === ',') i += 1;
      else return;
    }
  };
  while (i < n) {
    skipBlank();
    if (i >= n) break;
    address();
    while (i < n && /[\s!]/.test(script[i] as string)) i += 1;
    const c = script[i];
    if (c === undefined) break;
    if (c === '{' || c === '}') {
      i += 1;
      continue;
    }
    if (c === '#') {
      while (i < n && script[i] !== '\n') i += 1;
      continue;
    }
    if (c === 's') {
      const d = script[i + 1];
      if (d === undefined || d === '\n' || d === '\\') refuse('sed-syntax', 'sed: bad s command', 'sed');
      i = skipDelimited(script, i + 2, d);
      i = skipDelimited(script, i, d);
      const flags = /^[A-Za-z0-9]*/.exec(script.slice(i))?.[0] ?? '';
      if (flags.includes('e')) refuse('sed-execute', 'sed: the s///e flag runs the pattern space as a command', 'sed');
      if (flags.includes('w')) refuse('sed-write', 'sed: the s///w flag writes a file', 'sed');
      i += flags.length;
      continue;
    }
    if (c === 'y') {
      const d = script[i + 1];
      if (d === undefined || d === '\n' || d === '\\') refuse('sed-syntax', 'sed: bad y command', 'sed');
      i = skipDelimited(script, i + 2, d);
      i = skipDelimited(script, i, d);
      continue;
    }
    if (c === 'e') refuse('sed-execute', 'sed: the e command runs shell commands', 'sed');
    if (c === 'w' || c === 'W') refuse('sed-write', `sed: the ${c} command writes a file`, 'sed');
    if (c === 'r' || c === 'R') refuse('sed-read', `sed: the ${c} command reads another file`, 'sed');
    if (c === 'a' || c === 'i' || c === 'c') {
      while (i < n && script[i] !== '\n') i += script[i] === '\\' ? 2 : 1;
      continue;
    }
    if (c === 'b' || c === 't' || c === 'T' || c === ':') {
      i += 1;
      while (i < n && script[i] !== ';' && script[i] !== '\n') i += 1;
      continue;
    }
    if (c === 'v') {
      i += 1;
      continue;
    }
    if (SED_SIMPLE.has(c)) {
      i += 1;
      while (i < n && /[0-9]/.test(script[i] as string)) i += 1;
      continue;
    }
    refuse('sed-syntax', `sed: the command ${JSON.stringify(c)} is not understood by the validator`, 'sed');
  }
}
