import type { StoreDescriptor } from '@sessionkit/core';
import {
  booleanSetting,
  type HostPort,
  hostPortList,
  hostSetting,
  hostSettings,
  optionalString,
  portSetting,
  requiredString,
  settingError,
  singleHost,
  splitStoreUrl,
  storeUrlError,
  urlCredentials,
  urlFlag,
  urlNumber,
} from '@sessionkit/core/descriptor';
import type { RedisOptions } from 'ioredis';
import type { RedisClientLike } from './client';
import { createRedisStore } from './redis-store';

/**
 * A Redis store's settings, for `createStoreFromConfig` (or one URL:
 * `redis://[user:pass@]host:6379/0?prefix=s:`, `rediss://…` for TLS,
 * `redis+sentinel://[:pass@]h1:26379,h2:26379/mymaster[/0]`, `redis+cluster://[:pass@]h1:7000,h2:7001`).
 */
export interface RedisStoreConfig {
  type: 'redis';
  /** Standalone server. @default '127.0.0.1' */
  host?: string;
  /** @default 6379 (26379 for sentinels) */
  port?: number;
  /** Sentinel mode: the sentinels to ask for the master named `sentinelName`. */
  sentinels?: HostPort[];
  sentinelName?: string;
  /** Cluster mode: seed nodes. */
  cluster?: HostPort[];
  username?: string;
  password?: string;
  /** Database index, 0-15; Cluster only has 0. @default 0 */
  database?: number;
  /** @default false */
  tls?: boolean;
  /** Key prefix of the store. @default 'sess:' */
  prefix?: string;
}

/** A checked {@link RedisStoreConfig}, defaults filled in. */
export interface ResolvedRedisConfig {
  type: 'redis';
  mode: 'standalone' | 'sentinel' | 'cluster';
  /** The server, the sentinels, or the cluster seeds, depending on mode. */
  nodes: Required<HostPort>[];
  sentinelName: string | null;
  username?: string;
  password?: string;
  database: number;
  tls: boolean;
  prefix?: string;
}

const REDIS_PORT = 6379;
const SENTINEL_PORT = 26379;

/**
 * What the README recommends: bounded waits and endless reconnection, and auto-pipelining, which
 * sends the commands of concurrent requests in one socket write.
 */
const FAILURE_OPTIONS: RedisOptions = {
  maxRetriesPerRequest: 1,
  commandTimeout: 2000,
  connectTimeout: 2000,
  retryStrategy: (times) => Math.min(times * 100, 1000),
  enableAutoPipelining: true,
};

function fromUrl(url: string): RedisStoreConfig {
  const parts = splitStoreUrl(url, ['prefix', 'tls']);
  const { scheme, path, query } = parts;
  const prefix = query.get('prefix');
  const common = {
    type: 'redis' as const,
    ...urlCredentials(parts, 'username'),
    ...(scheme === 'rediss' || urlFlag(url, query, 'tls') ? { tls: true } : {}),
    ...(prefix === null ? {} : { prefix }),
  };
  const database = (segment: string | undefined) =>
    segment === undefined ? {} : { database: urlNumber(url, 'the database index', segment) };
  if (scheme === 'redis+sentinel') {
    if (!path[0])
      storeUrlError(url, 'it names no master: redis+sentinel://host:26379,host2:26379/<master-name>[/<db>]');
    return { ...common, sentinels: parts.hosts, sentinelName: path[0], ...database(path[1]) };
  }
  if (scheme === 'redis+cluster') return { ...common, cluster: parts.hosts, ...database(path[0]) };
  const only = singleHost(url, parts.hosts, 'use redis+cluster:// or redis+sentinel:// for several nodes');
  return { ...common, ...hostSettings(only), ...database(path[0]) };
}

function resolve(config: Record<string, unknown>): ResolvedRedisConfig {
  if (config.sentinels !== undefined && config.cluster !== undefined)
    settingError('sentinels/cluster', 'cannot both be set: choose Sentinel or Cluster.');
  const mode =
    config.sentinels !== undefined ? 'sentinel' : config.cluster !== undefined ? 'cluster' : 'standalone';
  const database = config.database ?? 0;
  if (typeof database !== 'number' || !Number.isInteger(database) || database < 0 || database > 15) {
    settingError(
      'database',
      `must be a Redis database index from 0 to 15 (got ${JSON.stringify(database)}).`,
    );
  }
  if (mode === 'cluster' && database !== 0)
    settingError('database', 'must be 0 with Redis Cluster, which has only database 0.');
  const nodes =
    mode === 'sentinel'
      ? hostPortList(config.sentinels, 'sentinels', SENTINEL_PORT)
      : mode === 'cluster'
        ? hostPortList(config.cluster, 'cluster', REDIS_PORT)
        : [
            {
              host: hostSetting(config.host ?? '127.0.0.1', 'host'),
              port: portSetting(config.port, 'port', REDIS_PORT),
            },
          ];
  return {
    type: 'redis',
    mode,
    nodes,
    sentinelName:
      mode === 'sentinel'
        ? requiredString(config, 'sentinelName', 'the master name the sentinels monitor')
        : null,
    username: optionalString(config, 'username'),
    password: optionalString(config, 'password'),
    database,
    tls: booleanSetting(config, 'tls'),
    prefix: optionalString(config, 'prefix'),
  };
}

function describe(config: ResolvedRedisConfig): string {
  const nodes = config.nodes.map((n) => `${n.host}:${n.port}`).join(',');
  const where =
    config.mode === 'sentinel' ? `sentinel ${config.sentinelName} via ${nodes}` : `${config.mode} ${nodes}`;
  return `redis ${where} db ${config.database}${config.tls ? ' (tls)' : ''}`;
}

/**
 * Opens a Redis store (standalone, Sentinel or Cluster), creating the ioredis client itself; the
 * configured store's close() quits that client.
 */
async function open(config: ResolvedRedisConfig) {
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
  const [first] = config.nodes;
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
        : new Redis({ ...common, host: first?.host, port: first?.port, db: config.database });
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
  return {
    store: createRedisStore(client as unknown as RedisClientLike, {
      ...(config.prefix === undefined ? {} : { prefix: config.prefix }),
    }),
    closeClient: async () => {
      await client.quit().catch(() => client.disconnect());
    },
    explain: () =>
      client.status !== 'ready' && lastConnectionError
        ? `cannot reach Redis: ${lastConnectionError.message}`
        : undefined,
  };
}

/**
 * How `createStoreFromConfig` opens a Redis store from `{ type: 'redis', … }` or a `redis:`,
 * `rediss:`, `redis+sentinel:` or `redis+cluster:` URL.
 */
export const storeDescriptor: StoreDescriptor<ResolvedRedisConfig> = {
  type: 'redis',
  schemes: ['redis', 'rediss', 'redis+sentinel', 'redis+cluster'],
  settings: [
    'type',
    'host',
    'port',
    'sentinels',
    'sentinelName',
    'cluster',
    'username',
    'password',
    'database',
    'tls',
    'prefix',
  ],
  fromUrl,
  resolve,
  describe,
  open,
};
