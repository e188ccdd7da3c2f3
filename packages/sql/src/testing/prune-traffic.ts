/**
 * Several nodes pruning one table while requests run: the bounded, skip-locked batches must
 * never surface a deadlock, and must never delete a live session.
 */
import { isSessionError, type StoredRecord } from '@sessionkit/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SqlStore } from '../sql-store';
import { describeWithDatabase, dropTable, type KitPool, type SqlKit, testTable } from './kit';

const NODES = 3;
const WORKERS_PER_NODE = 4;
const TRAFFIC_MS = 4_000;

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * Registers the test of several stores pruning one table under traffic.
 *
 * @example
 * pruneTrafficTests(await postgresKit());
 */
export function pruneTrafficTests(kit: SqlKit): void {
  describeWithDatabase(kit, `${NODES} stores pruning one table under traffic`, () => {
    const pools: KitPool[] = [];
    const stores: SqlStore[] = [];
    const table = testTable(`${kit.name}_prune`);

    beforeAll(async () => {
      for (let node = 0; node < NODES; node++) {
        const pool = await kit.connect();
        pools.push(pool);
        // Small batches and a short interval, so background prunes overlap with each other and with writes.
        stores.push(kit.createStore(pool, { tableName: table, pruneInterval: 100, pruneBatchSize: 7 }));
      }
      await stores[0]?.createSchema();
    });

    afterAll(async () => {
      await Promise.all(stores.map((store) => store.close()));
      if (pools[0]) await dropTable(pools[0], table);
      await Promise.all(pools.map((pool) => pool.end()));
    });

    test('no deadlock or other error escapes, no live session is lost, every expired row goes', {
      timeout: 60_000,
    }, async () => {
      const warnings: string[] = [];
      const onWarning = (warning: Error & { code?: string }) => {
        if (warning.code === 'SESSIONKIT_SQL_PRUNE') warnings.push(warning.message);
      };
      process.on('warning', onWarning);

      const live = new Map<string, StoredRecord>();
      const errors: unknown[] = [];
      let expiredWritten = 0;
      let pruned = 0;
      const deadline = Date.now() + TRAFFIC_MS;

      const worker = async (store: SqlStore, id: string) => {
        for (let round = 0; Date.now() < deadline; round++) {
          const key = `live-${id}-${round}`;
          let record: StoredRecord = {
            payload: bytes(`${key} v1`),
            version: 1,
            expiresAt: Date.now() + 600_000,
          };
          await store.set(key, record);
          for (let version = 2; version <= 3; version++) {
            const next = {
              payload: bytes(`${key} v${version}`),
              version,
              expiresAt: Date.now() + 600_000,
              ownerId: id,
            };
            await store.set(key, next, { expectedVersion: version - 1 });
            record = next;
          }
          const touchedTo = Date.now() + 900_000;
          expect(await store.touch(key, touchedTo), `touch of ${key}`).toBe(true);
          live.set(key, { ...record, expiresAt: touchedTo });
          // Rows for the pruners: already expired, and others that expire while the test runs.
          for (let i = 0; i < 3; i++) {
            await store.set(`dead-${id}-${round}-${i}`, {
              payload: bytes('dead'),
              version: 1,
              expiresAt: Date.now() - 1 + i * 50,
              ownerId: i === 0 ? id : null,
            });
            expiredWritten++;
          }
        }
      };
      const pruner = async (store: SqlStore) => {
        while (Date.now() < deadline) pruned += await store.prune();
      };

      const tasks: Array<Promise<void>> = [];
      stores.forEach((store, node) => {
        for (let w = 0; w < WORKERS_PER_NODE; w++) tasks.push(worker(store, `${node}-${w}`));
        tasks.push(pruner(store));
      });
      const settled = await Promise.allSettled(tasks);
      for (const result of settled) if (result.status === 'rejected') errors.push(result.reason);
      process.off('warning', onWarning);

      expect(
        errors.map((error) => (isSessionError(error) ? `${error.code}: ${error.message}` : String(error))),
        'errors that escaped during traffic',
      ).toEqual([]);
      expect(warnings, 'background prunes that failed').toEqual([]);
      expect(live.size, 'sessions written').toBeGreaterThan(20);

      // Every live session is intact, read through another node than the one that wrote it.
      let index = 0;
      for (const [key, record] of live) {
        const got = await (stores[index++ % NODES] as SqlStore).get(key);
        expect(got?.version, `${key}: version`).toBe(record.version);
        expect(new TextDecoder().decode(got?.payload), `${key}: payload`).toBe(
          new TextDecoder().decode(record.payload),
        );
        expect(got?.expiresAt, `${key}: expiry`).toBe(record.expiresAt);
      }

      // Once the last expired row has expired, one more prune leaves only the live rows.
      await new Promise((resolve) => setTimeout(resolve, 150));
      pruned += await (stores[0] as SqlStore).prune();
      const rows = await (pools[0] as KitPool).query(`SELECT COUNT(*) AS n FROM ${table}`);
      expect(Number(rows[0]?.n), 'rows left: exactly the live sessions').toBe(live.size);
      expect(await (stores[1] as SqlStore).count()).toBe(live.size);
      // The background timers pruned some as well, so the explicit prunes saw at most all of them.
      expect(pruned).toBeLessThanOrEqual(expiredWritten);
    });
  });
}
