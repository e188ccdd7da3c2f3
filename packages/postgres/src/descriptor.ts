import { shellWord } from '@sessionkit/core/descriptor';
import { connectionSettings, type SqlStoreConfig, sqlStoreDescriptor } from '@sessionkit/sql';
import { createPostgresStore } from './postgres-store';

/** A PostgreSQL store's settings for `createStoreFromConfig` (see {@link SqlStoreConfig}). */
export type PostgresStoreConfig = SqlStoreConfig<'postgres'>;

/**
 * How `createStoreFromConfig` opens a PostgreSQL store from `{ type: 'postgres', … }` or a
 * `postgres:` / `postgresql:` URL, creating the pg pool itself; the configured store's close()
 * ends that pool. A query on a missing table (SQLSTATE 42P01) fails naming the table and the
 * `sessionkit schema postgres … | psql …` command that creates it.
 */
export const storeDescriptor = sqlStoreDescriptor({
  type: 'postgres',
  schemes: ['postgres', 'postgresql'],
  defaultPort: 5432,
  async open(config) {
    const pg = await import('pg');
    const Pool = pg.Pool ?? pg.default.Pool;
    const pool = new Pool({
      ...connectionSettings(config),
      ...(config.ssl ? { ssl: true } : {}),
      connectionTimeoutMillis: 5_000,
    });
    // An idle client that loses its connection emits 'error' on the pool; unhandled, that would
    // crash the process. The next query reports the failure as a SessionStoreError instead.
    pool.on('error', () => {});
    const tableName = config.tableName;
    return {
      store: createPostgresStore(pool, tableName === undefined ? {} : { tableName }),
      closeClient: () => pool.end(),
    };
  },
  isMissingTable: (error) => (error as { code?: unknown }).code === '42P01',
  createCommand(table, config) {
    const psql = ['psql', '-h', config.host, '-p', String(config.port)];
    if (config.user !== undefined) psql.push('-U', config.user);
    psql.push('-d', config.database);
    return `sessionkit schema postgres --table ${table} | ${psql.map(shellWord).join(' ')}`;
  },
});
