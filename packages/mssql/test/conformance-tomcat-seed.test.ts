import { tomcatSeedSetup } from '@sessionkit/sql/testing';
import { runStoreConformance } from '@sessionkit/store-test-suite';
import { skipReason } from '@sessionkit/testing';
import { afterAll } from 'vitest';
import { mssqlKit } from './helpers';

// The whole suite on Tomcat's JDBCStore table with no column added: last_access is the
// compare-and-set token, and there is no owner index. A touch changes whole seconds only.
const kit = await mssqlKit();
const pool = kit.provisioned.available ? await kit.connect() : null;
afterAll(() => pool?.end());

runStoreConformance({
  name: 'mssql (Tomcat table as documented: no version, no owner column)',
  skip: skipReason(kit.provisioned),
  setup: () => tomcatSeedSetup(kit, pool!)(),
  expiryResolutionMs: 1000,
});
