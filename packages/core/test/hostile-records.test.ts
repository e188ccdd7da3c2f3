/**
 * Records that sessionkit did not write (issue 14): each ends one way. The session is absent,
 * the payloadError hook names the key and what was wrong, the request gets a fresh session, and
 * the bad record is removed; it never locks its user out. The same cases run against every real
 * backend in the store conformance suite; these check core's side with the memory store.
 */
import { describe, expect, test } from 'vitest';
import { sha256Base64url } from '../src/cookie/hashing';
import { SessionCorruptRecordError, type SessionError } from '../src/errors';
import { createEnvelope } from '../src/payload/envelope';
import { createSessionManager } from '../src/session/manager';
import { createMemoryStore } from '../src/store/memory-store';
import type { SessionStore } from '../src/store/store';
import { checkStoredRecord, readStoredRecord } from '../src/store/stored-record';
import { cookiePair, SECRET } from './helpers';

function setup(store: SessionStore = createMemoryStore()) {
  const payloadErrors: { key: string; error: SessionError }[] = [];
  const storeErrors: string[] = [];
  const manager = createSessionManager({
    store,
    secrets: [SECRET],
    maxPayloadBytes: 1024,
    hooks: {
      payloadError: (event) => payloadErrors.push(event),
      storeError: (event) => storeErrors.push(event.error.code),
    },
  });
  const login = async () => {
    const session = await manager.load(null);
    session.set('userId', 'u1');
    const pair = cookiePair(await manager.commit(session));
    return { pair, key: await sha256Base64url(session.id) };
  };
  return { manager, payloadErrors, storeErrors, login };
}

describe('an uncompressed payload over the decode limit (item 2)', () => {
  test('is refused unread, reported, and removed by the write that replaces the cookie', async () => {
    const store = createMemoryStore();
    const { manager, payloadErrors, login } = setup(store);
    const { pair, key } = await login();
    // 40x maxPayloadBytes, plain: what an attacker with write access to the store can plant.
    const planted = await createEnvelope({ compression: false, maxPayloadBytes: 64 * 1024 }).seal(
      { c: Date.now(), d: { userId: 'x'.repeat(40 * 1024) }, f: {} },
      key,
    );
    const held = (await store.get(key))!;
    await store.set(key, { ...held, payload: planted, version: 2 }, { expectedVersion: 1 });

    const read = await manager.load(pair);
    expect(read.isNew).toBe(true);
    expect(payloadErrors.map((e) => [e.key, e.error.code])).toEqual([[key, 'SESSION_PAYLOAD_INVALID']]);
    expect(payloadErrors[0]?.error.message).toMatch(/maxDecodedBytes/);
    // A read-only request leaves it: a node with a larger limit could still read it.
    expect(await manager.commit(read)).toBeNull();
    expect(await store.get(key)).not.toBeNull();

    const next = await manager.load(pair);
    next.set('userId', 'u2');
    const setCookie = await manager.commit(next);
    expect(setCookie).toMatch(/^sid=/);
    expect(await store.get(key)).toBeNull();
    expect(await store.count!()).toBe(1);
    expect((await manager.load(cookiePair(setCookie))).get('userId')).toBe('u2');
  });
});

/** The memory store cannot hold a corrupt record; this one reports one for a chosen key. */
function withCorruptKey(store: SessionStore, reason: string) {
  const corrupt = new Set<string>();
  const wrapped: SessionStore = {
    ...store,
    capabilities: store.capabilities,
    get: async (key) => {
      if (corrupt.has(key)) throw new SessionCorruptRecordError(key, reason);
      return store.get(key);
    },
    set: (key, record, options) => store.set(key, record, options),
    touch: (key, expiresAt) => store.touch(key, expiresAt),
    destroy: async (key) => {
      corrupt.delete(key);
      return store.destroy(key);
    },
  };
  return { store: wrapped, corrupt };
}

describe('a record the store reports corrupt (items 1, 3, 4)', () => {
  test('is absent, reported with key and reason, removed, and the next write succeeds', async () => {
    const { store, corrupt } = withCorruptKey(createMemoryStore(), 'version is not a non-negative integer');
    const { manager, payloadErrors, storeErrors, login } = setup(store);
    const { pair, key } = await login();
    corrupt.add(key);

    const read = await manager.load(pair);
    expect(read.isNew).toBe(true);
    expect(payloadErrors).toHaveLength(1);
    expect(payloadErrors[0]?.key).toBe(key);
    expect(payloadErrors[0]?.error).toMatchObject({ code: 'SESSION_RECORD_CORRUPT', key });
    expect(payloadErrors[0]?.error.message).toMatch(/version is not a non-negative integer/);
    // Not an outage: no storeError, and fail-closed does not turn it into a 503.
    expect(storeErrors).toEqual([]);
    expect(corrupt.has(key)).toBe(false);
    expect(await store.get(key)).toBeNull();

    read.set('userId', 'again');
    const setCookie = await manager.commit(read);
    expect((await manager.load(cookiePair(setCookie))).get('userId')).toBe('again');
  });
});

describe('checkStoredRecord', () => {
  const payload = new Uint8Array([1]);
  const good = { payload, version: 3, expiresAt: 1_700_000_000_000, ownerId: null };

  test.each([
    ['version "abc"', { ...good, version: 'abc' }, /version is not a non-negative integer \(got "abc"\)/],
    ['version NaN', { ...good, version: Number.NaN }, /version .*got number NaN/],
    ['version 1.5', { ...good, version: 1.5 }, /version/],
    ['version -1', { ...good, version: -1 }, /version/],
    ['version " 12"', { ...good, version: ' 12' }, /version/],
    ['version "0x10"', { ...good, version: '0x10' }, /version/],
    ['expiresAt "soon"', { ...good, expiresAt: 'soon' }, /expiresAt .*got "soon"/],
    ['expiresAt -5', { ...good, expiresAt: -5 }, /expiresAt/],
    ['expiresAt "1e3"', { ...good, expiresAt: '1e3' }, /expiresAt/],
    ['no payload', { ...good, payload: null }, /payload is missing/],
    ['a string payload', { ...good, payload: 'abc' }, /payload is "abc", not bytes/],
    ['a numeric owner', { ...good, ownerId: 7 }, /ownerId is number 7/],
  ])('%s is corrupt', (_, fields, reason) => {
    const checked = checkStoredRecord(fields);
    expect(checked.ok).toBe(false);
    expect(checked.ok ? '' : checked.reason).toMatch(reason);
    expect(() => readStoredRecord('k', fields)).toThrow(SessionCorruptRecordError);
  });

  test('accepts what drivers return: decimal strings, bigints, Buffers, Infinity, no owner', () => {
    const checked = checkStoredRecord({
      payload: Buffer.from([1, 2]),
      version: '12',
      expiresAt: 1_700_000_000_000n,
      ownerId: undefined,
    });
    expect(checked).toEqual({
      ok: true,
      record: { payload: new Uint8Array([1, 2]), version: 12, expiresAt: 1_700_000_000_000, ownerId: null },
    });
    expect(checked.ok && checked.record.payload.constructor).toBe(Uint8Array);
    expect(checkStoredRecord({ ...good, expiresAt: Infinity, ownerId: 'u' }).ok).toBe(true);
    expect(checkStoredRecord({ ...good, payload: new Uint8Array(0) }).ok).toBe(true);
  });
});
