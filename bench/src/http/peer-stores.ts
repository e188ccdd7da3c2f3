/**
 * The stores users install today for express-session (and @fastify/session, which takes the same
 * stores): connect-redis, connect-pg-simple, express-mysql-session and session-file-store, each
 * configured as its README recommends, on the same servers and directory as sessionkit's stores.
 */
import { createRequire } from 'node:module';
import connectPgSimple from 'connect-pg-simple';
import { RedisStore } from 'connect-redis';
import session from 'express-session';
import pg from 'pg';
import { createClient } from 'redis';
import { POOL_SIZE, required } from './child-stores';
import { type ChildEnv, MAX_AGE_MS, type StoreKind } from './variants';

const require = createRequire(import.meta.url);

/** A peer store plus whatever the server must close on exit; `store` is undefined for MemoryStore. */
export interface PeerStore {
  store: session.Store | undefined;
  close(): Promise<void>;
}

export async function openPeerStore(kind: StoreKind, env: ChildEnv): Promise<PeerStore> {
  switch (kind) {
    case 'memory':
    case 'cookie':
      return { store: undefined, close: async () => {} };
    case 'redis': {
      const client = createClient({ url: env.BENCH_REDIS_URL });
      client.on('error', () => undefined);
      await client.connect();
      return {
        store: new RedisStore({ client, prefix: `${env.BENCH_PREFIX}:` }),
        close: async () => void (await client.quit()),
      };
    }
    case 'postgres': {
      const pool = new pg.Pool({
        connectionString: required(env.BENCH_POSTGRES_URL, 'BENCH_POSTGRES_URL'),
        max: POOL_SIZE,
      });
      const PgStore = connectPgSimple(session);
      // A schema per server: connect-pg-simple names its primary key "session_pkey" whatever the
      // table, so a second table in one schema (the Fastify group after the Express one) fails.
      const schemaName = `peer_${env.BENCH_PREFIX}`;
      await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schemaName}"`);
      const store = new PgStore({
        pool,
        schemaName,
        tableName: 'session',
        createTableIfMissing: true,
        // Its own prune timer, as sessionkit's SQL stores keep theirs.
        pruneSessionInterval: env.BENCH_NO_PRUNE ? false : 60,
      });
      return {
        store,
        close: async () => {
          store.close();
          await pool.end();
        },
      };
    }
    case 'mariadb': {
      const url = new URL(required(env.BENCH_MYSQL_URL, 'BENCH_MYSQL_URL'));
      // express-mysql-session creates its own mysql2 pool from these options.
      const MySQLStore = (
        require('express-mysql-session') as (
          s: typeof session,
        ) => new (
          options: Record<string, unknown>,
        ) => session.Store & { close(): Promise<void> }
      )(session);
      const store = new MySQLStore({
        host: url.hostname,
        port: Number(url.port || 3306),
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        database: decodeURIComponent(url.pathname.slice(1)),
        connectionLimit: POOL_SIZE,
        createDatabaseTable: true,
        clearExpired: !env.BENCH_NO_PRUNE,
        schema: { tableName: `peer_${env.BENCH_PREFIX}` },
      });
      return { store, close: () => store.close() };
    }
    case 'file': {
      const FileStore = (
        require('session-file-store') as (
          s: typeof session,
        ) => new (
          options: Record<string, unknown>,
        ) => session.Store
      )(session);
      const store = new FileStore({
        path: `${required(env.BENCH_FILE_DIR, 'BENCH_FILE_DIR')}/peer-${env.BENCH_PREFIX}`,
        ttl: MAX_AGE_MS / 1000,
        // No retries: a read that misses is a new session, as with every other store here.
        retries: 0,
        logFn: () => undefined,
      });
      return { store, close: async () => {} };
    }
    default:
      throw new Error(`no peer store for ${kind} in this bench`);
  }
}
