import { SessionConfigError } from '@sessionkit/core';
import { createSqlStore, type SqlStore, type SqlStoreOptions } from '@sessionkit/sql';
import { mssqlDialect } from './dialect';
import { type MssqlPool, mssqlExecutor } from './pool';
import { mssqlVerify } from './verify';

/** Options of {@link createMssqlStore}; see the README for each one. */
export type MssqlStoreOptions = SqlStoreOptions;

/** A SQL Server session store. */
export type MssqlStore = SqlStore;

/**
 * Creates a session store on a SQL Server (2016 or later) table, using the app's connected
 * mssql `ConnectionPool` (never closed by the store). Inserts are one `MERGE … WITH (HOLDLOCK)`
 * and updates a compare-and-set on the version column, so concurrent writers never lose a write
 * or see a primary-key violation; deadlock victims are re-run. Expired rows are pruned in
 * batches in the background.
 *
 * @example
 * import mssql from 'mssql';
 * import { createSessionManager } from '@sessionkit/core';
 * import { createMssqlStore } from '@sessionkit/mssql';
 *
 * const pool = await new mssql.ConnectionPool(process.env.MSSQL_URL!).connect();
 * const store = createMssqlStore(pool, { tableName: 'dbo.sessions' });
 * await store.createSchema();
 * const sessions = createSessionManager({ store, secrets: [process.env.SESSION_SECRET!] });
 */
export function createMssqlStore(pool: MssqlPool, options?: MssqlStoreOptions): MssqlStore {
  if (typeof pool !== 'object' || pool === null || typeof pool.request !== 'function') {
    throw new SessionConfigError(
      'createMssqlStore: pass a connected mssql ConnectionPool, e.g. ' +
        'createMssqlStore(await new mssql.ConnectionPool(config).connect(), options).',
    );
  }
  return createSqlStore({
    executor: mssqlExecutor(pool),
    dialect: mssqlDialect,
    options,
    context: 'createMssqlStore',
    verify: mssqlVerify,
  });
}
