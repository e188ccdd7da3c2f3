import { coreConcurrencyTests, pruneTrafficTests } from '@sessionkit/sql/testing';
import { mysqlKit } from './helpers';

const kit = await mysqlKit();
coreConcurrencyTests(kit);
coreConcurrencyTests(kit, { tomcatSeed: true });
pruneTrafficTests(kit);
