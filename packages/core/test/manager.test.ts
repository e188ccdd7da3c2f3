import { describe, expect, test } from 'vitest';
import { sha256Base64url } from '../src/cookie/hashing';
import { isSessionError, SessionConfigError, SessionStateError, SessionTooLargeError } from '../src/errors';
import { createSessionManager } from '../src/session/manager';
import { createMemoryStore } from '../src/store/memory-store';
import { cookiePair, countingStore, OTHER_SECRET, SECRET } from './helpers';

type Data = { userId: string; views: number; cart: string[]; when: Date; tags: Set<string> };

function setup(options: Partial<Parameters<typeof createSessionManager>[0]> = {}) {
  const store = createMemoryStore();
  const manager = createSessionManager<Data>({
    store,
    secrets: [SECRET],
    cookie: { secure: true },
    ...options,
  });
  return { store, manager };
}

describe('load and commit', () => {
  test('an untouched new session writes nothing and sets no cookie', async () => {
    const { store, manager } = setup();
    const session = await manager.load(undefined);
    expect(session.isNew).toBe(true);
    expect(await manager.commit(session)).toBeNull();
    expect(await store.count!()).toBe(0);
  });

  test('a changed session is saved and found again through its cookie', async () => {
    const { manager } = setup();
    const first = await manager.load(null);
    first.set('userId', 'u1');
    first.set('when', new Date('2024-01-02T03:04:05Z'));
    first.set('tags', new Set(['a', 'b']));
    const setCookie = await manager.commit(first);
    expect(setCookie).toMatch(
      /^sid=[^;]+; Path=\/; Expires=[^;]+; Max-Age=86461; HttpOnly; Secure; SameSite=Lax$/,
    );

    const second = await manager.load(cookiePair(setCookie));
    expect(second.isNew).toBe(false);
    expect(second.id).toBe(first.id);
    expect(second.get('userId')).toBe('u1');
    expect(second.get('when')).toEqual(new Date('2024-01-02T03:04:05Z'));
    expect(second.get('tags')).toEqual(new Set(['a', 'b']));
  });

  test('loads from a Web Request', async () => {
    const { manager } = setup();
    const session = await manager.load(null);
    session.set('userId', 'u2');
    const setCookie = await manager.commit(session);
    const request = new Request('http://127.0.0.1/', {
      headers: { cookie: `a=b; ${cookiePair(setCookie)}` },
    });
    expect((await manager.load(request)).get('userId')).toBe('u2');
  });

  test('the store key is the SHA-256 of the ID, and the ID never reaches the store', async () => {
    const { store, manager } = setup();
    const session = await manager.load(null);
    session.set('userId', 'u3');
    await manager.commit(session);
    expect(await store.get(session.id)).toBeNull();
    expect(await store.get(await sha256Base64url(session.id))).not.toBeNull();
  });

  test('a cookie loaded again reads under the same hashed key, past the remembered ones too', async () => {
    const { store, calls } = countingStore();
    const keys: string[] = [];
    const get = (key: string) => {
      keys.push(key);
      return store.get(key);
    };
    const recording = { ...store, get } as typeof store;
    const manager = createSessionManager<Data>({ store: recording, secrets: [SECRET] });
    const cookies: string[] = [];
    for (let i = 0; i < 9_000; i++) {
      const session = await manager.load(null);
      session.set('views', i);
      cookies.push(cookiePair(await manager.commit(session)));
      await manager.load(cookies[i]);
    }
    keys.length = 0;
    // 9,000 cookies loaded overflow the memo (8,192): the first ones are hashed again, the last
    // one is remembered, and then all three are.
    for (const i of [0, 1, 8_999, 0, 1, 8_999]) {
      const session = await manager.load(cookies[i]);
      expect(session.get('views')).toBe(i);
      const id = session.id;
      expect(keys.at(-1)).toBe(await sha256Base64url(id));
    }
    expect(keys).toHaveLength(6);
    expect(calls.get).toBe(9_006);
  });

  test('hashIds: false stores under the ID itself', async () => {
    const { store, manager } = setup({ hashIds: false });
    const session = await manager.load(null);
    session.set('userId', 'u4');
    await manager.commit(session);
    expect(await store.get(session.id)).not.toBeNull();
  });

  test('commit twice, or a change after commit, is a SessionStateError', async () => {
    const { manager } = setup();
    const session = await manager.load(null);
    session.set('userId', 'u5');
    await manager.commit(session);
    await expect(manager.commit(session)).rejects.toBeInstanceOf(SessionStateError);
    expect(() => session.set('userId', 'x')).toThrow(SessionStateError);
  });

  test('a key named __proto__ is plain data and survives a round trip', async () => {
    const { manager } = setup();
    const session = await manager.load(null);
    (session as unknown as { set(k: string, v: unknown): void }).set('__proto__', { polluted: true });
    const again = await manager.load(cookiePair(await manager.commit(session)));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((again as unknown as { get(k: string): unknown }).get('__proto__')).toEqual({ polluted: true });
  });
});

