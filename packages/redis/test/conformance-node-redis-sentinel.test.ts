import { runStoreConformance } from '@sessionkit/store-test-suite';
import { skipReason } from '@sessionkit/testing';
import { useRedis } from './helpers';

const redis = await useRedis('redis-sentinel', { family: 'node-redis' });

runStoreConformance({
  name: 'redis (sentinel, node-redis)',
  skip: skipReason(redis.provisioned),
  expiryResolutionMs: 1,
  setup: () => redis.target(),
});
