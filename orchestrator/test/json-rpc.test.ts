import { expect, test } from '@jest/globals';
import { type JsonRpcResponse, messageText, parseMessage, reidentified } from '../src/json-rpc.ts';

const sdkText = '{"result":{"content":[{"type":"text","text":"hi, \\"id\\":7}"}],"isError":false},"jsonrpc":"2.0","id":7}';

test('a response is sent on as the upstream wrote it, with only its id rewritten', () => {
  const upstream = parseMessage(sdkText) as JsonRpcResponse;
  const forwarded = reidentified(upstream, 'client-1');
  expect(forwarded).toEqual({ jsonrpc: '2.0', id: 'client-1', result: upstream.result });
  const text = messageText(forwarded);
  expect(text).toBe(sdkText.replace(/,"id":7}$/, ',"id":"client-1"}'));
  expect(JSON.parse(text)).toEqual(forwarded);
  expect(messageText(reidentified(upstream, 42))).toBe(sdkText.replace(/"id":7}$/, '"id":42}'));
});

test.each([
  ['the id is not the last member', '{"jsonrpc":"2.0","id":7,"result":{"a":1,"id":7}}'],
  ['whitespace before the closing brace', '{"jsonrpc":"2.0","result":{},"id":7 }'],
  ['the text spans lines', '{"jsonrpc":"2.0",\n"result":{"a":"b"},"id":7}'],
  ['an error response written differently', '{"error":{"code":-32602,"message":"bad"},"id":7,"jsonrpc":"2.0"}'],
])('otherwise the forwarded copy is serialised (%s)', (_case, text) => {
  const forwarded = reidentified(parseMessage(text) as JsonRpcResponse, 'c');
  const sent = messageText(forwarded);
  expect(sent).toBe(JSON.stringify(forwarded));
  expect(JSON.parse(sent).id).toBe('c');
  expect(sent).not.toContain('\n');
});

test('messages built here are serialised; parsed ones keep their text', () => {
  expect(messageText({ jsonrpc: '2.0', method: 'notifications/initialized' })).toBe(
    '{"jsonrpc":"2.0","method":"notifications/initialized"}',
  );
  const text = '{"jsonrpc":"2.0","method":"x","params":{"b":1,"a":2}}';
  expect(messageText(parseMessage(text))).toBe(text);
});

test('a copy made to rewrite a field never carries the original text', () => {
  const progress = parseMessage('{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":3,"progress":1}}');
  const rewritten = { ...progress, params: { ...(progress as { params: object }).params, progressToken: 'client-token' } };
  expect(JSON.parse(messageText(rewritten)).params.progressToken).toBe('client-token');
});

test('text spanning lines is never kept (it could not go out as one SSE data line)', () => {
  const text = '{"jsonrpc":"2.0",\n"method":"notifications/message","params":{"level":"info","data":"x"}}';
  expect(messageText(parseMessage(text))).toBe(JSON.stringify(JSON.parse(text)));
});
