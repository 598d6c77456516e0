import { expect, test } from '@jest/globals';
import { type SseEvent, SseParser } from '../src/client/sse-parser.ts';

function parse(...chunks: string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser((event) => events.push(event));
  for (const chunk of chunks) parser.push(chunk);
  return events;
}

test('events in one chunk, with event names, ids and comments', () => {
  expect(parse(': keep-alive\n\nevent: message\nid: 7\ndata: {"a":1}\n\ndata: two\n\n')).toEqual([
    { event: 'message', id: '7', data: '{"a":1}' },
    { data: 'two' },
  ]);
});

test('an event split anywhere across chunks, and a trailing partial event held back', () => {
  const text = 'event: message\ndata: {"jsonrpc":"2.0","id":1}\n\ndata: next';
  for (let cut = 1; cut < text.length; cut++) {
    expect(parse(text.slice(0, cut), text.slice(cut))).toEqual([{ event: 'message', data: '{"jsonrpc":"2.0","id":1}' }]);
  }
  expect(parse(text, '\n\n')).toHaveLength(2);
});

test('multi-line data joins with newlines; a value keeps all but one leading space; a bare field is empty', () => {
  expect(parse('data: a\ndata:b\ndata:  c\ndata\n\n')).toEqual([{ data: 'a\nb\n c\n' }]);
});

test('CRLF and CR line endings, even when a CRLF is split between chunks', () => {
  expect(parse('data: x\r\n\r\ndata: y\r\rdata: z\r', '\n\r\n')).toEqual([{ data: 'x' }, { data: 'y' }, { data: 'z' }]);
  expect(parse('data: a\r', '\ndata: b\r\n\r\n')).toEqual([{ data: 'a\nb' }]);
});

test('an id without data is an event (it moves the last event id); unknown fields and empty blocks are ignored', () => {
  expect(parse('id: 3\n\nretry: 10\nfoo: bar\n\n\n\n')).toEqual([{ id: '3', data: '' }]);
});
