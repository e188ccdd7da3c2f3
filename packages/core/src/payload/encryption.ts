/**
 * Encryption at rest: AES-256-GCM (node:crypto, or Web Crypto where it is missing), with named keys for rotation. The first key
 * encrypts; every key decrypts. The envelope records the key id in its header, so the right key
 * is picked without trial decryption.
 */

import { SessionConfigError } from '../errors';
import { type AesGcm, type AesGcmFactory, defaultAesGcm, IV_BYTES, TAG_BYTES } from './aes-gcm';

/** One named encryption key. */
export interface EncryptionKey {
  /**
   * Recorded in the header of every payload this key encrypts: 1 to 32 characters from
   * `A-Z a-z 0-9 . _ -`. Never reuse an id for different key material.
   */
  id: string;
  /**
   * A secret string of at least 32 characters, stretched with HKDF-SHA256 (see
   * {@link HKDF_SALT} and {@link HKDF_INFO}), or exactly 32 random bytes used as the AES key.
   */
  key: string | Uint8Array;
}

export { HKDF_INFO, HKDF_SALT, IV_BYTES, TAG_BYTES } from './aes-gcm';

const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;
const MIN_STRING_KEY_LENGTH = 32;
const RAW_KEY_BYTES = 32;

/** Encrypts with the current key and decrypts with any configured key. */
export interface Keyring {
  /** Id of the key that encrypts (the first one configured). */
  readonly primaryId: string;
  /** Whether a key with this id is configured. */
  has(id: string): boolean;
  /** `iv ‖ ciphertext ‖ tag`, sealed with the primary key and a fresh random IV. */
  encrypt(plaintext: Uint8Array, additionalData: Uint8Array): Promise<Uint8Array>;
  /** Opens what {@link Keyring.encrypt} produced; rejects when the key, data or AAD do not match. */
  decrypt(keyId: string, sealed: Uint8Array, additionalData: Uint8Array): Promise<Uint8Array>;
}

/** Web Crypto accepts only ArrayBuffer-backed views; copy anything else (a SharedArrayBuffer view). */
function validateKey(entry: unknown, index: number): EncryptionKey {
  const where = `encryption.keys[${index}]`;
  if (typeof entry !== 'object' || entry === null) {
    throw new SessionConfigError(`${where} must be an object { id, key }.`);
  }
  const { id, key } = entry as Partial<EncryptionKey>;
  if (typeof id !== 'string' || !KEY_ID.test(id)) {
    throw new SessionConfigError(
      `${where}.id must be 1 to 32 characters from A-Z, a-z, 0-9, '.', '_' and '-' (it is stored ` +
        `in every payload header); got ${typeof id === 'string' ? JSON.stringify(id) : typeof id}.`,
    );
  }
  if (typeof key === 'string') {
    if (key.length < MIN_STRING_KEY_LENGTH) {
      throw new SessionConfigError(
        `${where} (id ${JSON.stringify(id)}) is a ${key.length}-character string; a string key needs ` +
          `at least ${MIN_STRING_KEY_LENGTH} random characters. Generate one with ` +
          "`node -e \"console.log(require('crypto').randomBytes(32).toString('base64url'))\"`.",
      );
    }
    return { id, key };
  }
  if (key instanceof Uint8Array) {
    if (key.length !== RAW_KEY_BYTES) {
      throw new SessionConfigError(
        `${where} (id ${JSON.stringify(id)}) is ${key.length} bytes; a byte key must be exactly ` +
          `${RAW_KEY_BYTES} random bytes (AES-256). Use crypto.getRandomValues(new Uint8Array(32)), ` +
          'or pass a string of at least 32 characters instead.',
      );
    }
    // A private copy: the caller mutating or zeroing its array later must not change our key.
    return { id, key: new Uint8Array(key) };
  }
  throw new SessionConfigError(`${where}.key must be a string (>= 32 characters) or a 32-byte Uint8Array.`);
}

/**
 * Validates keys and returns a keyring. Each key's cipher is built on first use and cached per key
 * id, so construction stays synchronous and unused old keys cost nothing.
 *
 * A random 96-bit IV per encryption keeps the chance of a repeated IV negligible up to about
 * 2^32 payloads per key (NIST SP 800-38D); rotate keys well before that.
 *
 * @example
 * const keyring = createKeyring([{ id: '2025-06', key: process.env.SESSION_KEY! }]);
 * const sealed = await keyring.encrypt(bytes, aad);
 */
export function createKeyring(
  keys: readonly EncryptionKey[],
  aesGcm: AesGcmFactory = defaultAesGcm,
): Keyring {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new SessionConfigError(
      'encryption.keys must list at least one key, e.g. { keys: [{ id: "k1", key: <32+ character ' +
        'secret> }] }, or set encryption: false.',
    );
  }
  const material = new Map<string, string | Uint8Array>();
  keys.forEach((entry, index) => {
    const { id, key } = validateKey(entry, index);
    if (material.has(id)) {
      throw new SessionConfigError(
        `encryption.keys has two keys with the id ${JSON.stringify(id)}. Give every key its own id ` +
          'so the header of a payload names exactly one key.',
      );
    }
    material.set(id, key);
  });
  const ciphers = new Map<string, AesGcm>();
  const primaryId = (keys[0] as EncryptionKey).id;

  // Built on first use: string keys go through HKDF, which is not free.
  function cipher(id: string): AesGcm {
    let built = ciphers.get(id);
    if (built === undefined) {
      const raw = material.get(id);
      if (raw === undefined) throw new Error(`No encryption key with id ${JSON.stringify(id)}`);
      built = aesGcm(raw);
      ciphers.set(id, built);
    }
    return built;
  }

  return Object.freeze({
    primaryId,
    has: (id: string) => material.has(id),
    async encrypt(plaintext: Uint8Array, additionalData: Uint8Array): Promise<Uint8Array> {
      return cipher(primaryId).encrypt(plaintext, additionalData);
    },
    async decrypt(keyId: string, sealed: Uint8Array, additionalData: Uint8Array): Promise<Uint8Array> {
      if (sealed.length < IV_BYTES + TAG_BYTES) {
        throw new Error(`Encrypted data is ${sealed.length} bytes, shorter than an IV and a tag`);
      }
      return cipher(keyId).decrypt(sealed, additionalData);
    },
  });
}
