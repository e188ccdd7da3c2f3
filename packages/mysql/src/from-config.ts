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
import { createMysqlStore } from './mysql-store';

/**
 * Opens a MySQL / MariaDB store from a validated configuration, creating the mysql2 pool itself;
 * the returned store's close() ends that pool. Used by core's `createStoreFromConfig`. The table
 * is not created: run `sessionkit schema mysql` (or the store's createSchema()) once; a query on
 * a missing table (ER_NO_SUCH_TABLE, 1146) fails with that advice, naming the table.
 */
export const openStoreFromConfig: OpenStoreFromConfig = async (config, context) => {
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
  const table = config.tableName ?? DEFAULT_TABLE_NAME;
  const client = ['mysql', '-h', config.host, '-P', String(config.port)];
  if (config.user !== undefined) client.push('-u', config.user);
  if (config.password !== undefined) client.push('-p');
  client.push(config.database);
  const explain = missingTableExplainer((e) => (e as { errno?: unknown }).errno === 1146, {
    table,
    database: config.database,
    create: `sessionkit schema mysql --table ${table} | ${client.map(shellWord).join(' ')}`,
  });
  const configured = toConfiguredStore(store, describeStoreConfig(config), () => pool.end(), explain);
  if (context?.createSchema) await createSchemaOrClose(configured, () => store.createSchema());
  return configured;
};
