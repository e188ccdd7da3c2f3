import {
  describeStoreConfig,
  type OpenStoreFromConfig,
  SessionConfigError,
  SessionStoreError,
  toConfiguredStore,
} from '@sessionkit/core';
import { createMssqlStore } from './mssql-store';

/**
 * Opens a SQL Server store from a validated configuration, creating and connecting the mssql
 * pool itself (the store needs a connected pool); the returned store's close() closes it. Used by
 * core's `createStoreFromConfig`. The table is not created: run `sessionkit schema mssql` once.
 */
export const openStoreFromConfig: OpenStoreFromConfig = async (config) => {
  if (config.type !== 'mssql')
    throw new SessionConfigError(`@sessionkit/mssql cannot open a "${config.type}" store.`);
  const mssql = await import('mssql');
  const ConnectionPool = mssql.ConnectionPool ?? mssql.default.ConnectionPool;
  const pool = new ConnectionPool({
    server: config.host,
    port: config.port,
    database: config.database,
    ...(config.user === undefined ? {} : { user: config.user }),
    ...(config.password === undefined ? {} : { password: config.password }),
    options: { encrypt: config.ssl, trustServerCertificate: !config.ssl },
    connectionTimeout: 5_000,
  });
  try {
    await pool.connect();
  } catch (error) {
    // The message names the server, never the password.
    throw new SessionStoreError(`Could not connect to SQL Server at ${config.host}:${config.port}`, {
      cause: error,
    });
  }
  const store = createMssqlStore(pool, config.tableName === undefined ? {} : { tableName: config.tableName });
  return toConfiguredStore(store, describeStoreConfig(config), () => pool.close());
};
