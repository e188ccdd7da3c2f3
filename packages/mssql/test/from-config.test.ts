import { fromConfigTests } from '../../sql/test/kit/from-config';
import { mssqlKit } from './helpers';

fromConfigTests(await mssqlKit());
