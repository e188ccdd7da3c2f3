/**
 * Write coalescing against a real database: compare-and-sets that queue while the store's
 * statements fill the pool each get exactly the answer a write of its own gets (a match, or a
 * conflict for a stale version, an expired row or a missing one), two writes of one session never
 * both win, and a write the database refuses fails alone. On a dialect that cannot combine writes
 * the same tests hold with every write sent alone.
 */
import { isSessionError, type StoredRecord } from '@sessionkit/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SqlStore } from '../sql-store';
import { countingPool } from './coalesced-reads';
import { describeWithDatabase, dropTable, type KitPool, type SqlKit, testTable } from './kit';

/** The pool of every kit holds 8 connections: the first 8 writes go out alone, the rest queue. */
const POOL = 8;

function record(version: number, byte: number, ownerId: string | null = null): StoredRecord {
  return { payload: new Uint8Array([byte, version]), version, expiresAt: Date.now() + 60_000, ownerId };
}

/** What a settled set() came to: 'ok', the error's code, or its message. */
function outcome(result: PromiseSettledResult<unknown>): string {
  if (result.status === 'fulfilled') return 'ok';
  const error = result.reason as unknown;
  return isSessionError(error) ? error.code : String(error);
}

/** Registers the coalesced-write tests in the calling test file (part of storeBehaviourTests). */
export function coalescedWriteTests(kit: SqlKit): void {
  describeWithDatabase(kit, 'coalesced writes', () => {
    let pool: KitPool;
    const stores: SqlStore[] = [];
    const tables: string[] = [];
    beforeAll(async () => {
      pool = await kit.connect();
    });
    afterAll(async () => {
      await Promise.all(stores.map((created) => created.close()));
      for (const table of tables) await dropTable(pool, table);
      await pool.end();
    });

    /** A table, a store that sends every statement alone, and a coalescing one with its count. */
    async function setup(label: string) {
      const tableName = testTable(`${kit.name}_${label}`);
      tables.push(tableName);
      const options = { tableName, pruneInterval: 0, coalesceReads: false };
      const plain = kit.createStore(pool, { ...options, coalesceWrites: false });
      const counted = countingPool(pool);
      const coalescing = kit.createStore(counted.pool, options);
      stores.push(plain, coalescing);
      await plain.createSchema();
      return { tableName, plain, coalescing, sent: counted.sent };
    }

    test('compare-and-sets queued behind a busy pool each get the answer a write of its own gets', async () => {
      const { plain, coalescing, sent } = await setup('cwrite');
      const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
      for (const [i, key] of keys.entries()) await plain.set(key, record(1, i, i % 3 ? null : 'alice'));
      await plain.set('gone', { ...record(1, 0), expiresAt: Date.now() + 30 });
      await new Promise((resolve) => setTimeout(resolve, 60));

      // Every fourth write expects a version the row does not have; owners move on some.
      const stale = (i: number) => i % 4 === 3;
      const writes = [
        ...keys.map((key, i) => ({
          key,
          next: record(2, i, i % 5 === 0 ? 'bob' : null),
          expected: stale(i) ? 7 : 1,
        })),
        { key: 'gone', next: record(2, 0), expected: 1 },
        { key: 'missing', next: record(2, 0), expected: 1 },
      ];
      const before = sent();
      const results = await Promise.allSettled(
        writes.map(({ key, next, expected }) => coalescing.set(key, next, { expectedVersion: expected })),
      );
      expect(results.map(outcome)).toEqual([
        ...keys.map((_, i) => (stale(i) ? 'SESSION_CONFLICT' : 'ok')),
        'SESSION_CONFLICT',
        'SESSION_CONFLICT',
      ]);
      // 42 writes: alone, 42 statements; combined, the 34 that queued take a few.
      if (kit.combinesWrites) expect(sent() - before).toBeLessThan(POOL + 5);
      else expect(sent() - before).toBe(writes.length);

      for (const [i, key] of keys.entries()) {
        const got = await plain.get(key);
        if (stale(i)) {
          expect(got).toMatchObject({ version: 1, payload: new Uint8Array([i, 1]) });
        } else {
          expect(got).toMatchObject({
            version: 2,
            payload: new Uint8Array([i, 2]),
            ownerId: i % 5 === 0 ? 'bob' : null,
          });
        }
      }
      expect(await plain.get('gone')).toBeNull();
      expect(await plain.get('missing')).toBeNull();
      const bob = (await plain.listByOwner('bob')).map((owned) => owned.key).sort();
      expect(bob).toEqual(keys.filter((_, i) => i % 5 === 0 && !stale(i)).sort());
    });

    test('two writers of each session at the same version, queued together: exactly one of each pair wins', async () => {
      const { plain, coalescing } = await setup('cwrite_pairs');
      const keys = Array.from({ length: 20 }, (_, i) => `pair-${i}`);
      for (const [i, key] of keys.entries()) await plain.set(key, record(1, i));
      const results = await Promise.allSettled(
        keys.flatMap((key, i) => [
          coalescing.set(key, record(2, i), { expectedVersion: 1 }),
          coalescing.set(key, record(3, i), { expectedVersion: 1 }),
        ]),
      );
      const outcomes = results.map(outcome);
      for (const [i, key] of keys.entries()) {
        const pair = [outcomes[2 * i], outcomes[2 * i + 1]];
        expect(pair.sort()).toEqual(['SESSION_CONFLICT', 'ok']);
        // The row holds the winner's write.
        const winner = outcomes[2 * i] === 'ok' ? 2 : 3;
        expect(await plain.get(key)).toMatchObject({ version: winner, payload: new Uint8Array([i, winner]) });
      }
    });

    test('a write the database refuses fails alone; the others queued with it are written', async () => {
      const { tableName, plain, coalescing, sent } = await setup('cwrite_refused');
      // A constraint of the app's (as on a mapped table) that one write breaks.
      await pool.query(
        `ALTER TABLE ${tableName} ADD CONSTRAINT ${tableName}_owner CHECK (owner_id <> 'forbidden')`,
      );
      const keys = Array.from({ length: 30 }, (_, i) => `refuse-${i}`);
      for (const [i, key] of keys.entries()) await plain.set(key, record(1, i));
      const bad = 20;
      const before = sent();
      const results = await Promise.allSettled(
        keys.map((key, i) =>
          coalescing.set(key, record(2, i, i === bad ? 'forbidden' : 'carol'), { expectedVersion: 1 }),
        ),
      );
      expect(results.map(outcome)).toEqual(keys.map((_, i) => (i === bad ? 'SESSION_STORE_ERROR' : 'ok')));
      // Combined: 8 alone, the 22 that queued in one statement, refused, then each of them alone.
      expect(sent() - before).toBe(kit.combinesWrites ? keys.length + 1 : keys.length);
      for (const [i, key] of keys.entries()) {
        expect((await plain.get(key))?.version).toBe(i === bad ? 1 : 2);
      }
    });
  });
}
