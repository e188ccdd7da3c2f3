import { SessionConfigError } from '@sessionkit/core';
import { storeBehaviourTests, testTable } from '@sessionkit/sql/testing';
import { suiteTitle } from '@sessionkit/testing';
import mysqlCallback from 'mysql2';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { createMysqlStore, type MysqlPool } from '../src/index';
import { mysqlKit } from './helpers';

const kit = await mysqlKit();
storeBehaviourTests(kit);

describe('createMysqlStore', () => {
  test('takes a mysql2 pool without connecting, and rejects anything else', async () => {
    const pool = mysql.createPool({ uri: 'mysql://nobody@127.0.0.1:1/none' });
    const store = createMysqlStore(pool, { pruneInterval: 0 });
    expect(store.tableName).toBe('sessionkit_sessions');
    await store.close();
    await pool.end();
    expect(() => createMysqlStore({} as MysqlPool)).toThrow(SessionConfigError);
    expect(() => createMysqlStore(undefined as unknown as MysqlPool)).toThrow(/mysql2 pool/);
  });

  test('fails fast on an unsafe table name before any statement runs', async () => {
    const pool = mysql.createPool({ uri: 'mysql://nobody@127.0.0.1:1/none' });
    expect(() => createMysqlStore(pool, { tableName: 'sessions`; DROP TABLE users; --' })).toThrow(
      /plain SQL identifier/,
    );
    await pool.end();
  });
});

describe.skipIf(!kit.provisioned.available)(suiteTitle('mysql2 callback pool', kit.provisioned), () => {
  const table = testTable('mysql_callback');
  let pool: ReturnType<typeof mysqlCallback.createPool> | undefined;
  afterAll(async () => {
    if (pool === undefined) return;
    await pool.promise().query(`DROP TABLE IF EXISTS ${table}`);
    await pool.promise().end();
  });

  test('a callback-style pool (mysql2.createPool) works through its promise() wrapper', async () => {
    pool = mysqlCallback.createPool({ uri: (kit.provisioned as { url: string }).url, connectionLimit: 2 });
    const store = createMysqlStore(pool, { tableName: table, pruneInterval: 0 });
    await store.createSchema();
    await store.set('k', { payload: new Uint8Array([9]), version: 1, expiresAt: Date.now() + 60_000 });
    expect((await store.get('k'))?.payload).toEqual(new Uint8Array([9]));
    await store.close();
    // The store never ends the app's pool.
    const [rows] = await pool.promise().query('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });

  test('a mysql2/promise pool is driven through the callback pool it wraps; any other promise pool as it is', async () => {
    const url = (kit.provisioned as { url: string }).url;
    const promises = mysql.createPool({ uri: url, connectionLimit: 2 });
    const wrapped = vi.spyOn(promises, 'execute');
    const inner = vi.spyOn(promises.pool, 'execute');
    // A pool that only has the promise API (an app's wrapper, a proxy): used through execute().
    const plain = {
      execute: vi.fn((sql: string, values?: unknown) => promises.execute(sql, values as never)),
    };
    try {
      for (const [pool, calls] of [
        [promises, inner],
        [plain, plain.execute],
      ] as const) {
        const store = createMysqlStore(pool as MysqlPool, { tableName: table, pruneInterval: 0 });
        await store.createSchema();
        calls.mockClear();
        await store.set('flavour', {
          payload: new Uint8Array([7]),
          version: 1,
          expiresAt: Date.now() + 60_000,
        });
        expect((await store.get('flavour'))?.payload).toEqual(new Uint8Array([7]));
        expect(calls).toHaveBeenCalledTimes(2);
        await store.destroy('flavour');
        await store.close();
        // The stack-capturing wrapper is reached only through the plain pool.
        if (pool === promises) expect(wrapped).not.toHaveBeenCalled();
      }
      expect(wrapped).toHaveBeenCalled();
    } finally {
      await promises.end();
    }
  });
});
