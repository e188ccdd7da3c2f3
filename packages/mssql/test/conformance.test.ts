import { defaultSetup } from '@sessionkit/sql/testing';
import { runStoreConformance } from '@sessionkit/store-test-suite';
import { skipReason } from '@sessionkit/testing';
import { afterAll } from 'vitest';
import { mssqlKit } from './helpers';

const kit = await mssqlKit();
const pool = kit.provisioned.available ? await kit.connect() : null;
afterAll(() => pool?.end());

runStoreConformance({
  name: 'mssql',
  skip: skipReason(kit.provisioned),
  setup: () => defaultSetup(kit, pool!)(),
});
