import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { defaultHashBackend, type HashBackend, webCryptoBackend } from '../src/cookie/hashing';
import { createCookieSigner } from '../src/cookie/signer';
import { OTHER_SECRET, SECRET } from './helpers';

// Both backends run here: Node picks node:crypto by default, edge runtimes get Web Crypto.
const backends: HashBackend[] = [defaultHashBackend, webCryptoBackend];

describe('hash backends', () => {
  test('Node 20.16+ uses node:crypto by default (the synchronous path)', () => {
    expect(defaultHashBackend.name).toBe('node:crypto');
    expect(typeof defaultHashBackend.sha256('x')).toBe('string');
  });

  test('SHA-256 matches the published test vector on both backends', async () => {
    for (const backend of backends) {
      // FIPS 180-2 "abc", as unpadded base64url.
      expect(await backend.sha256('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    }
  });

  test('both backends give identical digests and tags for any text, non-ASCII included', async () => {
    const nodeTag = defaultHashBackend.hmac(SECRET);
    const webTag = webCryptoBackend.hmac(SECRET);
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), async (text) => {
        expect(await defaultHashBackend.sha256(text)).toBe(await webCryptoBackend.sha256(text));
        expect(await nodeTag(text)).toBe(await webTag(text));
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('HMAC-SHA256 on node:crypto (two one-shot hashes)', () => {
  test('RFC 4231 test case 2', () => {
    const tag = defaultHashBackend.hmac('Jefe')('what do ya want for nothing?');
    const hex = Buffer.from(tag as string, 'base64url').toString('hex');
    expect(hex).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  test('equals createHmac for keys around the block size and messages around the reused buffer', () => {
    // Keys of up to 64 bytes are padded, longer ones hashed first ('é' is two UTF-8 bytes, so its
    // key is 80 bytes); messages of up to 64 UTF-16 units go through the reused buffer, longer
    // ones through one of their own.
    const keys = [...[32, 63, 64, 65, 200].map((n) => 'k'.repeat(n)), 'é'.repeat(40)];
    // '€' is three UTF-8 bytes: 70 of them are 210 bytes, more than the 192 the buffer holds.
    const messages = [
      '',
      'a',
      'x'.repeat(64),
      'x'.repeat(65),
      'é'.repeat(64),
      '€'.repeat(70),
      'é😀'.repeat(300),
      '\ud800',
    ];
    for (const key of keys) {
      const tag = defaultHashBackend.hmac(key);
      for (const message of messages) {
        const expected = createHmac('sha256', Buffer.from(key, 'utf8'))
          .update(message, 'utf8')
          .digest('base64url');
        expect(tag(message), `key of ${key.length}, message of ${message.length}`).toBe(expected);
      }
    }
  });

  test('a long message does not disturb the next short one (the reused buffer)', () => {
    const tag = defaultHashBackend.hmac(SECRET);
    const short = tag('abc');
    tag('y'.repeat(5_000));
    tag('zz');
    expect(tag('abc')).toBe(short);
  });
});

describe.each(backends.map((backend) => [backend.name, backend] as const))('signer on %s', (_, backend) => {
  test('round trip, rotation and tampering', async () => {
    const signed = await createCookieSigner([SECRET], backend).sign('value.with.dots');
    expect(signed).toMatch(/^value\.with\.dots\.[A-Za-z0-9_-]{43}$/);
    expect(await createCookieSigner([SECRET], backend).signerIndex(signed)).toBe(0);
    expect(await createCookieSigner([OTHER_SECRET, SECRET], backend).signerIndex(signed)).toBe(1);
    expect(await createCookieSigner([OTHER_SECRET], backend).signerIndex(signed)).toBe(-1);
    expect(await createCookieSigner([SECRET], backend).signerIndex(`x${signed}`)).toBe(-1);
  });

  test('a cookie signed on one backend verifies on the other', async () => {
    const other = backend === webCryptoBackend ? defaultHashBackend : webCryptoBackend;
    const signed = await createCookieSigner([SECRET], other).sign('abc');
    expect(await createCookieSigner([SECRET], backend).signerIndex(signed)).toBe(0);
  });

  test('only the canonical spelling of a signature verifies', async () => {
    const signer = createCookieSigner([SECRET], backend);
    const signed = await signer.sign('abc');
    const last = signed.at(-1) as string;
    // The 43rd character carries 4 bits of the tag and 2 unused bits: flipping an unused bit
    // decodes to the same bytes, and must still be refused.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(last) ^ 1] as string;
    expect(await signer.signerIndex(`${signed.slice(0, -1)}${twin}`)).toBe(-1);
    expect(await signer.signerIndex(`${signed}=`)).toBe(-1);
    expect(await signer.signerIndex(signed.replace(/.$/, '+'))).toBe(-1);
  });
});
