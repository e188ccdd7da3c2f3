/**
 * createStoreFromConfig against the kit's real database, in both forms: the provisioned URL with
 * `?table=`, and the equivalent typed object. The store package is loaded the way an app loads it
 * (core's on-demand import), the pool is created from the configuration, and close() ends it.
 */
import { createStoreFromConfig, type StoreConfig } from '@sessionkit/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeWithDatabase, dropTable, type KitPool, type SqlKit, testTable } from './kit';

export function fromConfigTests(kit: SqlKit): void {
  describeWithDatabase(kit, 'createStoreFromConfig', () => {
    let pool: KitPool;
    const table = testTable(`${kit.name}_cfg`);
    beforeAll(async () => {
      pool = await kit.connect();
      await kit.createStore(pool, { tableName: table, pruneInterval: 0 }).createSchema();
    });
    afterAll(async () => {
      await dropTable(pool, table);
      await pool.end();
    });

    const forms = (): Array<[string, string | StoreConfig]> => {
      // Unavailable: the same two cases, skipped with the block, so the summary counts them.
      if (!kit.provisioned.available)
        return [
          ['url', ''],
          ['object', ''],
        ];
      const url = new URL(kit.provisioned.url);
      url.searchParams.set('table', table);
      const object = {
        type: kit.name as 'postgres' | 'mysql' | 'mssql',
        host: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        ...(url.username ? { user: decodeURIComponent(url.username) } : {}),
        ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
        database: decodeURIComponent(url.pathname.slice(1)),
        tableName: table,
        // The URL's flags (SQL Server's trustServerCertificate=true for a test server) as settings.
        ...Object.fromEntries(
          [...url.searchParams]
            .filter(([name]) => name !== 'table')
            .map(([name, value]) => [name, value === 'true']),
        ),
      };
      return [
        ['url', url.toString()],
        ['object', object],
      ];
    };

    test.each(forms())('%s form: a working store whose close() ends its pool', async (form, source) => {
      const store = await createStoreFromConfig(source);
      expect(store.description).toContain(`${kit.name} `);
      expect(store.description).toContain(`table ${table}`);
      const key = `cfg-${form}`;
      await store.set(key, { payload: new Uint8Array([4, 2]), version: 1, expiresAt: Date.now() + 60_000 });
      expect((await store.get(key))?.payload).toEqual(new Uint8Array([4, 2]));
      await store.close();
      // The pool it created is gone: a call after close fails instead of reconnecting.
      await expect(store.get(key)).rejects.toMatchObject({ code: expect.stringMatching(/^SESSION_STORE/) });
    });
  });
}
