import { fromConfigTests } from '../../sql/test/kit/from-config';
import { postgresKit } from './helpers';

fromConfigTests(await postgresKit());
