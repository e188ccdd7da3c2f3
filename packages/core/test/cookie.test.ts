import fc from 'fast-check';
import { describe, expect, test, vi } from 'vitest';
import { readCookieValues, resolveCookieOptions, serializeCookie } from '../src/cookie/cookie';
import { defaultHashBackend, type HashBackend } from '../src/cookie/hashing';
import { generateSessionId, isWellFormedSessionId } from '../src/cookie/ids';
import { createCookieSigner } from '../src/cookie/signer';
import { fromBase64url, toBase64url, toBase64urlPortable } from '../src/payload/encoding';
import { OTHER_SECRET, SECRET } from './helpers';

/** A backend counting its HMAC computations: what the verified-cookie memo saves is observable. */
function countingBackend(): { backend: HashBackend; count: { tags: number } } {
  const count = { tags: 0 };
  const backend: HashBackend = {
    ...defaultHashBackend,
    hmac(secret) {
      const tag = defaultHashBackend.hmac(secret);
      return (value) => {
        count.tags++;
        return tag(value);
      };
    },
  };
  return { backend, count };
}

describe('cookie attributes', () => {
  test('defaults: HttpOnly, SameSite=Lax, Path=/, host-only, Secure outside development', () => {
    const options = resolveCookieOptions({ secure: true });
    const header = serializeCookie(options, 'v', 10_000, 0);
    expect(header).toBe(
      'sid=v; Path=/; Expires=Thu, 01 Jan 1970 00:00:10 GMT; Max-Age=10; HttpOnly; Secure; SameSite=Lax',
    );
  });

  test('secure defaults to true unless NODE_ENV is development or test', () => {
    try {
      vi.stubEnv('NODE_ENV', 'production');
      expect(resolveCookieOptions().secure).toBe(true);
      vi.stubEnv('NODE_ENV', 'development');
      expect(resolveCookieOptions().secure).toBe(false);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  test('browser-session cookie and every optional attribute', () => {
    const options = resolveCookieOptions({
      name: '__Secure-s',
      domain: 'example.test',
      secure: true,
      sameSite: 'none',
      partitioned: true,
      persistent: false,
    });
    expect(serializeCookie(options, 'a b', null, 0)).toBe(
      '__Secure-s=a%20b; Path=/; Domain=example.test; HttpOnly; Secure; SameSite=None; Partitioned',
    );
  });

  test('__Host- cookies refuse a domain', () => {
    expect(() => resolveCookieOptions({ name: '__Host-s', secure: true, domain: 'x.test' })).toThrow(
      /__Host-/,
    );
  });
});

describe('reading the Cookie header', () => {
  test('all values of the name, quoted or not, in order', () => {
    expect(readCookieValues('a=1; sid=x; b=2; sid="y"', 'sid')).toEqual(['x', 'y']);
    expect(readCookieValues('sidx=1; xsid=2', 'sid')).toEqual([]);
    expect(readCookieValues(undefined, 'sid')).toEqual([]);
  });

  test('percent-decoded values; a malformed one is skipped, the others kept', () => {
    expect(readCookieValues('sid=a%2Eb; sid=%E0%A4%A; sid=plain', 'sid')).toEqual(['a.b', 'plain']);
    expect(readCookieValues(' sid = v ;;=; sid ; sid=a=b;', 'sid')).toEqual(['v', 'a=b']);
  });

  test('reads what the plain definition reads: split on ;, name before the first =, trimmed', () => {
    // The definition, written the slow and obvious way; the real one scans in place.
    const byDefinition = (header: string, name: string) =>
      header
        .split(';')
        .filter((part) => part.includes('=') && part.slice(0, part.indexOf('=')).trim() === name)
        .map((part) => {
          const raw = part.slice(part.indexOf('=') + 1).trim();
          return raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
        })
        .flatMap((raw) => {
          try {
            return [decodeURIComponent(raw)];
          } catch {
            return [];
          }
        });
    const piece = fc.constantFrom('sid', 's', '=', ';', ' ', '"', '%', '%41', '%E0', 'a', '.', 'x=1');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const header = pieces.join('');
        expect(readCookieValues(header, 'sid')).toEqual(byDefinition(header, 'sid'));
      }),
      { numRuns: 5_000 },
    );
  });

  test('a cookie after thousands of empty parts is found', () => {
    expect(readCookieValues(`${';'.repeat(8_000)}sid=v`, 'sid')).toEqual(['v']);
    expect(readCookieValues(`${'a;'.repeat(4_000)}x=1;sid=w`, 'sid')).toEqual(['w']);
  });

  test('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (header) => {
        expect(Array.isArray(readCookieValues(header, 'sid'))).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('signing', () => {
  test('round trip; rotation; tampering', async () => {
    const signer = createCookieSigner([SECRET]);
    const id = generateSessionId();
    const signed = await signer.sign(id);
    expect(await signer.signerIndex(signed)).toBe(0);
    expect(await createCookieSigner([OTHER_SECRET, SECRET]).signerIndex(signed)).toBe(1);
    expect(await createCookieSigner([OTHER_SECRET]).signerIndex(signed)).toBe(-1);
    expect(await signer.signerIndex(`${id}x.${signed.split('.')[1]}`)).toBe(-1);
  });

  test('a verified cookie is remembered: the same answers without the HMAC, forged ones never kept', async () => {
    const { backend: counting, count } = countingBackend();
    const issuer = createCookieSigner([OTHER_SECRET]);
    const rotated = await issuer.sign(generateSessionId());
    const signer = createCookieSigner([SECRET, OTHER_SECRET], counting, 3);
    const mine = await Promise.all(
      [1, 2, 3].map(() => createCookieSigner([SECRET]).sign(generateSessionId())),
    );
    const [first, second, third] = mine as [string, string, string];
    const forged = `${first.slice(0, first.lastIndexOf('.'))}.${second.slice(second.lastIndexOf('.') + 1)}`;

    expect(await signer.signerIndex(first)).toBe(0);
    expect(await signer.signerIndex(rotated)).toBe(1);
    expect(count.tags).toBe(3); // one tag for `first`, two for `rotated` (second secret)
    expect(await signer.signerIndex(first)).toBe(0);
    expect(await signer.signerIndex(rotated)).toBe(1);
    expect(count.tags).toBe(3);
    // A forged signature is computed and refused every time: failures are never remembered.
    expect(await signer.signerIndex(forged)).toBe(-1);
    expect(await signer.signerIndex(forged)).toBe(-1);
    expect(count.tags).toBe(7);
    // Bounded: with room for 3, two more cookies push `first` out, and it costs a tag again.
    expect(await signer.signerIndex(second)).toBe(0);
    expect(await signer.signerIndex(third)).toBe(0);
    count.tags = 0;
    expect(await signer.signerIndex(first)).toBe(0);
    expect(count.tags).toBe(1);
    // What the signer issues itself is known to be valid from the start.
    count.tags = 0;
    const issued = await signer.sign(generateSessionId());
    expect(count.tags).toBe(1);
    expect(await signer.signerIndex(issued)).toBe(0);
    expect(count.tags).toBe(1);
  });

  test('the memo is bounded at its size and keeps the cookies in use', async () => {
    const { backend: counting, count } = countingBackend();
    const signer = createCookieSigner([SECRET], counting, 100);
    const issuer = createCookieSigner([SECRET]);
    const hot = await issuer.sign(generateSessionId());
    const cookies = await Promise.all(Array.from({ length: 1_000 }, () => issuer.sign(generateSessionId())));
    expect(await signer.signerIndex(hot)).toBe(0);
    for (const cookie of cookies) {
      expect(await signer.signerIndex(cookie)).toBe(0);
      expect(await signer.signerIndex(hot)).toBe(0); // in use between every other cookie
    }
    expect(count.tags).toBe(1 + cookies.length); // `hot` was never pushed out
    // The last 50 (half the size) are remembered; none of the first 900 are any more.
    count.tags = 0;
    for (const cookie of cookies.slice(-50)) await signer.signerIndex(cookie);
    expect(count.tags).toBe(0);
    for (const cookie of cookies.slice(0, 900)) await signer.signerIndex(cookie);
    expect(count.tags).toBe(900);
  });

  test('base64url: the Buffer path and the portable path give the same text, and it decodes back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(8), (bytes, offset) => {
        // A view into a larger buffer, as the ID pool hands out.
        const backing = new Uint8Array(offset + bytes.length + 3);
        backing.set(bytes, offset);
        const view = backing.subarray(offset, offset + bytes.length);
        const text = toBase64url(view);
        expect(text).toBe(toBase64urlPortable(view));
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(fromBase64url(text)).toEqual(bytes);
      }),
      { numRuns: 2_000 },
    );
  });

  test('arbitrary strings never verify and never throw', async () => {
    const signer = createCookieSigner([SECRET]);
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (value) => {
        expect(await signer.signerIndex(value)).toBe(-1);
      }),
      { numRuns: 2_000 },
    );
  });

  test('IDs come from whatever getRandomValues is current: a pooled byte is never reused', () => {
    // The pool draws bytes for many IDs per CSPRNG call; replacing the function must drop it.
    generateSessionId(); // a pool filled by the real CSPRNG
    const calls: number[] = [];
    const pinned = vi
      .spyOn(crypto, 'getRandomValues')
      .mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
        if (array instanceof Uint8Array) {
          calls.push(array.length);
          array.fill(0x5a);
        }
        return array;
      });
    let first: string;
    let second: string;
    try {
      first = generateSessionId();
      second = generateSessionId();
    } finally {
      pinned.mockRestore();
    }
    expect(first).toBe('Wlpa'.repeat(8));
    expect(second).toBe(first);
    expect(calls).toHaveLength(1); // one draw served both IDs
    const after = generateSessionId();
    expect(after).not.toBe(first); // the pinned pool is gone with the pin
    // Every ID of many pool refills is distinct: bytes are handed out once.
    const ids = new Set(Array.from({ length: 1_000 }, generateSessionId));
    expect(ids.size).toBe(1_000);
    expect(ids.has(after)).toBe(false);
  });

  test('IDs: 192 random bits, base64url, unique', () => {
    const ids = new Set(Array.from({ length: 10_000 }, generateSessionId));
    expect(ids.size).toBe(10_000);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(isWellFormedSessionId(id)).toBe(true);
    }
    for (const bad of ['../etc/passwd', 'a*', "x' OR 1=1", 'short', `${'a'.repeat(40)}\u0000`]) {
      expect(isWellFormedSessionId(bad)).toBe(false);
    }
  });
});
