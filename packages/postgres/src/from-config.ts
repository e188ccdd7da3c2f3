import {
  describeStoreConfig,
  type OpenStoreFromConfig,
  SessionConfigError,
  toConfiguredStore,
} from '@sessionkit/core';
import { createPostgresStore } from './postgres-store';

/**
 * Opens a PostgreSQL store from a validated configuration, creating the pg pool itself; the
 * returned store's close() ends that pool. Used by core's `createStoreFromConfig`. The table is
 * not created: run `sessionkit schema postgres` (or the store's createSchema()) once.
 */
export const openStoreFromConfig: OpenStoreFromConfig = async (config) => {
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
  return toConfiguredStore(store, describeStoreConfig(config), () => pool.end());
};
