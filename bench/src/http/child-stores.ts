import { createMemoryStore, type SessionStore } from '@sessionkit/core';
import { createFileStore } from '@sessionkit/file';
import { createMysqlStore } from '@sessionkit/mysql';
import { createPostgresStore } from '@sessionkit/postgres';
import { createRedisStore } from '@sessionkit/redis';
import Redis from 'ioredis';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createClient } from 'redis';
import type { ChildEnv, Setup, StoreKind } from './variants';

/** A store plus whatever the server must close on exit. */
export interface OpenedStore {
  store: SessionStore;
  close(): Promise<void>;
}

/** The environment variable's value; a server child started without it is a harness bug. */
export function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} is not set for this server child`);
  return value;
}

/** The same pool sizes for every SQL run: 10 connections, as the drivers' defaults. */
export const POOL_SIZE = 10;

export async function openSessionkitStore(
  kind: StoreKind,
  env: ChildEnv,
  setup?: Setup,
): Promise<OpenedStore> {
  const prune = env.BENCH_NO_PRUNE ? { pruneInterval: 0 } : {};
  switch (kind) {
    case 'memory': {
      const store = createMemoryStore();
      return { store, close: () => store.close() };
    }
    case 'file': {
      const store = createFileStore({
        directory: `${required(env.BENCH_FILE_DIR, 'BENCH_FILE_DIR')}/${env.BENCH_PREFIX}`,
        ...prune,
      });
      return { store, close: () => store.close() };
    }
    case 'redis': {
      const url = required(env.BENCH_REDIS_URL, 'BENCH_REDIS_URL');
      if (setup === 'ioredis') {
        // The ioredis options the @sessionkit/redis README recommends for production.
        const redis = new Redis(url, {
          maxRetriesPerRequest: 1,
          commandTimeout: 2000,
          enableAutoPipelining: true,
        });
        const store = createRedisStore(redis, { prefix: `${env.BENCH_PREFIX}:` });
        return { store, close: async () => void redis.disconnect() };
      }
      // By default node-redis, the client the peers' connect-redis runs on, with the options the
      // @sessionkit/redis README recommends.
      const redis = createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: 2000 } });
      await redis.connect();
      const store = createRedisStore(redis, { prefix: `${env.BENCH_PREFIX}:` });
      return { store, close: async () => void (await redis.close()) };
    }
    case 'mariadb': {
      const pool = mysql.createPool({
        uri: required(env.BENCH_MYSQL_URL, 'BENCH_MYSQL_URL'),
        connectionLimit: POOL_SIZE,
      });
      const store = createMysqlStore(pool, { tableName: `sk_${env.BENCH_PREFIX}`, ...prune });
      await store.createSchema();
      return {
        store,
        close: async () => {
          await store.close();
          await pool.end();
        },
      };
    }
    case 'postgres': {
      const pool = new pg.Pool({
        connectionString: required(env.BENCH_POSTGRES_URL, 'BENCH_POSTGRES_URL'),
        max: POOL_SIZE,
      });
      const store = createPostgresStore(pool, { tableName: `sk_${env.BENCH_PREFIX}`, ...prune });
      await store.createSchema();
      return {
        store,
        close: async () => {
          await store.close();
          await pool.end();
        },
      };
    }
    default:
      throw new Error(`sessionkit has no ${kind} store in this bench`);
  }
}
