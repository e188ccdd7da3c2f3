import {
  describeStoreConfig,
  type OpenStoreFromConfig,
  SessionConfigError,
  toConfiguredStore,
} from '@sessionkit/core';
import type { RedisOptions } from 'ioredis';
import type { RedisClientLike } from './client';
import { createRedisStore } from './redis-store';

/** The failure behaviour the README recommends: bounded waits, endless reconnection. */
const FAILURE_OPTIONS: RedisOptions = {
  maxRetriesPerRequest: 1,
  commandTimeout: 2000,
  connectTimeout: 2000,
  retryStrategy: (times) => Math.min(times * 100, 1000),
};

/**
 * Opens a Redis store from a validated configuration (standalone, Sentinel or Cluster), creating
 * the ioredis client itself; the returned store's close() quits that client. Used by core's
 * `createStoreFromConfig`.
 */
export const openStoreFromConfig: OpenStoreFromConfig = async (config) => {
  if (config.type !== 'redis')
    throw new SessionConfigError(`@sessionkit/redis cannot open a "${config.type}" store.`);
  // Imported here, not at the top: ioredis is a peer dependency that apps using a client of their
  // own never load through this path.
  const ioredis = await import('ioredis');
  const Redis = ioredis.Redis ?? ioredis.default;
  const common: RedisOptions = {
    ...FAILURE_OPTIONS,
    ...(config.username === undefined ? {} : { username: config.username }),
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(config.tls ? { tls: {} } : {}),
  };
  const client =
    config.mode === 'cluster'
      ? new ioredis.Cluster(config.nodes, { redisOptions: common })
      : config.mode === 'sentinel'
        ? new Redis({
            ...common,
            sentinels: config.nodes,
            name: config.sentinelName ?? '',
            db: config.database,
          })
        : new Redis({
            ...common,
            host: config.nodes[0]?.host,
            port: config.nodes[0]?.port,
            db: config.database,
          });
  // Failures reach callers as SessionStoreErrors from each command; without a listener ioredis
  // would also print every reconnection attempt. The last one is kept: a command that gives up
  // while the client is offline only says "max retries per request limit", and the operator
  // needs the connection's own failure (ECONNREFUSED, a DNS error, NOAUTH) instead.
  let lastConnectionError: Error | undefined;
  client.on('error', (error: Error) => {
    lastConnectionError = error;
  });
  client.on('ready', () => {
    lastConnectionError = undefined;
  });
  const explain = () =>
    client.status !== 'ready' && lastConnectionError
      ? `cannot reach Redis: ${lastConnectionError.message}`
      : undefined;
  const store = createRedisStore(client as unknown as RedisClientLike, {
    ...(config.prefix === undefined ? {} : { prefix: config.prefix }),
  });
  return toConfiguredStore(
    store,
    describeStoreConfig(config),
    async () => {
      await client.quit().catch(() => client.disconnect());
    },
    explain,
  );
};
