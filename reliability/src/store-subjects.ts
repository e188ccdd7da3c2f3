/**
 * Real stores set up for the hostile-key property, each isolated where its surroundings can be
 * watched: a file store in a temp directory next to a canary file, a Redis store on a private
 * server next to a canary key, SQL stores in their own schema / database next to a canary table.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileStore } from '@sessionkit/file';
import { createMysqlStore } from '@sessionkit/mysql';
import { createPostgresStore } from '@sessionkit/postgres';
import { createRedisStore } from '@sessionkit/redis';
import { uniquePrefix } from '@sessionkit/testing';
import Redis from 'ioredis';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { StoreSubject } from './properties-store-keys';

/** A file store in `<tmp>/store`, next to `<tmp>/canary.txt`; outside = every path under <tmp> but the store. */
export function fileSubject(): StoreSubject {
  const root = mkdtempSync(join(tmpdir(), 'sk-rel-keys-'));
  writeFileSync(join(root, 'canary.txt'), 'canary');
  const store = createFileStore({ directory: join(root, 'store'), pruneInterval: 0 });
  return {
    name: 'file',
    store,
    outside: async () => ({
      entries: readdirSync(root).sort(),
      canary: readFileSync(join(root, 'canary.txt'), 'utf8'),
      // Path traversal would land above <tmp>: the system temp dir must not gain our markers.
      temp: readdirSync(tmpdir())
        .filter((name) => /canary|DROP|passwd|escape/i.test(name))
        .sort(),
    }),
    close: async () => {
      await store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A Redis store on a server this suite owns (so every key in the database is accounted for). */
export async function redisSubject(url: string): Promise<StoreSubject> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: 5_000 });
  client.on('error', () => undefined);
  const prefix = `${uniquePrefix('keys')}:`;
  await client.set('outside:canary', 'canary');
  const store = createRedisStore(client, { prefix });
  return {
    name: 'redis',
    store,
    outside: async () => {
      // Owner-index entries of destroyed sessions stay until their score passes (by design):
      // everything under the prefix belongs to the store; everything else must be unchanged.
      const keys = (await client.keys('*')).filter((k) => !k.startsWith(prefix)).sort();
      return { keys, canary: await client.get('outside:canary') };
    },
    close: async () => {
      await store.clear();
      await client.del('outside:canary');
      client.disconnect();
    },
  };
}

/** A PostgreSQL store in a schema of its own, next to a canary table. */
export async function postgresSubject(url: string): Promise<StoreSubject> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined);
  const schema = uniquePrefix('keys');
  await pool.query(`CREATE SCHEMA "${schema}"`);
  await pool.query(`CREATE TABLE "${schema}".canary (v text)`);
  await pool.query(`INSERT INTO "${schema}".canary VALUES ('canary')`);
  const store = createPostgresStore(pool, { tableName: `${schema}.sessions`, pruneInterval: 0 });
  await store.createSchema();
  return {
    name: 'postgres',
    store,
    outside: async () => ({
      tables: (
        await pool.query(
          'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
          [schema],
        )
      ).rows,
      canary: (await pool.query(`SELECT v FROM "${schema}".canary`)).rows,
    }),
    close: async () => {
      await store.close();
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      await pool.end();
    },
  };
}

/** A MySQL/MariaDB store in a database of its own, next to a canary table. */
export async function mysqlSubject(url: string): Promise<StoreSubject> {
  const pool = mysql.createPool({ uri: url, connectionLimit: 4 });
  const database = uniquePrefix('keys');
  await pool.query(`CREATE DATABASE \`${database}\``);
  await pool.query(`CREATE TABLE \`${database}\`.canary (v varchar(20))`);
  await pool.query(`INSERT INTO \`${database}\`.canary VALUES ('canary')`);
  const store = createMysqlStore(pool, { tableName: `${database}.sessions`, pruneInterval: 0 });
  await store.createSchema();
  return {
    name: 'mysql',
    store,
    outside: async () => ({
      tables: (
        await pool.query(
          'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? ORDER BY 1',
          [database],
        )
      )[0],
      canary: (await pool.query(`SELECT v FROM \`${database}\`.canary`))[0],
    }),
    close: async () => {
      await store.close();
      await pool.query(`DROP DATABASE \`${database}\``);
      await pool.end();
    },
  };
}
