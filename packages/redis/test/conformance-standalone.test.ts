import { runStoreConformance } from '@sessionkit/store-test-suite';
import { skipReason } from '@sessionkit/testing';
import { useRedis } from './helpers';

const redis = await useRedis('redis');

runStoreConformance({
  name: 'redis (standalone)',
  skip: skipReason(redis.provisioned),
  expiryResolutionMs: 1,
  setup: () => redis.target(),
});
