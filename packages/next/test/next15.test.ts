import { provision } from '@sessionkit/testing';
import { nextSuite } from './next-suite';

nextSuite(15, await provision('redis'));
