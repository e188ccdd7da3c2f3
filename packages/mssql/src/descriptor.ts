import { SessionStoreError } from '@sessionkit/core';
import { shellWord } from '@sessionkit/core/descriptor';
import { connectionSettings, type SqlStoreConfig, sqlStoreDescriptor } from '@sessionkit/sql';
import { createMssqlStore } from './mssql-store';

/** A SQL Server store's settings for `createStoreFromConfig` (see {@link SqlStoreConfig}). */
export type MssqlStoreConfig = SqlStoreConfig<'mssql'>;

/**
 * How `createStoreFromConfig` opens a SQL Server store from `{ type: 'mssql', … }` or a `mssql:` /
 * `sqlserver:` URL, creating and connecting the mssql pool itself (the store needs a connected
 * pool); the configured store's close() closes it. A query on a missing table (error 208,
 * "Invalid object name") fails naming the table and the sqlcmd command that creates it.
 */
export const storeDescriptor = sqlStoreDescriptor({
  type: 'mssql',
  schemes: ['mssql', 'sqlserver'],
  defaultPort: 1433,
  async open(config) {
    const mssql = await import('mssql');
    const ConnectionPool = mssql.ConnectionPool ?? mssql.default.ConnectionPool;
    const { host, ...settings } = connectionSettings(config);
    const pool = new ConnectionPool({
      server: host,
      ...settings,
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
    const tableName = config.tableName;
    return {
      store: createMssqlStore(pool, tableName === undefined ? {} : { tableName }),
      closeClient: () => pool.close(),
    };
  },
  isMissingTable: (error) => (error as { number?: unknown }).number === 208,
  createCommand(table, config) {
    const sqlcmd = ['sqlcmd', '-S', `${config.host},${config.port}`, '-d', config.database];
    if (config.user !== undefined) sqlcmd.push('-U', config.user);
    return `sessionkit schema mssql --table ${table} > sessions.sql && ${sqlcmd.map(shellWord).join(' ')} -i sessions.sql`;
  },
});
