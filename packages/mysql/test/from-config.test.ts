import { fromConfigTests } from '../../sql/test/kit/from-config';
import { mysqlKit } from './helpers';

fromConfigTests(await mysqlKit());
