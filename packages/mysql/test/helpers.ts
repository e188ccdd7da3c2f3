/** The MySQL / MariaDB side of the shared SQL test kit (`@sessionkit/sql/testing`). */

import type { KitPool, SqlKit } from '@sessionkit/sql/testing';
import { type Provisioned, useBackend } from '@sessionkit/testing';
import mysql from 'mysql2/promise';
import { createMysqlStore, type MysqlPool } from '../src/index';

/** Provisions MySQL/MariaDB for the calling test file (URL or container) and returns its kit. */
export async function mysqlKit(): Promise<SqlKit<Provisioned>> {
  const provisioned = await useBackend('mysql');
  return {
    name: 'mysql',
    provisioned,
    async connect(): Promise<KitPool> {
      if (!provisioned.available) throw new Error(provisioned.reason);
      const pool = mysql.createPool({ uri: provisioned.url, connectionLimit: 8 });
      return {
        driver: pool,
        // The raw side uses the text protocol (query), the store prepared statements (execute).
        query: async (text, values = []) => {
          const [rows] = await pool.query(text, [...values]);
          return Array.isArray(rows) ? (rows as Array<Record<string, unknown>>) : [];
        },
        end: () => pool.end(),
      };
    },
    createStore: (pool, options) => createMysqlStore(pool.driver as MysqlPool, options),
    bigint: (expression) => `CAST(${expression} AS SIGNED)`,
    tomcatTable: (table) => [
      // Tomcat's documented JDBCStore layout, with session_id in a binary collation (exact
      // matching), plus what sessionkit adds: the compare-and-set version and the owner.
      `CREATE TABLE ${table} (
        session_id VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
        valid_session CHAR(1) NOT NULL,
        max_inactive INT NOT NULL,
        last_access BIGINT NOT NULL,
        app_name VARCHAR(255),
        session_data MEDIUMBLOB,
        KEY kapp_name (app_name)
      ) ENGINE=InnoDB`,
      `ALTER TABLE ${table}
        ADD COLUMN sk_version BIGINT NOT NULL DEFAULT 0,
        ADD COLUMN sk_owner_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
        ADD KEY sk_owner (sk_owner_id, app_name)`,
    ],
  };
}
