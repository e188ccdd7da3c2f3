import { SessionConfigError } from '@sessionkit/core';
import { createSqlStore, type SqlStore, type SqlStoreOptions } from '@sessionkit/sql';
import { mysqlDialect } from './dialect';
import { type MysqlPool, mysqlConnections, mysqlExecutor } from './pool';
import { mysqlVerify } from './verify';

/** Options of {@link createMysqlStore}; see the README for each one. */
export type MysqlStoreOptions = SqlStoreOptions;

/** A MySQL / MariaDB session store. */
export type MysqlStore = SqlStore;

/**
 * Creates a session store on a MySQL 8 or MariaDB 10.6+ table, using the app's mysql2 pool
 * (promise or callback flavour; never closed by the store). Writes are race-safe: an insert is
 * atomic on the primary key, an update is a compare-and-set on the version column, and deadlock
 * victims are re-run. Expired rows are pruned in batches in the background.
 *
 * Keep mysql2's default CLIENT_FOUND_ROWS flag: the store reads "rows matched" from it.
 *
 * @example
 * import mysql from 'mysql2/promise';
 * import { createSessionManager } from '@sessionkit/core';
 * import { createMysqlStore } from '@sessionkit/mysql';
 *
 * const pool = mysql.createPool(process.env.DATABASE_URL!);
 * const store = createMysqlStore(pool, { tableName: 'sessions' });
 * await store.createSchema();
 * const sessions = createSessionManager({ store, secrets: [process.env.SESSION_SECRET!] });
 */
export function createMysqlStore(pool: MysqlPool, options?: MysqlStoreOptions): MysqlStore {
  const usable =
    typeof pool === 'object' &&
    pool !== null &&
    (typeof (pool as { promise?: unknown }).promise === 'function' ||
      typeof (pool as { execute?: unknown }).execute === 'function');
  if (!usable) {
    throw new SessionConfigError(
      'createMysqlStore: pass a mysql2 pool, e.g. createMysqlStore(mysql.createPool(url), options) ' +
        "with mysql from 'mysql2/promise' (a callback pool from 'mysql2' works too).",
    );
  }
  return createSqlStore({
    executor: mysqlExecutor(pool),
    connections: mysqlConnections(pool),
    dialect: mysqlDialect,
    options,
    context: 'createMysqlStore',
    verify: mysqlVerify,
  });
}
