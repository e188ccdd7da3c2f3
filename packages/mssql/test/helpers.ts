/**
 * The SQL Server side of the shared SQL test kit (`@sessionkit/sql/testing`). It runs when
 * SESSIONKIT_MSSQL_URL is set (`mssql://sa:<password>@host:1433/master`) or a container runtime
 * can start mcr.microsoft.com/mssql/server; otherwise every suite is skipped with the reason.
 */

import type { KitPool, SqlKit } from '@sessionkit/sql/testing';
import { type Provisioned, useBackend } from '@sessionkit/testing';
import mssql from 'mssql';
import { createMssqlStore, type MssqlPool } from '../src/index';

/** mssql://user:password@host:port/database[?encrypt=true] as an mssql config. */
export function mssqlConfig(url: string): mssql.config {
  const parsed = new URL(url);
  if (parsed.protocol !== 'mssql:' && parsed.protocol !== 'sqlserver:') {
    throw new TypeError(`Not an mssql:// URL: ${url}`);
  }
  return {
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    server: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 1433,
    database: decodeURIComponent(parsed.pathname.slice(1)) || 'master',
    pool: { max: 8 },
    // Test servers use a self-signed certificate.
    options: { encrypt: parsed.searchParams.get('encrypt') === 'true', trustServerCertificate: true },
  };
}

/** Provisions SQL Server for the calling test file (URL or container) and returns its kit. */
export async function mssqlKit(): Promise<SqlKit<Provisioned>> {
  const provisioned = await useBackend('mssql');
  return {
    name: 'mssql',
    provisioned,
    async connect(): Promise<KitPool> {
      if (!provisioned.available) throw new Error(provisioned.reason);
      const pool = await new mssql.ConnectionPool(mssqlConfig(provisioned.url)).connect();
      return {
        driver: pool,
        async query(text, values = []) {
          const request = pool.request();
          let index = 0;
          const named = text.replace(/\?/g, () => `@p${++index}`);
          values.forEach((value, i) => {
            request.input(`p${i + 1}`, value);
          });
          const result = await request.query(named);
          return (result.recordset ?? []) as Array<Record<string, unknown>>;
        },
        end: () => pool.close(),
      };
    },
    createStore: (pool, options) => createMssqlStore(pool.driver as MssqlPool, options),
    bigint: (expression) => `CAST(${expression} AS BIGINT)`,
    tomcatTable: (table) => [
      // Tomcat's documented JDBCStore layout. session_id is NVARCHAR with a binary collation here:
      // a VARCHAR column holds only its code page, so non-Latin keys would turn into '?' and alias.
      `CREATE TABLE ${table} (
        session_id NVARCHAR(100) COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
        valid_session CHAR(1) NOT NULL,
        max_inactive INT NOT NULL,
        last_access BIGINT NOT NULL,
        app_name NVARCHAR(255),
        session_data VARBINARY(MAX)
      )`,
      `CREATE INDEX ${table}_app ON ${table} (app_name)`,
      `ALTER TABLE ${table} ADD sk_version BIGINT NOT NULL DEFAULT 0, sk_owner_id NVARCHAR(255) COLLATE Latin1_General_100_BIN2 NULL`,
      `CREATE INDEX ${table}_owner ON ${table} (sk_owner_id, app_name)`,
    ],
  };
}
