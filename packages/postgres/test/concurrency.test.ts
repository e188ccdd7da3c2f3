import { coreConcurrencyTests, pruneTrafficTests } from '@sessionkit/sql/testing';
import { postgresKit } from './helpers';

const kit = await postgresKit();
coreConcurrencyTests(kit);
coreConcurrencyTests(kit, { tomcatSeed: true });
pruneTrafficTests(kit);
