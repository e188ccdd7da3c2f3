/**
 * Opens an app node's store and driver client, configured the way the store READMEs recommend
 * for failure behaviour: bounded command and connect timeouts, reconnection that never gives up
 * and retries quickly, and an 'error' listener on every client and pool (without one, Node turns
 * a dropped connection into an uncaught exception, which is a crash this suite would report).
 */
import { createMemoryStore, type SessionStore } from '@sessionkit/core';
import { createFileStore } from '@sessionkit/file';
import { createMysqlStore } from '@sessionkit/mysql';
import { createPostgresStore } from '@sessionkit/postgres';
import { createRedisStore } from '@sessionkit/redis';
import Redis, { Cluster, type RedisOptions } from 'ioredis';
import mysql from 'mysql2';
import pg from 'pg';
import type { AppStoreConfig } from './app-config';

/** A store plus what must be closed with it. */
export interface OpenedStore {
  store: SessionStore;
  close(): Promise<void>;
}

/** ioredis settings that turn an outage into prompt errors and reconnect within ~200 ms of recovery. */
function redisOptions(timeoutMs: number): RedisOptions {
  return {
    maxRetriesPerRequest: 1,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    retryStrategy: (times) => Math.min(times * 50, 200),
    // A restarted Redis answers -LOADING while it replays its data; ioredis then re-checks after
    // the server's loading ETA, at least a whole second by default. Re-check sooner instead.
    maxLoadingRetryTime: 100,
  };
}

/**
 * Opens the store of `config`. `timeoutMs` bounds every driver call (it matches the manager's
 * storeTimeout, so the driver gives up no later than core does).
 */
export async function openAppStore(
  config: AppStoreConfig,
  timeoutMs: number,
  onDriverError: (error: unknown) => void,
): Promise<OpenedStore> {
  switch (config.kind) {
    case 'memory': {
      const store = createMemoryStore({ maxSessions: 0 });
      return { store, close: () => store.close() };
    }
    case 'file': {
      const store = createFileStore({
        directory: config.directory,
        ...(config.lockStaleAfter === undefined ? {} : { lockStaleAfter: config.lockStaleAfter }),
      });
      return { store, close: () => store.close() };
    }
    case 'redis': {
      const client = new Redis(config.url, redisOptions(timeoutMs));
      client.on('error', onDriverError);
      const store = createRedisStore(client, { prefix: config.prefix });
      return { store, close: async () => client.disconnect() };
    }
    case 'redis-sentinel': {
      const client = new Redis({
        ...redisOptions(timeoutMs),
        sentinels: config.sentinels,
        name: config.name,
        sentinelRetryStrategy: (times) => Math.min(times * 50, 200),
        // Not `failoverDetector: true`: with it, 2 of 18 clients were left closed for good
        // ("Connection is closed.") after a failover in this suite; without it 14 of 14 recovered.
      });
      client.on('error', onDriverError);
      const store = createRedisStore(client, { prefix: config.prefix });
      return { store, close: async () => client.disconnect() };
    }
    case 'redis-cluster': {
      const client = new Cluster(config.nodes, {
        redisOptions: redisOptions(timeoutMs),
        clusterRetryStrategy: (times) => Math.min(times * 50, 200),
        // A failed-over slot range is learnt from the next topology refresh.
        slotsRefreshInterval: 500,
        slotsRefreshTimeout: timeoutMs,
        retryDelayOnFailover: 50,
        retryDelayOnClusterDown: 50,
      });
      client.on('error', onDriverError);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('the Redis Cluster client was not ready in 30 s')),
          30_000,
        );
        client.once('ready', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      const store = createRedisStore(client, { prefix: config.prefix });
      return { store, close: async () => client.disconnect() };
    }
    case 'postgres': {
      const pool = new pg.Pool({
        connectionString: config.url,
        max: 10,
        connectionTimeoutMillis: timeoutMs,
        query_timeout: timeoutMs,
        idleTimeoutMillis: 10_000,
      });
      // An idle client whose server died emits 'error' on the pool; unhandled, it would crash.
      pool.on('error', onDriverError);
      const store = createPostgresStore(pool, { tableName: config.tableName, pruneInterval: 0 });
      await store.createSchema();
      return {
        store,
        close: async () => {
          await store.close();
          await pool.end();
        },
      };
    }
    case 'mysql': {
      const pool = mysql.createPool({
        uri: config.url,
        connectionLimit: 10,
        connectTimeout: timeoutMs,
        enableKeepAlive: true,
      });
      pool.on('connection', (connection) => connection.on('error', onDriverError));
      const store = createMysqlStore(pool, { tableName: config.tableName, pruneInterval: 0 });
      await store.createSchema();
      return {
        store,
        close: async () => {
          await store.close();
          await pool.promise().end();
        },
      };
    }
  }
}
