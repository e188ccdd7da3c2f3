/**
 * AES-256-GCM for the envelope, in two implementations with the same output: node:crypto where
 * the runtime has it (synchronous: a 200-byte session seals in a few µs), and Web Crypto
 * elsewhere (portable, but each call is an asynchronous job costing 34-80 µs of CPU in Node).
 * The sealed form is `iv ‖ ciphertext ‖ tag`, as Web Crypto produces it.
 */

import { builtinCrypto, type MaybePromise, type NodeCrypto } from '../cookie/hashing';
import { utf8 } from './encoding';

export const IV_BYTES = 12;
export const TAG_BYTES = 16;

/** String keys are stretched with HKDF-SHA256 using these (fixed: changing them changes every key). */
export const HKDF_SALT = 'sessionkit/envelope/salt/v1';
export const HKDF_INFO = 'sessionkit/envelope/aes-256-gcm/v1';

/** One key, ready to seal and open. */
export interface AesGcm {
  encrypt(plaintext: Uint8Array, additionalData: Uint8Array): MaybePromise<Uint8Array>;
  /** Throws when the key, the data or the additional data do not match. */
  decrypt(sealed: Uint8Array, additionalData: Uint8Array): MaybePromise<Uint8Array>;
}

/** Builds the cipher of one key: a string (HKDF-stretched) or exactly 32 raw bytes. */
export type AesGcmFactory = (material: string | Uint8Array) => AesGcm;

function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

async function importWebKey(material: string | Uint8Array): Promise<CryptoKey> {
  const usages: KeyUsage[] = ['encrypt', 'decrypt'];
  if (material instanceof Uint8Array) {
    return crypto.subtle.importKey('raw', bufferSource(material), 'AES-GCM', false, usages);
  }
  const base = await crypto.subtle.importKey('raw', utf8(material), 'HKDF', false, ['deriveKey']);
  const hkdf = { name: 'HKDF', hash: 'SHA-256', salt: utf8(HKDF_SALT), info: utf8(HKDF_INFO) };
  return crypto.subtle.deriveKey(hkdf, base, { name: 'AES-GCM', length: 256 }, false, usages);
}

function ivThen(iv: Uint8Array, rest: Uint8Array, tag?: Uint8Array): Uint8Array {
  const out = new Uint8Array(IV_BYTES + rest.length + (tag?.length ?? 0));
  out.set(iv);
  out.set(rest, IV_BYTES);
  if (tag) out.set(tag, IV_BYTES + rest.length);
  return out;
}

/** Web Crypto: every runtime. The key is imported (and derived) once, on first use. */
export const webAesGcm: AesGcmFactory = (material) => {
  let key: Promise<CryptoKey> | undefined;
  const getKey = () => {
    if (key === undefined) {
      key = importWebKey(material);
      // Do not keep a failure: a later call may succeed (and must not see a stale rejection).
      key.catch(() => {
        key = undefined;
      });
    }
    return key;
  };
  return {
    async encrypt(plaintext, additionalData) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const params = { name: 'AES-GCM', iv, additionalData: bufferSource(additionalData), tagLength: 128 };
      const sealed = await crypto.subtle.encrypt(params, await getKey(), bufferSource(plaintext));
      return ivThen(iv, new Uint8Array(sealed));
    },
    async decrypt(sealed, additionalData) {
      const iv = sealed.slice(0, IV_BYTES);
      const params = { name: 'AES-GCM', iv, additionalData: bufferSource(additionalData), tagLength: 128 };
      return new Uint8Array(await crypto.subtle.decrypt(params, await getKey(), sealed.slice(IV_BYTES)));
    },
  };
};

function nodeAesGcm(node: NodeCrypto): AesGcmFactory {
  return (material) => {
    const raw =
      material instanceof Uint8Array
        ? material
        : new Uint8Array(node.hkdfSync('sha256', utf8(material), utf8(HKDF_SALT), utf8(HKDF_INFO), 32));
    const key = node.createSecretKey(raw);
    return {
      encrypt(plaintext, additionalData) {
        const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
        const cipher = node.createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        cipher.setAAD(additionalData);
        const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
        return ivThen(iv, body, cipher.getAuthTag());
      },
      decrypt(sealed, additionalData) {
        const iv = sealed.subarray(0, IV_BYTES);
        const tagAt = sealed.length - TAG_BYTES;
        const decipher = node.createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(additionalData);
        decipher.setAuthTag(sealed.subarray(tagAt));
        const plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, tagAt)), decipher.final()]);
        return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
      },
    };
  };
}

const builtin = builtinCrypto();

/** What the keyring uses: node:crypto where the runtime provides it, Web Crypto otherwise. */
export const defaultAesGcm: AesGcmFactory = builtin ? nodeAesGcm(builtin) : webAesGcm;
