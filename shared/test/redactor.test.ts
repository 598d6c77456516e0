import { describe, expect, test } from '@jest/globals';
import { createRedactor, REDACTED } from '../src/index.ts';

describe('redactor', () => {
  const r = createRedactor();
  r.register('s3cr3t-value', undefined, 'abc');

  test.each([
    ['registered value', 'pw is s3cr3t-value!', `pw is ${REDACTED}!`],
    ['AWS access key id', 'id AKIAIOSFODNN7EXAMPLE here', `id ${REDACTED} here`],
    ['GitHub token', 'ghp_0123456789abcdefghijABCDEFGHIJ012345', REDACTED],
    ['Slack token', 'xoxb-1234567890-abcdefghij', REDACTED],
    ['OpenAI / Anthropic key', 'key sk-ant-api03-abcdefghijklmnopqrstuv', `key ${REDACTED}`],
    ['Google API key', 'AIzaSyA-1234567890abcdefghijklmnopqrstu', REDACTED],
    ['Twilio API key', 'SK0123456789abcdef0123456789abcdef', REDACTED],
    ['JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcdefghijk', REDACTED],
    ['bearer header', 'Authorization: Bearer abcdefghijklmnop', `Authorization: Bearer ${REDACTED}`],
    ['bearer without a header name, any case', 'sent bEaReR abcdefghijklmnop', `sent bEaReR ${REDACTED}`],
    ['basic credentials', 'BASIC dXNlcjpwYXNzd29yZA', `BASIC ${REDACTED}`],
    ['fine-grained GitHub token', 'github_pat_0123456789abcdefghijABCDEFGHIJ', REDACTED],
    ['URL password', 'postgres://app:hunter22@db:5432/x', `postgres://app:${REDACTED}@db:5432/x`],
    ['key=value', 'password=hunter22 user=bob', `password=${REDACTED} user=bob`],
    ['JSON key', '{"api_key": "abcd1234"}', `{"api_key": "${REDACTED}"}`],
    ['private key block', '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----', REDACTED],
  ])('%s', (_name, input, expected) => {
    expect(r.redactString(input)).toBe(expected);
  });

  test('ordinary text, short registered values and harmless words pass unchanged', () => {
    const text = 'deploy api to web-01 (10.0.0.1) with token count 5, SWITCHBOARD_AUTH=none, abc';
    expect(r.redactString(text)).toBe(text);
  });

  test('redact() walks objects: secret-named keys are blanked, other strings scanned, input untouched', () => {
    const input = { user: 'bob', password: 'x1', nested: [{ note: 'uses s3cr3t-value' }], count: 3, token: '' };
    expect(r.redact(input)).toEqual({
      user: 'bob',
      password: REDACTED,
      nested: [{ note: `uses ${REDACTED}` }],
      count: 3,
      token: '',
    });
    expect(input.password).toBe('x1');
  });
});
