export type {
  IoredisClientLike,
  NodeRedisClientLike,
  NodeRedisClusterLike,
  NodeRedisLike,
  NodeRedisSentinelLike,
  RedisArg,
  RedisClientLike,
  RedisCommands,
} from './client';
export { type RedisStoreConfig, type ResolvedRedisConfig, storeDescriptor } from './descriptor';
export { DEFAULT_PREFIX } from './key-layout';
export { createRedisStore, type RedisStore, type RedisStoreOptions } from './redis-store';
