import { describe, expect, test } from 'vitest';
import { isSessionError } from '../src/errors';
import { readSessionDetails } from '../src/session/details';
import { createSessionManager } from '../src/session/manager';
import { createMemoryStore } from '../src/store/memory-store';
import { NO_CAPABILITIES, type SessionStore } from '../src/store/store';
import { cookiePair, SECRET } from './helpers';

function setup(store: SessionStore = createMemoryStore()) {
  let now = 1_800_000_000_000;
  const manager = createSessionManager({ store, secrets: [SECRET], clock: () => now });
  return { manager, store, tick: (ms: number) => (now += ms) };
}

/** Signs in on a new "device": a session bound to `user` with `meta`; returns its cookie. */
async function signIn(
  manager: ReturnType<typeof setup>['manager'],
  user: string,
  meta?: Record<string, string>,
) {
  const session = await manager.load(null);
  session.set('user', user);
  session.setOwner(user, meta);
  return cookiePair((await manager.commit(session)) as string);
}

describe("a user's sessions (listSessions / revokeSession)", () => {
  test('lists each session with created-at, last-active, expiry and the metadata recorded at login', async () => {
    const { manager } = setup();
    const laptop = await signIn(manager, 'u1', { userAgent: 'Firefox', ip: '203.0.113.7' });
    const phone = await signIn(manager, 'u1', { userAgent: 'Safari iOS', ip: '198.51.100.2' });
    await signIn(manager, 'u2', { userAgent: 'Chrome' });

    const listed = await manager.listSessions('u1');
    expect(listed.map((entry) => entry.meta)).toEqual(
      expect.arrayContaining([
        { userAgent: 'Firefox', ip: '203.0.113.7' },
        { userAgent: 'Safari iOS', ip: '198.51.100.2' },
      ]),
    );
    expect(listed).toHaveLength(2);
    const current = await manager.load(phone);
    const entry = listed.find((item) => item.key === current.storageKey);
    expect(entry?.meta).toEqual({ userAgent: 'Safari iOS', ip: '198.51.100.2' });
    expect(entry?.createdAt).toBe(current.createdAt);
    expect(typeof entry?.lastActiveAt).toBe('number');
    expect(entry?.expiresAt).toBe(current.expiresAt);
    expect((await manager.load(laptop)).storageKey).not.toBe(current.storageKey);
  });

  test('the metadata survives later writes, and setOwner(null) removes it', async () => {
    const { manager, store } = setup();
    const cookie = await signIn(manager, 'u1', { userAgent: 'Firefox' });
    const later = await manager.load(cookie);
    later.set('cart', ['apple']);
    await manager.commit(later);
    const [entry] = await manager.listSessions('u1');
    expect(entry?.meta).toEqual({ userAgent: 'Firefox' });
    const out = await manager.load(cookie);
    out.setOwner(null);
    await manager.commit(out);
    expect(await manager.listSessions('u1')).toEqual([]);
    expect((await store.get(out.storageKey as string))?.details).toBeUndefined();
  });

  test('revokeSession ends one session of the owner, never one of another user', async () => {
    const { manager } = setup();
    const laptop = await signIn(manager, 'u1', { userAgent: 'Firefox' });
    const phone = await signIn(manager, 'u1', { userAgent: 'Safari' });
    const other = await signIn(manager, 'u2', { userAgent: 'Chrome' });
    const phoneKey = (await manager.load(phone)).storageKey as string;
    const otherKey = (await manager.load(other)).storageKey as string;

    expect(await manager.revokeSession('u1', otherKey)).toBe(false);
    expect((await manager.load(other)).isNew).toBe(false);
    expect(await manager.revokeSession('u1', phoneKey)).toBe(true);
    expect((await manager.load(phone)).isNew).toBe(true);
    expect((await manager.load(laptop)).isNew).toBe(false);
    expect((await manager.listSessions('u1')).map((entry) => entry.meta)).toEqual([{ userAgent: 'Firefox' }]);
  });

  test('metadata over the size limit fails at setOwner with a clear error; nothing is cut', async () => {
    const { manager } = setup();
    const session = await manager.load(null);
    let caught: unknown;
    try {
      session.setOwner('u1', { userAgent: 'x'.repeat(2_000) });
    } catch (error) {
      caught = error;
    }
    expect(isSessionError(caught, 'SESSION_CONFIG_INVALID')).toBe(true);
    expect((caught as Error).message).toMatch(/over the 1024-character limit/);
    expect(() => session.setOwner('u1', { nested: {} as unknown as string })).toThrow(/meta.nested must be/);
  });

  test('a store without ownerDetails refuses metadata at commit and revokeSession up front', async () => {
    const memory = createMemoryStore();
    const store: SessionStore = {
      capabilities: { ...NO_CAPABILITIES, listByOwner: true, destroyByOwner: true },
      get: (key) => memory.get(key),
      set: (key, record, options) => memory.set(key, { ...record, details: null }, options),
      touch: (key, expiresAt) => memory.touch(key, expiresAt),
      destroy: (key) => memory.destroy(key),
      listByOwner: (owner) => memory.listByOwner(owner),
      unsupportedReason: (operation) => `this test store has no ${operation}; add one`,
    };
    const { manager } = setup(store);
    await expect(manager.revokeSession('u1', 'k')).rejects.toThrow(
      'this test store has no destroyOwned; add one',
    );
    const session = await manager.load(null);
    session.set('user', 'u1');
    session.setOwner('u1', { userAgent: 'Firefox' });
    await expect(manager.commit(session)).rejects.toThrow(/capabilities.ownerDetails is false/);
    // Without metadata the same store saves and lists as before, with nulls for what it cannot know.
    const plain = await manager.load(null);
    plain.set('user', 'u1');
    plain.setOwner('u1');
    await manager.commit(plain);
    expect(await manager.listSessions('u1')).toEqual([
      {
        key: plain.storageKey ?? expect.any(String),
        createdAt: null,
        lastActiveAt: null,
        expiresAt: expect.any(Number),
        meta: null,
      },
    ]);
  });

  test('readSessionDetails tolerates text it did not write', () => {
    expect(readSessionDetails('not json')).toEqual({ createdAt: null, meta: null });
    expect(readSessionDetails('{"c":"x","m":[1]}')).toEqual({ createdAt: null, meta: null });
    expect(readSessionDetails(null)).toEqual({ createdAt: null, meta: null });
    expect(readSessionDetails('{"c":5,"m":{"a":"b"}}')).toEqual({ createdAt: 5, meta: { a: 'b' } });
  });
});
