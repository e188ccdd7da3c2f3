import { provision } from '@sessionkit/testing';
import { nextSuite } from './next-suite';

nextSuite(16, await provision('redis'));
