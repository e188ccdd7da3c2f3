/**
 * Store behaviour beyond the conformance suite, against a real database: schema creation,
 * renamed columns, namespaces, tables without an owner column, driver failures, the background
 * prune, and values that cannot be stored exactly.
 */
import { isSessionError, type SessionError } from '@sessionkit/core';
import { afterAll, assert, beforeAll, expect, test } from 'vitest';
import { MAX_EXPIRY } from '../checks';
import type { SqlStore } from '../sql-store';
import { coalescedReadTests } from './coalesced-reads';
import { coalescedWriteTests } from './coalesced-writes';
import { describeWithDatabase, dropTable, type KitPool, type SqlKit, testTable } from './kit';

function record(
  overrides: Partial<{
    payload: Uint8Array;
    version: number;
    expiresAt: number;
    ownerId: string | null;
  }> = {},
) {
  return {
    payload: new Uint8Array([1, 2, 3]),
    version: 1,
    expiresAt: Date.now() + 60_000,
    ownerId: null,
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<SessionError> {
  try {
    await promise;
  } catch (error) {
    if (!isSessionError(error)) assert.fail(`rejected with ${String(error)}, not a SessionError`);
    return error;
  }
  return assert.fail('resolved, expected a rejection');
}

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Registers the store-behaviour tests (see the top of this file) in the calling test file, skipped
 * with the reason when the kit's database is not there.
 *
 * @example
 * storeBehaviourTests(await postgresKit());
 */
export function storeBehaviourTests(kit: SqlKit): void {
  coalescedReadTests(kit);
  coalescedWriteTests(kit);
  describeWithDatabase(kit, 'store behaviour', () => {
    let pool: KitPool;
    const tables: string[] = [];
    const stores: SqlStore[] = [];
    const table = (label: string) => {
      const name = testTable(`${kit.name}_${label}`);
      tables.push(name);
      return name;
    };
    const store = (options: Parameters<SqlKit['createStore']>[1]) => {
      const created = kit.createStore(pool, { pruneInterval: 0, ...options });
      stores.push(created);
      return created;
    };
    const count = async (name: string) =>
      Number((await pool.query(`SELECT COUNT(*) AS n FROM ${name}`))[0]?.n);

    beforeAll(async () => {
      pool = await kit.connect();
    });
    afterAll(async () => {
      await Promise.all(stores.map((created) => created.close()));
      for (const name of tables) await dropTable(pool, name);
      await pool.end();
    });

    test('createSchema() is idempotent, also when three nodes run it at the same moment', async () => {
      const name = table('schema');
      const nodes = [store({ tableName: name }), store({ tableName: name }), store({ tableName: name })];
      await Promise.all(nodes.map((node) => node.createSchema()));
      await nodes[0]?.createSchema();
      await nodes[1]?.set('k', record());
      expect((await nodes[2]?.get('k'))?.version).toBe(1);
    });

    test('a missing table: every method rejects with SessionStoreError, the driver error as cause', async () => {
      const missing = store({ tableName: testTable(`${kit.name}_missing`) });
      // Thunks, so each call starts only when awaited (no rejection goes unhandled meanwhile).
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['get', () => missing.get('k')],
        ['set', () => missing.set('k', record())],
        ['set (CAS)', () => missing.set('k', record({ version: 2 }), { expectedVersion: 1 })],
        ['touch', () => missing.touch('k', Date.now() + 1_000)],
        ['destroy', () => missing.destroy('k')],
        ['destroyByOwner', () => missing.destroyByOwner('alice')],
        ['listByOwner', () => missing.listByOwner('alice')],
        ['count', () => missing.count()],
        ['clear', () => missing.clear()],
        ['prune', () => missing.prune()],
      ];
      for (const [method, call] of calls) {
        const error = await rejection(call());
        expect(error.code, method).toBe('SESSION_STORE_ERROR');
        expect(error.cause, `${method}: cause`).toBeInstanceOf(Error);
        expect(error.message, method).toContain(missing.tableName);
      }
    });

    test('renamed columns: createSchema() and every statement use the configured names', async () => {
      const name = table('renamed');
      const columns = {
        key: 'sid',
        version: 'rev',
        payload: 'body',
        expiresAt: 'valid_until',
        createdAt: 'born_at',
        ownerId: 'user_ref',
        namespace: 'tenant',
      };
      const renamed = store({ tableName: name, columns, namespace: 'shop' });
      await renamed.createSchema();
      const before = Date.now();
      await renamed.set('k', record({ ownerId: 'alice', expiresAt: 4_102_444_800_123 }));
      await renamed.set('k', record({ version: 2, ownerId: 'bob', expiresAt: 4_102_444_800_456 }), {
        expectedVersion: 1,
      });
      expect(await renamed.touch('k', 4_102_444_800_789)).toBe(true);
      const rows = await pool.query(`SELECT sid, rev, valid_until, born_at, user_ref, tenant FROM ${name}`);
      expect(rows).toHaveLength(1);
      const row = rows[0] as Record<string, unknown>;
      expect(String(row.sid)).toBe('k');
      expect(Number(row.rev)).toBe(2);
      expect(Number(row.valid_until)).toBe(4_102_444_800_789);
      expect(String(row.user_ref)).toBe('bob');
      expect(String(row.tenant)).toBe('shop');
      // created_at is the app clock at insert, and compare-and-set leaves it alone.
      expect(Number(row.born_at)).toBeGreaterThanOrEqual(before);
      expect(Number(row.born_at)).toBeLessThanOrEqual(Date.now());
      expect(await renamed.listByOwner('bob')).toEqual([
        { key: 'k', expiresAt: 4_102_444_800_789, details: null, lastActiveAt: expect.any(Number) },
      ]);
      expect(await renamed.count()).toBe(1);
      expect(await renamed.destroyByOwner('bob')).toBe(1);
    });

    test('a table without an owner column: owner operations are unavailable, owned sessions are refused', async () => {
      const name = table('no_owner');
      const ownerless = store({ tableName: name, columns: { ownerId: null } });
      await ownerless.createSchema();
      expect(ownerless.capabilities.listByOwner).toBe(false);
      expect(ownerless.capabilities.destroyByOwner).toBe(false);
      await ownerless.set('k', record());
      expect((await ownerless.get('k'))?.ownerId).toBeNull();
      const refused = await rejection(ownerless.set('k2', record({ ownerId: 'alice' })));
      expect(refused.code).toBe('SESSION_STORE_ERROR');
      expect(refused.message).toContain('owner column');
      expect((await rejection(ownerless.listByOwner('alice'))).code).toBe('SESSION_CONFIG_INVALID');
      expect(await count(name)).toBe(1);
    });

    test('two namespaces share one table: each sees only its own sessions; keys stay unique table-wide', async () => {
      const name = table('shared');
      const shop = store({ tableName: name, namespace: 'shop' });
      const blog = store({ tableName: name, namespace: 'blog' });
      await shop.createSchema();
      await shop.set('s1', record({ ownerId: 'alice' }));
      await blog.set('b1', record({ ownerId: 'alice' }));
      await blog.set('b2', record({ expiresAt: Date.now() - 5_000 }));
      expect(await shop.get('b1')).toBeNull();
      expect(await blog.get('s1')).toBeNull();
      expect(await shop.count()).toBe(1);
      expect((await shop.listByOwner('alice')).map((entry) => entry.key)).toEqual(['s1']);
      expect(await shop.destroy('b1')).toBe(false);
      if (shop.capabilities.replaceOnInsert) {
        // A login in one app never deletes the other app's row, even when named as the one replaced.
        await shop.set('s2', record(), { replaces: 'b1' });
        expect(await blog.get('b1')).not.toBeNull();
        await shop.destroy('s2');
      }
      // A key is the primary key of the whole table: another app cannot take it (core's keys are
      // SHA-256 digests of random IDs, so apps never meet here in practice).
      expect((await rejection(blog.set('s1', record()))).code).toBe('SESSION_CONFLICT');
      expect(await shop.prune()).toBe(0);
      expect(await blog.prune()).toBe(1);
      await shop.clear();
      expect(await blog.count()).toBe(1);
      expect(await count(name)).toBe(1);
    });

    test('the background prune deletes expired rows by itself, and close() stops it', async () => {
      const name = table('timer');
      const pruning = store({ tableName: name, pruneInterval: 100, pruneBatchSize: 2 });
      await pruning.createSchema();
      const quiet = store({ tableName: name });
      for (let i = 0; i < 5; i++) await quiet.set(`old-${i}`, record({ expiresAt: Date.now() - 1_000 }));
      await quiet.set('live', record());
      await waitFor('the background prune', async () => (await count(name)) === 1);
      await pruning.close();
      await pruning.close();
      await quiet.set('old-after-close', record({ expiresAt: Date.now() - 1_000 }));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await count(name), 'nothing pruned after close()').toBe(2);
      // close() only stops the timer: the app's pool still serves the store.
      expect(await pruning.prune()).toBe(1);
    });

    test('prune() works through many bounded batches and resolves the total', async () => {
      const name = table('batches');
      const small = store({ tableName: name, pruneBatchSize: 3 });
      await small.createSchema();
      for (let i = 0; i < 20; i++) await small.set(`old-${i}`, record({ expiresAt: Date.now() - 1_000 - i }));
      for (let i = 0; i < 4; i++) await small.set(`live-${i}`, record());
      expect(await small.prune()).toBe(20);
      expect(await count(name)).toBe(4);
      await small.clear();
      expect(await count(name)).toBe(0);
    });

    test('keys and owners that cannot be stored exactly are refused on write and match nothing on read', async () => {
      const name = table('text');
      const strict = store({ tableName: name });
      await strict.createSchema();
      await strict.set('trail', record({ ownerId: 'alice' }));
      for (const key of ['trail ', 'a\u0000b', 'x'.repeat(256), 'é'.repeat(128), '\ud800']) {
        const error = await rejection(strict.set(key, record()));
        expect(error.code, JSON.stringify(key)).toBe('SESSION_STORE_ERROR');
        expect(await strict.get(key)).toBeNull();
        expect(await strict.touch(key, Date.now() + 1_000)).toBe(false);
        expect(await strict.destroy(key)).toBe(false);
      }
      expect((await rejection(strict.set('k', record({ ownerId: 'alice ' })))).code).toBe(
        'SESSION_STORE_ERROR',
      );
      expect(await strict.listByOwner('alice ')).toEqual([]);
      expect(await strict.destroyByOwner('alice ')).toBe(0);
      // The limits are inclusive: 255 bytes of UTF-8 fit.
      await strict.set('x'.repeat(255), record());
      await strict.set('é'.repeat(127), record());
      expect(await strict.count()).toBe(3);
    });

    test('an expiry beyond the Date range (Infinity included) is stored as the latest instant', async () => {
      const name = table('forever');
      const forever = store({ tableName: name });
      await forever.createSchema();
      await forever.set('k', record({ expiresAt: Number.POSITIVE_INFINITY }));
      expect((await forever.get('k'))?.expiresAt).toBe(MAX_EXPIRY);
      expect((await rejection(forever.set('n', record({ expiresAt: Number.NaN })))).code).toBe(
        'SESSION_STORE_ERROR',
      );
    });
  });
}
