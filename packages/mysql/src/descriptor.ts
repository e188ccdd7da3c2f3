import { shellWord } from '@sessionkit/core/descriptor';
import { connectionSettings, type SqlStoreConfig, sqlStoreDescriptor } from '@sessionkit/sql';
import { createMysqlStore } from './mysql-store';

/** A MySQL / MariaDB store's settings for `createStoreFromConfig` (see {@link SqlStoreConfig}). */
export type MysqlStoreConfig = SqlStoreConfig<'mysql'>;

/**
 * How `createStoreFromConfig` opens a MySQL / MariaDB store from `{ type: 'mysql', … }` or a
 * `mysql:` / `mariadb:` URL, creating the mysql2 pool itself; the configured store's close() ends
 * that pool. A query on a missing table (ER_NO_SUCH_TABLE, 1146) fails naming the table and the
 * `sessionkit schema mysql … | mysql …` command that creates it.
 */
export const storeDescriptor = sqlStoreDescriptor({
  type: 'mysql',
  schemes: ['mysql', 'mariadb'],
  defaultPort: 3306,
  async open(config) {
    const mysql = await import('mysql2/promise');
    const createPool = mysql.createPool ?? mysql.default.createPool;
    const pool = createPool({
      ...connectionSettings(config),
      ...(config.ssl ? { ssl: {} } : {}),
      connectTimeout: 5_000,
    });
    const tableName = config.tableName;
    return {
      store: createMysqlStore(pool, tableName === undefined ? {} : { tableName }),
      closeClient: () => pool.end(),
    };
  },
  isMissingTable: (error) => (error as { errno?: unknown }).errno === 1146,
  createCommand(table, config) {
    const client = ['mysql', '-h', config.host, '-P', String(config.port)];
    if (config.user !== undefined) client.push('-u', config.user);
    if (config.password !== undefined) client.push('-p');
    client.push(config.database);
    return `sessionkit schema mysql --table ${table} | ${client.map(shellWord).join(' ')}`;
  },
});
