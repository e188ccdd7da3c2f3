/**
 * node-redis 5 clients for the three topologies, from the same SESSIONKIT_* URLs as the ioredis
 * ones in helpers.ts. The conformance suite runs the store on these while its back door keeps
 * reading through ioredis: what reached Redis is checked by another client than the one tested.
 */
import { type Backend, parseRedisNodesUrl, parseRedisSentinelUrl } from '@sessionkit/testing';
import { createClient, createCluster, createSentinel } from 'redis';
import type { NodeRedisLike } from '../src/index';

/** A connected node-redis client and how to close it. */
export interface NodeRedisHandle {
  client: NodeRedisLike;
  close(): Promise<void>;
}

export async function connectNodeRedis(backend: Backend, url: string): Promise<NodeRedisHandle> {
  if (backend === 'redis-cluster') {
    const { nodes, password, username } = parseRedisNodesUrl(url);
    const cluster = createCluster({
      rootNodes: nodes.map(({ host, port }) => ({ socket: { host, port } })),
      defaults: { password, username },
    });
    cluster.on('error', () => undefined);
    await cluster.connect();
    return { client: cluster, close: () => cluster.close() };
  }
  if (backend === 'redis-sentinel') {
    const { sentinels, name, password, username, db } = parseRedisSentinelUrl(url);
    const sentinel = createSentinel({
      name,
      sentinelRootNodes: sentinels,
      nodeClientOptions: { password, username, database: db },
    });
    sentinel.on('error', () => undefined);
    await sentinel.connect();
    return { client: sentinel, close: () => sentinel.close() };
  }
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  return { client, close: () => client.close() };
}
