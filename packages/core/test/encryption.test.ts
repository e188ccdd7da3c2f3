import { describe, expect, it } from 'vitest';
import { SessionConfigError, SessionPayloadError } from '../src/errors';
import { defaultAesGcm, webAesGcm } from '../src/payload/aes-gcm';
import { fromUtf8, utf8 } from '../src/payload/encoding';
import {
  createKeyring,
  type EncryptionKey,
  HKDF_INFO,
  HKDF_SALT,
  IV_BYTES,
  TAG_BYTES,
} from '../src/payload/encryption';
import { createEnvelope, readEnvelopeHeader } from '../src/payload/envelope';

const k1: EncryptionKey = { id: 'k1', key: 'first-secret-that-is-at-least-32-chars!' };
const k2: EncryptionKey = { id: 'k2', key: crypto.getRandomValues(new Uint8Array(32)) };
const body = { userId: 'user-4711', email: 'ann@example.com', roles: new Set(['admin']) };

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

async function payloadError(promise: Promise<unknown>): Promise<SessionPayloadError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SessionPayloadError);
  return error as SessionPayloadError;
}

describe('keyring', () => {
  it('derives string keys with HKDF-SHA256 (documented salt and info) to AES-256-GCM', async () => {
    const secret = 'x'.repeat(40);
    const keyring = createKeyring([{ id: 'a', key: secret }]);
    const sealed = await keyring.encrypt(utf8('hello'), utf8('aad'));
    // Derive the same key independently from the documented parameters and open the ciphertext.
    const base = await crypto.subtle.importKey(
      'raw',
      utf8(secret) as Uint8Array<ArrayBuffer>,
      'HKDF',
      false,
      ['deriveKey'],
    );
    const key = await crypto.subtle.deriveKey(
      {
        name: 'HKDF',
        hash: 'SHA-256',
        salt: utf8(HKDF_SALT) as Uint8Array<ArrayBuffer>,
        info: utf8(HKDF_INFO) as Uint8Array<ArrayBuffer>,
      },
      base,
      { name: 'AES-GCM', length: 256 },
      false,
      ['decrypt'],
    );
    const plain = await crypto.subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: sealed.slice(0, IV_BYTES),
        additionalData: utf8('aad') as Uint8Array<ArrayBuffer>,
      },
      key,
      sealed.slice(IV_BYTES),
    );
    expect(fromUtf8(new Uint8Array(plain))).toBe('hello');
  });

  it('uses 32-byte keys as they are', async () => {
    const raw = crypto.getRandomValues(new Uint8Array(32));
    const sealed = await createKeyring([{ id: 'raw', key: raw }]).encrypt(utf8('hi'), new Uint8Array());
    const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['decrypt']);
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: sealed.slice(0, 12) },
      key,
      sealed.slice(12),
    );
    expect(fromUtf8(new Uint8Array(plain))).toBe('hi');
  });

  it('copies byte keys, so later changes to the caller array do not matter', async () => {
    const raw = crypto.getRandomValues(new Uint8Array(32));
    const keyring = createKeyring([{ id: 'raw', key: raw }]);
    const sealed = await keyring.encrypt(utf8('hi'), new Uint8Array());
    raw.fill(0);
    expect(fromUtf8(await keyring.decrypt('raw', sealed, new Uint8Array()))).toBe('hi');
  });

  it('uses a fresh 96-bit IV per seal and appends a 128-bit tag', async () => {
    const keyring = createKeyring([k1]);
    const a = await keyring.encrypt(utf8('same'), new Uint8Array());
    const b = await keyring.encrypt(utf8('same'), new Uint8Array());
    expect(a.length).toBe(IV_BYTES + 4 + TAG_BYTES);
    expect(a.slice(0, IV_BYTES)).not.toStrictEqual(b.slice(0, IV_BYTES));
    expect(a).not.toStrictEqual(b);
  });

  it('encrypts with the first key and decrypts with any', async () => {
    const keyring = createKeyring([k2, k1]);
    expect(keyring.primaryId).toBe('k2');
    expect(keyring.has('k1')).toBe(true);
    expect(keyring.has('k3')).toBe(false);
    const old = await createKeyring([k1]).encrypt(utf8('old'), new Uint8Array());
    expect(fromUtf8(await keyring.decrypt('k1', old, new Uint8Array()))).toBe('old');
    await expect(keyring.decrypt('k3', old, new Uint8Array())).rejects.toThrow(/No encryption key/);
    await expect(keyring.decrypt('k2', old, new Uint8Array())).rejects.toThrow();
  });

  it.each([
    ['an empty list', [], /at least one key/],
    ['a non-array', 'k' as unknown as EncryptionKey[], /at least one key/],
    ['an empty id', [{ id: '', key: k1.key }], /keys\[0\]\.id must be 1 to 32 characters/],
    ['an id with a space', [{ id: 'my key', key: k1.key }], /keys\[0\]\.id must be 1 to 32 characters/],
    ['a 33-character id', [{ id: 'a'.repeat(33), key: k1.key }], /1 to 32 characters/],
    ['a non-ASCII id', [{ id: 'clé', key: k1.key }], /A-Z, a-z, 0-9/],
    ['duplicate ids', [k1, { id: 'k1', key: k2.key }], /two keys with the id "k1"/],
    [
      'a short string key',
      [{ id: 'k', key: 'too-short' }],
      /9-character string; a string key needs at least 32/,
    ],
    ['a 31-byte key', [{ id: 'k', key: new Uint8Array(31) }], /31 bytes; a byte key must be exactly 32/],
    ['a 64-byte key', [{ id: 'k', key: new Uint8Array(64) }], /64 bytes/],
    [
      'a number key',
      [{ id: 'k', key: 42 as unknown as string }],
      /must be a string .* or a 32-byte Uint8Array/,
    ],
    ['a missing entry', [null as unknown as EncryptionKey], /keys\[0\] must be an object/],
  ])('rejects %s with SessionConfigError', (_name, keys, message) => {
    expect(() => createKeyring(keys as EncryptionKey[])).toThrow(SessionConfigError);
    expect(() => createKeyring(keys as EncryptionKey[])).toThrow(message);
  });

  it('never echoes key material in validation errors', () => {
    const secret = 'short-secret-value';
    try {
      createKeyring([{ id: 'k', key: secret }]);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it('accepts a 32-character string key, 1- and 32-character ids', () => {
    expect(() => createKeyring([{ id: 'a', key: 'k'.repeat(32) }])).not.toThrow();
    expect(() => createKeyring([{ id: 'A.b_c-9'.padEnd(32, 'x'), key: 'k'.repeat(32) }])).not.toThrow();
  });
});

describe('envelope encryption', () => {
  it('writes ciphertext that does not contain the plaintext, and reads it back', async () => {
    const envelope = createEnvelope({ encryption: { keys: [k1] }, compression: false });
    const sealed = await envelope.seal(body, 'ctx');
    expect(readEnvelopeHeader(sealed).keyId).toBe('k1');
    for (const needle of ['user-4711', 'ann@example.com', 'admin', 'userId', '"$"']) {
      expect(contains(sealed, utf8(needle))).toBe(false);
    }
    expect(await envelope.open(sealed, 'ctx')).toStrictEqual(body);
  });

  it('does not leak the plaintext when compressed before encryption either', async () => {
    const envelope = createEnvelope({ encryption: { keys: [k1] }, compression: { threshold: 0 } });
    const big = { note: 'secret-marker '.repeat(200) };
    const sealed = await envelope.seal(big, 'ctx');
    expect(readEnvelopeHeader(sealed).compression).toBe('gzip');
    expect(contains(sealed, utf8('secret-marker'))).toBe(false);
    expect(await envelope.open(sealed, 'ctx')).toStrictEqual(big);
  });

  it('rotates keys: written with k1, read with [k2, k1], rewritten with k2', async () => {
    const before = createEnvelope({ encryption: { keys: [k1] } });
    const after = createEnvelope({ encryption: { keys: [k2, k1] } });
    const old = await before.seal(body, 'ctx');
    expect(readEnvelopeHeader(old).keyId).toBe('k1');
    expect(await after.open(old, 'ctx')).toStrictEqual(body);

    const rewritten = await after.seal(await after.open(old, 'ctx'), 'ctx');
    expect(readEnvelopeHeader(rewritten).keyId).toBe('k2');
    expect(await after.open(rewritten, 'ctx')).toStrictEqual(body);
    // The old configuration cannot read what the new key wrote.
    const error = await payloadError(before.open(rewritten, 'ctx'));
    expect(error.message).toMatch(/key id "k2", which is no longer in encryption\.keys/);
  });

  it('rejects a payload whose key id was removed from the configuration', async () => {
    const old = await createEnvelope({ encryption: { keys: [k1] } }).seal(body, 'ctx');
    const error = await payloadError(createEnvelope({ encryption: { keys: [k2] } }).open(old, 'ctx'));
    expect(error.code).toBe('SESSION_PAYLOAD_INVALID');
    expect(error.message).toContain('"k1"');
  });

  it('rejects a wrong key under the same id', async () => {
    const sealed = await createEnvelope({ encryption: { keys: [k1] } }).seal(body, 'ctx');
    const impostor = createEnvelope({
      encryption: { keys: [{ id: 'k1', key: 'another-secret-of-32-characters-or-more' }] },
    });
    const error = await payloadError(impostor.open(sealed, 'ctx'));
    expect(error.message).toMatch(/could not be decrypted/);
    expect(error.cause).toBeDefined();
  });

  it('binds the storage key: a record copied under another key does not open', async () => {
    const envelope = createEnvelope({ encryption: { keys: [k1] } });
    const sealed = await envelope.seal(body, 'session:alice');
    expect(await envelope.open(sealed, 'session:alice')).toStrictEqual(body);
    await payloadError(envelope.open(sealed, 'session:mallory'));
    await payloadError(envelope.open(sealed, 'session:alic'));
    await payloadError(envelope.open(sealed, ''));
  });

  it('authenticates the header: flipping the compression flag is detected', async () => {
    const envelope = createEnvelope({ encryption: { keys: [k1] }, compression: false });
    const sealed = await envelope.seal(body, 'ctx');
    const forged = sealed.slice();
    forged[3] = (forged[3] as number) | 0b010; // claim gzip
    const error = await payloadError(envelope.open(forged, 'ctx'));
    expect(error.message).toMatch(/could not be decrypted/);
  });

  it('rejects an encrypted payload once encryption is turned off', async () => {
    const sealed = await createEnvelope({ encryption: { keys: [k1] } }).seal(body, 'ctx');
    const error = await payloadError(createEnvelope().open(sealed, 'ctx'));
    expect(error.message).toMatch(/encrypted \(key id "k1"\) but encryption is not configured/);
  });

  it('accepts unencrypted payloads after encryption is turned on (the default), and the next write encrypts', async () => {
    const plain = await createEnvelope().seal(body, 'ctx');
    const encrypting = createEnvelope({ encryption: { keys: [k1] } });
    const read = await encrypting.open(plain, 'ctx');
    expect(read).toStrictEqual(body);
    expect(readEnvelopeHeader(await encrypting.seal(read, 'ctx')).keyId).toBe('k1');
  });

  it('refuses unencrypted payloads with acceptUnencrypted: false', async () => {
    const plain = await createEnvelope().seal(body, 'ctx');
    const strict = createEnvelope({ encryption: { keys: [k1], acceptUnencrypted: false } });
    const error = await payloadError(strict.open(plain, 'ctx'));
    expect(error.message).toMatch(/not encrypted/);
    expect(await strict.open(await strict.seal(body, 'ctx'), 'ctx')).toStrictEqual(body);
  });
});

describe('AES-GCM implementations', () => {
  const keys = [k1, k2];
  const node = (material: string | Uint8Array) => defaultAesGcm(material);
  const web = (material: string | Uint8Array) => webAesGcm(material);

  it('Node uses node:crypto by default; it and Web Crypto open what the other sealed', async () => {
    expect(defaultAesGcm).not.toBe(webAesGcm);
    for (const [seal, open] of [
      [node, web],
      [web, node],
    ] as const) {
      const sealing = createKeyring(keys, seal);
      const opening = createKeyring(keys, open);
      const sealed = await sealing.encrypt(utf8('across implementations'), utf8('aad'));
      expect(fromUtf8(await opening.decrypt('k1', sealed, utf8('aad')))).toBe('across implementations');
      const raw = await createKeyring([k2], seal).encrypt(utf8('raw key'), new Uint8Array());
      expect(fromUtf8(await createKeyring([k2], open).decrypt('k2', raw, new Uint8Array()))).toBe('raw key');
    }
  });

  it('both refuse a changed byte, the wrong additional data and the wrong key', async () => {
    for (const impl of [node, web]) {
      const keyring = createKeyring(keys, impl);
      const sealed = await keyring.encrypt(utf8('secret'), utf8('aad'));
      for (let i = 0; i < sealed.length; i++) {
        const changed = sealed.slice();
        changed[i] = (changed[i] as number) ^ 0x01;
        await expect(keyring.decrypt('k1', changed, utf8('aad'))).rejects.toThrow();
      }
      await expect(keyring.decrypt('k1', sealed, utf8('other'))).rejects.toThrow();
      await expect(keyring.decrypt('k2', sealed, utf8('aad'))).rejects.toThrow();
    }
  });
});
