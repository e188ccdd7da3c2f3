/**
 * Read coalescing against a real database: reads that queue while the store's statements fill
 * the pool go out together and each gets exactly the answer a read of its own gets, and a lone
 * read still goes out at once, alone.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SqlStore } from '../sql-store';
import { describeWithDatabase, dropTable, type KitPool, type SqlKit, testTable } from './kit';

/** The driver calls that each send one statement: pg's query, mysql2's execute, mssql's request. */
const SENDS = new Set(['query', 'execute', 'request']);

/**
 * The kit's pool with every statement the store sends counted. The driver pool is proxied (its
 * settings, such as the connection limit, read through), and so is the callback pool mysql2's
 * promise pool wraps, which the MySQL store drives directly.
 */
export function countingPool(pool: KitPool): { pool: KitPool; sent: () => number } {
  let sent = 0;
  const counting = (target: object): object =>
    new Proxy(target, {
      get(object, property, receiver) {
        const value = Reflect.get(object, property, receiver) as unknown;
        if (typeof value === 'function' && typeof property === 'string' && SENDS.has(property)) {
          return (...args: unknown[]) => {
            sent++;
            return (value as (...a: unknown[]) => unknown).apply(object, args);
          };
        }
        if (property === 'pool' && typeof value === 'object' && value !== null) return counting(value);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(object) : value;
      },
    });
  return { pool: { ...pool, driver: counting(pool.driver as object) }, sent: () => sent };
}

/** Registers the coalesced-read tests in the calling test file (part of storeBehaviourTests). */
export function coalescedReadTests(kit: SqlKit): void {
  describeWithDatabase(kit, 'coalesced reads', () => {
    let pool: KitPool;
    const name = testTable(`${kit.name}_coalesce`);
    const stores: SqlStore[] = [];
    beforeAll(async () => {
      pool = await kit.connect();
    });
    afterAll(async () => {
      await Promise.all(stores.map((created) => created.close()));
      await dropTable(pool, name);
      await pool.end();
    });

    test('reads queued behind a busy pool go out together, each answered exactly as a read of its own', async () => {
      const plain = kit.createStore(pool, { tableName: name, pruneInterval: 0, coalesceReads: false });
      const counted = countingPool(pool);
      const coalescing = kit.createStore(counted.pool, { tableName: name, pruneInterval: 0 });
      stores.push(plain, coalescing);
      await plain.createSchema();
      const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
      for (const [i, key] of keys.entries()) {
        await plain.set(key, {
          payload: new Uint8Array([i, 1]),
          version: i + 1,
          expiresAt: Date.now() + 60_000,
          ownerId: i % 3 ? null : 'alice',
          ...(i % 3 ? {} : { details: JSON.stringify({ device: i }) }),
        });
      }
      await plain.set('gone', {
        payload: new Uint8Array([0]),
        version: 1,
        expiresAt: Date.now() + 30,
        ownerId: null,
      });
      await new Promise((resolve) => setTimeout(resolve, 60));
      // Every session, some twice (two tabs), keys without a row, an expired row, another case.
      const asked = [...keys, ...keys.slice(0, 10), 'missing-1', 'gone', 'missing-2', 'KEY-1', 'key-1 x'];
      const expected = [];
      for (const key of asked) expected.push(await plain.get(key));

      const got = await Promise.all(asked.map((key) => coalescing.get(key)));
      expect(got).toEqual(expected);
      expect(got.filter((found) => found !== null)).toHaveLength(50);
      // The pool (8 connections in every kit) takes the first reads one by one; the 40-odd that
      // queue behind them go out in a few statements.
      expect(counted.sent()).toBeLessThan(asked.length / 2);

      // A lone read is one statement, sent at once.
      const before = counted.sent();
      expect((await coalescing.get('key-3'))?.payload).toEqual(new Uint8Array([3, 1]));
      expect(counted.sent()).toBe(before + 1);
      // Writes in between are seen by the reads that queue after them.
      await Promise.all([
        ...asked.map((key) => coalescing.get(key)),
        coalescing.set(
          'key-5',
          { payload: new Uint8Array([9]), version: 99, expiresAt: Date.now() + 60_000, ownerId: null },
          { expectedVersion: 6 },
        ),
      ]);
      const after = await Promise.all(keys.map((key) => coalescing.get(key)));
      expect(after[5]?.version).toBe(99);
      expect(after.map((found) => found?.version)).toEqual(keys.map((_, i) => (i === 5 ? 99 : i + 1)));
    });
  });
}
