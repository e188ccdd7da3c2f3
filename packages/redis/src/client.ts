/**
 * The Redis clients the store accepts, as structural types: the client is a peer dependency the
 * app owns, so the store never imports one at run time. Two families are accepted:
 * - ioredis: a `Redis` (standalone or Sentinel-backed) or a `Cluster`, used as they are;
 * - node-redis 5 (the `redis` package): `createClient`, `createSentinel` or `createCluster`,
 *   reached through `sendCommand` (node-redis.ts turns them into the same commands).
 */

/** An argument of a Redis command. */
export type RedisArg = string | Buffer | number;

/** The commands the store sends, on a client or on one Cluster node. */
export interface RedisCommands {
  hmgetBuffer(key: string, ...fields: string[]): Promise<(Buffer | null)[]>;
  evalsha(sha1: string, numkeys: number, ...args: RedisArg[]): Promise<unknown>;
  eval(script: string, numkeys: number, ...args: RedisArg[]): Promise<unknown>;
  zrange(key: string, start: number, stop: number): Promise<string[]>;
  zrem(key: string, ...members: string[]): Promise<number>;
  zremrangebyscore(key: string, min: string, max: number): Promise<number>;
  scan(
    cursor: string,
    patternToken: 'MATCH',
    pattern: string,
    countToken: 'COUNT',
    count: number,
  ): Promise<[cursor: string, elements: string[]]>;
  unlink(...keys: string[]): Promise<number>;
  /** For verify(): every ioredis `Redis` and Cluster node has it, as does the node-redis adapter. */
  ping?(): Promise<string>;
  /** For verify(): the server's clock, as [seconds, microseconds]. */
  time?(): Promise<(string | number)[]>;
}

/** An ioredis `Redis` or `Cluster`, as far as the store is concerned. */
export interface IoredisClientLike extends RedisCommands {
  /** true on an ioredis `Cluster`. */
  readonly isCluster?: boolean;
  /** Cluster only: one connection per node, used to SCAN every master. */
  nodes?(role: 'master'): RedisCommands[];
  /** Read only to refuse an ioredis `keyPrefix`, which SCAN patterns would not see. */
  readonly options?: { keyPrefix?: string; redisOptions?: { keyPrefix?: string } };
}

/** An argument node-redis sends as it is (it takes no numbers). */
export type NodeRedisArg = string | Buffer;

/** The per-command options the store passes to node-redis: only a reply type mapping. */
export interface NodeRedisCommandOptions {
  typeMapping?: Record<number, unknown>;
}

/** A node-redis 5 client (`createClient()`), connected by the app. */
export interface NodeRedisClientLike {
  sendCommand(args: readonly NodeRedisArg[], options?: NodeRedisCommandOptions): Promise<unknown>;
  readonly isOpen: boolean;
}

/** A node-redis 5 Sentinel client (`createSentinel()`): commands go to the current master. */
export interface NodeRedisSentinelLike {
  sendCommand(
    isReadonly: boolean | undefined,
    args: readonly NodeRedisArg[],
    options?: NodeRedisCommandOptions,
  ): Promise<unknown>;
  getMasterNode(): unknown;
  readonly isOpen: boolean;
}

/** A node-redis 5 Cluster client (`createCluster()`). */
export interface NodeRedisClusterLike {
  sendCommand(
    firstKey: NodeRedisArg | undefined,
    isReadonly: boolean | undefined,
    args: readonly NodeRedisArg[],
    options?: NodeRedisCommandOptions,
  ): Promise<unknown>;
  /** The masters the client knows (after `connect()`), each reachable through `nodeClient`. */
  readonly masters: readonly unknown[];
  // biome-ignore lint/suspicious/noExplicitAny: node-redis types the node by its own generics
  nodeClient(node: any): NodeRedisClientLike | Promise<NodeRedisClientLike>;
  readonly isOpen: boolean;
}

/** Any node-redis 5 client kind the store accepts. */
export type NodeRedisLike = NodeRedisClientLike | NodeRedisSentinelLike | NodeRedisClusterLike;

/** What `createRedisStore` accepts: an ioredis client or Cluster, or a node-redis 5 client. */
export type RedisClientLike = IoredisClientLike | NodeRedisLike;

/** A client as the store uses it, whatever its family. */
export interface RedisConnection {
  /** The commands, on the whole key space (a Cluster client routes each by its key). */
  readonly commands: RedisCommands;
  /** true when keys live on several nodes, so a script must not touch two sessions. */
  readonly isCluster: boolean;
  /** Every master, each on its own node: SCAN only sees the keys of the node it runs on. */
  masters(): Promise<RedisCommands[]>;
}