describe('hostile cookies are anonymous requests', () => {
  test.each([
    ['garbage', 'sid=%%%not-a-cookie'],
    ['no signature', 'sid=abcdefghijklmnopqrstuvwxyz012345'],
    ['bad percent-encoding', 'sid=%E0%A4%A'],
    ['empty', 'sid='],
    ['only a dot', 'sid=.'],
    ['huge', `sid=${'a'.repeat(100_000)}`],
  ])('%s', async (_label, header) => {
    const { manager } = setup();
    const session = await manager.load(header);
    expect(session.isNew).toBe(true);
  });

  test('a flipped character in the ID or the signature', async () => {
    const { manager } = setup();
    const session = await manager.load(null);
    session.set('userId', 'victim');
    const pair = cookiePair(await manager.commit(session));
    const value = decodeURIComponent(pair.slice(4));
    for (const index of [0, 5, value.length - 2]) {
      const flipped = value.slice(0, index) + (value[index] === 'A' ? 'B' : 'A') + value.slice(index + 1);
      const loaded = await manager.load(`sid=${encodeURIComponent(flipped)}`);
      expect(loaded.isNew).toBe(true);
      expect(loaded.get('userId')).toBeUndefined();
    }
  });

  test('a cookie signed with an unknown secret', async () => {
    const a = setup();
    const b = createSessionManager({ store: a.store, secrets: [OTHER_SECRET] });
    const session = await a.manager.load(null);
    session.set('userId', 'u');
    expect((await b.load(cookiePair(await a.manager.commit(session)))).isNew).toBe(true);
  });
});

describe('secret rotation', () => {
  test('old secret verifies, new secret signs', async () => {
    const store = createMemoryStore();
    const before = createSessionManager({ store, secrets: [SECRET] });
    const during = createSessionManager({ store, secrets: [OTHER_SECRET, SECRET] });
    const after = createSessionManager({ store, secrets: [OTHER_SECRET] });
    const session = await before.load(null);
    session.set('userId', 'rot');
    const oldCookie = cookiePair(await before.commit(session));

    const rotated = await during.load(oldCookie);
    expect(rotated.get('userId')).toBe('rot');
    rotated.set('views', 1);
    const newCookie = cookiePair(await during.commit(rotated));
    expect(newCookie).not.toBe(oldCookie);
    expect((await after.load(newCookie)).get('userId')).toBe('rot');
    expect((await after.load(oldCookie)).isNew).toBe(true);
  });

  test('a cookie the current secret signed is sent back unchanged; a new ID is signed afresh', async () => {
    const manager = createSessionManager({ store: createMemoryStore(), secrets: [SECRET], rolling: true });
    const session = await manager.load(null);
    session.set('a', 1);
    const cookie = cookiePair(await manager.commit(session));
    const again = await manager.load(cookie);
    again.set('a', 2);
    expect(cookiePair(await manager.commit(again))).toBe(cookie);
    const moved = await manager.load(cookie);
    moved.regenerate();
    const fresh = cookiePair(await manager.commit(moved));
    expect(fresh).not.toBe(cookie);
    expect(fresh.startsWith(`sid=${moved.id}.`)).toBe(true);
    expect((await manager.load(fresh)).get('a')).toBe(2);
  });
});

