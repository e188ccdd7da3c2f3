export type { RedisArg, RedisClientLike, RedisCommands } from './client';
export { openStoreFromConfig } from './from-config';
export { DEFAULT_PREFIX } from './key-layout';
export { createRedisStore, type RedisStore, type RedisStoreOptions } from './redis-store';
