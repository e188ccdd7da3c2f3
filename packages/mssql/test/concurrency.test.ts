import { coreConcurrencyTests } from '../../sql/test/kit/core-concurrency';
import { pruneTrafficTests } from '../../sql/test/kit/prune-traffic';
import { mssqlKit } from './helpers';

const kit = await mssqlKit();
coreConcurrencyTests(kit);
pruneTrafficTests(kit);
