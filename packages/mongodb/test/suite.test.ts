import { runStoreConformance } from '@sessionkit/store-test-suite';
import { skipReason } from '@sessionkit/testing';
import { useMongo } from './helpers';

const mongo = await useMongo();

runStoreConformance({
  name: 'mongodb',
  skip: skipReason(mongo.provisioned),
  // BSON dates hold whole milliseconds, like the epoch ms core writes.
  expiryResolutionMs: 1,
  setup: () => mongo.target(),
});
