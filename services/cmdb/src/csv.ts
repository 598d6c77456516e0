/** One parsed CSV record with the line it starts on (1-based, header included). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export interface CsvProblem {
  line: number;
  message: string;
}

/**
 * RFC 4180 CSV: commas, double-quoted fields with "" escapes and embedded newlines, CRLF or LF. A malformed
 * record (unterminated quote, text after a closing quote) is reported with its line and parsing resumes at the
 * next line, so one bad line never hides the good ones.
 */
export function parseCsv(text: string): { records: CsvRecord[]; problems: CsvProblem[] } {
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lineStarts = [0];
  for (let at = source.indexOf('\n'); at >= 0; at = source.indexOf('\n', at + 1)) lineStarts.push(at + 1);
  let i = 0;
  let line = 1;
  while (i < source.length) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let problem: string | undefined;
    let atFieldStart = true;
    let ended = false;
    while (i < source.length && !ended) {
      const c = source[i] as string;
      if (atFieldStart && c === '"') {
        i++;
        let closed = false;
        while (i < source.length) {
          const d = source[i] as string;
          if (d === '"') {
            if (source[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (d === '\n') line++;
          field += d;
          i++;
        }
        if (!closed) {
          problem = 'unterminated quoted field';
          break;
        }
        const after = source[i];
        if (after !== undefined && after !== ',' && after !== '\n' && after !== '\r') {
          problem = 'unexpected text after a closing quote';
          break;
        }
        atFieldStart = false;
        continue;
      }
      if (c === ',') {
        fields.push(field);
        field = '';
        atFieldStart = true;
        i++;
      } else if (c === '\n' || c === '\r') {
        i += c === '\r' && source[i + 1] === '\n' ? 2 : 1;
        line++;
        ended = true;
      } else {
        field += c;
        atFieldStart = false;
        i++;
      }
    }
    if (problem) {
      problems.push({ line: startLine, message: `malformed CSV at line ${startLine}: ${problem}` });
      // Resume on the line after the one where the bad record started.
      i = lineStarts[startLine] ?? source.length;
      line = startLine + 1;
      continue;
    }
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: startLine, fields });
  }
  return { records, problems };
}
