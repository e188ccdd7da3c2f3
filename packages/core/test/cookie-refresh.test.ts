import { describe, expect, test } from 'vitest';
import { sha256Base64url } from '../src/cookie/hashing';
import { createSessionManager } from '../src/session/manager';
import { createMemoryStore } from '../src/store/memory-store';
import { cookiePair, fakeClock, OTHER_SECRET, SECRET } from './helpers';

const MINUTE = 60_000;

function setup(options: { persistent?: boolean; absoluteTimeout?: number; secrets?: string[] } = {}) {
  const clock = fakeClock();
  const store = createMemoryStore();
  const manager = createSessionManager<{ n: number }>({
    store,
    secrets: options.secrets ?? [SECRET],
    clock: clock.now,
    idleTimeout: 30 * MINUTE,
    absoluteTimeout: options.absoluteTimeout ?? 8 * 60 * MINUTE,
    touchAfter: MINUTE,
    cookie: { persistent: options.persistent ?? true, secure: true },
  });
  const write = async (pair: string | null, n = 1) => {
    const session = await manager.load(pair);
    session.set('n', n);
    return { setCookie: await manager.commit(session), session };
  };
  return { clock, store, manager, write };
}

/** The cookie's end as the browser computes it from Max-Age. */
function cookieEnd(setCookie: string, now: number): number {
  const maxAge = /Max-Age=(\d+)/.exec(setCookie)?.[1];
  if (maxAge === undefined) throw new Error(`no Max-Age in ${setCookie}`);
  return now + Number(maxAge) * 1000;
}

describe('when a write re-sends the cookie', () => {
  test('not while the expiry stays within one touchAfter step; again once it crosses one', async () => {
    const { clock, write } = setup();
    const first = await write(null);
    const pair = cookiePair(first.setCookie);
    // Writes 1 s apart move the expiry 1 s each: at most one of any 60 crosses a step.
    const sent: number[] = [];
    for (let i = 0; i < 120; i++) {
      clock.advance(1000);
      if ((await write(pair, i)).setCookie !== null) sent.push(i);
    }
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(sent.length).toBeLessThanOrEqual(3);
  });

  test('the browser cookie outlives the session through any sequence of requests', async () => {
    const { clock, store, write, manager } = setup();
    const first = await write(null);
    const pair = cookiePair(first.setCookie);
    const key = await sha256Base64url(first.session.id);
    let browserEnd = cookieEnd(first.setCookie as string, clock.now());
    // A fixed pseudo-random walk, writes and reads mixed: mostly gaps of a few seconds (many
    // requests within one touchAfter step), sometimes up to 20 minutes.
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 400; i++) {
      clock.advance(Math.floor(next() * (next() < 0.9 ? 5000 : 20 * MINUTE)));
      if (clock.now() >= first.session.createdAt + 8 * 60 * MINUTE) break; // the absolute end
      expect(clock.now()).toBeLessThan(browserEnd); // the browser still sends the cookie
      const session = await manager.load(pair);
      expect(session.isNew).toBe(false);
      if (next() < 0.5) session.set('n', i);
      const setCookie = await manager.commit(session);
      if (setCookie !== null) browserEnd = cookieEnd(setCookie, clock.now());
      const stored = (await store.get(key))!;
      // Max-Age counts whole seconds: capped at the absolute end, it may stop short by < 1 s.
      const atAbsoluteEnd = stored.expiresAt === session.createdAt + 8 * 60 * MINUTE;
      expect(browserEnd).toBeGreaterThanOrEqual(stored.expiresAt - (atAbsoluteEnd ? 999 : 0));
    }
  });

  test('a cookie signed with an older secret is re-signed with the current one, once', async () => {
    const before = setup();
    const pair = cookiePair((await before.write(null)).setCookie);
    const after = createSessionManager<{ n: number }>({
      store: before.store,
      secrets: [OTHER_SECRET, SECRET],
      clock: before.clock.now,
      idleTimeout: 30 * MINUTE,
      touchAfter: MINUTE,
    });
    const read = await after.load(pair);
    const resigned = await after.commit(read);
    expect(cookiePair(resigned)).not.toBe(pair);
    const again = await after.load(cookiePair(resigned));
    again.set('n', 2);
    expect(await after.commit(again)).toBeNull();
  });

  test('a browser-session cookie is only sent when its value changes', async () => {
    const { clock, write, manager } = setup({ persistent: false });
    const first = await write(null);
    expect(first.setCookie).not.toMatch(/Max-Age|Expires/);
    const pair = cookiePair(first.setCookie);
    clock.advance(10 * MINUTE);
    expect((await write(pair)).setCookie).toBeNull();
    const login = await manager.load(pair);
    login.regenerate();
    expect(cookiePair(await manager.commit(login))).not.toBe(pair);
  });

  test('the cookie never outlives the absolute timeout', async () => {
    const { clock, write } = setup({ absoluteTimeout: 40 * MINUTE });
    const first = await write(null);
    const end = first.session.createdAt + 40 * MINUTE;
    // At 13 minutes the idle expiry (43) passes the absolute end (40): the expiry moves to 40.
    clock.advance(13 * MINUTE);
    const { setCookie } = await write(cookiePair(first.setCookie));
    expect(setCookie).not.toBeNull();
    const browserEnd = cookieEnd(setCookie as string, clock.now());
    expect(browserEnd).toBeLessThanOrEqual(end);
    expect(browserEnd).toBeGreaterThan(end - 1000);
  });
});
