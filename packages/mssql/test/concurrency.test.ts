import { coreConcurrencyTests, pruneTrafficTests } from '@sessionkit/sql/testing';
import { mssqlKit } from './helpers';

const kit = await mssqlKit();
coreConcurrencyTests(kit);
coreConcurrencyTests(kit, { tomcatSeed: true });
pruneTrafficTests(kit);
