import { expect, test } from '@jest/globals';
import { parseCsv } from '../src/csv.ts';

test('quotes, escaped quotes, embedded newlines, CRLF and a BOM', () => {
  const { records, problems } = parseCsv('\ufeffa,b\r\n"x ""y""","multi\nline"\r\n\r\nlast,\n');
  expect(problems).toEqual([]);
  expect(records).toEqual([
    { line: 1, fields: ['a', 'b'] },
    { line: 2, fields: ['x "y"', 'multi\nline'] },
    { line: 5, fields: ['last', ''] },
  ]);
});

test('a malformed record is reported with its line and parsing resumes on the next line', () => {
  const bad = parseCsv('h1,h2\nok,1\n"x"y,3\nend,4');
  expect(bad.problems).toEqual([{ line: 3, message: 'malformed CSV at line 3: unexpected text after a closing quote' }]);
  expect(bad.records.map((r) => r.fields[0])).toEqual(['h1', 'ok', 'end']);
  // A quote that is never closed swallows the rest of the file as one field: reported, and the next lines kept.
  const open = parseCsv('h1,h2\n"open,1\nok,2\nend,4');
  expect(open.problems).toEqual([{ line: 2, message: 'malformed CSV at line 2: unterminated quoted field' }]);
  expect(open.records.map((r) => r.fields[0])).toEqual(['h1', 'ok', 'end']);
});
