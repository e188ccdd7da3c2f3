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
