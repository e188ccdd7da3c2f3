import { SessionConfigError } from '../errors';

/**
 * Store configuration an operator can write without touching code: a typed object, or one URL
 * (see store-url.ts). Validated completely before any connection is attempted; error messages
 * name the field and never contain a password.
 */
export type StoreConfig =
  | { type: 'memory'; maxSessions?: number }
  | { type: 'file'; directory: string; depth?: number }
  | RedisStoreConfig
  | SqlStoreConfig
  | MongoStoreConfig;

export type StoreType = StoreConfig['type'];

export interface HostPort {
  host: string;
  port?: number;
}

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
  /** Key prefix of the store. */
  prefix?: string;
}

export interface SqlStoreConfig {
  type: 'mysql' | 'postgres' | 'mssql';
  host: string;
  /** @default 3306, 5432 or 1433 */
  port?: number;
  user?: string;
  password?: string;
  database: string;
  tableName?: string;
  /** @default false */
  ssl?: boolean;
}

export interface MongoStoreConfig {
  type: 'mongodb';
  host: string;
  /** @default 27017; ignored with srv */
  port?: number;
  /** Resolve `host` through DNS SRV records (mongodb+srv://). @default false */
  srv?: boolean;
  username?: string;
  password?: string;
  database: string;
  collectionName?: string;
  /** Extra connection-string options, e.g. { replicaSet: 'rs0', authSource: 'admin' }. */
  options?: Record<string, string>;
}

/** A validated configuration, defaults filled in; what store packages receive. */
export type ResolvedStoreConfig =
  | { type: 'memory'; maxSessions?: number }
  | { type: 'file'; directory: string; depth?: number }
  | ResolvedRedisConfig
  | (Required<Omit<SqlStoreConfig, 'tableName' | 'user' | 'password'>> &
      Pick<SqlStoreConfig, 'tableName' | 'user' | 'password'>)
  | (Required<Omit<MongoStoreConfig, 'collectionName' | 'username' | 'password' | 'options'>> &
      Pick<MongoStoreConfig, 'collectionName' | 'username' | 'password'> & {
        options: Record<string, string>;
      });

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

export const STORE_TYPES: readonly StoreType[] = [
  'memory',
  'file',
  'redis',
  'mysql',
  'postgres',
  'mssql',
  'mongodb',
];

const DEFAULT_PORTS = {
  redis: 6379,
  sentinel: 26379,
  mysql: 3306,
  postgres: 5432,
  mssql: 1433,
  mongodb: 27017,
};
const SQL_FIELDS = ['type', 'host', 'port', 'user', 'password', 'database', 'tableName', 'ssl'] as const;

/**
 * The settings each type accepts. An unknown one is refused rather than ignored: a misspelt
 * `tabel` or `prefx` would otherwise point the store, and the CLI's revoke, at the default table
 * or key prefix.
 */
