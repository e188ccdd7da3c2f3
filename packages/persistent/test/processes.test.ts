/**
 * Real processes: every node is a child process with an HTTP server, sharing one persistent
 * store (a file store in a temp directory; PostgreSQL too for the crash test when available).
 * Conditions are awaited by polling with bounded loops, never by fixed sleeps.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createFileStore } from '@sessionkit/file';
import { skipTitle, useBackend } from '@sessionkit/testing';
import { afterAll, describe, expect, test } from 'vitest';
import type { StoreConfig } from './fixtures/node';
import { openPool, postgresFactory } from './fixtures/postgres-store';
import { freshDir, runFixture, waitFor } from './helpers';
import { mapLimit, startNode } from './nodes';

async function fileStoreConfig(): Promise<{ config: StoreConfig; count: () => Promise<number> }> {
  const directory = join(await freshDir(), 'store');
  // A reader of the same directory, to see what reached the store without going through a node.
  const reader = createFileStore({ directory, pruneInterval: 0 });
  return { config: { kind: 'file', directory }, count: () => reader.count() };
}

const postgres = await useBackend('postgres');
const postgresStore = await postgresFactory();
const postgresSkip = !postgres.available
  ? postgres.reason
  : 'missing' in postgresStore
    ? postgresStore.missing
    : null;
const postgresTables: string[] = [];
afterAll(async () => {
  if (!postgres.available || postgresTables.length === 0) return;
  const pool = await openPool(postgres.url);
  for (const table of postgresTables) await pool.query(`DROP TABLE IF EXISTS ${table}`);
  await pool.end();
});

async function postgresStoreConfig(): Promise<{ config: StoreConfig; count: () => Promise<number> }> {
  if (!postgres.available) throw new Error('unreachable');
  const tableName = `sk_persistent_${randomBytes(6).toString('hex')}`;
  postgresTables.push(tableName);
  const config: StoreConfig = { kind: 'postgres', url: postgres.url, tableName };
  const count = async () => {
    const pool = await openPool(postgres.url);
    try {
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${tableName}`);
      return (rows[0] as { n: number }).n;
    } finally {
      await pool.end();
    }
  };
  return { config, count };
}

const crashBackends: Array<[string, () => ReturnType<typeof fileStoreConfig>, string | null]> = [
  ['file store', fileStoreConfig, null],
  ['PostgreSQL store', postgresStoreConfig, postgresSkip],
];

for (const [backend, makeStore, skip] of crashBackends) {
  const title = `a crash (SIGKILL) of the node serving a session, over the ${backend}`;
  describe.skipIf(skip !== null)(skipTitle(title, skip), () => {
    test('node B restores the session with the data of the last backup; the change made after it is lost', {
      timeout: 90_000,
    }, async () => {
      const { config: store, count } = await makeStore();
      const timing = { backupAfterIdle: 1_500, processExpiresInterval: 50 };
      const a = await startNode({ store, manager: { ...timing, route: 'A' } });
      const created = await a.post('/session?user=alice&step=1');
      const cookie = created.cookie as string;
      expect(created.body.id).toMatch(/\.A$/);
      await waitFor('the backup on node A', async () => {
        const stats = await a.stats();
        return stats.backups === 1 && stats.dirty === 0 ? stats : undefined;
      });

      // A change after the backup, then the crash well before backupAfterIdle has passed again.
      expect((await a.post('/session?step=2', cookie)).body.data).toEqual({ user: 'alice', step: 2 });
      expect((await a.stats()).dirty, 'the second change is only in memory').toBe(1);
      a.child.process.kill('SIGKILL');
      expect((await a.child.done).signal).toBe('SIGKILL');
      expect(await count(), 'records in the store').toBe(1);

      const b = await startNode({ store, manager: { ...timing, route: 'B' } });
      const restored = await b.get('/session', cookie);
      expect(restored.body.data, 'the data of the last backup; step 2 was lost with node A').toEqual({
        user: 'alice',
        step: 1,
      });
      expect(restored.body.id, 'rebound to the node that serves it now').toMatch(/\.B$/);
      expect((await b.stats()).restores).toBe(1);
    });
  });
}

describe('a clean stop (SIGTERM) with saveOnShutdown and handleSignals', () => {
  test('every in-memory session is in the store afterwards and node B serves all of them', {
    timeout: 120_000,
  }, async () => {
    const { config: store, count } = await fileStoreConfig();
    const never = { backupAfterIdle: Number.POSITIVE_INFINITY, swapAfterIdle: Number.POSITIVE_INFINITY };
    const a = await startNode({ store, manager: { ...never, handleSignals: true } });
    const cookies = await mapLimit(
      Array.from({ length: 200 }, (_, i) => i),
      16,
      async (i) => {
        const reply = await a.post(`/session?user=u${i}&i=${i}`);
        return reply.cookie as string;
      },
    );
    expect(await a.stats()).toMatchObject({ active: 200, dirty: 200, backups: 0 });
    expect(await count(), 'nothing reached the store before the signal').toBe(0);

    a.child.process.kill('SIGTERM');
    const exit = await a.child.done;
    // The handler saved, then re-raised the signal: the process ended as it would have without it.
    expect(exit.signal, exit.stderr).toBe('SIGTERM');
    expect(await count()).toBe(200);

    const b = await startNode({ store, manager: never });
    const replies = await mapLimit(cookies, 16, (cookie) => b.get('/session', cookie));
    for (const [i, reply] of replies.entries()) {
      expect(reply.body.data, `session ${i}`).toEqual({ user: `u${i}`, i });
    }
    expect(await b.stats()).toMatchObject({ restores: 200, active: 200 });
  });
});

describe('route affinity over HTTP', () => {
  test('sessions created on A carry .A; preemptive B rebinds them to .B without a second record; none keeps .A; threshold rebinds only while not busy', {
    timeout: 120_000,
  }, async () => {
    const { config: store, count } = await fileStoreConfig();
    const fast = { backupAfterIdle: 0, processExpiresInterval: 20 };
    const a = await startNode({ store, manager: { ...fast, route: 'A' } });
    const fromA = await mapLimit([0, 1, 2], 3, (i) => a.post(`/session?user=u${i}`));
    for (const reply of fromA) expect(reply.body.id).toMatch(/^[A-Za-z0-9_-]{32}\.A$/);
    await waitFor('the backups on A', async () => ((await a.stats()).backups === 3 ? true : undefined));
    const [first, second, third] = fromA.map((reply) => ({
      cookie: reply.cookie as string,
      id: reply.body.id,
    }));
    if (!first || !second || !third) throw new Error('three sessions expected');

    // preemptive: a new cookie with .B, same data; a later request on B needs no new cookie.
    const b = await startNode({ store, manager: { ...fast, route: 'B' } });
    const moved = await b.post('/session?step=2', first.cookie);
    expect(moved.body.id).toBe(first.id.replace(/\.A$/, '.B'));
    expect(moved.cookie, 'a new cookie').not.toBeNull();
    expect(moved.cookie).not.toBe(first.cookie);
    expect(moved.body.data).toEqual({ user: 'u0', step: 2 });
    const again = await b.get('/session', moved.cookie);
    expect(again.cookie, 'already on B').toBeNull();
    expect(again.body.data).toEqual({ user: 'u0', step: 2 });
    await waitFor('the backup on B', async () => ((await b.stats()).dirty === 0 ? true : undefined));
    expect(await count(), 'one record per session: moved, never copied').toBe(3);
    expect(await b.stats()).toMatchObject({ rebinds: 1, conflicts: 0 });

    // none: the route stays, no cookie is sent.
    const c = await startNode({ store, manager: { ...fast, route: 'C', rebalance: 'none' } });
    const kept = await c.get('/session', second.cookie);
    expect([kept.body.id, kept.cookie]).toEqual([second.id, null]);
    expect(kept.body.data).toEqual({ user: 'u1' });

    // threshold: blocked for 600 ms against a 200 ms limit, D is busy and keeps the route; once the
    // stall has left its sampling windows, D rebinds.
    const d = await startNode({
      store,
      manager: {
        ...fast,
        route: 'D',
        rebalance: 'threshold',
        busyThresholds: { eventLoopDelay: 200, heapUsedRatio: 1, sampleInterval: 1_000 },
      },
    });
    await waitFor('D reporting busy after blocking its event loop', async () => {
      await d.post('/block?ms=600');
      // The histogram records the stall when its timer fires after it; poll briefly for that.
      for (let i = 0; i < 20; i++) if ((await d.stats()).load?.busy) return true;
      return undefined;
    });
    const whileBusy = await d.get('/session', third.cookie);
    expect([whileBusy.body.id, whileBusy.cookie], 'busy: the route stays').toEqual([third.id, null]);
    await waitFor('D no longer busy', async () =>
      (await d.stats()).load?.busy === false ? true : undefined,
    );
    const whenIdle = await d.get('/session', third.cookie);
    expect(whenIdle.body.id, 'not busy: rebound').toBe(third.id.replace(/\.A$/, '.D'));
    expect(whenIdle.cookie).not.toBeNull();
    expect(whenIdle.body.data).toEqual({ user: 'u2' });
    expect(await d.stats()).toMatchObject({ rebinds: 1, rebindsDeclined: 1 });
    expect(await count()).toBe(3);
  });
});

describe('background work never keeps a process alive', () => {
  test('a process that used the manager (timers, busy monitor, signal handlers) exits without close()', {
    timeout: 60_000,
  }, async () => {
    const child = runFixture('exits', [join(await freshDir(), 'store')]);
    const killer = setTimeout(() => child.process.kill('SIGKILL'), 30_000);
    const exit = await child.done;
    clearTimeout(killer);
    expect(exit.signal, 'it had to be killed: something kept it alive').toBeNull();
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stdout.trim()).toBe('committed 1');
  });
});
