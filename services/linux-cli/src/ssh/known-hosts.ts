import { createHash, createHmac } from 'node:crypto';

/** One usable line of an OpenSSH known_hosts file. */
export interface KnownHostEntry {
  marker?: '@revoked' | '@cert-authority';
  patterns: string;
  keyType: string;
  key: Buffer;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() as KnownHostEntry['marker'];
    const [patterns, keyType, key] = fields;
    if (!patterns || !keyType || !key) continue;
    out.push({ ...(marker ? { marker } : {}), patterns, keyType, key: Buffer.from(key, 'base64') });
  }
  return out;
}

/** OpenSSH's SHA256 fingerprint of a public key blob: `SHA256:` and unpadded base64. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function wildcardMatch(pattern: string, name: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return regex.test(name);
}

function hashedMatch(pattern: string, name: string): boolean {
  const [, , salt, hash] = pattern.split('|');
  if (!salt || !hash) return false;
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
}

/** Whether a host-pattern field (comma list, `!` negation, wildcards, hashed `|1|` entries) names the host. */
export function patternsMatch(patterns: string, host: string, port: number): boolean {
  const name = port === 22 ? host : `[${host}]:${port}`;
  let matched = false;
  for (const pattern of patterns.split(',')) {
    if (pattern.startsWith('|1|')) {
      if (hashedMatch(pattern, name)) matched = true;
      continue;
    }
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    if (wildcardMatch(body, name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

export interface HostKeyVerdict {
  ok: boolean;
  reason: 'known' | 'pinned' | 'unknown' | 'mismatch' | 'revoked' | 'pin-mismatch';
  fingerprint: string;
}

/**
 * Judges a server's host key: a pinned fingerprint decides alone; otherwise the key must be listed for the host
 * (and port) in known_hosts and not revoked. Unknown hosts are refused; there is no trust on first use.
 */
export function verifyHostKey(
  key: Buffer,
  host: string,
  port: number,
  entries: readonly KnownHostEntry[],
  pin?: string,
): HostKeyVerdict {
  const fingerprint = fingerprintOf(key);
  const relevant = entries.filter((entry) => patternsMatch(entry.patterns, host, port));
  if (relevant.some((entry) => entry.marker === '@revoked' && entry.key.equals(key)))
    return { ok: false, reason: 'revoked', fingerprint };
  if (pin)
    return fingerprint === pin ? { ok: true, reason: 'pinned', fingerprint } : { ok: false, reason: 'pin-mismatch', fingerprint };
  const plain = relevant.filter((entry) => entry.marker === undefined);
  if (plain.some((entry) => entry.key.equals(key))) return { ok: true, reason: 'known', fingerprint };
  return { ok: false, reason: plain.length > 0 ? 'mismatch' : 'unknown', fingerprint };
}

/** Host key algorithms known_hosts lists for the host, so the server is asked for one we can check. */
export function knownKeyTypes(host: string, port: number, entries: readonly KnownHostEntry[]): string[] {
  return [
    ...new Set(entries.filter((e) => e.marker === undefined && patternsMatch(e.patterns, host, port)).map((e) => e.keyType)),
  ];
}
