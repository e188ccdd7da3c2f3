import { coreConcurrencyTests } from '../../sql/test/kit/core-concurrency';
import { pruneTrafficTests } from '../../sql/test/kit/prune-traffic';
import { mysqlKit } from './helpers';

const kit = await mysqlKit();
coreConcurrencyTests(kit);
pruneTrafficTests(kit);
