import { runStoreConformance } from '@sessionkit/store-test-suite';
import { skipReason } from '@sessionkit/testing';
import { useRedis } from './helpers';

const redis = await useRedis('redis-cluster', { family: 'node-redis' });

runStoreConformance({
  name: 'redis (cluster, node-redis)',
  skip: skipReason(redis.provisioned),
  expiryResolutionMs: 1,
  setup: () => redis.target(),
});
