import {
  describeStoreConfig,
  type OpenStoreFromConfig,
  SessionConfigError,
  toConfiguredStore,
} from '@sessionkit/core';
import { createMysqlStore } from './mysql-store';

/**
 * Opens a MySQL / MariaDB store from a validated configuration, creating the mysql2 pool itself;
 * the returned store's close() ends that pool. Used by core's `createStoreFromConfig`. The table
 * is not created: run `sessionkit schema mysql` (or the store's createSchema()) once.
 */
export const openStoreFromConfig: OpenStoreFromConfig = async (config) => {
  if (config.type !== 'mysql')
    throw new SessionConfigError(`@sessionkit/mysql cannot open a "${config.type}" store.`);
  const mysql = await import('mysql2/promise');
  const createPool = mysql.createPool ?? mysql.default.createPool;
  const pool = createPool({
    host: config.host,
    port: config.port,
    database: config.database,
    ...(config.user === undefined ? {} : { user: config.user }),
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(config.ssl ? { ssl: {} } : {}),
    connectTimeout: 5_000,
  });
  const store = createMysqlStore(pool, config.tableName === undefined ? {} : { tableName: config.tableName });
  return toConfiguredStore(store, describeStoreConfig(config), () => pool.end());
};
