import {
  createSchemaOrClose,
  describeStoreConfig,
  missingTableExplainer,
  type OpenStoreFromConfig,
  SessionConfigError,
  shellWord,
  toConfiguredStore,
} from '@sessionkit/core';
import { DEFAULT_TABLE_NAME } from '@sessionkit/sql';
import { createPostgresStore } from './postgres-store';

/**
 * Opens a PostgreSQL store from a validated configuration, creating the pg pool itself; the
 * returned store's close() ends that pool. Used by core's `createStoreFromConfig`. The table is
 * not created: run `sessionkit schema postgres` (or the store's createSchema()) once; a query on
 * a missing table (SQLSTATE 42P01) fails with that advice, naming the table.
 */
export const openStoreFromConfig: OpenStoreFromConfig = async (config, context) => {
  if (config.type !== 'postgres')
    throw new SessionConfigError(`@sessionkit/postgres cannot open a "${config.type}" store.`);
  const pg = await import('pg');
  const Pool = pg.Pool ?? pg.default.Pool;
  const pool = new Pool({
    host: config.host,
    port: config.port,
    database: config.database,
    ...(config.user === undefined ? {} : { user: config.user }),
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(config.ssl ? { ssl: true } : {}),
    connectionTimeoutMillis: 5_000,
  });
  // An idle client that loses its connection emits 'error' on the pool; unhandled, that would
  // crash the process. The next query reports the failure as a SessionStoreError instead.
  pool.on('error', () => {});
  const store = createPostgresStore(
    pool,
    config.tableName === undefined ? {} : { tableName: config.tableName },
  );
  const table = config.tableName ?? DEFAULT_TABLE_NAME;
  const psql = ['psql', '-h', config.host, '-p', String(config.port)];
  if (config.user !== undefined) psql.push('-U', config.user);
  psql.push('-d', config.database);
  const explain = missingTableExplainer((e) => (e as { code?: unknown }).code === '42P01', {
    table,
    database: config.database,
    create: `sessionkit schema postgres --table ${table} | ${psql.map(shellWord).join(' ')}`,
  });
  const configured = toConfiguredStore(store, describeStoreConfig(config), () => pool.end(), explain);
  if (context?.createSchema) await createSchemaOrClose(configured, () => store.createSchema());
  return configured;
};
