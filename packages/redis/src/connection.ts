/** The app's client, of either family, checked and turned into the connection the store uses. */
import { validateIoredisClient } from './checks';
import type { IoredisClientLike, RedisClientLike, RedisConnection } from './client';
import { isNodeRedis, nodeRedisConnection } from './node-redis';

export function openConnection(client: RedisClientLike): RedisConnection {
  if (typeof client === 'object' && client !== null && isNodeRedis(client))
    return nodeRedisConnection(client);
  validateIoredisClient(client as IoredisClientLike);
  const ioredis = client as IoredisClientLike;
  if (!ioredis.isCluster) {
    const masters = Promise.resolve([ioredis]);
    return { commands: ioredis, isCluster: false, masters: () => masters };
  }
  return {
    commands: ioredis,
    isCluster: true,
    masters: async () => {
      const nodes = ioredis.nodes?.('master') ?? [];
      if (nodes.length === 0) {
        throw new Error('the Cluster client knows no master yet (not connected); wait for its "ready" event');
      }
      return nodes;
    },
  };
}
