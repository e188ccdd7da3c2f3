import { runStoreConformance } from '@sessionkit/store-test-suite';
import { skipReason } from '@sessionkit/testing';
import { useRedis } from './helpers';

const redis = await useRedis('redis', { family: 'node-redis' });

runStoreConformance({
  name: 'redis (standalone, node-redis)',
  skip: skipReason(redis.provisioned),
  expiryResolutionMs: 1,
  setup: () => redis.target(),
});
