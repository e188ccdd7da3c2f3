import { describe, expect, test } from 'vitest';
import { createSessionManager } from '../src/session/manager';
import { cookiePair, countingStore, fakeClock, SECRET } from './helpers';

const MINUTE = 60_000;

function setup(
  options: { idleTimeout?: number; absoluteTimeout?: number; touchAfter?: number; rolling?: boolean } = {},
) {
  const clock = fakeClock();
  const { store, calls } = countingStore();
  const events: string[] = [];
  const manager = createSessionManager<{ n: number }>({
    store,
    secrets: [SECRET],
    clock: clock.now,
    idleTimeout: 30 * MINUTE,
    absoluteTimeout: 8 * 60 * MINUTE,
    touchAfter: MINUTE,
    hooks: { expired: (e) => events.push(e.reason) },
    ...options,
  });
  /** One request: load, run the handler, commit; returns the Set-Cookie value. */
  const request = async (
    pair: string | null,
    handler: (s: Awaited<ReturnType<typeof manager.load>>) => void = () => {},
  ) => {
    const session = await manager.load(pair);
    handler(session);
    return { setCookie: await manager.commit(session), session };
  };
  return { clock, calls, manager, request, events, store };
}

describe('idle timeout (sliding)', () => {
  test('a session idle longer than idleTimeout is gone', async () => {
    const { clock, request } = setup();
    const { setCookie } = await request(null, (s) => s.set('n', 1));
    clock.advance(30 * MINUTE + 1);
    const { session } = await request(cookiePair(setCookie));
    expect(session.isNew).toBe(true);
  });

  test('activity keeps it alive past the idle timeout', async () => {
    const { clock, request } = setup();
    const pair = cookiePair((await request(null, (s) => s.set('n', 1))).setCookie);
    for (let i = 0; i < 5; i++) {
      clock.advance(20 * MINUTE);
      expect((await request(pair)).session.get('n')).toBe(1);
    }
  });
});

describe('absolute timeout', () => {
  test('ends the session however active, and is not extended by regenerate', async () => {
    const { clock, request } = setup({ idleTimeout: 30 * MINUTE, absoluteTimeout: 60 * MINUTE });
    let pair = cookiePair((await request(null, (s) => s.set('n', 1))).setCookie);
    clock.advance(25 * MINUTE);
    pair = cookiePair((await request(pair, (s) => s.regenerate())).setCookie);
    clock.advance(25 * MINUTE);
    const { session: alive, setCookie } = await request(pair);
    expect(alive.get('n')).toBe(1);
    // The cookie and the record expire at the absolute deadline (60 min from creation), not later.
    expect(alive.expiresAt).toBeLessThanOrEqual(alive.createdAt + 60 * MINUTE);
    expect(setCookie).toMatch(/Max-Age=600;/);
    clock.advance(10 * MINUTE + 1);
    const { session: dead } = await request(pair);
    expect(dead.isNew).toBe(true);
  });

  test('a record past its absolute deadline is removed on access and reported', async () => {
    const { clock, request, events, store } = setup({ idleTimeout: 0, absoluteTimeout: 60 * MINUTE });
    const pair = cookiePair((await request(null, (s) => s.set('n', 1))).setCookie);
    // The store keeps the record (its expiry is real time); core's clock says it is past the deadline.
    clock.advance(61 * MINUTE);
    expect((await request(pair)).session.isNew).toBe(true);
    expect(events).toEqual(['absolute']);
    expect(await store.count!()).toBe(0);
  });
});

describe('lazy touch', () => {
  test('read-only requests write nothing until touchAfter has passed, then touch once', async () => {
    const { clock, calls, request } = setup();
    const pair = cookiePair((await request(null, (s) => s.set('n', 1))).setCookie);
    expect(calls.set).toBe(1);
    for (let i = 0; i < 50; i++) {
      clock.advance(1000);
      const { setCookie } = await request(pair, (s) => s.get('n'));
      expect(setCookie).toBeNull();
    }
    expect(calls.set).toBe(1);
    expect(calls.touch ?? 0).toBe(0);
    expect(calls.get).toBe(50);

    clock.advance(10_000); // 60 s since the write
    const { setCookie } = await request(pair);
    expect(calls.touch).toBe(1);
    expect(calls.set).toBe(1);
    // The persistent cookie follows the moved expiry, touchAfter (60 s) past it.
    expect(setCookie).toMatch(/Max-Age=1861;/);
  });

  test('touch moves the stored expiry without rewriting the payload', async () => {
    const { clock, request, store, manager } = setup();
    const first = await request(null, (s) => s.set('n', 1));
    const key = await (await import('../src/cookie/hashing')).sha256Base64url(first.session.id);
    const before = (await store.get(key))!;
    clock.advance(5 * MINUTE);
    await request(cookiePair(first.setCookie));
    const after = (await store.get(key))!;
    expect(after.version).toBe(before.version);
    expect(after.payload).toEqual(before.payload);
    expect(after.expiresAt - before.expiresAt).toBe(5 * MINUTE);
    expect(manager.options.touchAfter).toBe(MINUTE);
  });

  test('rolling: true sends the cookie on every response', async () => {
    const { request } = setup({ rolling: true });
    const pair = cookiePair((await request(null, (s) => s.set('n', 1))).setCookie);
    expect((await request(pair)).setCookie).toMatch(/^sid=/);
  });

  test('default touchAfter follows a short idleTimeout', () => {
    const manager = createSessionManager({
      store: countingStore().store,
      secrets: [SECRET],
      idleTimeout: 10_000,
    });
    expect(manager.options.touchAfter).toBe(1_000);
  });
});
