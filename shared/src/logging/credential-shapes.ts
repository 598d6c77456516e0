/**
 * The credential shapes the redactor recognises without registration (redactor.ts applies them). Kept apart from
 * the redactor so a new shape is one line here and one case in test/redactor.test.ts.
 */

/** Shapes whose whole match is secret. */
const WHOLE: readonly string[] = [
  String.raw`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)`,
  String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`,
  String.raw`\bgh[pousr]_[A-Za-z0-9]{30,}\b`,
  String.raw`\bgithub_pat_[A-Za-z0-9_]{30,}\b`,
  String.raw`\bxox[abprs]-[A-Za-z0-9-]{10,}`,
  String.raw`\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}`,
  String.raw`\bAIza[0-9A-Za-z_-]{35}\b`,
  String.raw`\bSK[0-9a-fA-F]{32}\b`,
  String.raw`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`,
];

/** Words that name a secret when a value is assigned to them (`password=`, `"api_key": "..."`). */
const KEY_WORDS = 'password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|secret[_-]?key|client[_-]?secret';

/**
 * An assignment: `=`, or a `:` that does not start `://` (a URL scheme such as a `secret://backend/path` handle
 * names a secret, it is not one).
 */
const ASSIGN = String.raw`(?:=|:(?!\/\/))`;

/** A value that is a secret handle is no secret (`DB_PASSWORD=secret://local/app/db`): it is left as it is. */
const NOT_A_HANDLE = String.raw`(?!secret:\/\/)`;

/**
 * Shapes where only what follows a harmless prefix is secret: each is `(prefix)secret`, with exactly one capture
 * group, the prefix, which is kept.
 */
const PREFIXED: readonly string[] = [
  String.raw`(?i:(\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]{8,})`,
  String.raw`(?i:(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"']+:)[^\s@/"']+(?=@))`,
  // A bare key assigned with `=`: `password=hunter2`, `DB_PASSWORD="hunter2"`, `dbPassword=abc1`.
  String.raw`(?i:((?:${KEY_WORDS})\s*=\s*["']?)${NOT_A_HANDLE}[^\s"',;&]{4,})`,
  // A bare key with `:` and a quoted value: `dbPassword: 'correct horse'` (util.inspect, YAML).
  String.raw`(?i:((?:${KEY_WORDS})\s*:(?!\/\/)\s*["'])${NOT_A_HANDLE}[^"'\n]{4,})`,
  // A bare key with `:` and an unquoted value: `password: hunter2`, `X-Api-Key: abcd`. Not the camelCase tail of a
  // name (`secrets.resolveSecret: caller "x" may not…`, `getToken: failed`): tool and method names end that way.
  String.raw`(?<![a-z](?=[A-Z]))(?i:((?:${KEY_WORDS})\s*:(?!\/\/)\s*)${NOT_A_HANDLE}[^\s"',;&]{4,})`,
  // A quoted key is JSON or a dict: its value is quoted too (`"api_key": "abcd 1234"`). A quoted word that merely
  // ends in a key word followed by prose (`tool "getSecret": service "secrets" is not up`) is no assignment.
  String.raw`(?i:((?:${KEY_WORDS})["']\s*${ASSIGN}\s*["'])${NOT_A_HANDLE}[^"'\n]{4,})`,
];

/** All shapes in one regex, so each string is scanned once; capture group i+1 is PREFIXED[i]'s prefix. */
export const SHAPES = new RegExp([...PREFIXED, ...WHOLE].join('|'), 'g');

/** How many leading capture groups of SHAPES are prefixes to keep. */
export const PREFIX_GROUPS = PREFIXED.length;

/**
 * A quick test that every string SHAPES could match passes (a superset: literal parts every shape needs), so most
 * strings skip the full scan.
 */
export const MAYBE_SHAPE =
  /[:=]|-----BEGIN|AKIA|ASIA|gh[pousr]_|github_pat_|xox|sk-|AIza|SK|eyJ|[Bb][Ee][Aa][Rr][Ee][Rr]|[Bb][Aa][Ss][Ii][Cc]/;

/** No recognised credential shape is shorter than this (`pwd=abcd`). */
export const SHORTEST_SHAPE = 8;

/** Object keys whose string values are secrets whatever they look like. */
export const SECRET_KEY =
  /^(?:password|passwd|pwd|secret|client_?secret|api_?key|apikey|access_?key|secret_?key|private_?key|token|auth_?token|access_?token|refresh_?token|authorization|credentials?)$/i;
