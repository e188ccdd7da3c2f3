/**
 * Every backend the express-session compatible store can sit on, each provisioned the usual way
 * (URL, container, private server) or reported as skipped with the reason. The drivers are loaded
 * from their store packages (this package does not depend on them), and each store is isolated by
 * a random prefix, table or directory, removed when the test ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore, createStoreFromConfig, type SessionStore } from '@sessionkit/core';
import { createFileStore } from '@sessionkit/file';
import { createMysqlStore } from '@sessionkit/mysql';
import { createPostgresStore } from '@sessionkit/postgres';
import { createRedisStore } from '@sessionkit/redis';
import { type Provisioned, suiteTitle, uniquePrefix, useBackend } from '@sessionkit/testing';
import { Redis } from 'ioredis';
import { afterAll, onTestFinished } from 'vitest';

export interface CompatBackend {
  name: string;
  title: string;
  skip: string | false;
  create(): Promise<SessionStore>;
}

/** A driver as installed beside the store package that uses it. */
function driver<T>(pkg: string, name: string): T {
  return createRequire(new URL(`../../${pkg}/package.json`, import.meta.url))(name) as T;
}

function provisioned(
  name: string,
  backend: Provisioned,
  open: (url: string) => Promise<SessionStore>,
): CompatBackend {
  return {
    name,
    title: suiteTitle(`${name} store`, backend),
    skip: backend.available ? false : backend.reason,
    create: () => (backend.available ? open(backend.url) : Promise.reject(new Error(backend.reason))),
  };
}

export async function compatBackends(): Promise<CompatBackend[]> {
  const redis = await useBackend('redis');
  const postgres = await useBackend('postgres');
  const mysql = await useBackend('mysql');
  const mongodb = await useBackend('mongodb');
  const mssql = await useBackend('mssql');
  const closers: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    await Promise.allSettled(closers.map((close) => close()));
  });
  let redisClient: Redis | undefined;
  let pgPool: { query(sql: string): Promise<unknown>; end(): Promise<void> } | undefined;
  let mysqlPool: { query(sql: string): Promise<unknown>; end(): Promise<void> } | undefined;

  return [
    { name: 'memory', title: 'memory store', skip: false, create: async () => createMemoryStore() },
    {
      name: 'file',
      title: 'file store',
      skip: false,
      async create() {
        const directory = mkdtempSync(join(tmpdir(), 'sk-compat-'));
        onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
        return createFileStore({ directory });
      },
    },
    provisioned('redis', redis, async (url) => {
      if (!redisClient) {
        const client = new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: 2_000 });
        closers.push(async () => client.disconnect());
        redisClient = client;
      }
      const store = createRedisStore(redisClient, { prefix: `${uniquePrefix('compat')}:` });
      onTestFinished(() => store.clear());
      return store;
    }),
    provisioned('postgres', postgres, async (url) => {
      if (!pgPool) {
        const pg = driver<{ Pool: new (o: object) => NonNullable<typeof pgPool> }>('postgres', 'pg');
        const pool = new pg.Pool({ connectionString: url, max: 4 });
        closers.push(() => pool.end());
        pgPool = pool;
      }
      const tableName = uniquePrefix('compat');
      const store = createPostgresStore(pgPool as never, { tableName });
      await store.createSchema();
      onTestFinished(async () => {
        await pgPool?.query(`DROP TABLE IF EXISTS "${tableName}"`);
      });
      return store;
    }),
    provisioned('mysql', mysql, async (url) => {
      if (!mysqlPool) {
        const mysql2 = driver<{ createPool(o: object): NonNullable<typeof mysqlPool> }>(
          'mysql',
          'mysql2/promise',
        );
        const pool = mysql2.createPool({ uri: url, connectionLimit: 4 });
        closers.push(() => pool.end());
        mysqlPool = pool;
      }
      const tableName = uniquePrefix('compat');
      const store = createMysqlStore(mysqlPool as never, { tableName });
      await store.createSchema();
      onTestFinished(async () => {
        await mysqlPool?.query(`DROP TABLE IF EXISTS \`${tableName}\``);
      });
      return store;
    }),
    // The configuration path opens these two with their own drivers; MongoDB creates the
    // collection on first write, and SQL Server's URL names a database whose table the store's
    // own suite creates (packages/mssql/test).
    provisioned('mongodb', mongodb, async (url) => {
      const store = await createStoreFromConfig(withParam(url, 'collection', uniquePrefix('compat')));
      onTestFinished(async () => {
        await store.clear?.();
        await store.close?.();
      });
      return store;
    }),
    provisioned('mssql', mssql, async (url) => {
      const store = await createStoreFromConfig(url);
      closers.push(async () => store.close?.());
      return store;
    }),
  ];
}

function withParam(url: string, name: string, value: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${name}=${encodeURIComponent(value)}`;
}
