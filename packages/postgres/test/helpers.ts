/** The PostgreSQL side of the shared SQL test kit (`@sessionkit/sql/testing`). */

import type { KitPool, SqlKit } from '@sessionkit/sql/testing';
import { type Provisioned, useBackend } from '@sessionkit/testing';
import pg from 'pg';
import { createPostgresStore } from '../src/index';

/** `?` placeholders of the kit's raw SQL, as node-postgres' `$1`, `$2`… */
function numbered(text: string): string {
  let index = 0;
  return text.replace(/\?/g, () => `$${++index}`);
}

/** Provisions PostgreSQL for the calling test file (URL or container) and returns its kit. */
export async function postgresKit(): Promise<SqlKit<Provisioned>> {
  const provisioned = await useBackend('postgres');
  return {
    name: 'postgres',
    provisioned,
    async connect(): Promise<KitPool> {
      if (!provisioned.available) throw new Error(provisioned.reason);
      const pool = new pg.Pool({ connectionString: provisioned.url, max: 8 });
      return {
        driver: pool,
        query: async (text, values = []) => (await pool.query(numbered(text), [...values])).rows,
        end: () => pool.end(),
      };
    },
    createStore: (pool, options) => createPostgresStore(pool.driver as pg.Pool, options),
    bigint: (expression) => `CAST(${expression} AS BIGINT)`,
    combinesWrites: true,
    tomcatTable: (table) => [
      // Tomcat's documented JDBCStore layout, with session_id in the "C" collation (exact matching).
      `CREATE TABLE ${table} (
        session_id VARCHAR(100) COLLATE "C" NOT NULL PRIMARY KEY,
        valid_session CHAR(1) NOT NULL,
        max_inactive INT NOT NULL,
        last_access BIGINT NOT NULL,
        app_name VARCHAR(255),
        session_data BYTEA
      )`,
      `CREATE INDEX ${table}_app ON ${table} (app_name)`,
      // What sessionkit adds: the compare-and-set version and the owner.
      `ALTER TABLE ${table} ADD COLUMN sk_version BIGINT NOT NULL DEFAULT 0, ADD COLUMN sk_owner_id VARCHAR(255) COLLATE "C"`,
      `CREATE INDEX ${table}_owner ON ${table} (sk_owner_id, app_name)`,
    ],
  };
}