export const STORE_CONFIG_FIELDS: Readonly<Record<StoreType, readonly string[]>> = Object.freeze({
  memory: ['type', 'maxSessions'],
  file: ['type', 'directory', 'depth'],
  redis: [
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
  mysql: SQL_FIELDS,
  postgres: SQL_FIELDS,
  mssql: SQL_FIELDS,
  mongodb: ['type', 'host', 'port', 'srv', 'username', 'password', 'database', 'collectionName', 'options'],
});

const HOST = /^[A-Za-z0-9._:[\]-]{1,253}$/;

function fail(field: string, problem: string): never {
  throw new SessionConfigError(`Invalid session store configuration: ${field} ${problem}`);
}

function optionalString(config: Record<string, unknown>, field: string): string | undefined {
  const value = config[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail(field, 'must be a string.');
  return value;
}

function requiredString(config: Record<string, unknown>, field: string, hint: string): string {
  const value = optionalString(config, field);
  if (value === undefined || value === '') fail(field, `is required (${hint}).`);
  return value;
}

function host(value: unknown, field: string): string {
  if (value === undefined || value === '') fail(field, 'is required: the server name or IP address.');
  if (typeof value !== 'string' || !HOST.test(value)) fail(field, 'is not a valid host name or IP address.');
  return value;
}

function port(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    fail(field, `must be a whole number from 1 to 65535 (got ${JSON.stringify(value)}).`);
  }
  return value;
}

function hostPorts(value: unknown, field: string, fallbackPort: number): Required<HostPort>[] {
  if (!Array.isArray(value) || value.length === 0) fail(field, 'must be a non-empty list of { host, port }.');
  return value.map((node, i) => {
    const entry = (typeof node === 'object' && node !== null ? node : {}) as Record<string, unknown>;
    return {
      host: host(entry.host, `${field}[${i}].host`),
      port: port(entry.port, `${field}[${i}].port`, fallbackPort),
    };
  });
}

function redis(config: Record<string, unknown>): ResolvedRedisConfig {
  const modes = ['sentinels', 'cluster'].filter((key) => config[key] !== undefined);
  if (modes.length > 1) fail('sentinels/cluster', 'cannot both be set: choose Sentinel or Cluster.');
  const mode =
    config.sentinels !== undefined ? 'sentinel' : config.cluster !== undefined ? 'cluster' : 'standalone';
  const database = config.database ?? 0;
  if (typeof database !== 'number' || !Number.isInteger(database) || database < 0 || database > 15) {
    fail('database', `must be a Redis database index from 0 to 15 (got ${JSON.stringify(database)}).`);
  }
  if (mode === 'cluster' && database !== 0)
    fail('database', 'must be 0 with Redis Cluster, which has only database 0.');
  if (config.tls !== undefined && typeof config.tls !== 'boolean') fail('tls', 'must be true or false.');
  const nodes =
    mode === 'sentinel'
      ? hostPorts(config.sentinels, 'sentinels', DEFAULT_PORTS.sentinel)
      : mode === 'cluster'
        ? hostPorts(config.cluster, 'cluster', DEFAULT_PORTS.redis)
        : [
            {
              host: host(config.host ?? '127.0.0.1', 'host'),
              port: port(config.port, 'port', DEFAULT_PORTS.redis),
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
    tls: config.tls === true,
    prefix: optionalString(config, 'prefix'),
  };
}

/**
 * Validates a configuration object and fills in defaults. Throws SessionConfigError naming the
 * field; never echoes a password.
 */
export function resolveStoreConfig(input: unknown): ResolvedStoreConfig {
  if (typeof input !== 'object' || input === null)
    fail('config', 'must be an object with a "type", or a URL string.');
  const config = input as Record<string, unknown>;
  const type = config.type;
  if (typeof type !== 'string' || !STORE_TYPES.includes(type as StoreType)) {
    fail('type', `must be one of ${STORE_TYPES.join(', ')} (got ${JSON.stringify(type)}).`);
  }
  const accepted = STORE_CONFIG_FIELDS[type as StoreType];
  for (const field of Object.keys(config)) {
    if (!accepted.includes(field)) {
      fail(field, `is not a setting of a ${type} store; the settings are ${accepted.join(', ')}.`);
    }
  }
  switch (type as StoreType) {
    case 'memory': {
      const maxSessions = config.maxSessions;
      if (maxSessions !== undefined && (typeof maxSessions !== 'number' || maxSessions < 0)) {
        fail('maxSessions', 'must be a number >= 0.');
      }
      return { type: 'memory', ...(maxSessions === undefined ? {} : { maxSessions: maxSessions as number }) };
    }
    case 'file': {
      const directory = requiredString(config, 'directory', 'the folder that holds the session files');
      const depth = config.depth;
      if (
        depth !== undefined &&
        (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 0 || depth > 4)
      ) {
        fail('depth', 'must be a whole number from 0 to 4.');
      }
      return { type: 'file', directory, ...(depth === undefined ? {} : { depth: depth as number }) };
    }
    case 'redis':
      return redis(config);
    case 'mysql':
    case 'postgres':
    case 'mssql': {
      const sqlType = type as SqlStoreConfig['type'];
      if (config.ssl !== undefined && typeof config.ssl !== 'boolean') fail('ssl', 'must be true or false.');
      return {
        type: sqlType,
        host: host(config.host, 'host'),
        port: port(config.port, 'port', DEFAULT_PORTS[sqlType]),
        user: optionalString(config, 'user'),
        password: optionalString(config, 'password'),
        database: requiredString(config, 'database', 'the database that holds the sessions table'),
        tableName: optionalString(config, 'tableName'),
        ssl: config.ssl === true,
      };
    }
    case 'mongodb': {
      const options = config.options ?? {};
      if (
        typeof options !== 'object' ||
        options === null ||
        Object.values(options).some((v) => typeof v !== 'string')
      ) {
        fail('options', 'must be an object of string values.');
      }
      if (config.srv !== undefined && typeof config.srv !== 'boolean') fail('srv', 'must be true or false.');
      return {
        type: 'mongodb',
        host: host(config.host, 'host'),
        port: port(config.port, 'port', DEFAULT_PORTS.mongodb),
        srv: config.srv === true,
        username: optionalString(config, 'username'),
        password: optionalString(config, 'password'),
        database: requiredString(config, 'database', 'the database that holds the sessions collection'),
        collectionName: optionalString(config, 'collectionName'),
        options: options as Record<string, string>,
      };
    }
  }
}
