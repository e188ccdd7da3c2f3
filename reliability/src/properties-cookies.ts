/**
 * Hostile-input properties of cookies, signatures and session IDs, shared by the normal suite
 * (a quick dose) and the long suite (100,000 cases each). Each property resolves with what it
 * counted and rejects with fast-check's report (the shrunk counterexample) when it fails.
 */
import {
  createCookieVerifier,
  createMemoryStore,
  createSessionManager,
  isWellFormedSessionId,
  readCookieValues,
  storageKeyFor,
} from '@sessionkit/core';
import fc from 'fast-check';
import { ensure, ensureEqual } from './ensure';
import { base64urlChar, base64urlRun, hostileString, signLikeCore } from './hostile';
import { recordingStore } from './recording-store';

/** A secret the code under test is not configured with. */
const OTHER_SECRET = 'another-secret-that-is-not-configured-0123456789';

/** Percent-encodes like a cookie writer; a lone surrogate (not encodable) goes in raw. */
export function cookieValue(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A session ID and its signed cookie value, issued by a real manager. */
export interface GenuineCookie {
  id: string;
  signed: string;
}

/** Issues `count` genuine session cookies signed with `secret`. */
export async function genuineCookies(secret: string, count = 8): Promise<GenuineCookie[]> {
  const manager = createSessionManager({ store: createMemoryStore(), secrets: [secret] });
  const cookies: GenuineCookie[] = [];
  for (let i = 0; i < count; i++) {
    const session = await manager.load(undefined);
    session.set('i', i);
    const setCookie = (await manager.commit(session)) as string;
    cookies.push({ id: session.id, signed: decodeURIComponent(/^sid=([^;]*)/.exec(setCookie)?.[1] ?? '') });
  }
  return cookies;
}

/** readCookieValues returns exactly the values of the named cookie, in order. */
export function cookieParsingRoundTrip(runs: number): void {
  const name = fc.oneof(fc.constant('sid'), fc.stringMatching(/^[A-Za-z0-9!#$&'*+\-.^_`|~]{1,8}$/));
  const pairs = fc.array(fc.tuple(name, fc.string({ unit: 'grapheme', maxLength: 40 })), { maxLength: 8 });
  fc.assert(
    fc.property(pairs, (list) => {
      const header = list.map(([n, v]) => `${n}=${encodeURIComponent(v)}`).join('; ');
      const expected = list.filter(([n]) => n === 'sid').map(([, v]) => v);
      ensureEqual(readCookieValues(header, 'sid'), expected, `values of ${JSON.stringify(header)}`);
    }),
    { numRuns: runs },
  );
}

/** readCookieValues never throws and yields strings only, whatever the header. */
export function cookieParsingNeverThrows(runs: number): void {
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), hostileString(16)), (header) => {
      ensure(
        readCookieValues(header, 'sid').every((v) => typeof v === 'string'),
        'a value that is not a string',
      );
    }),
    { numRuns: runs },
  );
}

/** Arbitrary Cookie headers verify to nothing but IDs we signed. */
export async function verifierYieldsOnlySignedIds(
  runs: number,
  secret: string,
  genuine: GenuineCookie[],
): Promise<void> {
  const verifier = createCookieVerifier({ secrets: [secret] });
  const ids = new Set(genuine.map((g) => g.id));
  const signedValues = genuine.map((g) => g.signed);
  const value = fc.oneof(
    hostileString(),
    fc.constantFrom(...signedValues),
    fc.tuple(fc.constantFrom(...signedValues), hostileString(2)).map(([s, h]) => s + h),
    fc.tuple(hostileString(3), base64urlRun(43)).map(([v, sig]) => `${v}.${sig}`),
  );
  const pair = fc.tuple(fc.oneof(fc.constant('sid'), fc.constant(' sid '), hostileString(2)), value);
  const header = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc
      .array(pair, { maxLength: 6 })
      .map((pairs) => pairs.map(([n, v]) => `${n}=${cookieValue(v)}`).join('; ')),
  );
  await fc.assert(
    fc.asyncProperty(header, async (h) => {
      for (const id of await verifier.verifiedIds(h))
        ensure(ids.has(id), `${JSON.stringify(h)} verified as ${id}`);
    }),
    { numRuns: runs },
  );
}

/**
 * A tampered signed cookie (a character replaced, deleted or inserted, truncated, another
 * cookie's signature, signed with another secret) never verifies as anything but itself.
 * Resolves how many tampered values still verified as the same ID: spellings of the same
 * signature bytes that differ only in the unused low bits of the last base64url character.
 */
