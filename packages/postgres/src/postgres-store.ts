import { SessionConfigError } from '@sessionkit/core';
import { createSqlStore, type SqlStore, type SqlStoreOptions } from '@sessionkit/sql';
import { postgresDialect } from './dialect';
import { type PostgresQueryable, postgresConnections, postgresExecutor } from './pool';
import { postgresVerify } from './verify';

/** Options of {@link createPostgresStore}; see the README for each one. */
export type PostgresStoreOptions = SqlStoreOptions;

/** A PostgreSQL session store. */
export type PostgresStore = SqlStore;

/**
 * Creates a session store on a PostgreSQL table, using the app's `pg.Pool` (never closed by the
 * store). Inserts are one `INSERT … ON CONFLICT DO UPDATE … WHERE expired` statement and updates
 * a compare-and-set on the version column, so concurrent writers from any number of nodes never
 * lose a write or see a unique violation. Expired rows are pruned in batches in the background.
 *
 * Call `createSchema()` once (or run the DDL from `schemaSql()` in your migrations) to create the
 * table.
 *
 * @example
 * import pg from 'pg';
 * import { createSessionManager } from '@sessionkit/core';
 * import { createPostgresStore } from '@sessionkit/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const store = createPostgresStore(pool, { tableName: 'sessions' });
 * await store.createSchema();
 * const sessions = createSessionManager({ store, secrets: [process.env.SESSION_SECRET!] });
 */
export function createPostgresStore(pool: PostgresQueryable, options?: PostgresStoreOptions): PostgresStore {
  if (typeof pool !== 'object' || pool === null || typeof pool.query !== 'function') {
    throw new SessionConfigError(
      'createPostgresStore: pass a pg.Pool (or anything with query(text, values)), e.g. ' +
        'createPostgresStore(new pg.Pool({ connectionString }), options).',
    );
  }
  return createSqlStore({
    executor: postgresExecutor(pool),
    connections: postgresConnections(pool),
    dialect: postgresDialect,
    options,
    context: 'createPostgresStore',
    verify: postgresVerify,
  });
}
