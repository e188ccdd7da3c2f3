import { coreConcurrencyTests } from '../../sql/test/kit/core-concurrency';
import { pruneTrafficTests } from '../../sql/test/kit/prune-traffic';
import { postgresKit } from './helpers';

const kit = await postgresKit();
coreConcurrencyTests(kit);
pruneTrafficTests(kit);