describe('construction fails fast with a how-to-fix message', () => {
  const store = createMemoryStore();
  test.each([
    ['no secret', { store }, /secrets is required.*randomBytes/],
    ['short secret', { store, secrets: ['short'] }, /at least 32 characters \(it has 5\)/],
    ['non-string secret', { store, secrets: [42] }, /secrets\[0\] must be a string/],
    ['negative idle', { store, secrets: [SECRET], idleTimeout: -1 }, /idleTimeout must be a whole number/],
    ['both unlimited', { store, secrets: [SECRET], idleTimeout: 0, absoluteTimeout: 0 }, /never expire/],
    [
      'touchAfter too long',
      { store, secrets: [SECRET], idleTimeout: 1000, touchAfter: 1000 },
      /below idleTimeout/,
    ],
    ['no store', { secrets: [SECRET] }, /store must be a sessionkit store/],
    [
      'sameSite none, not secure',
      { store, secrets: [SECRET], cookie: { sameSite: 'none', secure: false } },
      /requires cookie.secure/,
    ],
    ['bad cookie name', { store, secrets: [SECRET], cookie: { name: 'a b' } }, /not a valid cookie name/],
    ['bad policy', { store, secrets: [SECRET], onStoreError: 'ignore' }, /fail-closed/],
    ['bad retries', { store, secrets: [SECRET], maxConflictRetries: -1 }, /maxConflictRetries/],
  ])('%s', (_label, options, message) => {
    const attempt = () => createSessionManager(options as never);
    expect(attempt).toThrow(SessionConfigError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      expect(isSessionError(error, 'SESSION_CONFIG_INVALID')).toBe(true);
    }
  });
});

describe('payload limits and stored data', () => {
  test('over maxPayloadBytes: SessionTooLargeError, nothing written', async () => {
    const { store, manager } = setup({ maxPayloadBytes: 2048, compression: false });
    const session = await manager.load(null);
    session.set('userId', 'x'.repeat(5000));
    await expect(manager.commit(session)).rejects.toBeInstanceOf(SessionTooLargeError);
    expect(await store.count!()).toBe(0);
  });

  test('a corrupt stored payload gives a fresh session and a payloadError event', async () => {
    const events: string[] = [];
    const { store, manager } = setup({ hooks: { payloadError: (e) => events.push(e.error.code) } });
    const session = await manager.load(null);
    session.set('userId', 'u');
    const pair = cookiePair(await manager.commit(session));
    const key = await sha256Base64url(session.id);
    const record = (await store.get(key))!;
    await store.set(
      key,
      { ...record, payload: new Uint8Array([1, 2, 3]), version: 2 },
      { expectedVersion: 1 },
    );
    const loaded = await manager.load(pair);
    expect(loaded.isNew).toBe(true);
    expect(events).toEqual(['SESSION_PAYLOAD_INVALID']);
  });

  test('encryption at rest: the stored bytes do not contain the data', async () => {
    const { store, manager } = setup({ encryption: { keys: [{ id: 'k1', key: 'k'.repeat(40) }] } });
    const session = await manager.load(null);
    session.set('userId', 'very-recognizable-user-id');
    const pair = cookiePair(await manager.commit(session));
    const record = (await store.get(await sha256Base64url(session.id)))!;
    expect(Buffer.from(record.payload).toString('latin1')).not.toContain('very-recognizable-user-id');
    expect((await manager.load(pair)).get('userId')).toBe('very-recognizable-user-id');
  });
});