export async function tamperedCookiesRejected(
  runs: number,
  secret: string,
  genuine: GenuineCookie[],
): Promise<number> {
  const verifier = createCookieVerifier({ secrets: [secret] });
  let equivalentSpellings = 0;
  const mutation = fc.oneof(
    fc.record({
      kind: fc.constant('replace' as const),
      at: fc.nat(),
      char: fc.oneof(base64urlChar, fc.constant('.')),
    }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      char: fc.oneof(base64urlChar, fc.constant('.')),
    }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('swap' as const), other: fc.nat() }),
    fc.record({
      kind: fc.constant('wrong-secret' as const),
      value: fc.oneof(fc.constant(''), hostileString(3)),
    }),
  );
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: genuine.length - 1 }), mutation, async (which, m) => {
      const { id, signed } = genuine[which] as GenuineCookie;
      let tampered: string;
      switch (m.kind) {
        case 'replace': {
          const at = m.at % signed.length;
          tampered = signed.slice(0, at) + m.char + signed.slice(at + 1);
          break;
        }
        case 'delete': {
          const at = m.at % signed.length;
          tampered = signed.slice(0, at) + signed.slice(at + 1);
          break;
        }
        case 'insert': {
          const at = m.at % (signed.length + 1);
          tampered = signed.slice(0, at) + m.char + signed.slice(at);
          break;
        }
        case 'truncate':
          tampered = signed.slice(0, m.at % signed.length);
          break;
        case 'swap': {
          const other = (genuine[m.other % genuine.length] as GenuineCookie).signed;
          tampered = `${id}${other.slice(other.lastIndexOf('.'))}`;
          break;
        }
        case 'wrong-secret':
          tampered = signLikeCore(m.value === '' ? id : m.value, OTHER_SECRET);
          break;
      }
      const result = await verifier.verifiedIds(`sid=${cookieValue(tampered)}`);
      if (tampered === signed) return ensureEqual(result, [id], 'the genuine cookie');
      if (result.length === 0) return;
      // Still verifies: only the signature's spelling changed, and it decodes to the same bytes.
      const dot = tampered.lastIndexOf('.');
      ensureEqual(result, [id], `${tampered} verified`);
      ensure(tampered.slice(0, dot) === id, `${tampered} verified with another value`);
      const bytes = Buffer.from(tampered.slice(dot + 1), 'base64url');
      const original = Buffer.from(signed.slice(signed.lastIndexOf('.') + 1), 'base64url');
      ensure(bytes.equals(original), `${tampered} verified with other signature bytes`);
      equivalentSpellings++;
    }),
    { numRuns: runs },
  );
  return equivalentSpellings;
}

/**
 * Session IDs carrying path separators, SQL, glob patterns and control bytes, validly signed with
 * the real secret (the worst case: the signature check passes), never reach the store, whether
 * the store sees hashed keys or raw IDs (hashIds false). Resolves how many generated IDs happened
 * to be well-formed (those cause one plain read of their own key, which is allowed).
 */
export async function hostileIdsNeverReachStore(runs: number, secret: string): Promise<number> {
  const lanes = [true, false].map((hashIds) => {
    const recorded = recordingStore(createMemoryStore());
    return {
      hashIds,
      recorded,
      manager: createSessionManager({ store: recorded.store, secrets: [secret], hashIds }),
    };
  });
  let wellFormed = 0;
  await fc.assert(
    fc.asyncProperty(hostileString(), async (id) => {
      const header = `sid=${cookieValue(signLikeCore(id, secret))}`;
      const shaped = isWellFormedSessionId(id);
      if (shaped) wellFormed++;
      await Promise.all(
        lanes.map(async ({ recorded, manager, hashIds }) => {
          recorded.calls.length = 0;
          const session = await manager.load(header);
          ensure(session.isNew && session.id !== id, `${JSON.stringify(id)} loaded a session`);
          const expected = shaped ? [{ method: 'get', key: await storageKeyFor(id, hashIds) }] : [];
          ensureEqual(recorded.calls, expected, `store calls for ${JSON.stringify(id)} (hashIds ${hashIds})`);
          ensure((await manager.commit(session)) === null, 'an untouched anonymous session set a cookie');
          ensureEqual(recorded.calls, expected, 'commit of an untouched session called the store');
        }),
      );
    }),
    { numRuns: runs },
  );
  return wellFormed;
}
