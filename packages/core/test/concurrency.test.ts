import { describe, expect, test } from 'vitest';
import { createSessionManager } from '../src/session/manager';
import { createMemoryStore } from '../src/store/memory-store';
import { cookiePair, SECRET } from './helpers';

type Data = Record<string, number>;

async function seed(manager: ReturnType<typeof createSessionManager<Data>>) {
  const session = await manager.load(null);
  session.set('seed', 1);
  return cookiePair(await manager.commit(session));
}

describe('lost-update protection', () => {
  test('200 concurrent commits to 200 distinct keys of one session: all 200 are kept', async () => {
    const manager = createSessionManager<Data>({ store: createMemoryStore(), secrets: [SECRET] });
    const pair = await seed(manager);
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const session = await manager.load(pair);
        session.set(`k${i}`, i);
        await manager.commit(session);
      }),
    );
    const final = await manager.load(pair);
    for (let i = 0; i < 200; i++) expect(final.get(`k${i}`)).toBe(i);
  });

  test('200 concurrent increments through update() end at 200', async () => {
    const manager = createSessionManager<Data>({ store: createMemoryStore(), secrets: [SECRET] });
    const pair = await seed(manager);
    await Promise.all(
      Array.from({ length: 200 }, async () => {
        const session = await manager.load(pair);
        session.update('counter', (n = 0) => n + 1);
        await manager.commit(session);
      }),
    );
    expect((await manager.load(pair)).get('counter')).toBe(200);
  });

  test('two managers on one store (two "processes") resolve conflicts through compare-and-set', async () => {
    const store = createMemoryStore();
    const conflicts: number[] = [];
    const options = {
      store,
      secrets: [SECRET],
      maxConflictRetries: 50,
      hooks: { conflict: () => conflicts.push(1) },
    };
    const a = createSessionManager<Data>(options);
    const b = createSessionManager<Data>(options);
    const pair = await seed(a);
    await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const manager = i % 2 === 0 ? a : b;
        const session = await manager.load(pair);
        session.set(`k${i}`, i);
        session.update('counter', (n = 0) => n + 1);
        await manager.commit(session);
      }),
    );
    const final = await a.load(pair);
    expect(final.get('counter')).toBe(60);
    for (let i = 0; i < 60; i++) expect(final.get(`k${i}`)).toBe(i);
    // The queue only serialises within one manager, so the other one must have conflicted.
    expect(conflicts.length).toBeGreaterThan(0);
  });

  test('a write racing a destroy does not resurrect the session', async () => {
    const store = createMemoryStore();
    const manager = createSessionManager<Data>({ store, secrets: [SECRET] });
    const pair = await seed(manager);
    const writer = await manager.load(pair);
    const destroyer = await manager.load(pair);
    destroyer.destroy();
    await manager.commit(destroyer);
    writer.set('late', 1);
    // Dropped, and the cookie left alone: the browser may already hold a newer session's cookie.
    expect(await manager.commit(writer)).toBeNull();
    expect(await store.count!()).toBe(0);
  });

  test('commits that arrive together are written together: few writes, no conflicts, order kept', async () => {
    const store = createMemoryStore();
    let sets = 0;
    const counting = {
      ...store,
      capabilities: store.capabilities,
      set: (...args: Parameters<typeof store.set>) => {
        sets++;
        return store.set(...args);
      },
    };
    const conflicts: number[] = [];
    const manager = createSessionManager<Data>({
      store: counting,
      secrets: [SECRET],
      hooks: { conflict: () => conflicts.push(1) },
    });
    const pair = await seed(manager);
    sets = 0;
    const sessions = await Promise.all(Array.from({ length: 100 }, () => manager.load(pair)));
    sessions.forEach((session, i) => {
      session.set(`k${i}`, i);
      // Arrival order decides between writers of one key: the last commit's value stays.
      session.set('last', i);
      session.update('counter', (n = 0) => n + 1);
    });
    const cookies = await Promise.all(sessions.map((session) => manager.commit(session)));
    const final = await manager.load(pair);
    expect(final.get('counter')).toBe(100);
    expect(final.get('last')).toBe(99);
    for (let i = 0; i < 100; i++) expect(final.get(`k${i}`)).toBe(i);
    // The first commit goes alone; the 99 that queued behind it share one write.
    expect(sets).toBe(2);
    expect(conflicts).toEqual([]);
    // The expiry moved by less than touchAfter (same instant): no request re-sends the cookie.
    expect(cookies).toEqual(Array.from({ length: 100 }, () => null));
  });

  test('a batch whose session was destroyed meanwhile is dropped as a whole, and the queue recovers', async () => {
    const store = createMemoryStore();
    const manager = createSessionManager<Data>({ store, secrets: [SECRET] });
    const pair = await seed(manager);
    const writers = await Promise.all(Array.from({ length: 10 }, () => manager.load(pair)));
    const destroyer = await manager.load(pair);
    destroyer.destroy();
    await manager.commit(destroyer);
    for (const [i, session] of writers.entries()) session.set(`k${i}`, i);
    expect(await Promise.all(writers.map((session) => manager.commit(session)))).toEqual(
      Array.from({ length: 10 }, () => null),
    );
    expect(await store.count!()).toBe(0);
    // A new session under the same manager writes normally.
    const next = await manager.load(null);
    next.set('a', 1);
    expect(await manager.commit(next)).not.toBeNull();
  });
});
