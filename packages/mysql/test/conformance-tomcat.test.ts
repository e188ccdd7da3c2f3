import { tomcatSetup } from '@sessionkit/sql/testing';
import { runStoreConformance } from '@sessionkit/store-test-suite';
import { skipReason } from '@sessionkit/testing';
import { afterAll } from 'vitest';
import { mysqlKit } from './helpers';

// The whole suite on a Tomcat JDBCStore-style table: expiry from last_access + max_inactive.
const kit = await mysqlKit();
const pool = kit.provisioned.available ? await kit.connect() : null;
afterAll(() => pool?.end());

runStoreConformance({
  name: 'mysql (Tomcat table layout)',
  skip: skipReason(kit.provisioned),
  setup: () => tomcatSetup(kit, pool!)(),
});
