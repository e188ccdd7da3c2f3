/**
 * Concurrency through the core, the way an app sees it: two SessionManagers on two pools act as
 * two processes, so the database-level race safety is what keeps writes, not core's in-process
 * queue (which serialises commits per key within one manager only).
 */
import { createSessionManager, isSessionError, type SessionManager } from '@sessionkit/core';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import {
  describeWithDatabase,
  dropTable,
  type KitPool,
  type SqlKit,
  testTable,
  tomcatSeedOptions,
  tomcatSeedTable,
} from './kit';

const SECRET = 'sql-store-test-secret-0123456789-abcdefghij';
const WRITERS = 50;

type Data = Record<string, number>;

function cookieOf(setCookie: string | null): string {
  if (!setCookie) throw new Error('expected a Set-Cookie value');
  return setCookie.split(';')[0] as string;
}

/**
 * Registers the concurrency tests through core's SessionManager (two managers on two pools).
 *
 * @example
 * coreConcurrencyTests(await postgresKit());
 */
export function coreConcurrencyTests(kit: SqlKit, options: { tomcatSeed?: boolean } = {}): void {
  // tomcatSeed: on Tomcat's table as documented (no version column), where the store assigns versions.
  const where = options.tomcatSeed ? ", on Tomcat's table without a version column" : '';
  describeWithDatabase(kit, `concurrency through the core (two managers on two pools${where})`, () => {
    const pools: KitPool[] = [];
    const table = testTable(`${kit.name}_core${options.tomcatSeed ? '_seed' : ''}`);
    let managers: [SessionManager<Data>, SessionManager<Data>];
    let conflicts = 0;

    beforeAll(async () => {
      pools.push(await kit.connect(), await kit.connect());
      const storeOptions = options.tomcatSeed
        ? tomcatSeedOptions(table)
        : { tableName: table, pruneInterval: 0 };
      const stores = pools.map((pool) => kit.createStore(pool, storeOptions));
      if (options.tomcatSeed) {
        for (const statement of tomcatSeedTable(kit, table)) await pools[0]!.query(statement);
      } else {
        await stores[0]?.createSchema();
      }
      const make = (index: number) =>
        createSessionManager<Data>({
          store: stores[index] as NonNullable<(typeof stores)[number]>,
          secrets: [SECRET],
          maxConflictRetries: 200,
          storeTimeout: 20_000,
          hooks: { conflict: () => conflicts++ },
        });
      managers = [make(0), make(1)];
    });

    afterAll(async () => {
      if (pools[0]) await dropTable(pools[0], table);
      await Promise.all(pools.map((pool) => pool.end()));
    });

    test(`${WRITERS} concurrent first saves of one session id: one is stored, the others get SessionConflictError, no duplicate-key error escapes`, async () => {
      // Core draws IDs from crypto.getRandomValues; pinning it makes 50 new sessions share one ID,
      // which is how a first save races in real life (an ID collision, or a retried request).
      const pinned = vi
        .spyOn(crypto, 'getRandomValues')
        .mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
          if (array instanceof Uint8Array) array.fill(0x5a);
          return array;
        });
      const sessions = [];
      try {
        for (let i = 0; i < WRITERS; i++) {
          const session = await managers[i % 2]!.load(null);
          void session.id; // drawn on first use, so inside the pinned window
          sessions.push(session);
        }
      } finally {
        pinned.mockRestore();
      }
      expect(new Set(sessions.map((session) => session.id)).size, 'all sessions share one ID').toBe(1);

      const results = await Promise.allSettled(
        sessions.map((session, i) => {
          session.set('writer', i);
          return managers[i % 2]!.commit(session);
        }),
      );
      const winners = results.flatMap((result, i) => (result.status === 'fulfilled' ? [i] : []));
      const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
      for (const failure of failures) {
        expect(
          isSessionError(failure, 'SESSION_CONFLICT'),
          `a losing save failed with ${String(failure)}`,
        ).toBe(true);
      }
      expect(winners, 'exactly one first save is stored').toHaveLength(1);
      const winner = winners[0] as number;
      const setCookie = (results[winner] as PromiseFulfilledResult<string | null>).value;
      // Read back through the other manager (the other pool): the winner's data, complete.
      const loaded = await managers[(winner + 1) % 2]!.load(cookieOf(setCookie));
      expect(loaded.isNew).toBe(false);
      expect(loaded.get('writer')).toBe(winner);
    });

    test(`${WRITERS} concurrent updates of one session changing distinct keys: every key is kept`, async () => {
      const seed = await managers[0].load(null);
      seed.set('seed', 1);
      const cookie = cookieOf(await managers[0].commit(seed));
      const before = conflicts;

      await Promise.all(
        Array.from({ length: WRITERS }, async (_, i) => {
          const manager = managers[i % 2] as SessionManager<Data>;
          const session = await manager.load(cookie);
          session.set(`k${i}`, i);
          await manager.commit(session);
        }),
      );

      const final = await managers[1].load(cookie);
      for (let i = 0; i < WRITERS; i++) expect(final.get(`k${i}`), `k${i}`).toBe(i);
      expect(final.get('seed')).toBe(1);
      // The two managers did race: the database's compare-and-set turned them into conflicts
      // that core replayed, not lost updates.
      expect(conflicts - before, 'compare-and-set conflicts replayed by core').toBeGreaterThan(0);
    });
  });
}
