import { runStoreConformance } from '@sessionkit/store-test-suite';
import { skipReason } from '@sessionkit/testing';
import { useRedis } from './helpers';

const redis = await useRedis('redis-cluster');

runStoreConformance({
  name: 'redis (cluster)',
  skip: skipReason(redis.provisioned),
  expiryResolutionMs: 1,
  setup: () => redis.target(),
});
