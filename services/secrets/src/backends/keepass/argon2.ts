import { argon2 } from 'node:crypto';
import * as kdbxweb from 'kdbxweb';

let installed = false;

/** kdbxweb leaves Argon2 to the host: Node's own (crypto.argon2, RFC 9106 version 0x13) computes it. */
export function installArgon2(): void {
  if (installed) return;
  installed = true;
  kdbxweb.CryptoEngine.setArgon2Impl((password, salt, memory, iterations, length, parallelism, type, version) => {
    if (version !== 0x13)
      return Promise.reject(new Error(`Argon2 version 0x${version.toString(16)} is not supported (only 0x13)`));
    const algorithm = type === kdbxweb.CryptoEngine.Argon2TypeArgon2id ? 'argon2id' : 'argon2d';
    return new Promise((resolve, reject) => {
      argon2(
        algorithm,
        { message: Buffer.from(password), nonce: Buffer.from(salt), parallelism, tagLength: length, memory, passes: iterations },
        (error, key) => {
          if (error) reject(error);
          else resolve(key.buffer.slice(key.byteOffset, key.byteOffset + key.byteLength) as ArrayBuffer);
        },
      );
    });
  });
}
