import { namespacedSetup } from '@sessionkit/sql/testing';
import { runStoreConformance } from '@sessionkit/store-test-suite';
import { skipReason } from '@sessionkit/testing';
import { afterAll } from 'vitest';
import { mssqlKit } from './helpers';

// The whole suite again inside one namespace of a table that holds another app's rows as well.
const kit = await mssqlKit();
const pool = kit.provisioned.available ? await kit.connect() : null;
afterAll(() => pool?.end());

runStoreConformance({
  name: 'mssql (namespace on a shared table)',
  skip: skipReason(kit.provisioned),
  setup: () => namespacedSetup(kit, pool!)(),
});
