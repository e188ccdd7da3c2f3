import { createMemoryStore, type MemoryStore, SessionManager } from '@sessionkit/core';
import { describe, expect, onTestFinished, test } from 'vitest';
import { createSessionTier, type SessionTier, type SessionTierOptions } from '../src/index';
import { fakeClock, SECRET } from './helpers';
import { persistedCopy } from './raw';

type Data = { user?: string; n?: number };

function node(persistent: MemoryStore, options: Partial<SessionTierOptions> = {}) {
  const manager = createSessionTier<Data>({
    store: persistent,
    secrets: [SECRET],
    cookie: { secure: false },
    ...options,
  });
  onTestFinished(() => manager.close());
  return manager;
}

function cookiePair(setCookie: string | null): string {
  if (!setCookie) throw new Error('expected a Set-Cookie value');
  return setCookie.split(';')[0] as string;
}

async function createSession(manager: SessionTier<Data>, data: Data): Promise<string> {
  const session = await manager.load(null);
  for (const [key, value] of Object.entries(data)) session.set(key as keyof Data, value as never);
  return cookiePair(await manager.commit(session));
}

describe('the session tier', () => {
  test("stats() holds the manager's counts, with the tier's counters as `store` and at the top level", async () => {
    const manager = node(createMemoryStore(), { backupAfterIdle: Number.POSITIVE_INFINITY });
    const cookie = await createSession(manager, { user: 'u1' });
    await manager.load(cookie);
    const stats = manager.stats();
    expect(stats.counters).toMatchObject({ created: 1, loaded: 1, committed: 1 });
    expect(stats.store).toMatchObject({ active: 1, dirty: 1 });
    expect(stats).toMatchObject({ active: 1, dirty: 1 });
  });

  test('is a core SessionManager; sessions live in memory, close() saves them, a restarted node serves them', async () => {
    const persistent = createMemoryStore();
    const a = node(persistent, { backupAfterIdle: Number.POSITIVE_INFINITY });
    expect(a).toBeInstanceOf(SessionManager);
    const cookie = await createSession(a, { user: 'u1', n: 1 });
    expect(a.stats()).toMatchObject({ active: 1, dirty: 1, backups: 0 });
    expect(await persistent.count(), 'nothing written to the store yet').toBe(0);

    await a.close();
    expect(await persistent.count()).toBe(1);

    const b = node(persistent);
    const session = await b.load(cookie);
    expect(session.get('user')).toBe('u1');
    expect(b.stats()).toMatchObject({ active: 1, restores: 1 });
  });

  test('persistentTimeout defaults to twice idleTimeout', async () => {
    const persistent = createMemoryStore();
    const clock = fakeClock();
    const a = node(persistent, { idleTimeout: 60_000, backupAfterIdle: 0, clock: clock.now });
    await createSession(a, { n: 1 });
    const backupTime = clock.now();
    await a.tier.runMaintenance();
    const [key] = inspectKeys(persistent);
    expect(persistedCopy(persistent, key as string)?.storeExpiresAt).toBe(backupTime + 120_000);
    expect(persistedCopy(persistent, key as string)?.expiresAt, 'the session expiry itself').toBe(
      backupTime + 60_000,
    );
  });

  test('handleSignals adds SIGTERM and SIGINT listeners; close() removes them', async () => {
    const before = [process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')];
    const manager = node(createMemoryStore(), { handleSignals: true });
    expect([process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]).toEqual(
      before.map((n) => n + 1),
    );
    await manager.close();
    expect([process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]).toEqual(before);
  });
});

function inspectKeys(persistent: MemoryStore): string[] {
  const inspect = (persistent as unknown as Record<symbol, { keys(): string[] }>)[
    Symbol.for('sessionkit.memory-store.inspect')
  ];
  return inspect?.keys() ?? [];
}

describe('route affinity and rebalancing (one process, two nodes on one store)', () => {
  async function sessionFromA(persistent: MemoryStore) {
    const a = node(persistent, { route: 'A', backupAfterIdle: 0 });
    const session = await a.load(null);
    session.set('user', 'u1');
    const cookie = cookiePair(await a.commit(session));
    expect(session.id).toMatch(/\.A$/);
    await a.tier.runMaintenance(); // backed up, so another node can restore it
    return { a, cookie, id: session.id };
  }

  test("'preemptive' (default): node B rebinds the session to .B with a new cookie; the stored record is not duplicated", async () => {
    const persistent = createMemoryStore();
    const { cookie, id } = await sessionFromA(persistent);
    const b = node(persistent, { route: 'B', backupAfterIdle: 0 });
    const moved = await b.load(cookie);
    expect(moved.get('user')).toBe('u1');
    expect(moved.id).toBe(id.replace(/\.A$/, '.B'));
    moved.set('n', 2);
    const setCookie = await b.commit(moved);
    expect(setCookie, 'a new cookie carries the new route').not.toBeNull();
    await b.tier.runMaintenance();
    expect(await persistent.count(), 'one record: moved, not copied').toBe(1);
    expect(b.stats()).toMatchObject({ rebinds: 1, rebindsDeclined: 0, load: null });

    const again = await b.load(cookiePair(setCookie));
    expect([again.get('user'), again.get('n')]).toEqual(['u1', 2]);
    expect(await b.commit(again), 'already on B: no cookie to send').toBeNull();
  });

  test("'none': the route stays and no cookie is sent", async () => {
    const persistent = createMemoryStore();
    const { cookie, id } = await sessionFromA(persistent);
    const b = node(persistent, { route: 'B', rebalance: 'none' });
    const seen = await b.load(cookie);
    expect(seen.id).toBe(id);
    expect(seen.get('user')).toBe('u1');
    expect(await b.commit(seen)).toBeNull();
    expect(b.stats()).toMatchObject({ rebinds: 0, rebindsDeclined: 1 });
  });

  test("'threshold': a busy node (heap over a tiny limit) keeps the route; a node under its limits rebinds", async () => {
    const persistent = createMemoryStore();
    const { cookie, id } = await sessionFromA(persistent);
    const busy = node(persistent, {
      route: 'B',
      rebalance: 'threshold',
      busyThresholds: { heapUsedRatio: 1e-9 },
    });
    const kept = await busy.load(cookie);
    expect(kept.id).toBe(id);
    expect(busy.stats()).toMatchObject({ rebinds: 0, rebindsDeclined: 1 });
    expect(busy.stats().load).toMatchObject({ busy: true });

    const idle = node(persistent, {
      route: 'C',
      rebalance: 'threshold',
      busyThresholds: { heapUsedRatio: 1, eventLoopDelay: 60_000 },
    });
    const moved = await idle.load(cookie);
    expect(moved.id).toBe(id.replace(/\.A$/, '.C'));
    const load = idle.stats().load;
    expect(load?.busy).toBe(false);
    expect(load?.heapUsedRatio).toBeGreaterThan(0);
    expect(load?.eventLoopDelay).toBeGreaterThanOrEqual(0);
  });
});
