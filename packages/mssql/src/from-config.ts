import {
  createSchemaOrClose,
  describeStoreConfig,
  missingTableExplainer,
  type OpenStoreFromConfig,
  SessionConfigError,
  SessionStoreError,
  shellWord,
  toConfiguredStore,
} from '@sessionkit/core';
import { DEFAULT_TABLE_NAME } from '@sessionkit/sql';
import { createMssqlStore } from './mssql-store';

/**
 * Opens a SQL Server store from a validated configuration, creating and connecting the mssql
 * pool itself (the store needs a connected pool); the returned store's close() closes it. Used by
 * core's `createStoreFromConfig`. The table is not created: run `sessionkit schema mssql` once; a
 * query on a missing table (error 208, "Invalid object name") fails with that advice.
 */
export const openStoreFromConfig: OpenStoreFromConfig = async (config, context) => {
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
    throw new SessionStoreError(
      `Could not connect to SQL Server at ${config.host}:${config.port}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const store = createMssqlStore(pool, config.tableName === undefined ? {} : { tableName: config.tableName });
  const table = config.tableName ?? DEFAULT_TABLE_NAME;
  const sqlcmd = ['sqlcmd', '-S', `${config.host},${config.port}`, '-d', config.database];
  if (config.user !== undefined) sqlcmd.push('-U', config.user);
  const explain = missingTableExplainer((e) => (e as { number?: unknown }).number === 208, {
    table,
    database: config.database,
    create: `sessionkit schema mssql --table ${table} > sessions.sql && ${sqlcmd.map(shellWord).join(' ')} -i sessions.sql`,
  });
  const configured = toConfiguredStore(store, describeStoreConfig(config), () => pool.close(), explain);
  if (context?.createSchema) await createSchemaOrClose(configured, () => store.createSchema());
  return configured;
};
