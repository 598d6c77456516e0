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

  test('a handle under a secret-named key is kept: it names the secret, it is not one', () => {
    expect(r.redact({ password: 'secret://local/app/db', token: 'abc12345' })).toEqual({
      password: 'secret://local/app/db',
      token: REDACTED,
    });
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

  test.each([
    ['a handle', 'secret://local/db/orders/password#3'],
    ['a handle in JSON', '{"handle":"secret://vault/app/api-key"}'],
    ['a handle in an env value', 'DB_PASSWORD=secret://local/app/db'],
    ['a handle as a quoted value', '{"DB_PASSWORD":"secret://local/app/db#2"}'],
    ['a validation warning about the secrets service', 'cannot check tool "getSecret": service "secrets" is not up'],
    ['a quoted word ending in a key word before prose', 'the "apiToken": field is required'],
    ['a tool name in a service client error', 'secrets.resolveSecret: caller "notify" may not resolve local/x'],
    ['a method name before prose', 'getToken: failed after 3 attempts'],
  ])('%s passes unchanged', (_name, text) => {
    expect(r.redactString(text)).toBe(text);
  });

  test.each([
    ['secret= still', 'secret=hunter22 next', `secret=${REDACTED} next`],
    ['a YAML secret', 'client_secret: abcd1234efgh', `client_secret: ${REDACTED}`],
    ['a quoted JSON value with spaces', '{"password": "correct horse battery"}', `{"password": "${REDACTED}"}`],
    ['a single-quoted dict', "{'token': 'abcd1234'}", `{'token': '${REDACTED}'}`],
    ['a camelCase key with =', 'dbPassword=abcd1234', `dbPassword=${REDACTED}`],
    ['a camelCase key with a quoted value', "{ dbPassword: 'abcd 1234' }", `{ dbPassword: '${REDACTED}' }`],
    ['an upper-case env line', 'DB_PASSWORD: hunter22', `DB_PASSWORD: ${REDACTED}`],
    ['a header', 'X-Api-Key: abcd1234', `X-Api-Key: ${REDACTED}`],
    ['a camelCase key word itself', 'apiKey: abcd1234', `apiKey: ${REDACTED}`],
  ])('%s is redacted', (_name, input, expected) => {
    expect(r.redactString(input)).toBe(expected);
  });
});

describe('registered values by digest', () => {
  const value = 'Zq9!x@resolved/value';
  const short = 'p1n';
  const r = createRedactor();
  r.register(value, short);

  test.each([
    ['the value', value],
    ['base64', Buffer.from(value).toString('base64')],
    ['base64 without padding', Buffer.from(value).toString('base64').replace(/=+$/, '')],
    ['base64url', Buffer.from(value).toString('base64url')],
    ['hex', Buffer.from(value).toString('hex')],
    ['HEX', Buffer.from(value).toString('hex').toUpperCase()],
    ['URL-encoded', encodeURIComponent(value)],

    ['a short value', short],
    ['a short value in base64', Buffer.from(short).toString('base64')],
  ])('a whole string that is %s is redacted', (_name, text) => {
    expect(r.redactString(text)).toBe(REDACTED);
    expect(r.redact({ out: text })).toEqual({ out: REDACTED });
  });

  test('a value a command printed keeps its surrounding white space', () => {
    expect(r.redactString(`${value}\n`)).toBe(`${REDACTED}\n`);
    expect(r.redactString(`  ${short}\n`)).toBe(`  ${REDACTED}\n`);
    expect(r.redactString(`${Buffer.from(value).toString('base64')}\n`)).toBe(`${REDACTED}\n`);
  });

  test('inside text the value and its URL-encoded form are found; a short value is not (it would mangle words)', () => {
    expect(r.redactString(`pw ${value} end`)).toBe(`pw ${REDACTED} end`);
    expect(r.redactString(`https://x/?p=${encodeURIComponent(value)}&q=1`)).toBe(`https://x/?p=${REDACTED}&q=1`);
    expect(r.redactString('the p1n code and p1nball')).toBe('the p1n code and p1nball');
  });

  test('another redactor does not know the value: the digest key is per process instance', () => {
    expect(createRedactor().redactString(short)).toBe(short);
  });
});
