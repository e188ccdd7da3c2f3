/**
 * The part of an ioredis client the store uses, as a structural type: ioredis is a peer
 * dependency the app owns, so the store never imports it at run time, and an ioredis `Redis`
 * (standalone or Sentinel-backed) and `Cluster` both satisfy this type.
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
}

/** An ioredis `Redis` or `Cluster`, as far as the store is concerned. */
export interface RedisClientLike extends RedisCommands {
  /** true on an ioredis `Cluster`. */
  readonly isCluster?: boolean;
  /** Cluster only: one connection per node, used to SCAN every master. */
  nodes?(role: 'master'): RedisCommands[];
  /** Read only to refuse an ioredis `keyPrefix`, which SCAN patterns would not see. */
  readonly options?: { keyPrefix?: string; redisOptions?: { keyPrefix?: string } };
}