describe('lifecycle', () => {
  test('regenerate: new ID, data kept, old ID dead, hook fired', async () => {
    const events: string[] = [];
    const { store, manager } = setup({ hooks: { regenerated: () => events.push('regenerated') } });
    const anon = await manager.load(null);
    anon.set('cart', ['apple']);
    const oldPair = cookiePair(await manager.commit(anon));
    const login = await manager.load(oldPair);
    login.regenerate();
    expect(login.id).not.toBe(anon.id);
    login.set('userId', 'u1');
    const newPair = cookiePair(await manager.commit(login));
    expect(events).toEqual(['regenerated']);
    expect((await manager.load(oldPair)).isNew).toBe(true);
    const after = await manager.load(newPair);
    expect(after.get('cart')).toEqual(['apple']);
    expect(after.get('userId')).toBe('u1');
    expect(await store.count!()).toBe(1);
  });

  test.each([
    ['declares replaceOnInsert: one set that replaces the old key', true, { get: 1, set: 1 }],
    ['does not: an insert, then a destroy of the old key', false, { get: 1, set: 1, destroy: 1 }],
  ])('login with a store that %s', async (_, replaceOnInsert, expected) => {
    const memory = createMemoryStore();
    const { store, calls } = countingStore({
      ...memory,
      capabilities: { ...memory.capabilities, replaceOnInsert },
    });
    const events: unknown[] = [];
    const manager = createSessionManager({
      store,
      secrets: [SECRET],
      hooks: { regenerated: (event) => events.push(event) },
    });
    const anon = await manager.load(null);
    anon.set('cart', ['apple']);
    const oldPair = cookiePair(await manager.commit(anon));
    const oldKey = await sha256Base64url(anon.id);
    for (const name of Object.keys(calls)) delete calls[name];

    const login = await manager.load(oldPair);
    login.regenerate();
    login.setOwner('alice');
    const newPair = cookiePair(await manager.commit(login));
    expect(calls).toEqual(expected);
    const newKey = await sha256Base64url(login.id);
    expect(events).toEqual([{ key: newKey, previousKey: oldKey, ownerId: 'alice' }]);
    expect(await memory.get(oldKey)).toBeNull();
    expect(await memory.listByOwner('alice')).toEqual([
      { key: newKey, expiresAt: expect.any(Number), details: null, lastActiveAt: null },
    ]);
    expect((await manager.load(newPair)).get('cart')).toEqual(['apple']);
  });

  test('destroy removes the record and clears the cookie', async () => {
    const { store, manager } = setup();
    const session = await manager.load(null);
    session.set('userId', 'u');
    const pair = cookiePair(await manager.commit(session));
    const loaded = await manager.load(pair);
    loaded.destroy();
    expect(await manager.commit(loaded)).toMatch(
      /^sid=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0/,
    );
    expect(await store.count!()).toBe(0);
    expect((await manager.load(pair)).isNew).toBe(true);
  });

  test('flash values survive until read, once', async () => {
    const { manager } = setup();
    const first = await manager.load(null);
    first.flash('notice', 'Saved!');
    const pair = cookiePair(await manager.commit(first));
    const second = await manager.load(pair);
    expect(second.getFlash('notice')).toBe('Saved!');
    await manager.commit(second);
    const third = await manager.load(pair);
    expect(third.getFlash('notice')).toBeUndefined();
  });

  test('owner index: list and revoke every session of a user', async () => {
    const { manager } = setup();
    const pairs: string[] = [];
    for (const owner of ['alice', 'alice', 'bob']) {
      const session = await manager.load(null);
      session.setOwner(owner);
      pairs.push(cookiePair(await manager.commit(session)));
    }
    expect(await manager.listSessions('alice')).toHaveLength(2);
    expect(await manager.revokeSessions('alice')).toBe(2);
    expect((await manager.load(pairs[0])).isNew).toBe(true);
    expect((await manager.load(pairs[2])).ownerId).toBe('bob');
  });
});
