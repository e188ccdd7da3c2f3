/**
 * SHA-256 and HMAC-SHA256, the two primitives on every request (the storage key and the cookie
 * signature). Web Crypto runs everywhere but is asynchronous: in Node each call is queued to a
 * worker job and costs 30-40 µs of CPU, against 2-3 µs for node:crypto's synchronous functions
 * (bench/, "Core costs"). So core uses node:crypto when the runtime has it and Web Crypto
 * elsewhere; both produce the same bytes, and tests run both.
 *
 * node:crypto is taken from `process.getBuiltinModule` (Node >= 20.16, Bun, Deno) rather than
 * imported, so a bundle for an edge runtime never has to resolve a Node built-in.
 */

import { toBase64url, utf8 } from '../payload/encoding';

export type NodeCrypto = typeof import('node:crypto');

/** A value now, or later: callers await either, and the synchronous path skips a job queue. */
export type MaybePromise<T> = T | Promise<T>;

/** The two primitives core needs, returning unpadded base64url. */
export interface HashBackend {
  readonly name: 'node:crypto' | 'web-crypto';
  sha256(text: string): MaybePromise<string>;
  /** A function computing HMAC-SHA256 tags under `secret`; key set-up happens once, here. */
  hmac(secret: string): (value: string) => MaybePromise<string>;
}

/**
 * A Node built-in (`'node:crypto'`, `'node:zlib'`) when the runtime provides it without an import
 * (`process.getBuiltinModule`: Node >= 20.16, Bun, Deno), else null: edge runtimes, and sandboxes
 * that forbid built-ins, where callers take their portable path instead.
 */
export function builtinModule<T>(id: string): T | null {
  try {
    const host = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    return (host?.getBuiltinModule?.(id) as T | undefined) ?? null;
  } catch {
    return null;
  }
}

/** node:crypto when the runtime provides it without an import, else null (Web Crypto then). */
export function builtinCrypto(): NodeCrypto | null {
  return builtinModule<NodeCrypto>('node:crypto');
}

/** Web Crypto: the portable path (edge runtimes, browsers, Node before 20.16). */
export const webCryptoBackend: HashBackend = {
  name: 'web-crypto',
  async sha256(text) {
    return toBase64url(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(text))));
  },
  hmac(secret) {
    // importKey is asynchronous and costs more than a signature: once per secret, on first use.
    let key: Promise<CryptoKey> | undefined;
    return async (value) => {
      key ??= crypto.subtle.importKey('raw', utf8(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
        'sign',
      ]);
      return toBase64url(new Uint8Array(await crypto.subtle.sign('HMAC', await key, utf8(value))));
    };
  },
};

function nodeBackend(node: NodeCrypto): HashBackend {
  return {
    name: 'node:crypto',
    // crypto.hash (Node >= 20.12) skips the Hash object: about a third of createHash's cost.
    sha256: node.hash
      ? (text) => node.hash('sha256', text, 'base64url')
      : (text) => node.createHash('sha256').update(text, 'utf8').digest('base64url'),
    hmac(secret) {
      if (node.hash) return oneShotHmac(node.hash, secret);
      const key = node.createSecretKey(Buffer.from(secret, 'utf8'));
      return (value) => node.createHmac('sha256', key).update(value, 'utf8').digest('base64url');
    },
  };
}

/** SHA-256's block size in bytes: the HMAC key is padded (or first hashed) to it. */
const BLOCK = 64;
/** SHA-256's digest size in bytes: the inner hash, which the outer one takes after the key. */
const DIGEST = 32;
/** Message bytes the reusable input buffer holds; a longer message gets a buffer of its own. */
const ROOM = 192;

/**
 * HMAC-SHA256 (RFC 2104) as two one-shot hashes: H((K ^ opad) || H((K ^ ipad) || message)).
 * Same bytes as createHmac, which builds an Hmac object and a native context and runs OpenSSL's
 * key set-up on every call, where crypto.hash is one native call with nothing to set up. Profiled
 * in a server under load (the benchmark's Fastify login), a tag cost about 4.3 µs through
 * createHmac and 2.4 µs this way; in a tight loop, with every cache warm, about 1.3 µs with the
 * inner digest taken as a Buffer and 0.9 µs as a latin1 string. The padded keys are built once
 * per secret, and both inputs are written into buffers kept for the next call: crypto.hash is
 * synchronous, so no other call can use them in between.
 */
function oneShotHmac(hash: NonNullable<NodeCrypto['hash']>, secret: string): (value: string) => string {
  const bytes = Buffer.from(secret, 'utf8');
  const key = bytes.length > BLOCK ? (hash('sha256', bytes, 'buffer') as Buffer) : bytes;
  const inner = Buffer.alloc(BLOCK + ROOM);
  const outer = Buffer.alloc(BLOCK + DIGEST);
  for (let i = 0; i < BLOCK; i++) {
    const byte = key[i] ?? 0;
    inner[i] = byte ^ 0x36;
    outer[i] = byte ^ 0x5c;
  }
  return (value) => {
    let input: Buffer;
    // UTF-8 takes at most 3 bytes per UTF-16 unit, so this bound never truncates the message.
    if (value.length * 3 <= ROOM) {
      input = inner.subarray(0, BLOCK + inner.write(value, BLOCK, 'utf8'));
    } else {
      input = Buffer.allocUnsafe(BLOCK + Buffer.byteLength(value, 'utf8'));
      inner.copy(input, 0, 0, BLOCK);
      input.write(value, BLOCK, 'utf8');
    }
    // The inner digest comes back as a 'binary' (latin1) string, one character per byte, rather
    // than a Buffer: a Buffer is a fresh ArrayBuffer per call, and taking it cost a third of the tag.
    outer.write(hash('sha256', input, 'binary'), BLOCK, 'latin1');
    return hash('sha256', outer, 'base64url') as string;
  };
}

const builtin = builtinCrypto();

/** What core uses: node:crypto where the runtime provides it, Web Crypto otherwise. */
export const defaultHashBackend: HashBackend = builtin ? nodeBackend(builtin) : webCryptoBackend;

/** SHA-256 of a UTF-8 string, as unpadded base64url (43 characters). */
export async function sha256Base64url(text: string): Promise<string> {
  return defaultHashBackend.sha256(text);
}
