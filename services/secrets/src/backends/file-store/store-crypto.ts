import {
  argon2,
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';

export type KdfParams =
  | { name: 'scrypt'; salt: string; N: number; r: number; p: number }
  | { name: 'argon2id'; salt: string; memory: number; passes: number; parallelism: number };

export function newKdfParams(name: 'scrypt' | 'argon2id'): KdfParams {
  const salt = randomBytes(16).toString('base64');
  return name === 'scrypt'
    ? { name, salt, N: 2 ** 15, r: 8, p: 1 }
    : { name, salt, memory: 64 * 1024, passes: 3, parallelism: 1 };
}

/** The store's keys: one encrypts values (AES-256-GCM), one authenticates the whole file (HMAC-SHA256). */
export interface StoreKeys {
  encryption: Buffer;
  mac: Buffer;
}

function checkKdf(params: KdfParams): void {
  const ok =
    params.name === 'scrypt'
      ? Number.isInteger(params.N) &&
        params.N >= 2 ** 14 &&
        params.N <= 2 ** 20 &&
        params.r >= 1 &&
        params.r <= 32 &&
        params.p >= 1 &&
        params.p <= 16
      : params.name === 'argon2id'
        ? params.memory >= 19 * 1024 &&
          params.memory <= 4 * 1024 * 1024 &&
          params.passes >= 1 &&
          params.passes <= 20 &&
          params.parallelism >= 1 &&
          params.parallelism <= 16
        : false;
  // A header asking for a weak or absurd derivation is refused rather than obeyed (fail closed on a planted file).
  if (!ok) throw new Error('the store file asks for key derivation parameters outside the accepted range');
}

export async function deriveKeys(material: Buffer, params: KdfParams): Promise<StoreKeys> {
  checkKdf(params);
  const salt = Buffer.from(params.salt, 'base64');
  const master = await new Promise<Buffer>((resolve, reject) => {
    if (params.name === 'scrypt') {
      scrypt(
        material,
        salt,
        32,
        { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 },
        (e, k) => (e ? reject(e) : resolve(k)),
      );
    } else {
      argon2(
        'argon2id',
        {
          message: material,
          nonce: salt,
          parallelism: params.parallelism,
          tagLength: 32,
          memory: params.memory,
          passes: params.passes,
        },
        (e, k) => (e ? reject(e) : resolve(Buffer.from(k))),
      );
    }
  });
  const sub = (info: string) => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, 32));
  return { encryption: sub('switchboard-secrets/values'), mac: sub('switchboard-secrets/file-mac') };
}

export interface SealedValue {
  iv: string;
  ct: string;
  tag: string;
}

/** AES-256-GCM with the secret's path and version as associated data, so a value moved to another slot fails. */
export function sealValue(keys: StoreKeys, aad: string, value: string): SealedValue {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.encryption, iv);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/** The value, or undefined when the tag does not verify (wrong key or tampered data). */
export function openValue(keys: StoreKeys, aad: string, sealed: SealedValue): string | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.encryption, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

export function macOf(keys: StoreKeys, text: string): string {
  return createHmac('sha256', keys.mac).update(text).digest('base64');
}

export function macMatches(keys: StoreKeys, text: string, mac: string): boolean {
  const expected = Buffer.from(macOf(keys, text), 'base64');
  const given = Buffer.from(typeof mac === 'string' ? mac : '', 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
