/**
 * Parsers for the Redis URL shapes of SESSIONKIT_REDIS_CLUSTER_URL and
 * SESSIONKIT_REDIS_SENTINEL_URL, which ioredis does not understand on its own.
 */

/** A host and port. */
export interface HostPort {
  host: string;
  port: number;
}

/** Parsed `redis://[user:password@]host:port[,host:port...][/db]`. */
export interface RedisNodesUrl {
  nodes: HostPort[];
  username?: string;
  password?: string;
  db?: number;
}

/** Parsed `redis+sentinel://[user:password@]host:port[,host:port...]/<master name>[/db]`. */
export interface RedisSentinelUrl {
  sentinels: HostPort[];
  /** The master name the sentinels monitor. */
  name: string;
  username?: string;
  password?: string;
  db?: number;
}

/**
 * Parses a Redis URL with one or more comma-separated nodes (the Cluster seed list).
 *
 * @example
 * parseRedisNodesUrl('redis://127.0.0.1:7000,127.0.0.1:7001').nodes; // [{ host: '127.0.0.1', port: 7000 }, ...]
 */
export function parseRedisNodesUrl(url: string): RedisNodesUrl {
  const match = /^rediss?:\/\/(?:([^@/]*)@)?([^/]+)(?:\/(\d+))?\/?$/.exec(url.trim());
  if (!match?.[2]) throw new TypeError(`Not a redis:// URL with host:port nodes: ${url}`);
  return {
    nodes: parseHostList(match[2], 6379, url),
    ...parseCredentials(match[1]),
    ...(match[3] === undefined ? {} : { db: Number(match[3]) }),
  };
}

/**
 * Parses a Sentinel URL into what `new Redis({ sentinels, name })` takes.
 *
 * @example
 * parseRedisSentinelUrl('redis+sentinel://127.0.0.1:26379/sessionkit'); // { sentinels: [...], name: 'sessionkit' }
 */
export function parseRedisSentinelUrl(url: string): RedisSentinelUrl {
  const match = /^redis\+sentinel:\/\/(?:([^@/]*)@)?([^/]+)\/([^/]+)(?:\/(\d+))?\/?$/.exec(url.trim());
  if (!match?.[2] || !match[3]) {
    throw new TypeError(`Not a redis+sentinel://host:port[,host:port...]/<master name> URL: ${url}`);
  }
  return {
    sentinels: parseHostList(match[2], 26379, url),
    name: decodeURIComponent(match[3]),
    ...parseCredentials(match[1]),
    ...(match[4] === undefined ? {} : { db: Number(match[4]) }),
  };
}

function parseHostList(list: string, defaultPort: number, url: string): HostPort[] {
  return list.split(',').map((entry) => {
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry.trim());
    if (!match?.[1]) throw new TypeError(`Bad host:port "${entry}" in ${url}`);
    return { host: match[1].replace(/^\[|\]$/g, ''), port: match[2] ? Number(match[2]) : defaultPort };
  });
}

function parseCredentials(userinfo: string | undefined): { username?: string; password?: string } {
  if (!userinfo) return {};
  const colon = userinfo.indexOf(':');
  if (colon < 0) return { username: decodeURIComponent(userinfo) };
  const username = decodeURIComponent(userinfo.slice(0, colon));
  const password = decodeURIComponent(userinfo.slice(colon + 1));
  return { ...(username ? { username } : {}), password };
}
