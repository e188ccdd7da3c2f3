import { SessionConfigError } from '@sessionkit/core';
import { createSqlStore, type SqlStore, type SqlStoreOptions } from '@sessionkit/sql';
import { mssqlDialect } from './dialect';
import { type MssqlPool, mssqlConnections, mssqlExecutor } from './pool';
import { mssqlVerify } from './verify';

/** Options of {@link createMssqlStore}; see the README for each one. */
export type MssqlStoreOptions = SqlStoreOptions;

/** A SQL Server session store. */
export type MssqlStore = SqlStore;

/**
 * The largest prune batch on SQL Server. One statement that holds 5,000 locks on one table or
 * index makes SQL Server try to escalate them to a table lock, which would block every session
 * read and write until the prune commits. A batch of n rows takes n key locks on each index plus
 * intent locks on the pages it touches (up to one per row), so 2,000 rows stay below 5,000 on
 * every index whatever the row size. (The other SQL stores allow up to 5,000.)
 */
export const MSSQL_MAX_PRUNE_BATCH = 2000;

/**
 * Creates a session store on a SQL Server (2016 or later) table, using the app's connected
 * mssql `ConnectionPool` (never closed by the store). Inserts are one `MERGE … WITH (HOLDLOCK)`
 * and updates a compare-and-set on the version column, so concurrent writers never lose a write
 * or see a primary-key violation; deadlock victims are re-run. Expired rows are pruned in
 * batches in the background, each at most {@link MSSQL_MAX_PRUNE_BATCH} rows so that it never
 * escalates to a table lock.
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
  const batch = (options as { pruneBatchSize?: unknown } | undefined)?.pruneBatchSize;
  if (typeof batch === 'number' && batch > MSSQL_MAX_PRUNE_BATCH) {
    throw new SessionConfigError(
      `createMssqlStore: pruneBatchSize must be at most ${MSSQL_MAX_PRUNE_BATCH} on SQL Server (got ${batch}): ` +
        'a larger batch can escalate to a table lock that blocks all session traffic while it runs. ' +
        'Use a shorter pruneInterval for more throughput; the default batch is 1000.',
    );
  }
  return createSqlStore({
    executor: mssqlExecutor(pool),
    connections: mssqlConnections(pool),
    dialect: mssqlDialect,
    options,
    context: 'createMssqlStore',
    verify: mssqlVerify,
  });
}
