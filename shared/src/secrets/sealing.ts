import {
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { ToolError } from '../errors.ts';

/**
 * The envelope a resolved secret travels in from the secrets service to the service that resolves it: sealed to a
 * one-time X25519 key of the caller (ECDH with an ephemeral key of the sealer, HKDF-SHA256, AES-256-GCM with the
 * handle as associated data). Only the caller that made the key can open it, so the value is never readable in a
 * tool result, a proxy's buffers or a log. Fields are lower-case hex: no credential shape the kit's redactor knows
 * can occur in hex, so the envelope passes it unchanged. The secrets service seals (`seal`); ctx.resolveSecret
 * opens (`createRecipient`): one implementation for both sides.
 */
export const SEAL_ALGORITHM = 'X25519-HKDF-SHA256-A256GCM';
const INFO = 'switchboard secret resolve v1';

export interface SealedEnvelope {
  alg: typeof SEAL_ALGORITHM;
  /** Our ephemeral X25519 public key, raw 32 bytes. */
  epk: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

function rawPublic(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' }) as { x: string };
  return Buffer.from(jwk.x, 'base64url');
}

export function publicKeyFromRaw(raw: Buffer): KeyObject {
  if (raw.length !== 32)
    throw new ToolError('INVALID_ARGUMENT', 'recipientPublicKey must be a raw X25519 public key (32 bytes, base64url)');
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });
}

function keyOf(shared: Buffer, epk: Buffer, recipient: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([epk, recipient]), INFO, 32));
}

export function seal(recipientRaw: Buffer, aad: string, value: string): SealedEnvelope {
  const recipient = publicKeyFromRaw(recipientRaw);
  const ephemeral = generateKeyPairSync('x25519');
  const epk = rawPublic(ephemeral.publicKey);
  const key = keyOf(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient }), epk, recipientRaw);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return {
    alg: SEAL_ALGORITHM,
    epk: epk.toString('hex'),
    iv: iv.toString('hex'),
    ciphertext: ciphertext.toString('hex'),
    tag: cipher.getAuthTag().toString('hex'),
  };
}

/** The caller's side: a one-time key pair, and opening an envelope sealed to it. */
export interface SealRecipient {
  /** The raw X25519 public key, base64url (the `recipientPublicKey` of resolveSecret). */
  publicKey: string;
  /** The value; throws when the envelope was not sealed to this key for `aad`, or was altered. */
  open(envelope: SealedEnvelope, aad: string): string;
}

export function createRecipient(): SealRecipient {
  const pair = generateKeyPairSync('x25519');
  const raw = rawPublic(pair.publicKey);
  return {
    publicKey: raw.toString('base64url'),
    open(envelope, aad) {
      if (envelope.alg !== SEAL_ALGORITHM) throw new Error(`unknown envelope algorithm ${envelope.alg}`);
      const epk = Buffer.from(envelope.epk, 'hex');
      const key = keyOf(diffieHellman({ privateKey: pair.privateKey, publicKey: publicKeyFromRaw(epk) }), epk, raw);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'hex'));
      decipher.setAAD(Buffer.from(aad));
      decipher.setAuthTag(Buffer.from(envelope.tag, 'hex'));
      return Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, 'hex')), decipher.final()]).toString('utf8');
    },
  };
}
